"""Compiling GeoJSON into hex layers, and what the compiled theatre answers."""

from __future__ import annotations

import itertools
import json
from collections import deque

import pytest

from shared.hexgrid import Grid, edge_key, neighbours, offset_to_axial, to_plane
from shared.terrain import INF, RIVER_CROSSING_COST, ROAD_MOVE_COST, RULES, Terrain
from shared.theatre import Theatre, compile_theatre, load_theatre
from tests.tiny_world import TinyMap


def components(theatre: Theatre, cross_rivers: bool) -> list[set]:
    """Connected sets of passable hexes, optionally treating river edges as walls."""
    seen: set = set()
    out = []
    for start in theatre.grid:
        if start in seen or not theatre.passable(start):
            continue
        comp = {start}
        queue = deque([start])
        while queue:
            h = queue.popleft()
            for n in theatre.neighbours(h):
                if n in comp or not theatre.passable(n):
                    continue
                if not cross_rivers and theatre.river_between(h, n):
                    continue
                comp.add(n)
                queue.append(n)
        seen |= comp
        out.append(comp)
    return out


# -- the grid and the projection --------------------------------------------------------------
def test_grid_covers_the_bounds_from_corner_to_corner():
    m = TinyMap(9, 7, hex_km=2.0)
    t = m.compile()
    b = t.bounds
    assert t.hex_of(b.north, b.west) == (0, 0)
    for lat, lon in [(b.north, b.east), (b.south, b.west), (b.south, b.east)]:
        assert t.contains(t.hex_of(lat, lon))


def test_hex_of_inverts_latlon_of_for_every_hex():
    t = TinyMap(8, 6, hex_km=2.0).compile()
    for h in t.grid:
        assert t.hex_of(*t.latlon_of(h)) == h


def test_neighbours_stay_on_the_map():
    t = TinyMap(5, 4).compile()
    corner = (0, 0)
    assert set(t.neighbours(corner)) < set(neighbours(corner))
    assert all(t.contains(n) for n in t.neighbours(corner))
    middle = offset_to_axial(2, 2)
    assert set(t.neighbours(middle)) == set(neighbours(middle))


# -- terrain -------------------------------------------------------------------------------
def test_unpainted_ground_is_the_base_terrain():
    t = TinyMap(6, 5, base="hills").compile()
    assert {t.terrain_at(h) for h in t.grid} == {Terrain.HILLS}


def test_a_terrain_polygon_paints_the_hexes_whose_centres_it_covers_and_no_others():
    t = TinyMap(8, 6).paint("forest", (2, 2), (3, 2)).compile()
    forest = {h for h in t.grid if t.terrain_at(h) == Terrain.FOREST}
    assert forest == {(2, 2), (3, 2)}


def test_later_features_paint_over_earlier_ones():
    t = TinyMap(8, 6).paint("forest", (2, 2), (3, 2)).paint("marsh", (3, 2)).compile()
    assert t.terrain_at((2, 2)) == Terrain.FOREST
    assert t.terrain_at((3, 2)) == Terrain.MARSH


def test_a_hole_in_a_polygon_keeps_the_ground_beneath():
    m = TinyMap(9, 7)
    cx, cy = m.centre((3, 3))

    def square(half):
        pts = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
        return [m.lonlat(cx + half * dx, cy + half * dy) for dx, dy in pts]

    m.features.append(
        {
            "type": "Feature",
            "properties": {"layer": "terrain", "terrain": "mountain"},
            "geometry": {"type": "Polygon", "coordinates": [square(1.4), square(0.4)]},
        }
    )
    t = m.compile()
    assert t.terrain_at((3, 3)) == Terrain.PLAIN
    for n in neighbours((3, 3)):
        assert t.terrain_at(n) == Terrain.MOUNTAIN


def test_multipolygons_paint_every_part():
    m = TinyMap(8, 6)
    parts = [[m._square(h, 0.3)] for h in [(1, 1), (5, 3)]]
    m.features.append(
        {
            "type": "Feature",
            "properties": {"layer": "terrain", "terrain": "marsh"},
            "geometry": {"type": "MultiPolygon", "coordinates": parts},
        }
    )
    t = m.compile()
    assert {h for h in t.grid if t.terrain_at(h) == Terrain.MARSH} == {(1, 1), (5, 3)}


def test_water_is_impassable_and_costs_infinity_to_enter():
    t = TinyMap(8, 6).paint("water", (3, 2)).compile()
    assert t.terrain_at((3, 2)) == Terrain.WATER
    assert not t.passable((3, 2))
    assert t.passable((2, 2))
    assert t.step_cost((2, 2), (3, 2), armoured=False) == INF
    assert t.step_cost((2, 2), (3, 2), armoured=True) == INF


def test_off_map_hexes_are_not_passable():
    t = TinyMap(5, 4).compile()
    assert not t.passable((-1, 0))
    assert not t.passable((0, 4))


