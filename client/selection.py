"""Which unit the player has picked, and turning clicks into orders (or reasons why not).

Checks that need only the mirror are made here, before anything is sent, and a refusal is
recorded on the mirror exactly as a server refusal would be, so the UI shows both the same way;
everything else is left to the server, which has the last word.
"""

from __future__ import annotations

from dataclasses import dataclass

from client.mirror import Mirror
from shared.hexgrid import Hex
from shared.orders import ORDER_ERRORS, OrderRequest


@dataclass(frozen=True, slots=True)
class Draft:
    """An order sent and not yet confirmed, drawn as a straight line until the path arrives."""

    unit: str
    kind: str
    to: Hex | None
    at: float


class Selection:
    """The selected unit and the orders drafted for it."""

    def __init__(self) -> None:
        self.unit: str | None = None
        self.drafts: dict[str, Draft] = {}

    def clear(self) -> None:
        self.unit = None

    def prune(self, mirror: Mirror) -> None:
        """Forget a selection whose unit left the view, and drafts the server has answered."""
        if self.unit is not None and self.unit not in mirror.units:
            self.unit = None
        for uid in list(self.drafts):
            unit = mirror.units.get(uid)
            draft = self.drafts[uid]
            confirmed = (
                unit is not None
                and unit.order == draft.kind
                and (draft.to is None or unit.to == draft.to)
            )
            if unit is None or uid in mirror.order_errors or confirmed:
                del self.drafts[uid]

    def click(self, mirror: Mirror, h: Hex) -> str | None:
        """Select a unit in hex h: own units first; clicking a stack again cycles through it."""
        here = mirror.units_at(h)
        if not here:
            self.unit = None
            return None
        here.sort(key=lambda u: (u.side != mirror.view, u.id))
        ids = [u.id for u in here]
        if self.unit in ids:
            self.unit = ids[(ids.index(self.unit) + 1) % len(ids)]
        else:
            self.unit = ids[0]
        return self.unit

    def cycle_own(self, mirror: Mirror, step: int = 1) -> str | None:
        """Tab through your own units in id order."""
        own = [u.id for u in mirror.own_units()]
        if not own:
            return None
        if self.unit in own:
            self.unit = own[(own.index(self.unit) + step) % len(own)]
        else:
            self.unit = own[0]
        return self.unit

    def _orderable(self, mirror: Mirror, now: float) -> str | None:
        uid = self.unit
        if uid is None:
            return None
        unit = mirror.units.get(uid)
        if unit is None:
            return None
        if mirror.view not in ("soviet", "japan"):
            mirror.refuse(uid, "spectator", "spectators cannot give orders", now)
            return None
        if unit.side != mirror.view:
            mirror.refuse(uid, "not_your_unit", ORDER_ERRORS["not_your_unit"], now)
            return None
        if mirror.finished:
            mirror.refuse(uid, "match_over", ORDER_ERRORS["match_over"], now)
            return None
        return uid

    def move_to(self, mirror: Mirror, h: Hex, now: float) -> OrderRequest | None:
        """A move order for the selected unit to h, or None (with the reason on the mirror)."""
        uid = self._orderable(mirror, now)
        if uid is None:
            return None
        ground = mirror.ground
        if ground is not None and not ground.contains(h):
            mirror.refuse(uid, "off_map", ORDER_ERRORS["off_map"], now)
            return None
        if ground is not None and not ground.passable(h):
            mirror.refuse(uid, "impassable", ORDER_ERRORS["impassable"], now)
            return None
        mirror.order_errors.pop(uid, None)
        self.drafts[uid] = Draft(uid, "move", h, now)
        return OrderRequest(uid, "move", h)

    def hold(self, mirror: Mirror, now: float) -> OrderRequest | None:
        uid = self._orderable(mirror, now)
        if uid is None:
            return None
        mirror.order_errors.pop(uid, None)
        self.drafts[uid] = Draft(uid, "hold", None, now)
        return OrderRequest(uid, "hold")
