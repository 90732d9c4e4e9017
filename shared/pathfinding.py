"""Paths over the theatre's movement costs: A* for a single query, and flow fields (one search
from a goal serving every unit bound there) for the rules and the AI."""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from shared.hexgrid import DIRECTIONS, Hex, distance
from shared.terrain import INF, RIVER_CROSSING_COST, ROAD_MOVE_COST, RULES, Terrain
from shared.theatre import Theatre

MAX_EXPANSIONS = 20_000  # bound on work for one query; the theatre map stays well under it
OPEN_FIELDS = 256  # fields over open ground kept per theatre (goal, mover), ~45 kB each
BLOCKED_FIELDS = 128  # fields around enemy-held hexes kept per theatre (goal, mover, hexes)
# How far near fields reach, in hex widths of movement cost: a march to a post on the line
# searches a few hexes around it, a march across a province a few dozen.
NEAR_FIELD_WIDTHS = (8.0, 30.0)
KEEP_BLOCKED_FROM = 16  # sets of blocked hexes this large have their arrays kept


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
    """Shortest paths to a goal for many units at once: one Dijkstra from the goal over the
    reversed movement graph (scipy, in C) gives every hex its next step towards it.

    Operational AI sends dozens of units to the same few objectives; a field per (goal, kind of
    mover, hexes to avoid) serves them all. Costs are exactly ``Theatre.step_cost``'s.
    """

    def __init__(self, theatre: Theatre) -> None:
        import numpy as np

        self.theatre = theatre
        self.src, self.dst, foot, tracked = movement_edges(theatre)
        self.cost = {False: foot, True: tracked}
        # The reversed graph (an edge b <- a weighs what a -> b costs) in canonical CSR order,
        # rows then columns ascending, so that a field's graph is a mask away, not a sort.
        order = np.lexsort((self.src, self.dst))
        self._rows = self.dst[order]
        self._cols = self.src[order]
        self._rcost = {k: c[order] for k, c in self.cost.items()}
        self._open: dict[tuple[Any, ...], array[int]] = {}  # fields over open ground
        self._cache: dict[tuple[object, ...], array[int]] = {}  # around blocked hexes
        self._graphs: dict[bool, Any] = {}  # the reversed graph per mover, built once
        # The cheapest step anywhere: a field that stops at ``limit`` never reaches a hex
        # further than ``limit / cheapest`` hexes from its goal.
        self._cheapest = float(min(foot.min(), tracked.min())) if len(foot) else 1.0
        # Per set of blocked hexes (the same object while the enemy stands still): their
        # axial coordinates and dense indices as arrays, sorted by index.
        self._blocked: dict[frozenset[Hex], tuple[Any, Any, Any]] = {}

    def path(
        self,
        start: Hex,
        goal: Hex,
        armoured: bool,
        blocked: frozenset[Hex],
        also: frozenset[Hex] = frozenset(),
    ) -> list[Hex] | None:
        """Like ``find_path``, around the ``blocked`` hexes and those in ``also`` (a few more,
        say: kept apart because ``blocked`` is the same set for many questions, ``also`` not).

        Most marches never come near the enemy: the field over open ground (kept for the
        theatre's life, it never changes) is tried first, and only a path that runs into a
        blocked hex is planned again around them. A shortest path that avoids the blocked hexes
        is a shortest path with them blocked, so this changes no march's length."""
        theatre = self.theatre
        if start == goal:
            return []
        if not theatre.passable(goal) or not theatre.contains(start):
            return None
        path = self._walk_fields(self._open, (goal, armoured), start, (), OPEN_FIELDS)
        if path is None:
            return None
        parts = tuple(p for p in (blocked, also) if p)
        if all(p.isdisjoint(path[:-1]) for p in parts):
            return path
        # The ground never changes: a field around the same blocked hexes serves again for as
        # long as the enemy stands still, however many hours that is.
        return self._walk_fields(self._cache, (goal, armoured), start, parts, BLOCKED_FIELDS)

    def _walk_fields(
        self,
        store: dict[Any, array[int]],
        key: tuple[Any, ...],
        start: Hex,
        blocked: tuple[frozenset[Hex], ...],
        keep: int,
    ) -> list[Hex] | None:
        """The path from ``start`` in the field of ``key`` (goal, armoured): the nearest field
        that reaches the start, else the whole theatre's. Most orders go a few hexes (to a
        post on the line, an attack next door): a search that stops ``NEAR_FIELD_WIDTHS`` out
        costs a fraction of one over the whole theatre. Which field serves depends on the
        start and goal alone, never on what was asked before, so paths stay the same in every
        match that shares the theatre.

        A near field is kept by the blocked hexes within its reach only: those beyond it
        change nothing in it, and enemies moving far away do not call for a new search."""
        goal, armoured = key[0], key[1]
        hex_km = self.theatre.hex_km
        least = distance(start, goal) * ROAD_MOVE_COST * hex_km  # all the way by road
        limits = [w * hex_km for w in NEAR_FIELD_WIDTHS if least <= w * hex_km]
        arrays = self._blocked_arrays(blocked) if blocked else None
        for limit in (*limits, INF):
            barred = self._barred(arrays, goal, limit) if arrays is not None else ()
            full = (*key, limit, barred.tobytes()) if arrays is not None else (*key, limit)
            pred = store.get(full)
            if pred is None:
                pred = store[full] = self._field(goal, armoured, barred, limit)
                while len(store) > keep:
                    del store[next(iter(store))]  # the oldest
            path = self._walk(pred, start, goal)
            if path is not None:
                return path
        return None

    def _blocked_arrays(self, blocked: tuple[frozenset[Hex], ...]) -> tuple[Any, Any, Any]:
        """Dense indices (ascending, each once) and axial coordinates of the hexes of the
        ``blocked`` sets on the map: a large set's are kept (the enemy's hexes are the same
        set for many questions), a few hexes are quicker done again."""
        import numpy as np

        parts = []
        for hexes in blocked:
            arrays = self._blocked.get(hexes)
            if arrays is None:
                grid = self.theatre.grid
                rows = sorted(
                    (r * grid.cols + col, q, r)  # ``Grid.index`` and ``Grid.contains`` inlined
                    for q, r in hexes
                    if 0 <= (col := q + (r - (r & 1)) // 2) < grid.cols and 0 <= r < grid.rows
                )
                arrays = tuple(np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
                if not rows:
                    arrays = (np.zeros(0, dtype=np.int64),) * 3
                if len(rows) >= KEEP_BLOCKED_FROM:  # a few hexes are quicker done again
                    if len(self._blocked) >= BLOCKED_FIELDS:
                        self._blocked.clear()
                    self._blocked[hexes] = arrays
            parts.append(arrays)
        if len(parts) == 1:
            return parts[0]
        index, q, r = (np.concatenate(a) for a in zip(*parts, strict=True))
        index, first = np.unique(index, return_index=True)
        return index, q[first], r[first]

    def _barred(self, arrays: tuple[Any, Any, Any], goal: Hex, limit: float) -> Any:
        """Of the blocked hexes (``_blocked_arrays``), those a field towards ``goal`` that stops
        at ``limit`` could reach; never the goal itself (it may be an assault)."""
        index, q, r = arrays
        dq, dr = q - goal[0], r - goal[1]
        far = (abs(dq) + abs(dr) + abs(dq + dr)) // 2
        keep = far > 0  # the goal itself
        if limit != INF:
            keep &= far * self._cheapest <= limit
        return index[keep]

    def _field(
        self, goal: Hex, armoured: bool, barred: Sequence[int] | Any, limit: float = INF
    ) -> array[int]:
        """Next step towards ``goal`` from every hex (-1: no way), never entering ``barred``;
        only hexes within ``limit`` of it (in movement cost) get one."""
        import numpy as np
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        graph = self._graphs.get(armoured)
        if graph is None:
            n = len(self.theatre.grid)
            indptr = np.zeros(n + 1, dtype=np.int32)
            np.cumsum(np.bincount(self._rows, minlength=n), out=indptr[1:])
            graph = self._graphs[armoured] = csr_matrix(
                (self._rcost[armoured].copy(), self._cols, indptr), shape=(n, n)
            )
        # No way into a blocked hex: its row of the reversed graph (the edges into it) costs
        # infinity for this search, and is put back after.
        at = np.asarray(barred, dtype=np.int64)
        first = graph.indptr[at]
        count = graph.indptr[at + 1] - first
        # Every entry of those rows: each row's start repeated, plus its place in the row.
        entries = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        graph.data[entries] = INF
        end = self.theatre.grid.index(goal)
        try:
            _, pred = dijkstra(
                graph, directed=True, indices=end, return_predecessors=True, limit=limit
            )
        finally:
            graph.data[entries] = self._rcost[armoured][entries]
        # A compact array of plain ints: small to keep, and quick to walk in Python.
        return array("i", pred.astype(np.int32).tobytes())

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