def test_unknown_layers_and_wrong_geometries_are_refused():
    m = TinyMap(5, 4)
    bad_layer = {
        "type": "Feature",
        "properties": {"layer": "volcano"},
        "geometry": {"type": "Point", "coordinates": m.lonlat(1.0, 1.0)},
    }
    with pytest.raises(ValueError, match="volcano"):
        compile_theatre({"features": [bad_layer]}, "bad", m.bounds, m.hex_km, Terrain.PLAIN)
    line_as_terrain = {
        "type": "Feature",
        "properties": {"layer": "terrain", "terrain": "forest"},
        "geometry": {"type": "LineString", "coordinates": [m.lonlat(0, 0), m.lonlat(2, 2)]},
    }
    with pytest.raises(ValueError, match="polygon"):
        compile_theatre({"features": [line_as_terrain]}, "bad", m.bounds, 1.0, Terrain.PLAIN)


# -- places ----------------------------------------------------------------------------------
def test_places_sit_in_the_hex_of_their_point_and_towns_make_town_ground():
    t = TinyMap(8, 6).place("Kraskino", (2, 2), kind="town").place("Posyet", (5, 3)).compile()
    assert t.places["Kraskino"].hex == (2, 2)
    assert t.places["Posyet"].hex == (5, 3)
    assert t.terrain_at((2, 2)) == Terrain.TOWN
    assert t.terrain_at((5, 3)) == Terrain.PLAIN  # a village does not change the ground


# -- rivers ----------------------------------------------------------------------------------
def test_a_river_marks_exactly_the_edges_whose_centre_line_it_crosses():
    x_river = 4.3
    m = TinyMap(9, 6).river_at_x(x_river)
    t = m.compile()
    expected = set()
    for h in t.grid:
        for n in t.neighbours(h):
            xa, xb = to_plane(h, 1.0)[0], to_plane(n, 1.0)[0]
            if min(xa, xb) < x_river < max(xa, xb):
                expected.add(edge_key(h, n))
    assert expected  # the line does cross the map
    assert set(t.rivers) == expected
    assert set(t.rivers.values()) == {"river"}


def test_a_river_across_the_whole_map_splits_it_in_two_banks():
    t = TinyMap(9, 6).river_at_x(4.3).compile()
    assert len(components(t, cross_rivers=True)) == 1
    banks = components(t, cross_rivers=False)
    assert len(banks) == 2
    west, east = sorted(banks, key=lambda c: min(to_plane(h, 1.0)[0] for h in c))
    assert all(to_plane(h, 1.0)[0] < 4.3 for h in west)
    assert all(to_plane(h, 1.0)[0] > 4.3 for h in east)


def test_river_between_is_symmetric_and_false_elsewhere():
    t = TinyMap(9, 6).river_at_x(4.3).compile()
    (a, b) = next(iter(t.rivers))
    assert t.river_between(a, b) and t.river_between(b, a)
    assert not t.river_between((0, 0), (1, 0))


def test_a_river_segment_marks_only_the_edge_it_cuts():
    m = TinyMap(8, 6)
    # A short stroke across the middle of the edge between (2, 2) and (3, 2), at right angles.
    (xa, ya), (xb, yb) = m.centre((2, 2)), m.centre((3, 2))
    mx, my = (xa + xb) / 2, (ya + yb) / 2
    t = m.river((mx, my - 0.4), (mx, my + 0.4), name="Tumen").compile()
    assert t.rivers == {edge_key((2, 2), (3, 2)): "Tumen"}


# -- roads -----------------------------------------------------------------------------------
def test_a_road_links_each_pair_of_consecutive_hexes_it_runs_through():
    chain = [(1, 2), (2, 2), (3, 2), (4, 2), (4, 3), (4, 4)]
    t = TinyMap(8, 6).road(*chain).compile()
    assert t.roads == {edge_key(a, b) for a, b in itertools.pairwise(chain)}
    assert t.road_between((2, 2), (1, 2))
    assert not t.road_between((1, 2), (1, 3))


def test_a_long_diagonal_road_is_an_unbroken_chain_of_adjacent_hexes():
    m = TinyMap(12, 10)
    start, end = (0, 1), (6, 8)
    t = m.road(start, end).compile()
    linked = set()
    for a, b in t.roads:
        assert b in neighbours(a)
        linked |= {a, b}
    assert {start, end} <= linked
    # Walking the road alone gets from one end to the other.
    reach, queue = {start}, deque([start])
    while queue:
        h = queue.popleft()
        for n in t.neighbours(h):
            if n not in reach and t.road_between(h, n):
                reach.add(n)
                queue.append(n)
    assert end in reach


