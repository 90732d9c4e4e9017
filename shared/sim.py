"""``khasan-sim``: run a scenario headless with the AI on both sides and report as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from shared import ai, victory
from shared.scenario import ScenarioError, available, new_world
from shared.units import SIDES
from shared.world import World


def play_hour(world: World, levels: dict[str, str] | None = None) -> None:
    """One hour of a match with the AI on both sides: its orders when it re-plans, then the
    world's step. ``levels``: side -> AI level (``ai.LEVEL_CAUTION``), "normal" for both."""
    if ai.due(world):
        for side in SIDES:
            orders = ai.from_world(world, side, levels[side] if levels else "normal")
            if orders:
                world.issue(side, orders)
    world.step()


def run(scenario: str, hours: int | None, seed: int, levels: dict[str, str]) -> World:
    world = new_world(scenario, seed)
    limit = world.end_hour if hours is None else min(hours, world.end_hour)
    while world.hour < limit and not world.finished:
        play_hour(world, levels)
    return world


def report(world: World) -> dict[str, Any]:
    per_side: dict[str, Any] = {}
    losses = world.losses_by_side()
    logistics = world.logistics
    for side in SIDES:
        units = [u for u in world.sorted_units() if u.side == side]
        per_side[side] = {
            "units": len(units),
            "men": round(sum(u.men * u.strength for u in units)),
            "strength": round(sum(u.strength for u in units) / len(units), 3) if units else 0.0,
            "pending_reinforcements": sum(1 for r in world.reinforcements if r.unit.side == side),
            "losses": losses[side],
        }
        if logistics is not None:
            grid = world.theatre.grid
            levels = [logistics.level_at(side, grid.index(u.pos)) for u in units]
            per_side[side]["supply"] = {
                "mean_level": round(sum(levels) / len(levels), 3) if levels else 0.0,
                "units_out_of_supply": sum(1 for v in levels if v <= 0.0),
                "units_cut_off": sum(1 for u in units if u.cut_off_hours > 0),
                "railheads": len(logistics.supply[side].railheads)
                if side in logistics.supply
                else 0,
                "prisoners_lost": logistics.prisoners[side],
            }
            if side in logistics.trucks:
                state = logistics.supply.get(side)
                per_side[side]["supply"]["trucks"] = round(logistics.trucks[side])
                per_side[side]["supply"]["truck_load"] = (
                    round(state.truck_load, 2) if state is not None else 0.0
                )
    return {
        "scenario": world.scenario,
        "seed": world.seed,
        "hours": world.hour,
        "date": world.now.isoformat(timespec="minutes"),
        "state_hash": world.state_hash(),
        "objectives": {o.name: o.owner for o in world.objectives},
        "score": victory.score(world),
        "sides": per_side,
        "finished": world.finished,
        "winner": world.winner,
        "result": world.result,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="khasan-sim", description="Run a scenario headless, AI against AI, and print a report."
    )
    parser.add_argument("scenario", help=f"scenario name ({', '.join(available())}) or path")
    parser.add_argument("--hours", type=int, default=None, help="stop after N game hours")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--soviet-ai", default="normal", choices=sorted(ai.LEVEL_CAUTION))
    parser.add_argument("--japan-ai", default="normal", choices=sorted(ai.LEVEL_CAUTION))
    args = parser.parse_args(argv)
    try:
        world = run(
            args.scenario, args.hours, args.seed, {"soviet": args.soviet_ai, "japan": args.japan_ai}
        )
    except ScenarioError as e:
        print(f"khasan-sim: {e}", file=sys.stderr)
        return 2
    json.dump(report(world), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
