"""Paths over the theatre's movement costs: A* for a single query, and flow fields (one search
from a goal serving every unit bound there) for the rules and the AI."""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable
from typing import Any

from shared.hexgrid import DIRECTIONS, Hex, distance
from shared.terrain import INF, RIVER_CROSSING_COST, ROAD_MOVE_COST, RULES, Terrain
from shared.theatre import Theatre

MAX_EXPANSIONS = 20_000  # bound on work for one query; the theatre map stays well under it
OPEN_FIELDS = 256  # fields over open ground kept per theatre (goal, mover), ~135 kB each
BLOCKED_SETS = 128  # sets of blocked hexes whose indices are kept
REGION_SETS = 8  # sets of blocked hexes whose regions are kept (the sides' enemies, lately)
SEARCH_FIRST = 2_000  # hexes a search round the enemy expands before asking if there is a way
# How far near fields reach, in hex widths of movement cost: a march to a post on the line
# searches a few hexes around it, a march across a province a few dozen.
NEAR_FIELD_WIDTHS = (8.0, 30.0)
KEEP_BLOCKED_FROM = 16  # sets of blocked hexes this large have their indices kept
DETOURS_KEPT = 1024  # ways round blocked hexes kept per theatre, the latest asked


def find_path(
    theatre: Theatre,
    start: Hex,
    goal: Hex,
    armoured: bool,
    blocked: Callable[[Hex], bool] | None = None,
) -> list[Hex] | None:
    """Cheapest path from start to goal, excluding start; None when the goal cannot be reached.

    ``blocked`` marks hexes to route around (enemy-held hexes, for instance); the goal itself is
    never blocked so that an attack order can end on an enemy.
    """
    if start == goal:
        return []
    if not theatre.passable(goal):
        return None
    # Admissible heuristic: nothing is cheaper than a road.
    floor = ROAD_MOVE_COST * theatre.hex_km
    frontier: list[tuple[float, int, Hex]] = [(0.0, 0, start)]
    came_from: dict[Hex, Hex] = {}
    cost_so_far: dict[Hex, float] = {start: 0.0}
    counter = 0
    while frontier:
        _, _, current = heapq.heappop(frontier)
        if current == goal:
            break
        counter += 1
        if counter > MAX_EXPANSIONS:
            return None
        base = cost_so_far[current]
        for nxt in theatre.neighbours(current):
            if nxt != goal and blocked is not None and blocked(nxt):
                continue
            step = theatre.step_cost(current, nxt, armoured)
            if step == INF:
                continue
            new_cost = base + step
            if new_cost < cost_so_far.get(nxt, INF):
                cost_so_far[nxt] = new_cost
                came_from[nxt] = current
                # The counter breaks ties in insertion order: deterministic and FIFO-fair.
                heapq.heappush(frontier, (new_cost + floor * distance(nxt, goal), counter, nxt))
    if goal not in came_from:
        return None
    path = [goal]
    while path[-1] in came_from and came_from[path[-1]] != start:
        path.append(came_from[path[-1]])
    path.reverse()
    return path


