"""Air units and their missions: ground support, interdiction, airdrops and reconnaissance.

An air unit is based at a hex (its airfield) and never fights on the ground: it does not block,
stack, assault, defend, hold ground or take objectives. Given an ``air`` order it flies its
mission over a target hex within ``AIR_RANGE_KM`` of its base every hour it can fly — in
daylight, and (theatre scenarios) when the weather is flyable both at the base and over the
target — until it gets another order. ``move`` rebases it along a straight line at 300 km/h;
``hold`` stands it down.

How much a sortie achieves is its **effectiveness**: its side's share of the air power that can
fly within range of the target (floored at ``MIN_EFFECTIVENESS``), halved when enemy artillery
stands within ``ANTI_AIR_HEXES`` of the target, cut to ``ANTI_AIRCRAFT`` when an enemy
anti-aircraft unit does. Air power is thousands of men x strength.

At the start of each hour ``begin_hour`` works out the sorties of the hour; the rules modules ask
``support``, ``interdiction`` and ``recon_hexes`` about them. The effects that come once a day
(airdrops, the raid on the railway, attrition, the event) are done on an air unit's first flying
hour of the game day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.hexgrid import Hex, distance, edge_key, line, ring, within
from shared.supply import CONTROL_CODES, needs
from shared.units import HOLD, Kind, Unit, enemy_of

if TYPE_CHECKING:
    from shared.world import World

MISSIONS = ("support", "interdict", "airdrop", "recon")
COMBAT_MISSIONS = ("support", "interdict")  # what a ceasefire grounds
AIR_RANGE_KM = 400.0  # combat radius of a 1938 bomber or fighter from its airfield
AIR_SUPPORT = 1.5  # combat power added per unit of air power, at full effectiveness
MIN_EFFECTIVENESS = 0.25  # even an outnumbered air force gets some sorties through
ANTI_AIR = 0.5  # effectiveness x this with enemy artillery near the target
ANTI_AIR_HEXES = 1
ANTI_AIRCRAFT = 0.3  # effectiveness x this under an enemy anti-aircraft unit's umbrella
ANTI_AIRCRAFT_KM = 40.0  # its reach (at least ANTI_AIR_HEXES)
MISSION_HEXES = 1  # support, interdiction and airdrops act within this many hexes of the target
INTERDICT_MARCH = 0.6  # enemy march speed near the target at full effectiveness
INTERDICT_RAIL_DAYS = 2  # days of repair a line hit from the air needs
AIRDROP_DAYS = 1.0  # days of food, ammunition and fuel dropped a day at full effectiveness
RECON_HEXES = 2  # reconnaissance sees this far around the target
AIR_LOSS = 0.01  # strength lost a flying day is AIR_LOSS x 2 x (1 - effectiveness)

# The hexes within MISSION_HEXES of a target, as offsets from it.
MISSION_AREA = tuple(within((0, 0), MISSION_HEXES))

SIDE_ADJECTIVE = {"soviet": "Soviet", "japan": "Japanese"}
MISSION_TEXT = {
    "support": "fly ground support",
    "interdict": "strike the roads",
    "airdrop": "drop supplies",
    "recon": "reconnoitre",
}


@dataclass(frozen=True, slots=True)
class Sortie:
    """One air unit flying its mission this hour."""

    unit: str
    side: str
    mission: str
    target: Hex
    power: float  # air power: thousands of men x strength
    effectiveness: float
    punch: float  # power x effectiveness x the ammunition it has (support and interdiction)


# -- questions about the air -------------------------------------------------------------------
def air_power(unit: Unit) -> float:
    return unit.men / 1000.0 * unit.strength


def in_range(world: World, base: Hex, target: Hex) -> bool:
    return distance(base, target) * world.theatre.hex_km <= AIR_RANGE_KM


def flyable(world: World, h: Hex) -> bool:
    """Aircraft can fly over hex h this hour: daylight, and flyable weather (theatre)."""
    if world.night_at(h):
        return False
    logistics = world.logistics
    return logistics is None or logistics.weather_at(world, h).flying


def can_fly(world: World, unit: Unit) -> bool:
    """The unit could take off now: daylight and weather at its base, and fuel."""
    if unit.stocks is not None and unit.stocks.fuel <= 0:
        return False
    return flyable(world, unit.pos)


def flies_mission(world: World, unit: Unit) -> bool:
    """The unit flies its mission this hour."""
    return _mission_open(world, unit) and can_fly(world, unit)


def _mission_open(world: World, unit: Unit) -> bool:
    """The unit has a mission, in range, over a target aircraft can fly over now."""
    order = unit.order
    if order.kind != "air" or order.to is None or order.mission is None:
        return False
    return in_range(world, unit.pos, order.to) and flyable(world, order.to)


def effectiveness(
    world: World,
    side: str,
    target: Hex,
    guns: list[Unit] | None = None,
    able: list[Unit] | None = None,
) -> float:
    """A side's share of the air power able to fly within range of the target (at least
    ``MIN_EFFECTIVENESS``), cut by enemy anti-aircraft guns or artillery near the target
    (``guns``: the enemy's, and ``able``: the air units that can fly now, by id, when the
    caller has them at hand)."""
    own = enemy = 0.0
    if able is None:
        able = [u for u in world.sorted_air_units() if can_fly(world, u)]
    for unit in able:
        if not in_range(world, unit.pos, target):
            continue
        if unit.side == side:
            own += air_power(unit)
        else:
            enemy += air_power(unit)
    share = own / (own + enemy) if own + enemy > 0 else 1.0
    eff = max(MIN_EFFECTIVENESS, share)
    if guns is None:
        guns = _guns(world, enemy_of(side))
    reach = max(ANTI_AIR_HEXES, round(ANTI_AIRCRAFT_KM / world.theatre.hex_km))
    if any(u.kind == Kind.ANTI_AIR and distance(u.pos, target) <= reach for u in guns):
        return eff * ANTI_AIRCRAFT  # a flak brigade's umbrella
    if any(distance(u.pos, target) <= ANTI_AIR_HEXES for u in guns):
        return eff * ANTI_AIR
    return eff


def _guns(world: World, side: str) -> list[Unit]:
    """A side's anti-aircraft and artillery units, which fire at aircraft near them."""
    return world.sorted_guns(side)


