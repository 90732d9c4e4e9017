"""Simulation speed: game days per real second for a scenario with the AI on both sides, and the
cost of one whole-theatre supply recomputation.

    python -m bench.sim_speed the-war --seeds 1 --days 30
    python -m bench.sim_speed lake-khasan

One process, one core, no network: this is the cost of ``World.step()`` and the AI, which bounds
how many matches a server runs at top speed and how long balance runs over many seeds take.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from bench.server_process import machine_description
from shared import ai
from shared.scenario import new_world
from shared.units import SIDES


def run_once(scenario: str, seed: int, days: float | None) -> dict[str, Any]:
    world = new_world(scenario, seed)
    hours = world.end_hour if days is None else min(world.end_hour, int(days * 24))
    ai_s = step_s = 0.0
    began = time.perf_counter()
    while world.hour < hours and not world.finished:
        t0 = time.perf_counter()
        if world.hour % ai.DECIDE_EVERY_HOURS == 0:
            for side in SIDES:
                orders = ai.from_world(world, side)
                if orders:
                    world.issue(side, orders)
        t1 = time.perf_counter()
        world.step()
        t2 = time.perf_counter()
        ai_s += t1 - t0
        step_s += t2 - t1
    elapsed = time.perf_counter() - began
    result: dict[str, Any] = {
        "seed": seed,
        "game_days": round(world.hour / 24, 2),
        "seconds": round(elapsed, 3),
        "game_days_per_second": round(world.hour / 24 / elapsed, 2),
        "ms_per_hour_step": round(1000 * step_s / max(1, world.hour), 3),
        "ms_per_hour_ai": round(1000 * ai_s / max(1, world.hour), 3),
        "units": len(world.units),
    }
    if world.logistics is not None:
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            world.logistics.recompute(world)
            samples.append(time.perf_counter() - t0)
        result["supply_recompute_ms_both_sides"] = round(1000 * statistics.median(samples), 2)
        result["hexes"] = len(world.theatre.grid)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.sim_speed", description=__doc__)
    ap.add_argument("scenario")
    ap.add_argument("--seeds", type=int, default=3, help="runs, with seeds 1..N")
    ap.add_argument("--days", type=float, default=None, help="stop after this many game days")
    args = ap.parse_args()
    runs = [run_once(args.scenario, seed, args.days) for seed in range(1, args.seeds + 1)]
    rates = [r["game_days_per_second"] for r in runs]
    print(
        json.dumps(
            {
                "machine": machine_description(),
                "scenario": args.scenario,
                "median_game_days_per_second": statistics.median(rates),
                "runs": runs,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
