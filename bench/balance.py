"""Balance runs: every scenario AI against AI over several seeds, recording who holds the
chronicle's key cities at its milestones, for docs/balance.md.

    python -m bench.balance --seeds 5
    python -m bench.balance lake-khasan manchuria-1938 --seeds 3

Prints a Markdown section per scenario: the result of each seed, and at each checkpoint date
who held Harbin, Changchun, Pyongyang, Keijo and Fusan (the chronicle's course beside it).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime

from shared import victory
from shared.scenario import available, new_world
from shared.sim import play_hour
from shared.units import SIDES
from shared.world import World

CITIES = (
    "Harbin",
    "Qiqihar",
    "Changchun",
    "Mukden",
    "Pyongyang",
    "Seoul",
    "Daejeon",
    "Daegu",
    "Busan",
)
CHRONICLE = {
    "Qiqihar": "abandoned by the Japanese 14 Sep 1938",
    "Harbin": "besieged from 7 Oct 1938, held through November",
    "Changchun": "falls in early December 1938",
    "Pyongyang": "the Taedong line broken, retreat 2 Jun 1939",
    "Seoul": "Keijo falls at the end of July 1939",
    "Daejeon": "Taiden falls mid-September 1939",
    "Daegu": "Taikyu falls 2 Dec 1939",
    "Busan": "Fusan taken 29 Dec 1939",
}
CHECKPOINTS = [
    "1938-08-31",
    "1938-09-30",
    "1938-10-31",
    "1938-11-30",
    "1938-12-31",
    "1939-03-31",
    "1939-06-30",
    "1939-08-31",
    "1939-10-31",
    "1939-12-31",
]


def holder(world: World, name: str) -> str:
    place = world.theatre.places.get(name)
    if place is None or world.logistics is None:
        return "-"
    code = int(world.logistics.control[world.theatre.grid.index(place.hex)])
    return {1: "S", 2: "J"}.get(code, "·")


def run(
    scenario: str, seed: int
) -> tuple[World, dict[str, dict[str, str]], float, dict[str, tuple[str, str]]]:
    """One AI-against-AI game: the world at the end, who held the cities at each checkpoint,
    the seconds it took, and per city the day the Soviets first took it and the day from
    which they held it to the end ("-" for never)."""
    world = new_world(scenario, seed)
    marks: dict[str, dict[str, str]] = {}
    pending = [c for c in CHECKPOINTS if datetime.fromisoformat(c) > world.start]
    first: dict[str, str] = {}
    since: dict[str, str | None] = {}
    began = time.perf_counter()
    while not world.finished:
        play_hour(world)
        while pending and world.now >= datetime.fromisoformat(pending[0]):
            marks[pending.pop(0)] = {c: holder(world, c) for c in CITIES}
        if world.hour % 24 == 0 or world.finished:
            today = world.now.date().isoformat()
            for c in CITIES:
                if holder(world, c) == "S":
                    first.setdefault(c, today)
                    since[c] = since.get(c) or today
                else:
                    since[c] = None
    fell = {c: (first.get(c, "-"), since.get(c) or "-") for c in CITIES}
    return world, marks, time.perf_counter() - began, fell


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.balance", description=__doc__)
    ap.add_argument("scenarios", nargs="*", default=None)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    for scenario in args.scenarios or available():
        print(f"\n### {scenario}\n")
        print(
            "| seed | result | winner | score (S / J) | losses (S / J) | prisoners (S / J) "
            "| run s |"
        )
        print("|---|---|---|---|---|---|---|")
        all_marks = []
        all_fell = []
        for seed in range(1, args.seeds + 1):
            world, marks, secs, fell = run(scenario, seed)
            all_fell.append(fell)
            losses = world.losses_by_side()
            score = victory.score(world)
            pris = world.logistics.prisoners if world.logistics else dict.fromkeys(SIDES, 0)
            print(
                f"| {seed} | {world.result} | {world.winner or 'none'} | "
                f"{score['soviet']:.0f} / {score['japan']:.0f} | "
                f"{losses['soviet']:,} / {losses['japan']:,} | "
                f"{pris['soviet']:,} / {pris['japan']:,} | {secs:.1f} |"
            )
            all_marks.append(marks)
        if any(all_marks):
            print("\nWho held the cities (S Soviet, J Japan; one letter per seed):\n")
            print("| date | " + " | ".join(CITIES) + " |")
            print("|---|" + "---|" * len(CITIES))
            for date in CHECKPOINTS:
                if not all(date in m for m in all_marks):
                    continue
                cells = ["".join(m[date][c] for m in all_marks) for c in CITIES]
                print(f"| {date} | " + " | ".join(cells) + " |")
            print("\nThe chronicle: " + "; ".join(f"{c}: {t}" for c, t in CHRONICLE.items()) + ".")
            print("\nWhen the Soviets took each city (first, and for good; one per seed):\n")
            print("| city | chronicle | first taken | held from |")
            print("|---|---|---|---|")
            for c in CITIES:
                if all(f[c] == ("-", "-") for f in all_fell):
                    continue
                firsts = ", ".join(f[c][0] for f in all_fell)
                fors = ", ".join(f[c][1] for f in all_fell)
                print(f"| {c} | {CHRONICLE.get(c, '')} | {firsts} | {fors} |")


if __name__ == "__main__":
    main()
