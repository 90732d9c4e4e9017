"""Paths over movement costs (A* and the flow fields): shortest, legal, and honest about what
cannot be reached."""

from __future__ import annotations

import heapq
import itertools
import random

import pytest

from shared import pathfinding
from shared.hexgrid import Hex, distance, edge_key
from shared.pathfinding import FlowFields, find_path
from shared.terrain import INF, Terrain
from shared.theatre import Theatre
from tests.tiny_world import TinyMap


def path_cost(theatre: Theatre, start, path, armoured: bool) -> float:
    return sum(theatre.step_cost(a, b, armoured) for a, b in itertools.pairwise([start, *path]))


def dijkstra(theatre: Theatre, start, armoured: bool, towards: bool = False) -> dict:
    """Cheapest costs from ``start`` to every hex (``towards``: from every hex to it)."""
    best = {start: 0.0}
    queue = [(0.0, start)]
    while queue:
        cost, h = heapq.heappop(queue)
        if cost > best[h]:
            continue
        for n in theatre.neighbours(h):
            c = cost + (
                theatre.step_cost(n, h, armoured) if towards else theatre.step_cost(h, n, armoured)
            )
            if c < best.get(n, INF):
                best[n] = c
                heapq.heappush(queue, (c, n))
    return best


def assert_legal(theatre: Theatre, start, goal, path) -> None:
    assert path[-1] == goal
    assert start not in path
    for a, b in itertools.pairwise([start, *path]):
        assert distance(a, b) == 1
        assert theatre.passable(b)


def test_on_open_ground_the_path_is_a_straight_run_of_adjacent_hexes():
    t = TinyMap(10, 8).compile()
    start, goal = (1, 1), (5, 5)
    path = find_path(t, start, goal, armoured=False)
    assert path is not None
    assert_legal(t, start, goal, path)
    assert len(path) == distance(start, goal)


def test_a_path_to_where_you_stand_is_empty():
    t = TinyMap(6, 4).compile()
    assert find_path(t, (2, 1), (2, 1), armoured=False) == []


def test_a_path_to_a_neighbour_is_that_neighbour():
    t = TinyMap(6, 4).compile()
    assert find_path(t, (2, 1), (3, 1), armoured=False) == [(3, 1)]


def test_no_path_into_water_or_off_the_map():
    t = TinyMap(8, 6).paint("water", (4, 2)).compile()
    assert find_path(t, (1, 2), (4, 2), armoured=False) is None
    assert find_path(t, (1, 2), (40, 2), armoured=False) is None


def test_no_path_to_an_island():
    island = (4, 3)
    t = TinyMap(10, 8).paint("water", *[(q + 4, r + 3) for q, r in _ring1()]).compile()
    assert t.passable(island)
    assert find_path(t, (0, 1), island, armoured=False) is None


def _ring1():
    return [(1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1)]


def test_the_path_goes_round_a_lake():
    lake = [(3, 1), (3, 2), (3, 3), (2, 4)]
    t = TinyMap(10, 8).paint("water", *lake).compile()
    start, goal = (1, 3), (5, 2)
    path = find_path(t, start, goal, armoured=False)
    assert path is not None
    assert_legal(t, start, goal, path)
    assert not set(path) & set(lake)
    assert len(path) > distance(start, goal)


def test_a_road_detour_is_taken_when_it_is_cheaper():
    # Straight across four marsh hexes costs 8; the road round them costs 0.5 a hex.
    marsh = [(2, 3), (3, 3), (4, 3), (5, 3)]
    road = [(1, 3), (2, 2), (3, 2), (4, 2), (5, 2), (6, 2), (6, 3)]
    t = TinyMap(10, 7).paint("marsh", *marsh).road(*road).compile()
    path = find_path(t, (1, 3), (6, 3), armoured=False)
    assert path == road[1:]


def test_infantry_walks_through_a_wood_that_armour_drives_round():
    t = TinyMap(8, 6).paint("forest", (2, 2)).compile()
    start, goal = (1, 2), (3, 2)
    infantry = find_path(t, start, goal, armoured=False)
    armour = find_path(t, start, goal, armoured=True)
    assert infantry == [(2, 2), (3, 2)]
    assert armour is not None and (2, 2) not in armour
    assert_legal(t, start, goal, armour)


def test_blocked_hexes_are_avoided_but_the_goal_may_be_blocked():
    t = TinyMap(10, 7).compile()
    start, goal = (1, 3), (5, 3)
    enemy = {(3, 3), (5, 3)}
    path = find_path(t, start, goal, armoured=False, blocked=enemy.__contains__)
    assert path is not None
    assert_legal(t, start, goal, path)
    assert (3, 3) not in path


