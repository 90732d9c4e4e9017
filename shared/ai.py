"""A simple opponent: advance on the objectives, hold what is held, rest when worn out.

It decides from a side's view only (its own units and the enemies it can see), so it can drive
an AI seat in the server and a bot over the network alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.hexgrid import Hex, distance
from shared.orders import OrderRequest
from shared.views import visible_units
from shared.world import World

DECIDE_EVERY_HOURS = 3  # an operational staff re-plans a few times a day, not every hour
REST_ORG = 0.35  # below this a unit stops to recover
RESUME_ORG = 0.7  # ...and goes again above this
ARTILLERY_STANDOFF = 3  # artillery stays this many hexes short of its objective
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
) -> list[OrderRequest]:
    """Orders for ``side`` that differ from what its units are already doing."""
    own = sorted((u for u in units if u.side == side), key=lambda u: u.id)
    enemies = [u for u in units if u.side != side]
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
        if unit.org < REST_ORG or resting:
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
    return orders


def _approach(unit: SeenUnit, goal: Hex) -> tuple[str, Hex | None]:
    """Infantry and armour go for the objective; artillery stops within supporting range."""
    if unit.kind == "artillery" and distance(unit.pos, goal) <= ARTILLERY_STANDOFF:
        return ("hold", None)
    return ("move", goal)


def from_world(world: World, side: str, level: str = "normal") -> list[OrderRequest]:
    """Orders for an AI seat, decided from exactly what that side's view shows."""
    units = [
        SeenUnit(
            u.id, u.side, str(u.kind), u.pos, u.strength, u.org, u.men, u.order.kind, u.order.to
        )
        for u in visible_units(world, side)
    ]
    objectives = [SeenObjective(o.name, o.hex, o.owner) for o in world.objectives]
    return decide(side, units, objectives, level)
