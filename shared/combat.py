"""Combat for one game hour: assaults on enemy-held hexes, losses, breaking, retreat.

Power is men (thousands) x strength x kind factor x organisation, modified by terrain, rivers,
artillery in support and aircraft flying ground support (``shared.air``). Losses scale with the
square root of the force ratio, so that attacking at 3:1 is costly but works and attacking at 1:3
is ruinous, and with a seeded random factor.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from shared import air
from shared.hexgrid import Hex, distance, neighbours
from shared.terrain import RIVER_ATTACK, RULES, Terrain
from shared.units import DESTROYED_BELOW, HOLD, SIDES, Kind, Unit, enemy_of

if TYPE_CHECKING:
    from shared.world import World

BASE_LOSS = 0.0007  # strength lost per hour by each side at even odds (1.7 % a day)
ORG_LOSS_FACTOR = 35.0  # organisation falls this much faster than strength
BREAK_ORG = 0.2  # a defending hex whose units fall below this retreats
SURROUNDED_LOSS = 0.35  # strength lost by a broken unit with nowhere to go
ARTILLERY_SUPPORT = 0.5  # share of an artillery unit's power it lends at range
RANDOM_SPREAD = 0.25  # losses vary by +/- this share
ENTRENCHED_DEFENCE = 0.5  # a fully dug-in defender counts half again
FORT_DEFENCE = 0.5  # each level of permanent fortification adds this much
COVER_COHESION = 1.0  # a town, and each level of works, slows a defender's loss of cohesion


def _power(world: World, unit: Unit, attacking: bool) -> float:
    rules = unit.rules
    factor = rules.attack if attacking else rules.defence
    return (
        unit.power_base * factor * (0.25 + 0.75 * unit.org) * world.combat_factor(unit, attacking)
    )


def _support(world: World, guns: list[Unit], target: Hex, exclude: list[Unit]) -> float:
    """Artillery of a side (``guns``, in id order) within range of the target hex lends part
    of its power: within its range, and at least from the next hex (the theatre's hexes are
    wider than a gun reaches, and the guns stand behind the hex they fire into)."""
    total = 0.0
    hex_km = world.theatre.hex_km
    units = world.units
    tq, tr = target
    for unit in guns:
        q, r = unit.pos
        dq, dr = q - tq, r - tr
        hexes = (abs(dq) + abs(dr) + abs(dq + dr)) // 2  # ``distance``: most guns are far off
        if hexes > 1 and hexes > unit.rules.support_km / hex_km:
            continue
        if unit in exclude or unit.id not in units:  # destroyed earlier in the hour
            continue
        total += unit.power_base * ARTILLERY_SUPPORT * (0.25 + 0.75 * unit.org) * 2.5
    return total


def resolve(world: World, assaults: dict[tuple[Hex, str], list[Unit]]) -> None:
    if not assaults:
        return
    # Each side's guns, found once for the hour: every fight asks which are in range.
    guns = {
        side: [u for u in world.sorted_guns(side) if u.kind == Kind.ARTILLERY] for side in SIDES
    }
    for target, side in sorted(assaults):
        attackers = [u for u in assaults[target, side] if u.id in world.units]
        if not attackers:
            continue
        defenders = world.enemy_units_at(target, side)
        if not defenders:
            continue
        _fight(world, target, attackers, defenders, guns)


def _fight(
    world: World,
    target: Hex,
    attackers: list[Unit],
    defenders: list[Unit],
    guns: dict[str, list[Unit]],
) -> None:
    theatre = world.theatre
    terrain = theatre.terrain_at(target)
    fort = world.fort_level(target)
    rules = RULES[terrain]
    att_side = attackers[0].side
    att = 0.0
    for unit in attackers:
        p = _power(world, unit, attacking=True)
        if unit.rules.armoured:
            p *= rules.armour_attack
        if theatre.river_between(unit.pos, target) and not theatre.road_between(unit.pos, target):
            p *= RIVER_ATTACK
        att += p
    att += _support(world, guns[att_side], target, attackers)
    att += air.support(world, att_side, target)
    dfn = sum(
        _power(world, u, attacking=False) * (1.0 + ENTRENCHED_DEFENCE * u.entrenched)
        for u in defenders
    )
    dfn *= rules.defence * (1.0 + FORT_DEFENCE * fort)
    dfn += _support(world, guns[enemy_of(att_side)], target, defenders)
    dfn += air.support(world, enemy_of(att_side), target)
    ratio = max(att, 1e-6) / max(dfn, 1e-6)

    rng = world.rng
    att_loss = BASE_LOSS / math.sqrt(ratio) * (1.0 + rng.uniform(-RANDOM_SPREAD, RANDOM_SPREAD))
    def_loss = BASE_LOSS * math.sqrt(ratio) * (1.0 + rng.uniform(-RANDOM_SPREAD, RANDOM_SPREAD))
    att_loss = min(att_loss, 0.15)
    def_loss = min(def_loss, 0.2)
    for unit in attackers:
        _take_losses(unit, att_loss)
    # Men fighting from cellars and casemates do not break as men in the open do: a city's
    # garrison is ground down (Harbin held for weeks) rather than routed in a day.
    cover = (1 if terrain == Terrain.TOWN else 0) + fort
    for unit in defenders:
        _take_losses(unit, def_loss, ORG_LOSS_FACTOR / (1.0 + COVER_COHESION * cover))
    world.stirred += attackers  # they fought: the hour's supply pass looks at them
    world.stirred += defenders
    world.emit(
        "combat",
        target,
        f"{attackers[0].name} attacks {defenders[0].name} at {ratio:.1f}:1",
        attackers[0],
        ratio=round(ratio, 2),
    )

    for unit in attackers + defenders:
        if unit.strength < DESTROYED_BELOW:
            world.destroy(unit)  # at once, so that the hex is free to take this hour
    defenders = [u for u in defenders if u.id in world.units]
    attackers = [u for u in attackers if u.id in world.units]
    if defenders and all(u.org < BREAK_ORG for u in defenders):
        for unit in defenders:
            _retreat(world, unit, attackers)
    survivors = world.enemy_units_at(target, att_side)
    if not survivors:
        _advance(world, target, attackers)


def _take_losses(unit: Unit, loss: float, org_factor: float = ORG_LOSS_FACTOR) -> None:
    unit.strength = max(0.0, unit.strength - loss)
    unit.org = max(0.0, unit.org - loss * org_factor)
    unit.in_combat = True


def _retreat(world: World, unit: Unit, attackers: list[Unit]) -> None:
    """Fall back one hex away from the attackers, or be cut to pieces if there is nowhere."""
    candidates: list[tuple[int, Hex]] = []
    for n in neighbours(unit.pos):
        if not world.theatre.passable(n) or world.enemy_in(n, unit.side):
            continue
        if world.is_full(n, unit.side):
            continue
        # Prefer the hex farthest from the attackers, then out of enemy contact.
        away = sum(distance(n, a.pos) for a in attackers)
        contact = 1 if world.in_enemy_zone(n, unit.side) else 0
        candidates.append((away * 2 - contact, n))
    if not candidates:
        unit.strength = max(0.0, unit.strength - SURROUNDED_LOSS)
        world.emit("surrounded", unit.pos, f"{unit.name} is cut off and cut down", unit)
        if unit.strength < DESTROYED_BELOW:
            world.destroy(unit)
        return
    candidates.sort(key=lambda c: (-c[0], c[1]))
    dest = candidates[0][1]
    world.emit("retreat", unit.pos, f"{unit.name} falls back", unit)
    world.relocate(unit, dest)
    unit.order = HOLD
    unit.path = []
    unit.progress = 0.0


def _advance(world: World, target: Hex, attackers: list[Unit]) -> None:
    """Attackers whose path led into the hex move in, up to the stacking limit."""
    for unit in attackers:
        if unit.strength < DESTROYED_BELOW or unit.kind == Kind.ARTILLERY:
            continue
        if world.is_full(target, unit.side):
            break
        if unit.path and unit.path[0] == target:
            world.relocate(unit, target)
            unit.path.pop(0)
            unit.progress = 0.0
            if not unit.path:
                unit.order = HOLD
