"""Movement for one game hour: marching along planned paths through waypoints, zones of
control, stacking, and troop trains."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from shared import air
from shared.hexgrid import Hex, distance, edge_key
from shared.terrain import INF
from shared.units import HOLD, SIDES, STACK_LIMIT, Unit, enemy_of

if TYPE_CHECKING:
    from shared.theatre import Theatre
    from shared.world import World

# Below this organisation a unit marches at reduced pace (stragglers, broken march order).
SLOW_ORG = 0.5
# A troop train's average over the day, halts, crossings and loading included: 480 km a day,
# a fast day's run for a 1938 military train on a single track. Night and mud do not stop it.
RAIL_KMH = 20.0
# A unit caught on its trains defends at this share of its power: packed in wagons and on
# platforms, guns and horses loaded, no field works.
ENTRAINED_DEFENCE = 0.25
# A march held up by a full hex of its own side is planned again round the full hexes within
# this many hexes, every so many hours, if that is at most as many hexes longer.
DETOUR_EVERY_HOURS = 6
DETOUR_HEXES = 3


def plan_path(
    world: World, unit: Unit, goal: Hex, start: Hex | None = None, attack: bool = False
) -> list[Hex] | None:
    """Path from ``start`` (the unit's hex) to ``goal``. A move goes around hexes held by the
    enemy, except the goal (which may be an assault); an attack goes straight through them."""
    enemy_hexes = frozenset() if attack else frozenset(world.occupied_by_enemy_of(unit.side))
    return world.flow_fields().path(
        unit.pos if start is None else start,
        goal,
        unit.rules.armoured,
        enemy_hexes,
    )


def plan_route(
    world: World, unit: Unit, via: tuple[Hex, ...], goal: Hex, attack: bool = False
) -> list[Hex] | None:
    """The whole path through the waypoints in order and on to the goal, planned leg by leg
    with ``plan_path``; None when any leg cannot be walked."""
    path: list[Hex] = []
    here = unit.pos
    for stop in (*via, goal):
        leg = plan_path(world, unit, stop, here, attack)
        if leg is None:
            return None
        path += leg
        here = stop
    return path


def pass_waypoints(unit: Unit) -> None:
    """Strike off the waypoints the unit stands on, so that a replan heads for the next."""
    while unit.order.via and unit.pos == unit.order.via[0]:
        unit.order = replace(unit.order, via=unit.order.via[1:])


def _arrived(unit: Unit) -> bool:
    return unit.pos == unit.order.to and not unit.order.via


def step_cost(theatre: Theatre, a: Hex, b: Hex, armoured: bool) -> float:
    """``Theatre.step_cost`` (INF between hexes that are not neighbours), remembered for the
    steps units take: a march asks every hour until the unit has covered the distance."""
    memo: dict[tuple[Hex, Hex, bool], float] = theatre.derive("march_costs")
    cost = memo.get((a, b, armoured))
    if cost is None:
        cost = theatre.step_cost(a, b, armoured) if distance(a, b) == 1 else INF
        memo[a, b, armoured] = cost
    return cost


def speed_kmh(world: World, unit: Unit) -> float:
    factor = 1.0 if unit.org >= SLOW_ORG else 0.5 + unit.org
    return unit.rules.speed_kmh * factor * world.march_factor(unit)


def move_units(world: World) -> dict[tuple[Hex, str], list[Unit]]:
    """March every moving unit for one hour; return assaults as (target hex, side) -> attackers.

    Units move in id order so that the outcome never depends on dict or arrival order. A unit
    whose next step is into an enemy-held hex does not enter it: it assaults it, and combat
    decides whether it gets in; an ``attack`` order keeps at it until it does. Units on trains
    (``rail``) ride instead, and never assault.
    """
    assaults: dict[tuple[Hex, str], list[Unit]] = {}
    costs: dict[tuple[Hex, Hex, bool], float] = world.theatre.derive("march_costs")
    # Per side, its own and the enemy's ground units per hex, kept as they move: what a march
    # asks of every hex it steps to (``World.enemy_in``, ``World.is_full``), read inline.
    own = {side: world.ground_stacks(side) for side in SIDES}
    enemy = {side: world.ground_stacks(enemy_of(side)) for side in SIDES}
    for unit in world.sorted_units():
        order = unit.order
        if order.kind != "move" and order.kind != "attack":
            if order.kind == "rail" and order.to is not None:
                _ride(world, unit)
            continue  # most units, most hours: holding
        if order.to is None:
            continue
        if unit.is_air:
            air.rebase(world, unit)  # flies over everything: no path finding, no contact
            continue
        if order.via:
            pass_waypoints(unit)  # an assault may have carried it onto one
        if not unit.path:
            if _arrived(unit):
                unit.order = HOLD
                unit.progress = 0.0
                continue
            attack = unit.order.kind == "attack"
            path = plan_route(world, unit, unit.order.via, unit.order.to, attack)
            if path is None:
                unit.order = HOLD
                world.emit("order_failed", unit.pos, f"{unit.name} can find no way forward", unit)
                continue
            unit.path = path
        side, armoured, path = unit.side, unit.rules.armoured, unit.path
        unit.progress += speed_kmh(world, unit)
        enemy_in, stacks = enemy[side], own[side]
        while path:
            nxt = path[0]
            if nxt in enemy_in:
                assaults.setdefault((nxt, side), []).append(unit)
                unit.progress = 0.0
                break
            cost = costs.get((unit.pos, nxt, armoured))
            if cost is None:
                cost = step_cost(world.theatre, unit.pos, nxt, armoured)
            if cost == INF:
                unit.path = path = []  # the ground changed under the plan; replan next hour
                unit.progress = 0.0
                break
            if unit.progress < cost:
                break  # not there yet: the march goes on next hour
            if stacks.get(nxt, 0) >= STACK_LIMIT:
                unit.progress = min(unit.progress, cost)
                if _through_a_jam(world, unit, nxt, cost):
                    path = unit.path  # a swap, or a new way round
                    continue
                break
            world.relocate(unit, nxt)
            unit.marched = True
            path.pop(0)
            unit.progress -= cost
            pass_waypoints(unit)
            if world.in_enemy_zone(nxt, side):
                unit.progress = 0.0  # contact: the march stops for the hour
                break
        if not unit.path and _arrived(unit):
            unit.order = HOLD
            unit.progress = 0.0
    return assaults


def _through_a_jam(world: World, unit: Unit, full: Hex, cost: float) -> bool:
    """A unit ready to step into a hex full of its own side's troops: it trades places with
    one of them marching the other way (two columns pass on the road), or, every
    ``DETOUR_EVERY_HOURS``, plans its march again around the full hexes near it (a column
    goes round a town packed with troops). True: it moved or has a new path to follow."""
    here, side = unit.pos, unit.side
    for other in world.units_at(full):  # ``friendly_units_at``, without the list
        if other.side != side or other.is_air:
            continue
        if other.path and other.path[0] == here and other.order.kind in ("move", "attack"):
            world.relocate(unit, full)
            world.relocate(other, here)
            for u in (unit, other):
                u.path.pop(0)
                u.marched = True
                pass_waypoints(u)
            unit.progress -= cost
            other.progress = 0.0
            if world.in_enemy_zone(full, unit.side):
                unit.progress = 0.0
            return bool(unit.path)
    goal = unit.order.to
    if world.hour % DETOUR_EVERY_HOURS or len(unit.path) < 2 or goal is None or unit.order.via:
        return False  # its destination itself is full: it waits for room
    near = frozenset(
        h for h in world.full_hexes(unit.side) if distance(h, here) <= DETOUR_HEXES
    ) - {here, goal}
    attack = unit.order.kind == "attack"
    enemy = frozenset() if attack else world.occupied_by_enemy_of(unit.side)
    armoured = unit.rules.armoured
    fields = world.flow_fields()
    # The search need not look at ways dearer than the longest acceptable one could be.
    bound = (len(unit.path) + DETOUR_HEXES) * fields.costliest_step[armoured]
    # A column that found no way round waits; while nothing about it has changed, the search
    # would find none again.
    asked = (here, full, goal, armoured, enemy, near, bound)
    if world.detours_failed.get(unit.id) == asked:
        return False
    path = fields.path(here, goal, armoured, enemy, near, bound)
    if not path or path[0] == full or len(path) > len(unit.path) + DETOUR_HEXES:
        world.detours_failed[unit.id] = asked
        return False
    world.detours_failed.pop(unit.id, None)
    unit.path = path
    return True


def _ride(world: World, unit: Unit) -> None:
    """An hour on the train: ``RAIL_KMH`` along the route, a hex width per hex. Where the line
    ahead is no longer open to the side (cut, wrecked, lost, enemy on it) the unit detrains and
    holds; a station full of its own troops holds the train up. It arrives holding."""
    logistics = world.logistics
    unit.progress += RAIL_KMH
    cost = world.theatre.hex_km
    while unit.path:
        nxt = unit.path[0]
        key = edge_key(unit.pos, nxt)
        if logistics is None or not logistics.rail_open(world, unit.side, key):
            world.emit("order_failed", unit.pos, f"{unit.name} detrains: the line is cut", unit)
            unit.path = []
            break
        if unit.progress < cost:
            break
        if world.is_full(nxt, unit.side):
            unit.progress = min(unit.progress, cost)
            break
        world.relocate(unit, nxt)
        unit.entrenched = 0.0  # not marched: the trains burn no fuel of the unit's own
        unit.path.pop(0)
        unit.progress -= cost
    if not unit.path:
        unit.order = HOLD
        unit.progress = 0.0
