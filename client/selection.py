"""Which units the player has picked, their numbered groups, and turning clicks into orders.

Checks that need only the mirror are made here, before anything is sent, and a refusal is
recorded on the mirror exactly as a server refusal would be, so the UI shows both the same way;
everything else is left to the server, which has the last word. Plain Python: no window needed
to test box selection, groups or waypoint queues.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from client.mirror import Mirror
from shared.hexgrid import Hex, line
from shared.orders import ORDER_ERRORS, OrderRequest
from shared.protocol import MAX_ORDERS_PER_MESSAGE, UnitView

GROUND_ORDERS = ("move", "attack", "rail")  # what a right-click can send a ground unit
ROUTE_ORDERS = ("move", "attack")  # the orders that take waypoints (``via``)
MISSIONS = ("support", "interdict", "airdrop", "recon")  # air missions, flown with ``air``
MAX_VIA = 16  # waypoints an order may carry (shared.orders.OrderRequest.via)
DRAFT_TIMEOUT_S = 10.0  # a draft the server never confirms (nor refuses) stops being drawn
DOUBLE_TAP_S = 0.4  # a group key pressed twice within this centres the camera on the group
GROUPS = range(1, 10)
_HAS_VIA = "via" in OrderRequest.__struct_fields__

Rect = tuple[float, float, float, float]  # world x0, y0, x1, y1


@dataclass(frozen=True, slots=True)
class Draft:
    """An order sent and not yet confirmed, drawn as straight legs until the path arrives."""

    unit: str
    kind: str
    to: Hex | None
    at: float
    via: tuple[Hex, ...] = ()
    mission: str | None = None


def player_side(mirror: Mirror) -> str | None:
    """The side this player orders for; None for a spectator (whatever side they look at)."""
    return mirror.view if mirror.view in ("soviet", "japan") else None


def can_order(mirror: Mirror, unit: UnitView) -> bool:
    """Own units of the player's own command (units without one belong to every seat)."""
    if unit.side != player_side(mirror) or unit.stale:
        return False
    seat = getattr(mirror, "seat", None)
    command = getattr(unit, "command", None)
    return seat is None or command is None or command == seat


def order_request(
    uid: str, kind: str, to: Hex | None, via: Iterable[Hex] = (), mission: str | None = None
) -> OrderRequest:
    """An ``OrderRequest``; waypoints only when this build of the protocol knows them."""
    extra: dict[str, object] = {}
    waypoints = [tuple(h) for h in via]
    if waypoints and _HAS_VIA:
        extra["via"] = waypoints
    if mission is not None:
        extra["mission"] = mission
    return OrderRequest(uid, kind, to, **extra)  # type: ignore[arg-type]


def chunks(orders: list[OrderRequest]) -> list[list[OrderRequest]]:
    """Orders split into messages of at most MAX_ORDERS_PER_MESSAGE."""
    n = MAX_ORDERS_PER_MESSAGE
    return [orders[i : i + n] for i in range(0, len(orders), n)]


def _rail_hexes(mirror: Mirror) -> set[Hex]:
    ground = mirror.ground
    if ground is None:
        return set()
    cached = getattr(ground, "_rail_hexes", None)
    if cached is None:
        cached = set()
        for rail in ground.data.rails:
            cached.add((rail[0], rail[1]))
            cached.add((rail[2], rail[3]))
        ground._rail_hexes = cached  # type: ignore[attr-defined]
    return cached