def movement_edges(theatre: Theatre) -> tuple[Any, Any, Any, Any]:
    """Every step between neighbouring hexes into passable ground, as arrays: from, to (hex
    indices), and its cost on foot and tracked, exactly ``Theatre.step_cost``'s; in the order
    of hexes, then of ``DIRECTIONS``. Worked out for the whole map at once (a theatre has tens
    of thousands of edges: one ``step_cost`` call each would take most of a second)."""
    import numpy as np

    grid = theatre.grid
    n = len(grid)
    hexes = np.array(theatre.hexes, dtype=np.int64).reshape(n, 2)
    steps = np.array(DIRECTIONS, dtype=np.int64)
    nq = hexes[:, :1] + steps[:, 0]  # (n, 6): each hex's neighbours
    nr = hexes[:, 1:] + steps[:, 1]
    col = nq + (nr - (nr & 1)) // 2
    inside = (col >= 0) & (col < grid.cols) & (nr >= 0) & (nr < grid.rows)
    into = np.where(inside, nr * grid.cols + col, 0)
    terrain = np.frombuffer(bytes(theatre.terrain), dtype=np.uint8).astype(np.int64)
    keep = inside & (terrain[into] != Terrain.WATER)
    src = np.broadcast_to(np.arange(n)[:, None], keep.shape)[keep]
    dst = into[keep]

    def on(edges: Iterable[tuple[Hex, Hex]]) -> Any:
        ids = [
            min(grid.index(a), grid.index(b)) * n + max(grid.index(a), grid.index(b))
            for a, b in edges
            if grid.contains(a) and grid.contains(b)
        ]
        return np.isin(np.minimum(src, dst) * n + np.maximum(src, dst), ids)

    road, river = on(theatre.roads), on(theatre.rivers)
    crossing = np.where(river, RIVER_CROSSING_COST, 0.0)
    by_road = ROAD_MOVE_COST * theatre.hex_km
    costs = []
    for armoured in (False, True):
        per_terrain = np.full(256, INF)
        for t, rules in RULES.items():
            per_terrain[t] = rules.armour_move_cost if armoured else rules.move_cost
        off_road = (per_terrain[terrain[dst]] + crossing) * theatre.hex_km
        costs.append(np.where(road, by_road, off_road))
    return src.astype(np.int32), dst.astype(np.int32), costs[0], costs[1]


