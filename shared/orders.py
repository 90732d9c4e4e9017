"""Orders as players send them, and their validation against the world.

An order either takes effect or comes back with a code and a reason; nothing a client sends can
raise out of here.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

UnitId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Coord = Annotated[int, msgspec.Meta(ge=-10_000, le=10_000)]


Mission = Literal["support", "interdict", "airdrop", "recon"]


class OrderRequest(msgspec.Struct, forbid_unknown_fields=False, omit_defaults=True):
    """One order: ``move`` a unit to hex ``to`` (axial [q, r]), or ``hold`` it where it is.

    Air units: ``air`` flies ``mission`` over target hex ``to`` every hour the weather and the
    daylight allow, until another order; ``move`` rebases them to the airfield at ``to``;
    ``hold`` stands them down."""

    unit: UnitId
    kind: Literal["move", "hold", "air"]
    to: tuple[Coord, Coord] | None = None
    mission: Mission | None = None


class OrderResult(msgspec.Struct, omit_defaults=True):
    """The verdict on one order, in the order they were sent."""

    unit: str
    ok: bool
    code: str | None = None
    message: str | None = None
    path: list[tuple[int, int]] | None = None


# Every code an order can be refused with, and what it means; docs/protocol.md lists them.
ORDER_ERRORS: dict[str, str] = {
    "unknown_unit": "you have no unit of that id in view (none exists, or it is out of sight)",
    "not_your_unit": "the unit belongs to the other side",
    "bad_order": "the order is malformed (a move without a destination, an air order without "
    "a mission, for instance)",
    "off_map": "the destination is outside the map",
    "impassable": "the destination is water or otherwise impassable",
    "unreachable": "no path leads there",
    "match_over": "the match has ended",
    "not_air": "only air units fly missions",
    "out_of_range": "the target is beyond the air unit's range from its base",
}
