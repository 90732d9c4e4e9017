"""Hex coordinates, neighbours, distance, the odd-r rectangle, plane and lat/lon projection."""

from __future__ import annotations

import itertools
import math

import pytest

from shared.geo import Projection, point_in_polygon, segments_cross
from shared.hexgrid import (
    DIRECTIONS,
    Grid,
    axial_to_offset,
    direction_between,
    distance,
    edge_key,
    from_plane,
    neighbours,
    offset_to_axial,
    ring,
    to_plane,
    within,
)

SAMPLE = [(0, 0), (3, -1), (-4, 7), (10, -10), (-2, -3), (5, 5)]


def test_every_neighbour_is_one_step_away_and_all_six_differ():
    for h in SAMPLE:
        ns = neighbours(h)
        assert len(set(ns)) == 6
        assert all(distance(h, n) == 1 for n in ns)
        assert h not in ns


def test_distance_is_a_metric():
    for a, b, c in itertools.product(SAMPLE, repeat=3):
        assert distance(a, b) == distance(b, a)
        assert (distance(a, b) == 0) == (a == b)
        assert distance(a, c) <= distance(a, b) + distance(b, c)


def test_distance_counts_steps_along_each_axis():
    assert distance((0, 0), (4, 0)) == 4
    assert distance((0, 0), (0, -4)) == 4
    assert distance((0, 0), (3, -3)) == 3
    # Off-axis: two steps east and two south-east is four steps, not the Euclidean 3.46.
    assert distance((0, 0), (2, 2)) == 4


def test_distance_equals_breadth_first_step_count():
    start = (0, 0)
    frontier, depth = {start}, {start: 0}
    for k in range(1, 6):
        frontier = {n for h in frontier for n in neighbours(h) if n not in depth}
        for h in frontier:
            depth[h] = k
    for h, d in depth.items():
        assert distance(start, h) == d


@pytest.mark.parametrize("radius", [0, 1, 2, 5])
def test_ring_holds_exactly_the_hexes_at_that_distance(radius):
    centre = (2, -3)
    hexes = list(ring(centre, radius))
    assert len(hexes) == len(set(hexes)) == max(1, 6 * radius)
    assert all(distance(centre, h) == radius for h in hexes)


def test_ring_walks_between_adjacent_hexes():
    hexes = list(ring((0, 0), 3))
    for a, b in itertools.pairwise([*hexes, hexes[0]]):
        assert distance(a, b) == 1


def test_within_lists_every_hex_in_range_once_centre_first_ring_by_ring():
    centre = (1, 1)
    hexes = list(within(centre, 3))
    assert hexes[0] == centre
    assert len(hexes) == len(set(hexes)) == 1 + 3 * 3 * 4
    distances = [distance(centre, h) for h in hexes]
    assert distances == sorted(distances)
    brute = {(q, r) for q in range(-5, 8) for r in range(-5, 8) if distance(centre, (q, r)) <= 3}
    assert set(hexes) == brute


def test_offset_and_axial_round_trip():
    for col, row in itertools.product(range(-3, 8), range(-3, 8)):
        assert axial_to_offset(offset_to_axial(col, row)) == (col, row)


def test_odd_rows_are_shifted_half_a_hex_east():
    # In odd-r layout, the hex at (col, odd row) touches (col, row-1) and (col+1, row-1).
    for col, row in [(0, 1), (4, 3), (2, 5)]:
        h = offset_to_axial(col, row)
        assert offset_to_axial(col, row - 1) in neighbours(h)
        assert offset_to_axial(col + 1, row - 1) in neighbours(h)
        assert offset_to_axial(col - 1, row - 1) not in neighbours(h)


def test_grid_contains_exactly_its_rectangle():
    grid = Grid(5, 4)
    inside = {offset_to_axial(c, r) for c in range(5) for r in range(4)}
    assert set(grid) == inside
    assert len(grid) == 20
    for h in inside:
        assert grid.contains(h)
    for col, row in [(-1, 0), (5, 0), (0, -1), (0, 4), (5, 3), (-1, 3)]:
        assert not grid.contains(offset_to_axial(col, row))


def test_grid_index_is_dense_row_major_and_inverts_hex_at():
    grid = Grid(7, 5)
    indices = [grid.index(h) for h in grid]
    assert indices == list(range(len(grid)))
    for i in range(len(grid)):
        assert grid.index(grid.hex_at(i)) == i