def can_base(world: World, side: str, h: Hex) -> bool:
    """An airfield for ``side`` may be at h: passable, no enemy troops, and (theatre) held."""
    if not world.theatre.passable(h) or world.enemy_in(h, side):
        return False
    logistics = world.logistics
    if logistics is None:
        return True
    return int(logistics.control[world.theatre.grid.index(h)]) == CONTROL_CODES[side]


def in_transit(unit: Unit) -> bool:
    """Rebasing: in the air between airfields, out of anybody's sight."""
    return unit.is_air and unit.order.kind == "move" and bool(unit.path)


# -- the hour ----------------------------------------------------------------------------------
def begin_hour(world: World) -> list[Sortie]:
    """The sorties of the hour that begins, with the effects that come once a day. In a
    ceasefire only airdrops and reconnaissance fly."""
    sorties: list[Sortie] = []
    if world.night_everywhere():
        return sorties  # nobody can fly: most of the night hours, not a unit to look at
    able = [u for u in world.sorted_air_units() if can_fly(world, u)]
    flyers = [u for u in able if _mission_open(world, u)]
    if flyers and world.ceasefire():
        flyers = [u for u in flyers if u.order.mission not in COMBAT_MISSIONS]
    if not flyers:
        return sorties
    today = world.hour // 24
    cache: dict[tuple[str, Hex], float] = {}
    guns: dict[str, list[Unit]] = {}  # per side, found once for the hour's sorties
    for unit in flyers:
        assert unit.order.to is not None and unit.order.mission is not None
        target, mission = unit.order.to, unit.order.mission
        key = (unit.side, target)
        if key not in cache:
            foe = enemy_of(unit.side)
            if foe not in guns:
                guns[foe] = _guns(world, foe)
            cache[key] = effectiveness(world, unit.side, target, guns[foe], able)
        eff = cache[key]
        power = air_power(unit)
        punch = power * eff * world.combat_factor(unit, attacking=True)
        sorties.append(Sortie(unit.id, unit.side, mission, target, power, eff, punch))
        unit.marched = True  # flying burns fuel as marching does
        world.stirred.append(unit)
        if unit.flown_day != today:
            unit.flown_day = today
            _daily(world, unit, mission, target, eff)
    return sorties


def _daily(world: World, unit: Unit, mission: str, target: Hex, eff: float) -> None:
    unit.strength = max(0.0, unit.strength - AIR_LOSS * 2.0 * (1.0 - eff))
    who = SIDE_ADJECTIVE.get(unit.side, unit.side.title())
    text = f"{who} aircraft {MISSION_TEXT[mission]} near {_place_near(world, target)}"
    if mission == "airdrop":
        fed = _airdrop(world, unit.side, target, eff)
        if not fed:
            return  # nobody there to drop to: no event
    elif mission == "interdict":
        hit = _bomb_rail(world, unit.side, target, eff)
        if hit is not None:
            text = f"{who} aircraft bomb the {hit} line near {_place_near(world, target)}"
    world.emit("air", target, text, None, side=unit.side, mission=mission)


def _airdrop(world: World, side: str, target: Hex, eff: float) -> int:
    fed = 0
    for h in sorted(within(target, MISSION_HEXES)):
        for unit in sorted(world.friendly_units_at(h, side), key=lambda u: u.id):
            if unit.stocks is None:
                continue
            n, s, drop = needs(str(unit.kind)), unit.stocks, AIRDROP_DAYS * eff
            s.food = min(n.food_days, s.food + drop)
            s.ammo = min(n.ammo_days, s.ammo + drop)
            s.fuel = min(n.fuel_days, s.fuel + drop)
            world.stirred.append(unit)
            fed += 1
    return fed


