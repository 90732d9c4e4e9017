"""The Lake Khasan map and scenario as compiled, and scenario data that must be refused."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import shutil
from collections import deque
from datetime import timedelta
from typing import Any

import pytest

from maps import MAPS_DIR, SCENARIOS_DIR
from shared.hexgrid import distance, edge_key
from shared.pathfinding import find_path
from shared.scenario import Scenario, ScenarioError, available, build_world, load, new_world
from shared.terrain import Terrain
from shared.theatre import Theatre
from shared.units import SIDES

NAME = "lake-khasan"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load(NAME)


@pytest.fixture(scope="module")
def theatre(scenario) -> Theatre:
    return scenario.theatre


def geo_feature(name: str) -> dict[str, Any]:
    features = json.loads((MAPS_DIR / "khasan.geojson").read_text(encoding="utf-8"))["features"]
    [feature] = [f for f in features if f["properties"].get("name") == name]
    return feature


def centroid(feature: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon) average of a polygon's outer ring, closing point left out."""
    ring = feature["geometry"]["coordinates"][0][:-1]
    return sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)


# -- the scenario -----------------------------------------------------------------------------
def test_lake_khasan_is_available(scenario):
    assert NAME in available()
    assert scenario.name == NAME
    assert set(scenario.sides) == set(SIDES)


def test_the_battle_runs_from_29_july_to_11_august_1938(scenario):
    assert (scenario.start.year, scenario.start.month, scenario.start.day) == (1938, 7, 29)
    assert (scenario.end.month, scenario.end.day) == (8, 11)
    assert scenario.end_hour == (scenario.end - scenario.start) // timedelta(hours=1)
    assert new_world(NAME, 1).end_hour == scenario.end_hour


# -- the map ------------------------------------------------------------------------------------
def test_the_map_covers_its_bounds(theatre):
    b = theatre.bounds
    for lat, lon in [(b.north, b.west), (b.north, b.east), (b.south, b.west), (b.south, b.east)]:
        assert theatre.contains(theatre.hex_of(lat, lon))


def test_lake_khasan_is_water(theatre):
    lake = theatre.hex_of(*centroid(geo_feature("Lake Khasan")))
    assert theatre.terrain_at(lake) == Terrain.WATER
    assert not theatre.passable(lake)


def test_posyet_bay_is_water(theatre):
    bay = theatre.hex_of(*centroid(geo_feature("Sea of Japan (Posyet Bay)")))
    assert theatre.terrain_at(bay) == Terrain.WATER


def test_the_two_hills_are_hills_side_by_side_on_the_lake_shore(theatre):
    zao, bez = theatre.places["Zaozernaya"], theatre.places["Bezymyannaya"]
    assert (zao.kind, bez.kind) == ("hill", "hill")
    assert theatre.terrain_at(zao.hex) == Terrain.HILLS
    assert theatre.terrain_at(bez.hex) == Terrain.HILLS
    assert 1 <= distance(zao.hex, bez.hex) <= 2
    lake = {h for h in theatre.grid if theatre.terrain_at(h) == Terrain.WATER}
    assert any(distance(zao.hex, h) == 1 for h in lake)  # Zaozernaya: "beyond the lake"


def test_the_tumen_is_marked_as_a_river(theatre):
    assert "Tumen" in set(theatre.rivers.values())


def test_the_tumen_runs_between_the_korean_bank_and_the_hills(theatre):
    kyonghung = theatre.places["Kyonghung"].hex
    hills = [theatre.places["Zaozernaya"].hex, theatre.places["Bezymyannaya"].hex]
    # Over the battlefield (16 km round the hills) there is no dry-foot way from the Korean
    # town to either hill: every route crosses the river.
    battlefield = {h for h in theatre.grid if distance(h, hills[0]) <= 8}
    reach, queue = {kyonghung}, deque([kyonghung])
    while queue:
        h = queue.popleft()
        for n in theatre.neighbours(h):
            if n in reach or n not in battlefield or not theatre.passable(n):
                continue
            if theatre.river_between(h, n):
                continue
            reach.add(n)
            queue.append(n)
    assert len(reach) > 1
    assert not reach & set(hills)


def test_the_march_from_kyonghung_to_the_hill_crosses_the_tumen(theatre):
    start, goal = theatre.places["Kyonghung"].hex, theatre.places["Zaozernaya"].hex
    path = find_path(theatre, start, goal, armoured=False)
    assert path is not None
    steps = itertools.pairwise([start, *path])
    assert any(theatre.rivers.get(edge_key(a, b)) == "Tumen" for a, b in steps)


