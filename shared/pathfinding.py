"""A* over the theatre's movement costs."""

from __future__ import annotations

import heapq
from collections.abc import Callable

from shared.hexgrid import Hex, distance
from shared.terrain import INF, ROAD_MOVE_COST
from shared.theatre import Theatre

MAX_EXPANSIONS = 20_000  # bound on work for one query; the theatre map stays well under it


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


class FlowFields:
    """Shortest paths to a goal for many units at once: one Dijkstra from the goal over the
    reversed movement graph (scipy, in C) gives every hex its next step towards it.

    Operational AI sends dozens of units to the same few objectives; a field per (goal, kind of
    mover, hexes to avoid) serves them all. Costs are exactly ``Theatre.step_cost``'s.
    """

    def __init__(self, theatre: Theatre) -> None:
        import numpy as np

        self.theatre = theatre
        grid = theatre.grid
        src: list[int] = []
        dst: list[int] = []
        foot: list[float] = []
        tracked: list[float] = []
        for i in range(len(grid)):
            a = grid.hex_at(i)
            for b in theatre.neighbours(a):
                c_foot = theatre.step_cost(a, b, armoured=False)
                if c_foot == INF:
                    continue
                src.append(i)
                dst.append(grid.index(b))
                foot.append(c_foot)
                tracked.append(theatre.step_cost(a, b, armoured=True))
        self.src = np.array(src, dtype=np.int32)
        self.dst = np.array(dst, dtype=np.int32)
        self.cost = {False: np.array(foot), True: np.array(tracked)}
        self._cache: dict[tuple[object, ...], object] = {}
        self._cache_stamp: object = None

    def path(
        self,
        start: Hex,
        goal: Hex,
        armoured: bool,
        blocked: frozenset[Hex],
        stamp: object,
    ) -> list[Hex] | None:
        """Like ``find_path``; ``stamp`` says when the cached fields stop being valid (the
        world's hour: blocked hexes only change when time passes)."""
        import numpy as np
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        theatre, grid = self.theatre, self.theatre.grid
        if start == goal:
            return []
        if not theatre.passable(goal) or not theatre.contains(start):
            return None
        if stamp != self._cache_stamp:
            self._cache.clear()
            self._cache_stamp = stamp
        key = (goal, armoured, blocked)
        pred = self._cache.get(key)
        if pred is None:
            n = len(grid)
            keep = np.ones(self.src.shape, dtype=bool)
            if blocked:
                bad = np.zeros(n, dtype=bool)
                for h in blocked:
                    if h != goal and theatre.contains(h):
                        bad[grid.index(h)] = True
                keep = ~bad[self.dst]
            # Reversed graph: an edge b <- a weighs what a -> b costs.
            graph = csr_matrix(
                (self.cost[armoured][keep], (self.dst[keep], self.src[keep])), shape=(n, n)
            )
            _, pred = dijkstra(
                graph, directed=True, indices=grid.index(goal), return_predecessors=True
            )
            self._cache[key] = pred
        step = grid.index(start)
        out: list[Hex] = []
        for _ in range(len(grid)):
            nxt = int(pred[step])  # type: ignore[index]
            if nxt < 0:
                return None
            out.append(grid.hex_at(nxt))
            if nxt == grid.index(goal):
                return out
            step = nxt
        return None
