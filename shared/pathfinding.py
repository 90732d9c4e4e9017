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
