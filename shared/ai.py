"""A simple opponent: advance on the objectives, hold what is held, rest when worn out; fly
ground support over the attack, interdict in front of what is held, drop supplies to the cut off.

It decides from a side's view only (its own units and the enemies it can see), so it can drive
an AI seat in the server and a bot over the network alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.air import AIR_RANGE_KM
from shared.hexgrid import Hex, distance, line
from shared.orders import OrderRequest
from shared.views import visible_units
from shared.world import World

DECIDE_EVERY_HOURS = 3  # an operational staff re-plans a few times a day, not every hour
REST_ORG = 0.35  # below this a unit stops to recover
LOW_FOOD_DAYS = 3.0  # below this a unit stops advancing until supply catches up
RESUME_ORG = 0.7  # ...and goes again above this
ARTILLERY_STANDOFF = 3  # artillery stays this many hexes short of its objective
INTERDICT_AHEAD = 2  # interdiction flies this many hexes in front of a held objective
LEVEL_CAUTION = {"easy": 0.5, "normal": 0.8, "hard": 1.2}  # force ratio it attacks at


@dataclass(frozen=True, slots=True)
class SeenUnit:
    """The parts of a unit the AI needs: works from UnitView and from Unit alike."""

    id: str
    side: str
    kind: str
    pos: Hex
    strength: float
    org: float
    men: int
    order: str | None
    to: Hex | None
    mission: str | None = None  # own air units only
    cut_off: bool = False  # own units only
    food: float | None = None  # own units' days of food, theatre scenarios (one decimal)


@dataclass(frozen=True, slots=True)
class SeenObjective:
    name: str
    pos: Hex
    owner: str | None


def decide(
    side: str,
    units: list[SeenUnit],
    objectives: list[SeenObjective],
    level: str = "normal",
    hex_km: float | None = None,
) -> list[OrderRequest]:
    """Orders for ``side`` that differ from what its units are already doing.

    ``hex_km`` lets it keep air missions within range (without it the server judges)."""
    mine = sorted((u for u in units if u.side == side), key=lambda u: u.id)
    own = [u for u in mine if u.kind != "air"]
    flyers = [u for u in mine if u.kind == "air"]
    enemies = [u for u in units if u.side != side and u.kind != "air"]
    if not own or not objectives:
        return []
    targets = [o for o in objectives if o.owner != side]
    held = [o for o in objectives if o.owner == side]
    own_power = sum(u.men * u.strength * u.org for u in own)
    enemy_power = sum(u.men * u.strength * u.org for u in enemies)
    attacking = bool(targets) and own_power >= enemy_power * LEVEL_CAUTION.get(level, 0.8)

    orders: list[OrderRequest] = []
    for unit in own:
        want: tuple[str, Hex | None]
        resting = unit.order == "hold" and unit.org < RESUME_ORG
        # A unit living on its last days of food waits for the railheads to catch up rather
        # than march further from them (unless it is cut off: then only breaking out helps).
        hungry = unit.food is not None and unit.food < LOW_FOOD_DAYS and not unit.cut_off
        if unit.org < REST_ORG or resting or (hungry and unit.kind != "air"):
            want = ("hold", None)
        elif attacking:
            goal = min(targets, key=lambda o: (distance(unit.pos, o.pos), o.name)).pos
            want = _approach(unit, goal)
        elif held and unit.kind != "artillery":
            # Defend: stand on or next to the nearest objective we hold.
            goal = min(held, key=lambda o: (distance(unit.pos, o.pos), o.name)).pos
            want = ("hold", None) if distance(unit.pos, goal) <= 1 else ("move", goal)
        else:
            want = ("hold", None)
        if want[0] == "hold" and unit.order != "hold":
            orders.append(OrderRequest(unit.id, "hold"))
        elif want[0] == "move" and (unit.order != "move" or unit.to != want[1]):
            orders.append(OrderRequest(unit.id, "move", want[1]))
    for unit in flyers:
        if unit.order == "move":
            continue  # rebasing: let it land first
        mission = _air_mission(unit, own, enemies, targets, held, attacking, hex_km)
        if mission is None:
            if unit.order != "hold":
                orders.append(OrderRequest(unit.id, "hold"))
            continue
        kind, goal = mission
        if (unit.order, unit.to, unit.mission) != ("air", goal, kind):
            orders.append(OrderRequest(unit.id, "air", goal, mission=kind))  # type: ignore[arg-type]
    return orders


def _air_mission(
    unit: SeenUnit,
    own: list[SeenUnit],
    enemies: list[SeenUnit],
    targets: list[SeenObjective],
    held: list[SeenObjective],
    attacking: bool,
    hex_km: float | None,
) -> tuple[str, Hex] | None:
    """(mission, target) for an air unit: supplies for the cut off first, then support over
    the objective the attack is heading for, or interdiction in front of what is held."""

    def reach(h: Hex) -> bool:
        return hex_km is None or distance(unit.pos, h) * hex_km <= AIR_RANGE_KM

    cut_off = [u for u in own if u.cut_off and reach(u.pos)]
    if cut_off:
        return "airdrop", min(cut_off, key=lambda u: (distance(unit.pos, u.pos), u.id)).pos
    if attacking:
        heading = {o.pos: sum(1 for u in own if u.to == o.pos) for o in targets}
        ranked = sorted(targets, key=lambda o: (-heading[o.pos], distance(unit.pos, o.pos), o.name))
        goal = next((o.pos for o in ranked if reach(o.pos)), None)
        return ("support", goal) if goal is not None else None
    if held:
        fronts = []
        for o in held:
            if enemies:
                foe = min(enemies, key=lambda e: (distance(o.pos, e.pos), e.id))
                ahead = line(o.pos, foe.pos)[min(INTERDICT_AHEAD, distance(o.pos, foe.pos))]
                fronts.append((distance(o.pos, foe.pos), o.name, ahead))
            else:
                fronts.append((0, o.name, o.pos))
        goal = next((h for _, _, h in sorted(fronts) if reach(h)), None)
        return ("interdict", goal) if goal is not None else None
    return None


def _approach(unit: SeenUnit, goal: Hex) -> tuple[str, Hex | None]:
    """Infantry and armour go for the objective; artillery stops within supporting range."""
    if unit.kind == "artillery" and distance(unit.pos, goal) <= ARTILLERY_STANDOFF:
        return ("hold", None)
    return ("move", goal)


def from_world(
    world: World, side: str, level: str = "normal", command: str | None = None
) -> list[OrderRequest]:
    """Orders for an AI seat, decided from exactly what that side's view shows; with
    ``command``, for that command's units only (the side plans as one, each seat orders its
    own)."""
    units = [
        SeenUnit(
            u.id,
            u.side,
            str(u.kind),
            u.pos,
            u.strength,
            u.org,
            u.men,
            u.order.kind,
            u.order.to,
            u.order.mission if u.side == side else None,
            u.cut_off_hours > 0 if u.side == side else False,
            round(u.stocks.food, 1) if u.side == side and u.stocks is not None else None,
        )
        for u in visible_units(world, side)
    ]
    objectives = [SeenObjective(o.name, o.hex, o.owner) for o in world.objectives]
    orders = decide(side, units, objectives, level, world.theatre.hex_km)
    if command is None:
        return orders
    return [o for o in orders if world.units[o.unit].command in ("", command)]