def test_every_place_is_on_the_map_and_towns_are_town_ground(theatre):
    assert len(theatre.places) >= 9
    for place in theatre.places.values():
        assert theatre.contains(place.hex), place.name
        assert theatre.passable(place.hex), place.name
        if place.kind == "town":
            assert theatre.terrain_at(place.hex) == Terrain.TOWN


def test_the_map_has_roads_and_borders(theatre):
    assert theatre.roads
    assert theatre.borders


# -- the world it builds -----------------------------------------------------------------------
def test_every_unit_starts_on_passable_ground_and_reinforcements_arrive_on_it(scenario):
    w = build_world(scenario, 1)
    assert w.units and w.reinforcements
    for u in [*w.units.values(), *(r.unit for r in w.reinforcements)]:
        assert w.theatre.passable(u.pos), u.id
    assert {u.side for u in w.units.values()} == set(SIDES)


def test_units_placed_at_a_place_stand_in_its_hex(scenario):
    w = build_world(scenario, 1)
    everyone = {u.id: u for u in [*w.units.values(), *(r.unit for r in w.reinforcements)]}
    for spec in scenario.data["units"]:
        if "at" in spec:
            assert everyone[spec["id"]].pos == scenario.theatre.places[spec["at"]].hex


def test_reinforcements_are_due_at_the_hour_of_their_arrival(scenario):
    w = build_world(scenario, 1)
    due = {r.unit.id: r.hour for r in w.reinforcements}
    for spec in scenario.data["units"]:
        if "arrives" in spec:
            expected = (spec["arrives"] - scenario.start) // timedelta(hours=1)
            assert due[spec["id"]] == expected
        else:
            assert spec["id"] in w.units


def test_the_soviet_border_guards_hold_both_hills_at_the_start(scenario):
    w = build_world(scenario, 1)
    assert {o.name: o.owner for o in w.objectives} == {
        "Zaozernaya": "soviet",
        "Bezymyannaya": "soviet",
    }


def test_each_build_is_a_fresh_world(scenario):
    one, two = build_world(scenario, 1), build_world(scenario, 1)
    some = next(iter(one.units))
    assert one.units[some] is not two.units[some]
    assert one.state_hash() == two.state_hash()


# -- bad scenario data ---------------------------------------------------------------------------
def with_data(scenario: Scenario, change) -> Scenario:
    data = copy.deepcopy(scenario.data)
    change(data)
    return dataclasses.replace(scenario, data=data)


def first_unit(data: dict[str, Any]) -> dict[str, Any]:
    return data["units"][0]


LAKE_CENTRE = centroid(geo_feature("Lake Khasan"))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: first_unit(d).update(at="Vladivostok"), "Vladivostok"),
        (lambda d: first_unit(d).update(side="manchukuo"), "manchukuo"),
        (lambda d: first_unit(d).update(kind="navy"), "navy"),
        (lambda d: d["units"].append(dict(first_unit(d))), "twice"),
        (lambda d: d["objectives"].append({"place": "Tokyo"}), "Tokyo"),
    ],
    ids=["unknown-place", "unknown-side", "unknown-kind", "duplicate-id", "unknown-objective"],
)
def test_inconsistent_scenario_data_raises_scenario_error(scenario, change, complaint):
    with pytest.raises(ScenarioError, match=complaint):
        build_world(with_data(scenario, change), 1)


def unit_at(**where: Any):
    def change(data: dict[str, Any]) -> None:
        spec = first_unit(data)
        spec.pop("at", None)
        spec.update(where)

    return change


@pytest.mark.parametrize(
    "where",
    [
        {"lat": LAKE_CENTRE[0], "lon": LAKE_CENTRE[1]},  # in Lake Khasan
        {"lat": 41.0, "lon": 130.5},  # south of the map
        {},  # neither a place nor coordinates
    ],
    ids=["in-the-lake", "off-the-map", "nowhere"],
)
def test_a_unit_that_cannot_stand_where_it_is_put_raises_scenario_error(scenario, where):
    with pytest.raises(ScenarioError, match="unit"):
        build_world(with_data(scenario, unit_at(**where)), 1)


def test_an_unknown_scenario_name_raises_scenario_error_listing_the_real_ones():
    with pytest.raises(ScenarioError, match=NAME):
        load("lake-baikal")


def test_a_scenario_can_be_loaded_from_a_path(tmp_path):
    path = tmp_path / "copy.toml"
    shutil.copy(SCENARIOS_DIR / f"{NAME}.toml", path)
    assert load(str(path)).title == load(NAME).title
    with pytest.raises(ScenarioError):
        load(str(tmp_path / "missing.toml"))
