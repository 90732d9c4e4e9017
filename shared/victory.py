"""Objectives and who has won."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.hexgrid import Hex
from shared.units import SIDES, enemy_of

if TYPE_CHECKING:
    from shared.world import World


@dataclass(slots=True)
class Objective:
    name: str
    hex: Hex
    owner: str | None  # the side that last held it alone
    value: int = 1


def update_control(world: World) -> None:
    """A hex changes hands when ground units of one side only stand in it."""
    moves = world.moves_made()
    if moves == world.control_checked:
        return  # nobody came, went or moved: every objective is held as it was
    world.control_checked = moves
    first, second = SIDES
    firsts, seconds = world.ground_stacks(first), world.ground_stacks(second)
    for obj in world.objectives:
        held = obj.hex in firsts
        if held == (obj.hex in seconds):
            continue  # most objectives, most hours: nobody there (or both sides are)
        side = first if held else second
        if obj.owner != side:
            obj.owner = side
            world.emit("capture", obj.hex, f"{side.title()} takes {obj.name}", None, side=side)


def decide_winner(world: World, at_end: bool) -> tuple[str | None, str | None]:
    """(winner or None for a draw, reason) once the match is decided, else (None, None)."""
    # A side whose ground forces are gone is beaten, whatever aircraft it has left.
    alive_now = {
        s: world.has_ground_units(s)
        or any(r.unit.side == s and not r.unit.is_air for r in world.reinforcements)
        for s in SIDES
    }
    for side in SIDES:
        if not alive_now[side] and alive_now[enemy_of(side)]:
            return enemy_of(side), "destroyed"
    if not at_end:
        return None, None
    if world.points_to_win:
        scores = score(world)
        winners = [
            s for s in SIDES if s in world.points_to_win and scores[s] >= world.points_to_win[s]
        ]
        if len(winners) == 1:
            return winners[0], "points"
        if len(winners) == 2:
            best = max(SIDES, key=lambda s: scores[s] - world.points_to_win[s])
            return best, "points"
        return None, "draw"
    for side in SIDES:
        if world.objectives and all(o.owner == side for o in world.objectives):
            return side, "objectives"
    return None, "draw"


MEN_PER_POINT = 10_000  # net losses inflicted worth one victory point


def score(world: World) -> dict[str, float]:
    """Victory points: objectives held, plus a point per ``MEN_PER_POINT`` men of net losses
    inflicted on the enemy (cities held and losses, as the theatre scenarios count them)."""
    losses = world.losses_by_side()
    out = {}
    for side in SIDES:
        held = sum(o.value for o in world.objectives if o.owner == side)
        net = (losses[enemy_of(side)] - losses[side]) / MEN_PER_POINT
        out[side] = round(held + max(0.0, net), 2)
    return out