@pytest.mark.parametrize("hex_km", [1.0, 2.0, 3.5])
def test_adjacent_hex_centres_are_hex_km_apart(hex_km):
    for h in SAMPLE:
        x0, y0 = to_plane(h, hex_km)
        for n in neighbours(h):
            x1, y1 = to_plane(n, hex_km)
            assert math.hypot(x1 - x0, y1 - y0) == pytest.approx(hex_km)


def test_plane_y_grows_southward_with_the_row():
    assert to_plane((0, 1), 2.0)[1] > to_plane((0, 0), 2.0)[1]
    assert to_plane((0, 0), 2.0) == (0.0, 0.0)


@pytest.mark.parametrize("hex_km", [1.0, 2.0])
def test_from_plane_returns_the_hex_for_any_point_inside_its_inscribed_circle(hex_km):
    # The inscribed circle of a hex has radius hex_km / 2: every point in it belongs to the hex.
    for h in SAMPLE:
        x, y = to_plane(h, hex_km)
        assert from_plane(x, y, hex_km) == h
        for k in range(12):
            angle = k * math.pi / 6 + 0.1
            px = x + 0.49 * hex_km * math.cos(angle)
            py = y + 0.49 * hex_km * math.sin(angle)
            assert from_plane(px, py, hex_km) == h


def test_from_plane_picks_the_nearest_centre():
    hex_km = 2.0
    for x, y in [(0.9, 0.1), (3.3, 2.7), (-5.2, 7.9), (11.1, -4.4)]:
        h = from_plane(x, y, hex_km)
        here = math.dist((x, y), to_plane(h, hex_km))
        for n in neighbours(h):
            assert here <= math.dist((x, y), to_plane(n, hex_km)) + 1e-9


def test_direction_between_indexes_the_step_and_rejects_non_neighbours():
    for h in SAMPLE:
        for i, n in enumerate(neighbours(h)):
            assert direction_between(h, n) == i
            assert DIRECTIONS[i] == (n[0] - h[0], n[1] - h[1])
        assert direction_between(h, h) is None
        assert direction_between(h, (h[0] + 2, h[1])) is None


def test_edge_key_is_the_same_both_ways():
    for h in SAMPLE:
        for n in neighbours(h):
            assert edge_key(h, n) == edge_key(n, h)
            assert set(edge_key(h, n)) == {h, n}


def test_projection_round_trips_and_puts_north_west_at_the_origin():
    proj = Projection(north=42.9, west=130.28, ref_lat=42.6)
    assert proj.to_km(42.9, 130.28) == (0.0, 0.0)
    x, y = proj.to_km(42.5, 130.7)
    assert x > 0 and y > 0  # east and south are positive
    assert proj.to_latlon(x, y) == pytest.approx((42.5, 130.7))


def test_projection_scales_longitude_by_the_cosine_of_the_reference_latitude():
    proj = Projection(north=42.9, west=130.0, ref_lat=60.0)
    x_per_degree, _ = proj.to_km(42.9, 131.0)
    _, y_per_degree = proj.to_km(41.9, 130.0)
    # At 60 degrees a degree of longitude is half what it is at the equator.
    assert x_per_degree == pytest.approx(111.32 / 2, rel=1e-6)
    assert y_per_degree == pytest.approx(110.574, rel=1e-6)


def test_point_in_polygon_with_and_without_closing_point():
    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]
    for ring_ in (square, [*square, square[0]]):
        assert point_in_polygon(2.0, 2.0, ring_)
        assert not point_in_polygon(5.0, 2.0, ring_)
        assert not point_in_polygon(2.0, -0.5, ring_)


def test_point_in_concave_polygon():
    # A "U": the notch between the arms is outside.
    u_shape = [(0, 0), (6, 0), (6, 6), (4, 6), (4, 2), (2, 2), (2, 6), (0, 6)]
    assert point_in_polygon(1.0, 5.0, u_shape)
    assert point_in_polygon(5.0, 5.0, u_shape)
    assert not point_in_polygon(3.0, 5.0, u_shape)


def test_segments_cross_only_when_they_properly_intersect():
    assert segments_cross((0, 0), (2, 2), (0, 2), (2, 0))
    assert not segments_cross((0, 0), (1, 1), (2, 0), (2, 2))  # apart
    assert not segments_cross((0, 0), (2, 0), (0, 1), (2, 1))  # parallel
    assert not segments_cross((0, 0), (2, 0), (3, -1), (3, 1))  # the lines cross, not the segments