def _bomb_rail(world: World, side: str, target: Hex, eff: float) -> str | None:
    """With chance ``eff``, wreck one enemy-held rail edge at or next to the target."""
    logistics = world.logistics
    if logistics is None:
        return None
    grid, theatre = world.theatre.grid, world.theatre
    foe = CONTROL_CODES[enemy_of(side)]
    near = {h for h in within(target, MISSION_HEXES) if theatre.contains(h)}
    edges: set[tuple[Hex, Hex]] = set()
    for h in near:
        for _, key in logistics.net.rail_adj.get(grid.index(h), ()):
            edges.add(edge_key(*key))
    candidates = [
        key
        for key in sorted(edges)
        if key in theatre.rails
        and logistics.control[grid.index(key[0])] == foe
        and logistics.control[grid.index(key[1])] == foe
        and logistics.rail_damage.get(key, 0) < INTERDICT_RAIL_DAYS
    ]
    if not candidates or world.rng.random() >= eff:
        return None
    key = candidates[world.rng.randrange(len(candidates))]
    logistics.rail_damage[key] = INTERDICT_RAIL_DAYS
    return theatre.rails[key].name


def _place_near(world: World, h: Hex, hexes: int = 4) -> str:
    places = world.theatre.places.values()
    near = [(distance(p.hex, h), p.name) for p in places if distance(p.hex, h) <= hexes]
    return min(near)[1] if near else f"hex {h[0]},{h[1]}"


def rebase(world: World, unit: Unit) -> None:
    """One hour of a rebasing flight: straight on at the kind's speed, over anything."""
    goal = unit.order.to
    if goal is None:
        return
    if unit.stocks is not None and unit.stocks.fuel <= 0:
        return
    if not unit.path:
        unit.path = line(unit.pos, goal)[1:]
    unit.progress += unit.rules.speed_kmh
    hex_km = world.theatre.hex_km
    while unit.path and unit.progress >= hex_km:
        world.relocate(unit, unit.path.pop(0))
        unit.progress -= hex_km
        unit.marched = True
    if not unit.path:
        unit.order = HOLD
        unit.progress = 0.0


def end_hour(world: World) -> None:
    """Air units whose airfield enemy troops stand on fly to the nearest one their side can
    use (or are lost on the ground if there is none)."""
    for unit in world.sorted_air_units():
        if not world.enemy_in(unit.pos, unit.side):
            continue
        refuge = _nearest_base(world, unit)
        if refuge is None:
            world.destroy(unit)  # caught on the ground with nowhere to fly to
            continue
        world.relocate(unit, refuge)
        if unit.order.kind == "move" and unit.order.to is not None:
            unit.path = line(refuge, unit.order.to)[1:]
            unit.progress = 0.0
        world.emit("rebase", refuge, f"{unit.name} flies off its overrun airfield", unit)


def _nearest_base(world: World, unit: Unit) -> Hex | None:
    grid = world.theatre.grid
    for radius in range(1, grid.cols + grid.rows + 1):
        for h in sorted(ring(unit.pos, radius)):
            if world.theatre.contains(h) and can_base(world, unit.side, h):
                return h
    return None


# -- what the rules modules ask ----------------------------------------------------------------
def support(world: World, side: str, fight: Hex) -> float:
    """Combat power the side's ground-support sorties add to a fight at hex ``fight``."""
    total = 0.0
    for s in world.sorties:
        if s.side == side and s.mission == "support" and distance(s.target, fight) <= MISSION_HEXES:
            total += AIR_SUPPORT * s.punch
            unit = world.units.get(s.unit)
            if unit is not None:
                unit.in_combat = True  # uses ammunition, shows in the fight
                world.stirred.append(unit)
    return total


def interdiction(sorties: list[Sortie]) -> dict[str, dict[Hex, float]]:
    """Per side, the hexes where enemy interdiction slows its marches, and the factor (the
    strongest sortie counts); a side's march is asked about every hour, a sortie once."""
    slowed: dict[str, dict[Hex, float]] = {}
    for s in sorties:
        if s.mission != "interdict":
            continue
        factor = 1.0 - (1.0 - INTERDICT_MARCH) * s.effectiveness
        near = slowed.setdefault(enemy_of(s.side), {})
        q, r = s.target
        for dq, dr in MISSION_AREA:
            h = (q + dq, r + dr)
            near[h] = min(near.get(h, 1.0), factor)
    return slowed


def recon_hexes(world: World, side: str) -> set[Hex]:
    """Hexes a side's reconnaissance flights see now."""
    seen: set[Hex] = set()
    for unit in world.sorted_units():
        target = unit.order.to
        if unit.side != side or unit.order.mission != "recon" or target is None:
            continue
        if flies_mission(world, unit):
            seen.update(h for h in within(target, RECON_HEXES) if world.theatre.contains(h))
    return seen