def test_a_wall_of_blocked_hexes_makes_the_goal_unreachable():
    t = TinyMap(7, 6).compile()
    # Hexes centred at plane x = 3 (even rows) and x = 2.5 (odd rows) touch each other all the
    # way down and separate west from east.
    wall = {h for h in t.grid if 2.5 <= t.hex_km * (h[0] + h[1] / 2) <= 3.0}
    assert find_path(t, (0, 2), (5, 2), armoured=False, blocked=wall.__contains__) is None
    assert find_path(t, (0, 2), (5, 2), armoured=False) is not None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("armoured", [False, True])
def test_the_path_is_as_cheap_as_the_cheapest_route(seed, armoured):
    t = _random_theatre(seed)
    rng = random.Random(seed)
    best_from: dict = {}
    land = [h for h in t.grid if t.passable(h)]
    for _ in range(15):
        start, goal = rng.choice(land), rng.choice(land)
        if start not in best_from:
            best_from[start] = dijkstra(t, start, armoured)
        best = best_from[start].get(goal)
        path = find_path(t, start, goal, armoured)
        if best is None:
            assert path is None
            continue
        assert path is not None
        if start != goal:
            assert_legal(t, start, goal, path)
        assert path_cost(t, start, path, armoured) == pytest.approx(best)


def _random_theatre(seed: int) -> Theatre:
    rng = random.Random(seed)
    t = TinyMap(14, 12, hex_km=2.0).compile()
    kinds = [Terrain.PLAIN] * 4 + [Terrain.HILLS, Terrain.MARSH, Terrain.FOREST, Terrain.WATER]
    for i in range(len(t.grid)):
        t.terrain[i] = int(rng.choice(kinds))
    for h in t.grid:
        for n in t.neighbours(h):
            roll = rng.random()
            if roll < 0.08:
                t.rivers[edge_key(h, n)] = "river"
            elif roll < 0.14:
                t.roads.add(edge_key(h, n))
    return t


@pytest.mark.parametrize("seed", range(4))
def test_flow_field_paths_are_the_cheapest_near_and_far_and_round_the_enemy(seed, monkeypatch):
    """Fields (near ones that stop a few hexes out, and whole-map ones) give the cheapest path,
    around blocked hexes too, whatever was asked before: a field searched with some hexes
    blocked leaves the open ground's costs as they were."""
    monkeypatch.setattr(pathfinding, "NEAR_FIELD_WIDTHS", (2.0, 4.0))  # most starts are far
    t = _random_theatre(seed)
    rng = random.Random(seed)
    land = [h for h in t.grid if t.passable(h)]
    fields = FlowFields(t)
    for _ in range(40):
        start, goal, armoured = rng.choice(land), rng.choice(land), rng.random() < 0.5
        blocked = frozenset(rng.sample(land, 6)) - {start} if rng.random() < 0.5 else frozenset()
        path = fields.path(start, goal, armoured, blocked)
        # The goal may be blocked itself (an attack); nothing else on the way may be.
        reference = find_path(t, start, goal, armoured, (blocked - {goal}).__contains__)
        if reference is None:
            assert path is None
            continue
        assert path is not None
        assert_legal(t, start, goal, path)
        assert not blocked & set(path[:-1])
        cheapest = path_cost(t, start, reference, armoured)
        assert path_cost(t, start, path, armoured) == pytest.approx(cheapest)


def test_flow_field_paths_do_not_depend_on_what_was_asked_before(monkeypatch):
    """Matches on one theatre share its fields: the path a unit gets must not depend on the
    order other matches asked in (replays and state hashes rely on it)."""
    monkeypatch.setattr(pathfinding, "NEAR_FIELD_WIDTHS", (2.0, 4.0))
    t = _random_theatre(7)
    rng = random.Random(7)
    land = [h for h in t.grid if t.passable(h)]
    blocked = frozenset(rng.sample(land, 8))
    asks = [
        (rng.choice(land), rng.choice(land), rng.random() < 0.5, blocked if k % 2 else frozenset())
        for k in range(40)
    ]
    one, two = FlowFields(t), FlowFields(t)
    forward = [one.path(*ask) for ask in asks]
    backward = [two.path(*ask) for ask in reversed(asks)][::-1]
    assert forward == backward
    assert any(p for p in forward)