class FlowFields:
    """Shortest paths for many units at once: one Dijkstra from a goal over the reversed
    movement graph (compiled, ``shared.searches.field``) gives every hex its next step towards
    it over open ground,
    and its cost to get there.

    Operational AI sends dozens of units to the same few objectives; a field per (goal, kind of
    mover) serves them all, for the theatre's life, since the ground never changes. A march
    that meets blocked hexes (the enemy's, a town full of its own side) is searched again round
    them by A* (``shared.searches``), guided by that field's costs. Costs are exactly
    ``Theatre.step_cost``'s. One search at a time: the simulation runs on one thread.
    """

    def __init__(self, theatre: Theatre) -> None:
        import numpy as np

        self.theatre = theatre
        self.src, self.dst, foot, tracked = movement_edges(theatre)
        self.cost = {False: foot, True: tracked}
        # The dearest single step per mover: a path of k steps never costs more than k of them.
        self.costliest_step = {
            k: float(c[c < INF].max()) if (c < INF).any() else 0.0 for k, c in self.cost.items()
        }
        # ...and the cheapest: the width of the fields' buckets (``shared.searches.field``).
        self._cheapest_step = {
            k: float(c[c < INF].min()) if (c < INF).any() else 1.0 for k, c in self.cost.items()
        }
        n = len(theatre.grid)
        # The forward graph for A*: ``movement_edges`` lists edges by their from-hex already.
        self._indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.src, minlength=n), out=self._indptr[1:])
        # The reversed graph (an edge b <- a weighs what a -> b costs) for the fields.
        order = np.lexsort((self.src, self.dst))
        self._cols = self.src[order]
        self._rcost = {k: c[order] for k, c in self.cost.items()}
        self._back_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.dst, minlength=n), out=self._back_indptr[1:])
        self._open: dict[tuple[Any, ...], tuple[array[int], Any]] = {}  # (next steps, costs)
        # A*'s working arrays, stamped per search instead of cleared.
        self._best = np.zeros(n, dtype=np.float64)
        self._came = np.zeros(n, dtype=np.int64)
        self._marks = np.zeros((3, n), dtype=np.int64)
        self._heap = np.zeros((2, len(self.dst) + 1))  # an entry per edge, and the start
        self._heap_hexes = np.zeros(len(self.dst) + 1, dtype=np.int64)
        self._links = np.zeros(len(self.dst) + 1, dtype=np.int64)  # the fields' buckets
        self._reached = np.zeros(n, dtype=np.int64)  # the hexes a field reached
        self._stamp = 0
        # Dense indices of a large set of blocked hexes (the enemy's: the same set for many
        # questions while the enemy stands still).
        self._blocked: dict[frozenset[Hex], Any] = {}
        self._regions: dict[frozenset[Hex], Any] = {}  # the land they cut apart, labelled
        # Ways round blocked hexes, by the whole question (``path``'s arguments).
        self._round: dict[tuple[Any, ...], tuple[Hex, ...] | None] = {}
        self._land = np.frombuffer(bytes(theatre.terrain), dtype=np.uint8) != Terrain.WATER

    def path(
        self,
        start: Hex,
        goal: Hex,
        armoured: bool,
        blocked: frozenset[Hex],
        also: frozenset[Hex] = frozenset(),
        bound: float = INF,
    ) -> list[Hex] | None:
        """Like ``find_path``, around the ``blocked`` hexes and those in ``also`` (a few more,
        say: kept apart because ``blocked`` is the same set for many questions, ``also`` not);
        None too when every way round costs more than ``bound``.

        Most marches never come near the enemy: the field over open ground is tried first, and
        only a path that runs into a blocked hex is searched again around them. A shortest path
        that avoids the blocked hexes is a shortest path with them blocked, so this changes no
        march's length. Which path is found depends on the question alone, never on what was
        asked before, so paths stay the same in every match that shares the theatre."""
        theatre = self.theatre
        if start == goal:
            return []
        if not theatre.passable(goal) or not theatre.contains(start):
            return None
        found = self._open_field(goal, armoured, start)
        if found is None:
            return None
        path, costs, reach = found
        if costs[theatre.grid.index(start)] > bound:
            return None  # blocked hexes only make the way dearer
        parts = tuple(p for p in (blocked, also) if p)
        if all(p.isdisjoint(path[:-1]) for p in parts):
            return path
        # A column held up in a jam asks again every few hours, often with nothing changed:
        # the way round is remembered by the whole question (a copy is handed out: marches
        # use their paths up).
        question = (start, goal, armoured, blocked, also, bound)
        if question in self._round:
            kept = self._round[question]
            return None if kept is None else list(kept)
        if also:  # a column round a jam: the bound keeps the search short
            found = self._search(start, goal, armoured, costs, reach, blocked, also, bound)[0]
        else:
            found = self._round_the_enemy(start, goal, armoured, costs, reach, blocked, bound)
        if len(self._round) >= DETOURS_KEPT:
            del self._round[next(iter(self._round))]  # the oldest
        self._round[question] = None if found is None else tuple(found)
        return found

    def _round_the_enemy(
        self,
        start: Hex,
        goal: Hex,
        armoured: bool,
        costs: Any,
        reach: float,
        blocked: frozenset[Hex],
        bound: float,
    ) -> list[Hex] | None:
        """Round the enemy's hexes alone (the AI's orders): most ways round are found within a
        few hundred hexes. A search that goes on may be trying half the theatre because the
        enemy's line is closed in front of the goal, which the regions it cuts tell at once."""
        none: frozenset[Hex] = frozenset()
        found, gave_up = self._search(
            start, goal, armoured, costs, reach, blocked, none, bound, SEARCH_FIRST
        )
        if not gave_up or self._cut_off(start, goal, blocked):
            return found
        return self._search(start, goal, armoured, costs, reach, blocked, none, bound)[0]

    def _open_field(
        self, goal: Hex, armoured: bool, start: Hex
    ) -> tuple[list[Hex], Any, float] | None:
        """The path from ``start`` over open ground in the nearest field towards ``goal`` that
        reaches it, that field's costs and its reach. Most orders go a few hexes (to a post on
        the line, an attack next door): a search that stops ``NEAR_FIELD_WIDTHS`` out costs a
        fraction of one over the whole theatre."""
        hex_km = self.theatre.hex_km
        least = distance(start, goal) * ROAD_MOVE_COST * hex_km  # all the way by road
        limits = [w * hex_km for w in NEAR_FIELD_WIDTHS if least <= w * hex_km]
        for limit in (*limits, INF):
            key = (goal, armoured, limit)
            field = self._open.get(key)
            if field is None:
                field = self._open[key] = self._field(goal, armoured, limit)
                while len(self._open) > OPEN_FIELDS:
                    del self._open[next(iter(self._open))]  # the oldest
            path = self._walk(field[0], start, goal)
            if path is not None:
                return path, field[1], limit
        return None

    def _search(
        self,
        start: Hex,
        goal: Hex,
        armoured: bool,
        costs: Any,
        reach: float,
        blocked: frozenset[Hex],
        also: frozenset[Hex],
        bound: float,
        most: int = -1,
    ) -> tuple[list[Hex] | None, bool]:
        """A* round the hexes of ``blocked`` and ``also`` (``shared.searches.search``): the path,
        and whether the search gave up after expanding ``most`` hexes (-1: never)."""
        from shared.searches import search

        self._stamp += 1
        grid = self.theatre.grid
        steps = search(
            self._indptr,
            self.dst,
            self.cost[armoured],
            costs,
            reach,
            grid.index(start),
            grid.index(goal),
            self._indices(blocked),
            self._indices(also),
            self._best,
            self._came,
            self._marks,
            self._heap,
            self._heap_hexes,
            self._stamp,
            bound,
            most,
        )
        if steps is None:
            return None, True
        hexes = self.theatre.hexes
        return ([hexes[i] for i in steps.tolist()] if len(steps) else None), False

    def _cut_off(self, start: Hex, goal: Hex, blocked: frozenset[Hex]) -> bool:
        """Whether no way at all leads from ``start`` to ``goal`` round the ``blocked`` hexes:
        the enemy's line closed in front of the goal. A search would learn it only after
        trying half the theatre; the regions the enemy's hexes cut the land into (found once
        per set, for all of a side's orders) tell at once."""
        from shared.searches import regions

        labels = self._regions.get(blocked)
        if labels is None:
            labels = regions(self._indptr, self.dst, self._land, self._indices(blocked))
            if len(self._regions) >= REGION_SETS:
                self._regions.clear()
            self._regions[blocked] = labels
        grid = self.theatre.grid
        mine, there = labels[grid.index(start)], grid.index(goal)
        if mine < 0 or labels[there] == mine:
            return False
        # The goal may be blocked itself (an assault): a neighbour of it in reach will do.
        return not any(
            labels[i] == mine for i in self.dst[self._indptr[there] : self._indptr[there + 1]]
        )

    def _indices(self, hexes: frozenset[Hex]) -> Any:
        """Dense indices of the ``hexes`` on the map: a large set's are kept (the enemy's hexes
        are the same set for many questions), a few hexes are quicker done again."""
        import numpy as np

        found = self._blocked.get(hexes)
        if found is not None:
            return found
        grid = self.theatre.grid
        found = np.array(
            [
                r * grid.cols + col  # ``Grid.index`` and ``Grid.contains`` inlined
                for q, r in hexes
                if 0 <= (col := q + (r - (r & 1)) // 2) < grid.cols and 0 <= r < grid.rows
            ],
            dtype=np.int64,
        )
        if len(hexes) >= KEEP_BLOCKED_FROM:
            if len(self._blocked) >= BLOCKED_SETS:
                self._blocked.clear()
            self._blocked[hexes] = found
        return found

    def _field(self, goal: Hex, armoured: bool, limit: float = INF) -> tuple[array[int], Any]:
        """Next step towards ``goal`` from every hex (-1: no way) over open ground, and the
        cost from there; only hexes within ``limit`` of it (in movement cost) get one
        (``shared.searches.field``)."""
        from shared.searches import field

        costs, steps = field(
            self._indptr,
            self.dst,
            self.cost[armoured],
            self._back_indptr,
            self._cols,
            self._rcost[armoured],
            self.theatre.grid.index(goal),
            limit,
            self._cheapest_step[armoured],
            max(self.costliest_step[armoured], self._cheapest_step[armoured]),
            self._heap[0],
            self._heap_hexes,
            self._links,
            self._reached,
        )
        # A compact array of plain ints: small to keep, and quick to walk in Python.
        return array("i", steps.tobytes()), costs

    def _walk(self, pred: array[int], start: Hex, goal: Hex) -> list[Hex] | None:
        hexes = self.theatre.hexes
        end = self.theatre.grid.index(goal)
        step = self.theatre.grid.index(start)
        out: list[Hex] = []
        for _ in range(len(pred)):
            nxt = pred[step]
            if nxt < 0:
                return None
            out.append(hexes[nxt])
            if nxt == end:
                return out
            step = nxt
        return None
