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
    """One order for a unit (hexes are axial [q, r]):

    - ``move`` to hex ``to``, through the waypoints ``via`` in order: the path goes around
      enemy-held hexes and assaults only the destination (or a waypoint) if the enemy holds it;
    - ``attack`` to ``to`` (through ``via``): straight through, assaulting every enemy-held hex
      on the way until it gets through;
    - ``rail`` to ``to`` by train, over railways the side holds, of its gauge and intact, from
      a railway hex (theatre scenarios); it takes troop trains from the side's rail capacity;
    - ``hold`` where it is.

    Air units: ``air`` flies ``mission`` over target hex ``to`` every hour the weather and the
    daylight allow, until another order; ``move`` rebases them to the airfield at ``to``;
    ``hold`` stands them down. They take neither ``via``, ``attack`` nor ``rail``."""

    unit: UnitId
    kind: Literal["move", "hold", "air", "attack", "rail"]
    to: tuple[Coord, Coord] | None = None
    mission: Mission | None = None
    via: Annotated[list[tuple[Coord, Coord]], msgspec.Meta(max_length=16)] = []


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
    "not_your_command": "the unit is a teammate's: only the player of its command orders it",
    "bad_order": "the order is malformed (a move without a destination, an air order without "
    "a mission, waypoints on a hold, rail or air order, a ground order for an air unit, for "
    "instance)",
    "off_map": "the destination (or a waypoint) is outside the map",
    "impassable": "the destination (or a waypoint) is water or otherwise impassable",
    "unreachable": "no path leads there (or to one of the waypoints)",
    "no_rail": "the unit does not stand on a railway its side can use today (held, of its gauge "
    "or relaid to it, intact, linked to one of its rail sources; theatre scenarios only), or "
    "no such railway reaches the destination",
    "no_trains": "the side's trains are all taken today (troop trains and rail moves share its "
    "rail sources' capacity with the freight): try again tomorrow",
    "match_over": "the match has ended",
    "not_air": "only air units fly missions",
    "out_of_range": "the target is beyond the air unit's range from its base",
    "ceasefire": "a ceasefire holds: no attacks, no ground support and no interdiction until it "
    "ends (moves, trains, airdrops and reconnaissance go on)",
}
