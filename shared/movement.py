"""Movement for one game hour: marching along planned paths, zones of control, stacking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared import air
from shared.hexgrid import Hex, distance
from shared.terrain import INF
from shared.units import HOLD, STACK_LIMIT, Unit

if TYPE_CHECKING:
    from shared.world import World

# Below this organisation a unit marches at reduced pace (stragglers, broken march order).
SLOW_ORG = 0.5


def plan_path(world: World, unit: Unit, goal: Hex) -> list[Hex] | None:
    """Path around hexes held by the enemy, except the goal (which may be an attack)."""
    enemy_hexes = frozenset(world.occupied_by_enemy_of(unit.side))
    return world.flow_fields().path(
        unit.pos, goal, unit.rules.armoured, enemy_hexes, stamp=world.hour
    )


def speed_kmh(world: World, unit: Unit) -> float:
    factor = 1.0 if unit.org >= SLOW_ORG else 0.5 + unit.org
    return unit.rules.speed_kmh * factor * world.march_factor(unit)


def move_units(world: World) -> dict[tuple[Hex, str], list[Unit]]:
    """March every moving unit for one hour; return assaults as (target hex, side) -> attackers.

    Units move in id order so that the outcome never depends on dict or arrival order. A unit
    whose next step is into an enemy-held hex does not enter it: it assaults it, and combat
    decides whether it gets in.
    """
    assaults: dict[tuple[Hex, str], list[Unit]] = {}
    for unit in world.sorted_units():
        if unit.order.kind != "move" or unit.order.to is None:
            continue
        if unit.is_air:
            air.rebase(world, unit)  # flies over everything: no path finding, no contact
            continue
        if not unit.path:
            if unit.pos == unit.order.to:
                unit.order = HOLD
                unit.progress = 0.0
                continue
            path = plan_path(world, unit, unit.order.to)
            if path is None:
                unit.order = HOLD
                world.emit("order_failed", unit.pos, f"{unit.name} can find no way forward", unit)
                continue
            unit.path = path
        unit.progress += speed_kmh(world, unit)
        while unit.path:
            nxt = unit.path[0]
            enemies = world.enemy_units_at(nxt, unit.side)
            if enemies:
                assaults.setdefault((nxt, unit.side), []).append(unit)
                unit.progress = 0.0
                break
            cost = world.theatre.step_cost(unit.pos, nxt, unit.rules.armoured)
            if cost == INF or distance(unit.pos, nxt) != 1:
                unit.path = []  # the ground changed under the plan; replan next hour
                unit.progress = 0.0
                break
            if unit.progress < cost:
                break  # not there yet: the march goes on next hour
            if len(world.friendly_units_at(nxt, unit.side)) >= STACK_LIMIT:
                unit.progress = min(unit.progress, cost)
                break
            world.relocate(unit, nxt)
            unit.marched = True
            unit.path.pop(0)
            unit.progress -= cost
            if world.in_enemy_zone(nxt, unit.side):
                unit.progress = 0.0  # contact: the march stops for the hour
                break
        if not unit.path and unit.pos == unit.order.to:
            unit.order = HOLD
            unit.progress = 0.0
    return assaults
