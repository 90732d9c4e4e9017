"""Every scenario runs to its end, deterministically, on the theatre rules."""

from __future__ import annotations

import pytest

from shared import ai
from shared.scenario import available, load, new_world
from shared.sim import report, run
from shared.units import SIDES

THEATRE = ["manchuria-1938", "korea-1939", "the-war"]


def test_the_four_scenarios_are_there() -> None:
    assert {"lake-khasan", *THEATRE} <= set(available())


@pytest.mark.parametrize("name", THEATRE)
def test_a_theatre_scenario_loads_with_supply_weather_and_objectives(name: str) -> None:
    scenario = load(name)
    world = new_world(name, 1)
    assert world.logistics is not None
    assert scenario.theatre.rails and scenario.theatre.climates
    assert world.objectives and world.points_to_win
    sides = {u.side for u in world.units.values()} | {r.unit.side for r in world.reinforcements}
    assert sides == set(SIDES)
    world.step()
    for side in SIDES:
        assert world.logistics.supply[side].railheads, f"{side} has no railhead"


@pytest.mark.parametrize(("name", "every"), [("lake-khasan", 3), *((n, 8) for n in THEATRE)])
def test_the_ai_replans_as_often_as_the_map_s_scale_asks(name: str, every: int) -> None:
    """Army staffs on the theatre's 25 km hexes re-plan three times a day; on the 2 km hexes of
    the Khasan battlefield every three hours. The orders come at those hours and no others."""
    world = new_world(name, 3)
    planned = []
    for _ in range(25):
        if ai.due(world):
            planned.append(world.hour)
            for side in SIDES:
                world.issue(side, ai.from_world(world, side))
        world.step()
    assert planned == list(range(0, 25, every))


@pytest.mark.parametrize("name", THEATRE)
def test_same_seed_same_war(name: str) -> None:
    hashes = [
        run(name, 24 * 20, seed=7, levels=dict.fromkeys(SIDES, "normal")).state_hash()
        for _ in range(2)
    ]
    assert hashes[0] == hashes[1]
    assert (
        run(name, 24 * 20, seed=8, levels=dict.fromkeys(SIDES, "normal")).state_hash() != hashes[0]
    )


@pytest.mark.parametrize("name", THEATRE)
def test_a_theatre_scenario_runs_to_its_end(name: str) -> None:
    world = run(name, None, seed=1, levels=dict.fromkeys(SIDES, "normal"))
    assert world.finished
    assert world.result in ("destroyed", "points", "objectives", "draw")
    out = report(world)
    for side in SIDES:
        assert out["sides"][side]["losses"] > 0
        supply = out["sides"][side]["supply"]
        assert {"mean_level", "prisoners_lost", "railheads", "trucks", "truck_load"} <= set(supply)
        assert supply["trucks"] > 0  # worn and replaced, never run out
