"""Path searches, compiled (``shared.compiled``): A* over the movement graph, behind every march
that must go round blocked hexes (the enemy, a town packed with the side's own troops); the
fields of every hex's cost and next step to a goal over open ground; and the regions blocked
hexes cut the land into.

The A* is guided by the cheapest cost to the goal over open ground, which the flow fields already
hold: blocking hexes only makes ways longer, so that cost never overestimates, and a march that
only sidesteps a few hexes is found after expanding little more than its own path. Everything
here is plain arrays; ``FlowFields`` turns hexes into indices and back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shared.compiled import compiled


@compiled
def _before(f1: float, g1: float, n1: int, f2: float, g2: float, n2: int) -> bool:
    """Heap order: least estimated total first; on a tie the one further along (a straight run
    to the goal instead of every equal way at once), then the lower hex index."""
    if f1 != f2:
        return f1 < f2
    if g1 != g2:
        return g1 > g2
    return n1 < n2


@compiled
def search(
    indptr: Any,
    cols: Any,
    cost: Any,
    to_goal: Any,
    cap: float,
    start: int,
    goal: int,
    barred: Any,
    also: Any,
    best: Any,
    came: Any,
    marks: Any,
    heap: Any,
    heap_hexes: Any,
    stamp: int,
    bound: float,
    most: int,
) -> Any:
    """Hex indices of a cheapest path from ``start`` (excluded) to ``goal`` (included) over the
    graph in CSR form (``indptr``, ``cols``, ``cost`` per edge, infinite: no way), never into a
    hex of ``barred`` or ``also`` other than the goal; empty when there is none that costs at
    most ``bound`` (the search stops there: a detour dearer than that is no use). With
    ``most`` of zero or more, the search gives up after expanding that many hexes and answers
    None instead of a path, so that the caller may ask cheaper whether there is one at all.

    ``to_goal`` is each hex's cost to the goal over open ground, infinite beyond the field's
    reach, where ``cap`` (the reach) stands in for it: still a lower bound. ``best`` (cost so
    far), ``came`` (the step before) and ``marks`` (rows: the stamps of hexes seen, done and
    barred) are reused between calls, as is the heap: ``heap`` (rows: estimated total, cost so
    far) and ``heap_hexes``, an entry per edge and one more, since each edge improves a hex at
    most once; ``stamp`` must be new for each call, so that nothing need be cleared."""
    seen = marks[0]
    done = marks[1]
    bar = marks[2]
    for i in range(len(barred)):
        bar[barred[i]] = stamp
    for i in range(len(also)):
        bar[also[i]] = stamp
    hf = heap[0]
    hg = heap[1]
    hn = heap_hexes
    hf[0] = min(to_goal[start], cap)
    hg[0] = 0.0
    hn[0] = start
    size = 1
    seen[start] = stamp
    best[start] = 0.0
    found = False
    while size > 0 and hf[0] <= bound:
        here = hn[0]
        size -= 1
        if size > 0:  # the last entry sifts down from the top
            f, g, n = hf[size], hg[size], hn[size]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                right = child + 1
                if right < size and _before(
                    hf[right], hg[right], hn[right], hf[child], hg[child], hn[child]
                ):
                    child = right
                if not _before(hf[child], hg[child], hn[child], f, g, n):
                    break
                hf[i], hg[i], hn[i] = hf[child], hg[child], hn[child]
                i = child
            hf[i], hg[i], hn[i] = f, g, n
        if done[here] == stamp:
            continue  # a stale entry: the hex was reached more cheaply since
        done[here] = stamp
        if here == goal:
            found = True
            break
        if most == 0:
            return None
        most -= 1
        base = best[here]
        for e in range(indptr[here], indptr[here + 1]):
            nxt = cols[e]
            step = cost[e]
            if step == np.inf or (nxt != goal and bar[nxt] == stamp) or done[nxt] == stamp:
                continue
            g = base + step
            if seen[nxt] == stamp and g >= best[nxt]:
                continue
            seen[nxt] = stamp
            best[nxt] = g
            came[nxt] = here
            f = g + min(to_goal[nxt], cap)
            i = size  # the new entry sifts up from the bottom
            size += 1
            while i > 0:
                parent = (i - 1) // 2
                if not _before(f, g, nxt, hf[parent], hg[parent], hn[parent]):
                    break
                hf[i], hg[i], hn[i] = hf[parent], hg[parent], hn[parent]
                i = parent
            hf[i], hg[i], hn[i] = f, g, nxt
    if not found:
        return np.empty(0, np.int64)
    steps = 0
    here = goal
    while here != start:
        steps += 1
        here = came[here]
    path = np.empty(steps, np.int64)
    here = goal
    for k in range(steps - 1, -1, -1):
        path[k] = here
        here = came[here]
    return path


@compiled
def _field_costs(
    back_indptr: Any,
    back_cols: Any,
    back_cost: Any,
    goal: int,
    limit: float,
    width: float,
    span: float,
    dist: Any,
    entry_cost: Any,
    entry_hex: Any,
    entry_next: Any,
    reached: Any,
) -> int:
    """``field``'s search, into ``dist``: how many hexes it reached (listed in ``reached``), or
    -1 when the entries ran out of room. Its arrays never change size while it runs, which
    lets the compiler keep them in registers."""
    slots = int(span / width) + 2  # every entry waiting lies within ``span`` of the bucket taken
    first = np.full(slots, -1, np.int64)  # per bucket, its last entry; then each the one before
    dist[goal] = 0.0
    entry_cost[0] = 0.0
    entry_hex[0] = goal
    entry_next[0] = -1
    first[0] = 0
    used = 1
    waiting = 1
    reached[0] = goal
    count = 1
    b = 0
    while waiting > 0:
        k = first[b % slots]
        if k < 0:
            b += 1
            continue
        first[b % slots] = entry_next[k]
        waiting -= 1
        here = entry_hex[k]
        base = entry_cost[k]
        if base != dist[here]:
            continue  # a stale entry: the hex was reached more cheaply since
        for e in range(back_indptr[here], back_indptr[here + 1]):
            nxt = back_cols[e]
            d = base + back_cost[e]
            if d > limit or d >= dist[nxt]:
                continue
            if dist[nxt] == np.inf:
                reached[count] = nxt
                count += 1
            dist[nxt] = d
            t = int(d / width)
            t = b if t < b else t
            if used == len(entry_cost):
                return -1  # hexes taken again more often than there is room for
            entry_cost[used], entry_hex[used], entry_next[used] = d, nxt, first[t % slots]
            first[t % slots] = used
            used += 1
            waiting += 1
    return count


@compiled
def field(
    indptr: Any,
    cols: Any,
    cost: Any,
    back_indptr: Any,
    back_cols: Any,
    back_cost: Any,
    goal: int,
    limit: float,
    width: float,
    span: float,
    entry_cost: Any,
    entry_hex: Any,
    entry_next: Any,
    reached: Any,
) -> Any:
    """Every hex's cheapest cost to ``goal`` (infinite where it is dearer than ``limit``, or
    no way) and its next step there (-1: none), over the graph in CSR form (``indptr``,
    ``cols``, ``cost``) whose reverse (``back_*``: an entry b -> a for each edge a -> b, of
    its cost) the search runs on from the goal.

    The costs are the one set of sums every search settles on, so they are found with buckets
    ``width`` wide (at most the cheapest edge: a hex taken from a bucket is seldom improved
    again), a ring of them covering ``span`` (at least the dearest edge), instead of a heap.
    ``entry_*`` (an entry per improvement: room for one per edge and one more) and
    ``reached`` (one per hex) are working space, reused.

    The next step is the first of a hex's edges, in the graph's order, that starts a cheapest
    way: it depends on the costs alone, never on the order the search took hexes in, so that
    a path is the same whichever way the costs were found."""
    n = len(indptr) - 1
    while True:
        dist = np.full(n, np.inf)
        count = _field_costs(
            back_indptr, back_cols, back_cost, goal, limit, width, span,
            dist, entry_cost, entry_hex, entry_next, reached,
        )  # fmt: skip
        if count >= 0:
            break
        room = 2 * len(entry_cost)  # more room, and again from the start
        entry_cost = np.empty(room)
        entry_hex = np.empty(room, np.int64)
        entry_next = np.empty(room, np.int64)
    steps = np.full(n, -1, np.int32)
    for k in range(1, count):  # the goal, reached first, has no next step
        here = reached[k]
        for e in range(indptr[here], indptr[here + 1]):
            there = cols[e]
            if dist[there] + cost[e] == dist[here]:
                steps[here] = there
                break
    return dist, steps


@compiled
def regions(indptr: Any, cols: Any, land: Any, barred: Any) -> Any:
    """A label per hex: land hexes that can reach each other without entering a ``barred`` one
    share it; barred hexes and water get -1. One pass over the graph answers, for every march
    of a side's orders, whether its goal can be reached at all round the enemy."""
    n = len(indptr) - 1
    label = np.full(n, -1, np.int64)
    for i in range(len(barred)):
        label[barred[i]] = -2  # never entered; set to -1 below
    stack = np.empty(n, np.int64)
    count = 0
    for first in range(n):
        if label[first] != -1 or not land[first]:
            continue
        label[first] = count
        top = 1
        stack[0] = first
        while top > 0:
            top -= 1
            here = stack[top]
            for e in range(indptr[here], indptr[here + 1]):
                nxt = cols[e]
                if label[nxt] == -1:
                    label[nxt] = count
                    stack[top] = nxt
                    top += 1
        count += 1
    for i in range(len(barred)):
        label[barred[i]] = -1
    return label


def warm_up() -> None:
    """Compile the path searches (or load them from numba's cache), with the argument types
    ``FlowFields`` passes."""
    indptr = np.array([0, 1, 2], dtype=np.int64)
    cols = np.array([1, 0], dtype=np.int32)
    cost = np.ones(2)
    marks = np.zeros((3, 2), dtype=np.int64)
    heap = np.zeros((2, 3))
    heap_hexes = np.zeros(3, dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    search(
        indptr,
        cols,
        cost,
        np.zeros(2),
        np.inf,
        0,
        1,
        none,
        none,
        np.zeros(2),
        np.zeros(2, dtype=np.int64),
        marks,
        heap,
        heap_hexes,
        1,
        np.inf,
        -1,
    )
    regions(indptr, cols, np.ones(2, dtype=np.bool_), none)
    field(
        indptr,
        cols,
        cost,
        indptr,
        cols,
        cost,
        0,
        np.inf,
        1.0,
        1.0,
        np.zeros(1),
        np.zeros(1, np.int64),
        np.zeros(1, np.int64),
        np.zeros(2, np.int64),
    )