def test_blocked_hexes_given_in_two_sets_block_as_one_and_a_detour_needs_no_new_field(
    monkeypatch,
):
    """A column's detour passes the enemy's hexes and the full hexes round it as two sets:
    the paths are those of their union. The way round is searched guided by the field over
    open ground: it costs no new whole field, however the blocked hexes change."""
    monkeypatch.setattr(pathfinding, "NEAR_FIELD_WIDTHS", (2.0, 4.0))
    t = _random_theatre(3)
    rng = random.Random(3)
    land = [h for h in t.grid if t.passable(h)]
    split, joined = FlowFields(t), FlowFields(t)
    for _ in range(40):
        start, goal, armoured = rng.choice(land), rng.choice(land), rng.random() < 0.5
        enemy, full = frozenset(rng.sample(land, 6)), frozenset(rng.sample(land, 3))
        assert split.path(start, goal, armoured, enemy, full) == joined.path(
            start, goal, armoured, enemy | full
        )

    searched: list[Hex] = []
    field = FlowFields._field

    def counted(self: FlowFields, goal: Hex, armoured: bool, limit: float = INF) -> object:
        searched.append(goal)
        return field(self, goal, armoured, limit)

    monkeypatch.setattr(FlowFields, "_field", counted)
    fields = FlowFields(t)
    goal = land[len(land) // 2]
    start = max(
        (h for h in land if fields.path(h, goal, False, frozenset())),
        key=lambda h: len(fields.path(h, goal, False, frozenset()) or []),
    )
    open_way = fields.path(start, goal, False, frozenset())
    assert open_way is not None and len(open_way) >= 4
    asked = len(searched)
    for k in range(len(open_way) - 1):
        on_the_way = frozenset(open_way[k : k + 1])
        around = fields.path(start, goal, False, on_the_way)
        reference = find_path(t, start, goal, False, on_the_way.__contains__)
        assert (around is None) == (reference is None)
        if around is not None:
            assert not on_the_way & set(around)
            assert path_cost(t, start, around, False) == pytest.approx(
                path_cost(t, start, reference, False)
            )
    assert searched[asked:] == []


def _wall_theatre(seed: int, gap: bool) -> tuple[Theatre, frozenset[Hex]]:
    """A random map cut north to south by a line of blocked hexes, with or without a gap."""
    t = _random_theatre(seed)
    wall = [h for h in t.grid if h[0] + h[1] // 2 == 6]
    if gap:
        del wall[len(wall) // 2]
    return t, frozenset(wall)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("first", [pathfinding.SEARCH_FIRST, 0, 5])
def test_a_line_of_enemies_is_gone_round_by_a_gap_or_tells_that_there_is_no_way(
    seed, first, monkeypatch
):
    """The search round blocked hexes finds the cheapest way through a gap in a line, or
    answers None when the line is closed (every march to the far side of a closed front),
    whatever the goal: a free hex or an enemy's (an assault). A search that gives up early
    asks the regions the line cuts the land into, and goes on if there is a way."""
    monkeypatch.setattr(pathfinding, "SEARCH_FIRST", first)
    rng = random.Random(seed)
    for gap in (True, False):
        t, wall = _wall_theatre(seed, gap)
        fields = FlowFields(t)
        land = [h for h in t.grid if t.passable(h) and h not in wall]
        for _ in range(30):
            start = rng.choice(land)
            goal = rng.choice(land) if rng.random() < 0.7 else rng.choice(sorted(wall))
            armoured = rng.random() < 0.5
            path = fields.path(start, goal, armoured, wall)
            reference = find_path(t, start, goal, armoured, (wall - {goal}).__contains__)
            if not reference:
                assert path == reference  # None, or [] when already there
                continue
            assert path is not None
            assert_legal(t, start, goal, path)
            assert not wall & set(path[:-1])
            assert path_cost(t, start, path, armoured) == pytest.approx(
                path_cost(t, start, reference, armoured)
            )


def test_a_detour_dearer_than_its_bound_is_not_taken():
    """A march may be given the most it will pay: a way round that costs more is no way."""
    t, wall = _wall_theatre(2, gap=True)
    fields = FlowFields(t)
    land = [h for h in t.grid if t.passable(h) and h not in wall]
    rng = random.Random(2)
    bounded = 0
    for _ in range(60):
        start, goal = rng.choice(land), rng.choice(land)
        reference = find_path(t, start, goal, False, wall.__contains__)
        if not reference:
            continue
        cost = path_cost(t, start, reference, False)
        assert fields.path(start, goal, False, wall, bound=cost + 0.01) is not None
        if fields.path(start, goal, False, frozenset()) != reference:
            bounded += 1
            assert fields.path(start, goal, False, wall, bound=cost - 0.01) is None
    assert bounded


@pytest.mark.parametrize("seed", range(3))
def test_a_field_holds_every_hexs_exact_cost_to_the_goal_and_its_first_cheapest_step(seed):
    """The compiled field: the cost from each hex equals a plain Dijkstra's, bit for bit (the
    A* relies on it as a lower bound); hexes dearer than the limit get none; and the next step
    is the first neighbour, in the order of directions, that starts a cheapest way."""
    t = _random_theatre(seed)
    rng = random.Random(seed)
    land = [h for h in t.grid if t.passable(h)]
    fields = FlowFields(t)
    for _ in range(6):
        goal, armoured = rng.choice(land), rng.random() < 0.5
        back = dijkstra(t, goal, armoured, towards=True)  # every hex's cost to the goal
        far = max(back.values())
        for limit in (far / 3, INF):
            steps, costs = fields._field(goal, armoured, limit)
            for h in t.grid:
                i = t.grid.index(h)
                expected = back.get(h, INF)
                if expected > limit:
                    assert costs[i] == INF and steps[i] == -1
                    continue
                assert costs[i] == expected
                if h == goal:
                    assert steps[i] == -1
                    continue
                cheapest = [
                    n
                    for n in t.neighbours(h)
                    if t.passable(n) and back.get(n, INF) + t.step_cost(h, n, armoured) == expected
                ]
                assert t.hexes[steps[i]] == cheapest[0]


def test_a_field_whose_working_space_runs_short_answers_the_same():
    """The field's search starts again with more room when its entries run out (hexes taken
    again more often than there are edges): the answer is the one it gives with room."""
    import numpy as np

    from shared.searches import field

    t = _random_theatre(1)
    fields = FlowFields(t)
    rng = random.Random(1)
    land = [h for h in t.grid if t.passable(h)]
    for _ in range(4):
        goal, armoured = rng.choice(land), rng.random() < 0.5
        steps, costs = fields._field(goal, armoured)
        cramped_costs, cramped_steps = field(
            fields._indptr,
            fields.dst,
            fields.cost[armoured],
            fields._back_indptr,
            fields._cols,
            fields._rcost[armoured],
            t.grid.index(goal),
            INF,
            fields._cheapest_step[armoured],
            fields.costliest_step[armoured],
            np.zeros(2),
            np.zeros(2, np.int64),
            np.zeros(2, np.int64),
            np.zeros(len(t.grid), np.int64),
        )
        assert np.array_equal(cramped_costs, costs)
        assert list(cramped_steps) == list(steps)


def test_a_path_over_open_ground_is_the_same_from_a_near_field_and_a_whole_map_one(monkeypatch):
    """Which field a march is walked on (the near one that stops a few hexes out, or the whole
    map's) never changes its path: paths stay the same whichever fields a theatre has kept."""
    t = _random_theatre(11)
    rng = random.Random(11)
    land = [h for h in t.grid if t.passable(h)]
    near, far = FlowFields(t), FlowFields(t)
    monkeypatch.setattr(pathfinding, "NEAR_FIELD_WIDTHS", ())
    asks = [(rng.choice(land), rng.choice(land), rng.random() < 0.5) for _ in range(60)]
    whole = [far.path(s, g, a, frozenset()) for s, g, a in asks]
    monkeypatch.setattr(pathfinding, "NEAR_FIELD_WIDTHS", (2.0, 4.0))
    assert [near.path(s, g, a, frozenset()) for s, g, a in asks] == whole
    assert sum(1 for p in whole if p and len(p) > 3) > 10


def test_a_way_round_asked_again_is_the_same_and_marching_it_spoils_nothing():
    """Ways round blocked hexes are kept by the whole question: asked again, the answer is the
    one a fresh search gives, and a march using up its path does not change the kept one."""
    t, wall = _wall_theatre(2, gap=True)
    land = [h for h in t.grid if t.passable(h) and h not in wall]
    rng = random.Random(5)
    kept = FlowFields(t)
    asked = 0
    for _ in range(40):
        start, goal = rng.choice(land), rng.choice(land)
        also = frozenset(rng.sample(land, 3)) - {start, goal}
        open_ground = kept.path(start, goal, False, frozenset()) or []
        for extra in (frozenset(), also):
            if (wall | extra).isdisjoint(open_ground[:-1]):
                continue  # nothing in the way: no search round anything
            first = kept.path(start, goal, False, wall, extra)
            if first is None:
                continue
            asked += 1
            expected = list(first)
            first.clear()  # marched to the end
            assert kept.path(start, goal, False, wall, extra) == expected
            assert FlowFields(t).path(start, goal, False, wall, extra) == expected
    assert asked