def test_multilinestrings_make_every_part_a_road():
    m = TinyMap(8, 6)
    parts = [
        [m.lonlat(*m.centre(h)) for h in [(0, 1), (1, 1)]],
        [m.lonlat(*m.centre(h)) for h in [(3, 4), (4, 4)]],
    ]
    m.features.append(
        {
            "type": "Feature",
            "properties": {"layer": "road"},
            "geometry": {"type": "MultiLineString", "coordinates": parts},
        }
    )
    t = m.compile()
    assert t.roads == {edge_key((0, 1), (1, 1)), edge_key((3, 4), (4, 4))}


# -- movement costs ------------------------------------------------------------------------------
def test_a_plain_hex_costs_its_width_to_cross():
    for hex_km in (1.0, 2.0):
        t = TinyMap(6, 4, hex_km=hex_km).compile()
        assert t.step_cost((1, 1), (2, 1), armoured=False) == pytest.approx(hex_km)


def test_rough_ground_costs_more_than_plain_and_more_still_for_armour():
    t = TinyMap(8, 5).paint("marsh", (3, 2)).paint("forest", (3, 3)).compile()
    plain = t.step_cost((1, 2), (2, 2), armoured=False)
    marsh = t.step_cost((2, 2), (3, 2), armoured=False)
    forest = t.step_cost((2, 3), (3, 3), armoured=False)
    assert marsh == pytest.approx(RULES[Terrain.MARSH].move_cost)
    assert forest == pytest.approx(RULES[Terrain.FOREST].move_cost)
    assert plain < forest < marsh
    assert t.step_cost((2, 2), (3, 2), armoured=True) > marsh


def test_the_cost_is_that_of_the_hex_entered_not_the_hex_left():
    t = TinyMap(8, 5).paint("marsh", (3, 2)).compile()
    assert t.step_cost((3, 2), (4, 2), armoured=False) == pytest.approx(1.0)
    assert t.step_cost((4, 2), (3, 2), armoured=False) == pytest.approx(2.0)


def test_a_road_costs_half_a_hex_whatever_the_ground_and_the_unit():
    t = TinyMap(8, 5).paint("marsh", (2, 2), (3, 2)).road((2, 2), (3, 2)).compile()
    assert t.step_cost((2, 2), (3, 2), armoured=False) == pytest.approx(ROAD_MOVE_COST)
    assert t.step_cost((2, 2), (3, 2), armoured=True) == pytest.approx(ROAD_MOVE_COST)
    # Off the road the same marsh is four times dearer for the infantry.
    assert t.step_cost((2, 3), (3, 2), armoured=False) == pytest.approx(2.0)


def test_crossing_a_river_adds_the_crossing_cost():
    t = TinyMap(9, 5).river_at_x(4.3).compile()
    # Row 2: x = q + 1, so the river runs between (3, 2) and (4, 2).
    assert t.river_between((3, 2), (4, 2))
    assert t.step_cost((3, 2), (4, 2), armoured=False) == pytest.approx(1.0 + RIVER_CROSSING_COST)
    assert t.step_cost((2, 2), (3, 2), armoured=False) == pytest.approx(1.0)


def test_a_road_bridges_the_river():
    t = TinyMap(9, 5).river_at_x(4.3).road((2, 2), (3, 2), (4, 2), (5, 2)).compile()
    assert t.river_between((3, 2), (4, 2))
    assert t.step_cost((3, 2), (4, 2), armoured=False) == pytest.approx(ROAD_MOVE_COST)


def test_costs_scale_with_the_hex_width():
    small = TinyMap(8, 5, hex_km=1.0).paint("hills", (3, 2)).compile()
    big = TinyMap(8, 5, hex_km=3.0).paint("hills", (3, 2)).compile()
    assert big.step_cost((2, 2), (3, 2), False) == pytest.approx(
        3.0 * small.step_cost((2, 2), (3, 2), False)
    )


# -- loading --------------------------------------------------------------------------------------
def test_load_theatre_reads_the_same_map_from_a_file(tmp_path):
    m = (
        TinyMap(8, 6)
        .paint("forest", (2, 2))
        .river_at_x(4.3)
        .road((1, 4), (2, 4))
        .place("A", (5, 1))
    )
    path = tmp_path / "tiny.geojson"
    path.write_text(json.dumps(m.geojson()), encoding="utf-8")
    loaded = load_theatre(path, "tiny", m.bounds, m.hex_km, Terrain.PLAIN)
    built = m.compile()
    assert loaded.terrain == built.terrain
    assert loaded.rivers == built.rivers
    assert loaded.roads == built.roads
    assert loaded.places == built.places
    assert isinstance(loaded.grid, Grid)


def test_borders_are_kept_as_lat_lon_polylines():
    m = TinyMap(6, 4)
    line = [m.lonlat(0.0, 0.0), m.lonlat(3.0, 2.0)]
    m.features.append(
        {
            "type": "Feature",
            "properties": {"layer": "border"},
            "geometry": {"type": "LineString", "coordinates": line},
        }
    )
    t = m.compile()
    assert t.borders == [[(lat, lon) for lon, lat in line]]
