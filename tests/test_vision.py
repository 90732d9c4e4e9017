"""Sight: farther from heights, shorter from forest, concealing ground seen into at half range.

With 1 km hexes an infantry unit (5 km sight) sees 5 hexes on the plain.
"""

from __future__ import annotations

import pytest

from shared.hexgrid import distance, within
from shared.orders import OrderRequest
from shared.terrain import RULES, Terrain
from shared.units import KIND_RULES, Kind
from shared.vision import sight_radius, visible_hexes
from tests.tiny_world import TinyMap, bystander, plain, unit, world

EYE = (6, 6)  # observer in the middle of a 16 x 13 map; row 6, so east is (q + k, 6)


def radius_on(terrain: str, kind: Kind = Kind.INFANTRY) -> int:
    t = TinyMap(16, 13).paint(terrain, EYE).compile()
    return sight_radius(t, unit("o", "soviet", EYE, kind=kind))


def test_infantry_on_the_plain_sees_its_sight_range_in_hexes():
    assert KIND_RULES[Kind.INFANTRY].sight_km == 5.0
    assert radius_on("plain") == 5


def test_hills_lengthen_sight_and_forest_shortens_it():
    assert radius_on("hills") == 5 + RULES[Terrain.HILLS].sight_km
    assert radius_on("mountain") > radius_on("hills") > radius_on("plain")
    assert radius_on("forest") < radius_on("plain")


def test_cavalry_scouts_farther_than_infantry():
    assert radius_on("plain", Kind.CAVALRY) > radius_on("plain", Kind.INFANTRY)


def test_a_unit_always_sees_its_neighbours():
    # 4 km hexes: infantry in forest has 3 km of sight, less than one hex.
    t = TinyMap(8, 6, hex_km=4.0, base="forest").compile()
    eye = (2, 2)
    observer = unit("o", "soviet", eye)
    assert sight_radius(t, observer) == 1
    seen = visible_hexes(t, [observer])
    assert set(t.neighbours(eye)) | {eye} <= seen


def test_the_plain_is_seen_out_to_the_sight_radius_and_no_farther():
    t = plain(16, 13)
    seen = visible_hexes(t, [unit("o", "soviet", EYE)])
    assert seen == {h for h in within(EYE, 5) if t.contains(h)}


def test_from_a_hill_the_observer_sees_hexes_it_cannot_see_from_the_plain():
    far = (EYE[0] + 7, EYE[1])
    hill = TinyMap(20, 13).paint("hills", EYE).compile()
    assert far in visible_hexes(hill, [unit("o", "soviet", EYE)])
    assert far not in visible_hexes(plain(20, 13), [unit("o", "soviet", EYE)])


def test_forest_is_seen_into_only_at_half_range():
    near_wood, far_wood, far_field = (EYE[0] + 2, EYE[1]), (EYE[0] + 3, EYE[1]), (EYE[0] - 3, 6)
    t = TinyMap(16, 13).paint("forest", near_wood, far_wood).compile()
    seen = visible_hexes(t, [unit("o", "soviet", EYE)])
    assert near_wood in seen  # 2 hexes: within half of 5
    assert far_wood not in seen  # 3 hexes: beyond half range
    assert far_field in seen  # 3 hexes of open ground


def test_towns_conceal_like_forest():
    t = TinyMap(16, 13).place("Kraskino", (EYE[0] + 3, EYE[1]), kind="town").compile()
    assert t.terrain_at((EYE[0] + 3, EYE[1])) == Terrain.TOWN
    assert (EYE[0] + 3, EYE[1]) not in visible_hexes(t, [unit("o", "soviet", EYE)])


def test_a_side_sees_what_any_of_its_units_sees():
    t = plain(20, 13)
    a, b = unit("a", "soviet", (1, 6)), unit("b", "soviet", (12, 6))
    both = visible_hexes(t, [a, b])
    assert both == visible_hexes(t, [a]) | visible_hexes(t, [b])
    assert visible_hexes(t, [a]) - visible_hexes(t, [b])  # each adds something


def test_sight_stops_at_the_map_edge():
    t = plain(8, 6)
    seen = visible_hexes(t, [unit("o", "soviet", (0, 0))])
    assert seen
    assert all(t.contains(h) for h in seen)


def test_what_a_side_sees_follows_its_units_as_they_move():
    t = plain(24, 13)
    w = world(t, [unit("a", "soviet", (0, 6)), bystander(t)])
    before = set(w.visible("soviet"))
    w.issue("soviet", [OrderRequest("a", "move", (9, 6))])
    w.step()
    after = w.visible("soviet")
    pos = w.units["a"].pos
    assert pos != (0, 6)
    assert after == visible_hexes(t, [w.units["a"]])
    assert after != before
    assert all(distance(pos, h) <= 5 for h in after)


def test_each_side_has_its_own_sight():
    t = plain(24, 13)
    w = world(t, [unit("a", "soviet", (0, 6)), unit("j", "japan", (16, 6))])
    assert (16, 6) not in w.visible("soviet")
    assert (16, 6) in w.visible("japan")
    assert (0, 6) not in w.visible("japan")


@pytest.mark.parametrize(("scenario", "days"), [("lake-khasan", 6), ("korea-1939", 12)])
def test_asking_whether_hexes_are_seen_agrees_with_the_whole_set_a_side_sees(scenario, days):
    """``World.sees`` answers for a few hexes without building what the side sees; every hour
    of a match, by day and by night, for every hex on the map an enemy or a friend stands in
    and their neighbours, it agrees with ``World.visible``."""
    from shared import sim
    from shared.hexgrid import neighbours
    from shared.scenario import new_world

    world = new_world(scenario, 2)
    compared = 0
    for _ in range(days * 24):
        sim.play_hour(world)
        asked = sorted(
            {n for u in world.units.values() for n in (u.pos, *neighbours(u.pos))}
            & set(world.theatre.grid)
        )
        for side in ("soviet", "japan"):
            world.version += 1  # nothing kept from an earlier answer
            answers = world.sees(side, asked)
            seen = world.visible(side)
            assert answers == [h in seen for h in asked]
            compared += sum(answers)
    assert compared
