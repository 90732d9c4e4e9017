"""Simulation speed: game days per real second for a scenario with the AI on both sides, and the
cost of one whole-theatre supply recomputation.

    python -m bench.sim_speed the-war --seeds 1 --days 30
    python -m bench.sim_speed lake-khasan
    python -m bench.sim_speed the-war --seeds 1 --phases   # where the time goes
    python -m bench.sim_speed the-war --seeds 2 --days 150 --together   # matches side by side
    python -m bench.sim_speed the-war --cpu 0 & python -m bench.sim_speed the-war --cpu 1

With ``--phases`` each part of the hour (the rules modules, the AI's parts) is timed in CPU
microseconds per game hour; the timers cost a little themselves, so take the rate from a run
without them. With ``--together`` the seeds' matches are stepped hour by hour in turn in one
process, as a server runs its matches: the rate is all of their game days per CPU second, to set
beside runs of each alone. Every report carries a yardstick of the machine's speed
(``yardstick``): the same tree runs at different rates on different machines. With ``--cpu``
the process runs on that core alone: two trees (or interpreters) run at once, one per core, meet
the same neighbours, which on a shared machine compares them far better than one run after the
other.

One process, one core, no network: this is the cost of ``World.step()`` and the AI, which bounds
how many matches a server runs at top speed and how long balance runs over many seeds take.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.server_process import machine_description
from shared import ai, compiled
from shared.scenario import new_world
from shared.sim import play_hour
from shared.units import SIDES

# (module path, attribute, label): the parts of an hour that ``--phases`` times.
PHASES = (
    ("shared.ai", "from_world", "AI, all of it (the AI: lines below are parts of it)"),
    ("shared.logistics:Logistics", "begin_hour", "supply: daily network, repairs, claims"),
    ("shared.logistics:Logistics", "end_hour", "supply: stocks, starving, ground taken"),
    ("shared.movement", "move_units", "movement"),
    ("shared.combat", "resolve", "combat"),
    ("shared.air", "begin_hour", "air missions"),
    ("shared.world:World", "_recover", "recovery, entrenchment"),
    ("shared.victory", "update_control", "objective control"),
    ("shared.ai", "visible_units", "AI: what the side sees"),
    ("shared.ai_staff", "front_hexes", "AI: the front line"),
    ("shared.ai_staff", "works", "AI: railway works"),
    ("shared.ai_staff", "pockets", "AI: pockets behind the front"),
    ("shared.ai", "decide", "AI: deciding"),
    ("shared.world:World", "issue", "AI: orders issued (paths planned)"),
)


@contextmanager
def timed_phases(spent: Counter[str]) -> Iterator[None]:
    """Wrap each of ``PHASES`` to add its CPU time to ``spent`` (by label) while inside."""
    import importlib

    undo: list[Callable[[], None]] = []
    for where, name, label in PHASES:
        module, _, cls = where.partition(":")
        owner: Any = importlib.import_module(module)
        if cls:
            owner = getattr(owner, cls)
        original = getattr(owner, name)

        def timed(*a: Any, _f: Any = original, _label: str = label, **k: Any) -> Any:
            t0 = time.process_time()
            try:
                return _f(*a, **k)
            finally:
                spent[_label] += time.process_time() - t0

        setattr(owner, name, timed)
        undo.append(lambda o=owner, n=name, f=original: setattr(o, n, f))
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


def run_once(scenario: str, seed: int, days: float | None) -> dict[str, Any]:
    world = new_world(scenario, seed)
    hours = world.end_hour if days is None else min(world.end_hour, int(days * 24))
    ai_s = step_s = 0.0
    began, cpu = time.perf_counter(), time.process_time()
    while world.hour < hours and not world.finished:
        t0 = time.perf_counter()
        if ai.due(world):
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
    cpu = time.process_time() - cpu  # the run's own CPU: steadier than the clock on a busy box
    result: dict[str, Any] = {
        "seed": seed,
        "game_days": round(world.hour / 24, 2),
        "seconds": round(elapsed, 3),
        "game_days_per_second": round(world.hour / 24 / elapsed, 2),
        "cpu_seconds": round(cpu, 3),
        "game_days_per_cpu_second": round(world.hour / 24 / cpu, 2),
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


class _Counter:
    """A unit-sized object for the yardstick: a few float fields."""

    __slots__ = ("org", "progress", "strength")

    def __init__(self, k: int) -> None:
        self.progress, self.org, self.strength = float(k), 0.5, 1.0


def yardstick(ticks: int = 20_000) -> dict[str, float]:
    """This machine's speed in the terms the target was set in: µs of CPU per tick for a Python
    loop over 500 unit objects, and for the same update over numpy arrays. Game days per second
    differ between machines (and between days on a shared one); beside these, they compare."""
    import numpy as np

    units = [_Counter(k) for k in range(500)]
    began = time.process_time()
    for _ in range(ticks):
        for u in units:
            u.progress += 0.1
            u.org = u.org * 0.99 + u.strength * 0.01
    loop = time.process_time() - began
    progress, org, strength = np.zeros(500), np.full(500, 0.5), np.ones(500)
    began = time.process_time()
    for _ in range(ticks):
        progress += 0.1
        org *= 0.99
        org += strength * 0.01
    arrays = time.process_time() - began
    return {
        "python_loop_500_units_us": round(1e6 * loop / ticks, 1),
        "numpy_500_units_us": round(1e6 * arrays / ticks, 1),
    }


def run_together(scenario: str, seeds: list[int], days: float | None) -> dict[str, Any]:
    """The matches of ``seeds`` stepped an hour each in turn, in one process, to the shortest
    one's end (or ``days``)."""
    worlds = [new_world(scenario, seed) for seed in seeds]
    hours = min(w.end_hour for w in worlds)
    if days is not None:
        hours = min(hours, int(days * 24))
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(hours):
        for world in worlds:
            if not world.finished:
                play_hour(world)
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu
    game_days = sum(w.hour for w in worlds) / 24
    return {
        "machine": machine_description(),
        "yardstick": yardstick(),
        "scenario": scenario,
        "seeds": seeds,
        "game_days": round(game_days, 2),
        "seconds": round(elapsed, 3),
        "game_days_per_second": round(game_days / elapsed, 2),
        "cpu_seconds": round(cpu, 3),
        "game_days_per_cpu_second": round(game_days / cpu, 2),
        "state_hashes": [w.state_hash() for w in worlds],
    }


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.sim_speed", description=__doc__)
    ap.add_argument("scenario")
    ap.add_argument("--seeds", type=int, default=3, help="runs, with seeds 1..N")
    ap.add_argument("--days", type=float, default=None, help="stop after this many game days")
    ap.add_argument("--phases", action="store_true", help="CPU time per part of the hour")
    ap.add_argument(
        "--together", action="store_true", help="step the seeds' matches in turn in one process"
    )
    ap.add_argument("--cpu", type=int, default=None, help="run on this core alone")
    args = ap.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    compiled.warm_up()  # as a server does before its first match: loading them is not a game hour
    if args.together:
        seeds = list(range(1, args.seeds + 1))
        print(json.dumps(run_together(args.scenario, seeds, args.days), indent=2))
        return
    if args.phases:
        spent: Counter[str] = Counter()
        with timed_phases(spent):
            runs = [run_once(args.scenario, seed, args.days) for seed in range(1, args.seeds + 1)]
        hours = sum(r["game_days"] for r in runs) * 24
        phases = {
            "whole hour (wall clock)": round(1e6 * sum(r["seconds"] for r in runs) / hours, 1)
        }
        phases.update({k: round(1e6 * v / hours, 1) for k, v in spent.most_common()})
        print(json.dumps({"scenario": args.scenario, "us_per_game_hour": phases}, indent=2))
        return
    runs = [run_once(args.scenario, seed, args.days) for seed in range(1, args.seeds + 1)]
    print(
        json.dumps(
            {
                "machine": machine_description(),
                "yardstick": yardstick(),
                "scenario": args.scenario,
                "median_game_days_per_second": statistics.median(
                    r["game_days_per_second"] for r in runs
                ),
                "median_game_days_per_cpu_second": statistics.median(
                    r["game_days_per_cpu_second"] for r in runs
                ),
                "runs": runs,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