class Selection:
    """The selected units (the first is the one the unit panel shows), groups and drafts."""

    def __init__(self) -> None:
        self.units: list[str] = []
        self.drafts: dict[str, Draft] = {}
        self.groups: dict[int, list[str]] = {}
        self._last_recall: tuple[int, float] | None = None

    # -- the selected set -------------------------------------------------------------------
    @property
    def unit(self) -> str | None:
        """The primary selected unit: the one clicked last, shown in the unit panel."""
        return self.units[0] if self.units else None

    @unit.setter
    def unit(self, uid: str | None) -> None:
        self.units = [uid] if uid is not None else []

    def __contains__(self, uid: object) -> bool:
        return uid in self.units

    def __len__(self) -> int:
        return len(self.units)

    def clear(self) -> None:
        self.units = []

    def orderable(self, mirror: Mirror) -> list[str]:
        """The selected units this player may order."""
        return [u for u in self.units if u in mirror.units and can_order(mirror, mirror.units[u])]

    def prune(self, mirror: Mirror, now: float | None = None) -> None:
        """Forget selected units that left the view, and drafts the server has answered (or
        that have waited longer than DRAFT_TIMEOUT_S, when ``now`` is given)."""
        if any(u not in mirror.units for u in self.units):
            self.units = [u for u in self.units if u in mirror.units]
        for uid in list(self.drafts):
            unit = mirror.units.get(uid)
            draft = self.drafts[uid]
            confirmed = (
                unit is not None
                and unit.order == draft.kind
                and (draft.to is None or _hex(unit.to) == draft.to)
            )
            stale = now is not None and now - draft.at > DRAFT_TIMEOUT_S
            if unit is None or uid in mirror.order_errors or confirmed or stale:
                del self.drafts[uid]

    def click(self, mirror: Mirror, h: Hex, add: bool = False) -> str | None:
        """Select a unit in hex h: own units first; clicking a stack again cycles through it.

        With ``add`` (shift), the next unselected unit of the stack joins the selection, or the
        whole stack leaves it when all of it was selected already."""
        here = _stack(mirror, h)
        if not here:
            if not add:
                self.units = []
            return None
        ids = [u.id for u in here]
        if add:
            missing = [u for u in ids if u not in self.units]
            if missing:
                self.units = [missing[0], *self.units]
                return missing[0]
            self.units = [u for u in self.units if u not in ids]
            return None
        if self.unit in ids:
            self.unit = ids[(ids.index(self.unit) + 1) % len(ids)]  # type: ignore[arg-type]
        else:
            self.unit = ids[0]
        return self.unit

    def box(self, mirror: Mirror, rect: Rect, add: bool = False) -> list[str]:
        """Select the units this player may order whose hex centre lies in world ``rect``."""
        inside = [u.id for u in _units_in(mirror, rect) if can_order(mirror, u)]
        self._take(inside, add)
        return inside

    def same_kind(self, mirror: Mirror, uid: str, rect: Rect, add: bool = False) -> list[str]:
        """Select every unit like ``uid`` (same side and kind, orderable alike) in ``rect``."""
        model = mirror.units.get(uid)
        if model is None:
            return []
        mine = can_order(mirror, model)
        alike = [
            u.id
            for u in _units_in(mirror, rect)
            if u.kind == model.kind and u.side == model.side and can_order(mirror, u) == mine
        ]
        alike.sort(key=lambda u: u != uid)  # the clicked unit stays primary
        self._take(alike, add)
        return alike

    def all_own(self, mirror: Mirror) -> list[str]:
        ids = [u.id for u in mirror.own_units() if can_order(mirror, u)]
        self._take(ids, False)
        return ids

    def _take(self, ids: list[str], add: bool) -> None:
        if add:
            self.units = self.units + [u for u in ids if u not in self.units]
        else:
            self.units = list(ids)

    def cycle_own(self, mirror: Mirror, step: int = 1) -> str | None:
        """Tab through your own units in id order."""
        own = [u.id for u in mirror.own_units()]
        if not own:
            return None
        if self.unit in own:
            self.unit = own[(own.index(self.unit) + step) % len(own)]  # type: ignore[arg-type]
        else:
            self.unit = own[0]
        return self.unit

    # -- groups -----------------------------------------------------------------------------
    def set_group(self, n: int) -> list[str]:
        """Ctrl+n: remember the selection as group n (an empty selection forgets the group)."""
        if self.units:
            self.groups[n] = list(self.units)
        else:
            self.groups.pop(n, None)
        return self.groups.get(n, [])

    def recall(self, mirror: Mirror, n: int, now: float) -> bool:
        """n: select group n. True when n was pressed twice quickly: centre on the group."""
        members = [u for u in self.groups.get(n, []) if u in mirror.units]
        if n in self.groups:
            self.groups[n] = members
        twice = (
            self._last_recall is not None
            and self._last_recall[0] == n
            and now - self._last_recall[1] <= DOUBLE_TAP_S
        )
        self._last_recall = (n, now)
        if members:
            self.units = list(members)
        return twice and bool(members)

    # -- orders -----------------------------------------------------------------------------
    def route(self, mirror: Mirror, uid: str) -> tuple[str | None, list[Hex]]:
        """The march a unit is on as (kind, waypoints then destination): the draft sent last,
        else what the server says; (None, []) when it is not marching."""
        draft = self.drafts.get(uid)
        if draft is not None:
            if draft.kind in ROUTE_ORDERS and draft.to is not None:
                return draft.kind, [*draft.via, draft.to]
            return None, []
        unit = mirror.units.get(uid)
        if unit is None or unit.order not in ROUTE_ORDERS or unit.to is None:
            return None, []
        to = _hex(unit.to)
        if to == _hex(unit.pos):
            return None, []
        via = [_hex(h) for h in (getattr(unit, "via", None) or ())]
        return unit.order, [*via, to]  # type: ignore[list-item]

    def order(
        self,
        mirror: Mirror,
        kind: str,
        to: Hex | None,
        now: float,
        *,
        queue: bool = False,
        mission: str | None = None,
    ) -> list[OrderRequest]:
        """Orders for every selected unit that may take this one, or none (with the reasons
        on the mirror).

        ``kind`` is ``move``, ``attack``, ``rail``, ``hold`` or ``air`` (with a ``mission``).
        In a mixed selection ground orders go to the ground units and missions to the air
        units; with ``queue`` (shift) ``to`` is added after each unit's current march, and the
        whole list of waypoints is sent."""
        chosen = [u for u in self.units if u in mirror.units]
        if not chosen:
            return []
        if kind == "air" or kind in GROUND_ORDERS:
            air = kind == "air"
            fits = [u for u in chosen if (mirror.units[u].kind == "air") == air]
            if kind == "move" and not fits:
                fits = chosen  # only aircraft selected: move rebases them
            if not fits:
                code = "not_air" if air else "bad_order"
                message = ORDER_ERRORS["not_air"] if air else "aircraft fly missions, not marches"
                mirror.refuse(chosen[0], code, message, now)
                return []
            chosen = fits
        out: list[OrderRequest] = []
        for uid in chosen:
            request = self._one(mirror, uid, kind, to, now, queue, mission)
            if request is not None:
                out.append(request)
        return out

    def _one(
        self,
        mirror: Mirror,
        uid: str,
        kind: str,
        to: Hex | None,
        now: float,
        queue: bool,
        mission: str | None,
    ) -> OrderRequest | None:
        unit = mirror.units[uid]
        refusal = self._refusal(mirror, unit, kind, to)
        if refusal is not None:
            code, message = refusal
            mirror.refuse(uid, code, message, now)
            return None
        via: list[Hex] = []
        if queue and kind in ROUTE_ORDERS and to is not None:
            current, legs = self.route(mirror, uid)
            if legs:
                via = legs
                kind = current if kind == "move" and current else kind
        if len(via) > MAX_VIA:
            mirror.refuse(uid, "bad_order", f"at most {MAX_VIA} waypoints", now)
            return None
        mirror.order_errors.pop(uid, None)
        self.drafts[uid] = Draft(uid, kind, to, now, tuple(via), mission)
        return order_request(uid, kind, to, via, mission)

    def _refusal(
        self, mirror: Mirror, unit: UnitView, kind: str, to: Hex | None
    ) -> tuple[str, str] | None:
        side = player_side(mirror)
        if side is None:
            return "spectator", "spectators cannot give orders"
        if unit.side != side or unit.stale:
            return "not_your_unit", ORDER_ERRORS["not_your_unit"]
        if not can_order(mirror, unit):
            return "not_your_command", "the unit is a teammate's: only its player orders it"
        if mirror.finished:
            return "match_over", ORDER_ERRORS["match_over"]
        ground = mirror.ground
        if to is None or ground is None:
            return None
        if not ground.contains(to):
            return "off_map", ORDER_ERRORS["off_map"]
        if kind in GROUND_ORDERS and not ground.passable(to):
            return "impassable", ORDER_ERRORS["impassable"]
        if kind == "rail":
            rails = _rail_hexes(mirror)
            if _hex(unit.pos) not in rails:
                return "no_rail", "the unit is not on a railway"
            if to not in rails:
                return "no_rail", "no railway there"
        return None

    def move_to(
        self, mirror: Mirror, h: Hex, now: float, queue: bool = False
    ) -> list[OrderRequest]:
        return self.order(mirror, "move", h, now, queue=queue)

    def hold(self, mirror: Mirror, now: float) -> list[OrderRequest]:
        return self.order(mirror, "hold", None, now)

    def preview(
        self, mirror: Mirror, target: Hex, queue: bool = False, limit: int = 32
    ) -> list[tuple[str, list[Hex]]]:
        """Straight hex lines the selected units would march along to ``target``: a client-side
        estimate drawn under the pointer before the order (the server's path replaces it)."""
        out = []
        for uid in self.orderable(mirror)[:limit]:
            unit = mirror.units[uid]
            if unit.kind == "air":
                continue
            start = _hex(unit.pos)
            legs: list[Hex] = []
            if queue:
                _, legs = self.route(mirror, uid)
            hexes = [start, *legs]
            out.append((uid, [*hexes, *line(hexes[-1], target)[1:]]))
        return out


def _hex(h: object) -> Hex:
    return (h[0], h[1])  # type: ignore[index]


def _stack(mirror: Mirror, h: Hex) -> list[UnitView]:
    """Units in hex h, the ones this player may order first, then own, then the rest."""
    here = mirror.units_at(h)
    side = player_side(mirror) or mirror.view
    here.sort(key=lambda u: (not can_order(mirror, u), u.side != side, u.id))
    return here


def _units_in(mirror: Mirror, rect: Rect) -> list[UnitView]:
    ground = mirror.ground
    if ground is None:
        return []
    x0, y0, x1, y1 = rect
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    out = []
    for uid in sorted(mirror.units):
        unit = mirror.units[uid]
        x, y = ground.centre(_hex(unit.pos))
        if x0 <= x <= x1 and y0 <= y <= y1:
            out.append(unit)
    return out
