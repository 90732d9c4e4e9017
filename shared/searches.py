"""Graph searches compiled with numba: A* over the movement graph, behind every march that
must go round blocked hexes (the enemy, a town packed with the side's own troops); the regions
blocked hexes cut the land into; and how far a side's trains can run from its sources.

The A* is guided by the cheapest cost to the goal over open ground, which the flow fields already
hold: blocking hexes only makes ways longer, so that cost never overestimates, and a march that
only sidesteps a few hexes is found after expanding little more than its own path. Everything
here is plain arrays; ``FlowFields`` turns hexes into indices and back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


def _compiled(function: Any) -> Any:
    """``function`` compiled, its machine code kept in numba's cache (beside this module, or
    under ``NUMBA_CACHE_DIR``) so that later processes load it in a fraction of a second. Where
    neither can be written (a read-only install), it is compiled afresh in every process."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # numba found no cache directory it may write to
        return njit(nogil=True)(function)


@_compiled
def _before(f1: float, g1: float, n1: int, f2: float, g2: float, n2: int) -> bool:
    """Heap order: least estimated total first; on a tie the one further along (a straight run
    to the goal instead of every equal way at once), then the lower hex index."""
    if f1 != f2:
        return f1 < f2
    if g1 != g2:
        return g1 > g2
    return n1 < n2


@_compiled
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


@_compiled
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


@_compiled
def reach(indptr: Any, cols: Any, edges: Any, usable: Any, starts: Any) -> Any:
    """Per node of a graph in CSR form whose entries name their edge (``edges``): whether it
    can be reached from one of ``starts`` over ``usable`` edges only (the starts themselves
    always)."""
    n = len(indptr) - 1
    seen = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    top = 0
    for i in range(len(starts)):
        if not seen[starts[i]]:
            seen[starts[i]] = True
            stack[top] = starts[i]
            top += 1
    while top > 0:
        top -= 1
        here = stack[top]
        for e in range(indptr[here], indptr[here + 1]):
            nxt = cols[e]
            if usable[edges[e]] and not seen[nxt]:
                seen[nxt] = True
                stack[top] = nxt
                top += 1
    return seen


@_compiled
def islands(table: Any, patch: Any, own: Any, most: int, share: float) -> Any:
    """Per hex: whether it lies in an island of ``patch`` hexes (connected over ``table``, the
    dense neighbour table, n where off the map) of at most ``most`` hexes whose border is at
    least ``share`` ``own`` hexes; the border counts each step out of the island (off the map
    too). Also each patch hex's island, by its least index (-1 off the patches)."""
    n = len(patch)
    label = np.full(n, -1, np.int64)
    inside = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    members = np.empty(n, np.int64)
    for first in range(n):
        if not patch[first] or label[first] != -1:
            continue
        label[first] = first
        stack[0] = first
        top = 1
        count = 0
        edge = 0
        held = 0
        while top > 0:
            top -= 1
            here = stack[top]
            members[count] = here
            count += 1
            for k in range(table.shape[1]):
                nxt = table[here, k]
                if nxt >= n:
                    edge += 1
                elif not patch[nxt]:
                    edge += 1
                    if own[nxt]:
                        held += 1
                elif label[nxt] == -1:
                    label[nxt] = first
                    stack[top] = nxt
                    top += 1
        if count <= most and held >= share * edge:
            for i in range(count):
                inside[members[i]] = True
    return inside, label


@_compiled
def spread_posts(units: Any, posts: Any, apart: int) -> Any:
    """Units (n x 2 axial) to posts (m x 2 axial), nearest pairs first, by distance, then unit,
    then post (their order in the arrays); a post taken closes the posts within ``apart``
    of it. Answers the units taken in turn and the post each took."""
    n = len(units)
    m = len(posts)
    dist = np.empty((n, m), np.int64)
    best = np.empty(n, np.int64)  # each unit's nearest open post, the first of equals
    for u in range(n):
        for c in range(m):
            dq = units[u, 0] - posts[c, 0]
            dr = units[u, 1] - posts[c, 1]
            dist[u, c] = (abs(dq) + abs(dr) + abs(dq + dr)) // 2
            if c == 0 or dist[u, c] < dist[u, best[u]]:
                best[u] = c
    is_open = np.ones(m, np.bool_)
    done = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    took = np.empty(n, np.int64)
    still_open = m
    count = 0
    while still_open > 0 and count < n:
        pick = -1
        for u in range(n):
            if not done[u] and (pick == -1 or dist[u, best[u]] < dist[pick, best[pick]]):
                pick = u
        k = best[pick]
        done[pick] = True
        order[count] = pick
        took[count] = k
        count += 1
        for c in range(m):
            dq = posts[c, 0] - posts[k, 0]
            dr = posts[c, 1] - posts[k, 1]
            if is_open[c] and (abs(dq) + abs(dr) + abs(dq + dr)) // 2 <= apart:
                is_open[c] = False
                still_open -= 1
        if still_open == 0:
            break
        for u in range(n):
            if not done[u] and not is_open[best[u]]:
                found = -1
                for c in range(m):
                    if is_open[c] and (found == -1 or dist[u, c] < dist[u, found]):
                        found = c
                best[u] = found
    return order[:count], took[:count]


@_compiled
def nearest_rows(a: Any, b: Any) -> Any:
    """For each row of ``a`` (n x 2 axial), the first row of ``b`` (m x 2, m > 0) at the
    least hex distance from it, and that distance."""
    n = len(a)
    which = np.empty(n, np.int64)
    far = np.empty(n, np.int64)
    for i in range(n):
        best = 0
        least = -1
        for j in range(len(b)):
            dq = a[i, 0] - b[j, 0]
            dr = a[i, 1] - b[j, 1]
            d = (abs(dq) + abs(dr) + abs(dq + dr)) // 2
            if least < 0 or d < least:
                best = j
                least = d
        which[i] = best
        far[i] = least
    return which, far


@_compiled
def _apart(a: Any, i: int, b: Any, j: int) -> int:
    """Hex distance between row ``i`` of ``a`` and row ``j`` of ``b`` (axial)."""
    dq = a[i, 0] - b[j, 0]
    dr = a[i, 1] - b[j, 1]
    return (abs(dq) + abs(dr) + abs(dq + dr)) // 2


@_compiled
def fall_backs(
    mine: Any,
    theirs: Any,
    kept: Any,
    mine_power: Any,
    their_power: Any,
    stand: Any,
    local: int,
    odds: float,
) -> Any:
    """Per own unit (hexes ``mine``, n x 2 axial): the first of the places ``kept`` nearest it
    that are further than one hex beyond its nearest enemy from every enemy within ``local``
    of it (hexes ``theirs``), when those enemies outweigh the own units within ``local`` of it
    ``odds`` to one (``*_power``, summed in order); -1 where none, or where it stands fast
    (``stand``)."""
    n = len(mine)
    out = np.full(n, -1, np.int64)
    near = np.zeros(len(theirs), np.bool_)
    for k in range(n):
        if stand[k]:
            continue
        danger = -1
        against = 0.0
        for j in range(len(theirs)):
            d = _apart(mine, k, theirs, j)
            near[j] = d <= local
            if near[j]:
                against += their_power[j]
                if danger < 0 or d < danger:
                    danger = d
        if danger < 0:
            continue  # no enemy near
        ours = 0.0
        for i in range(n):
            if _apart(mine, k, mine, i) <= local:
                ours += mine_power[i]
        if against < ours * odds:
            continue
        least = -1
        for i in range(len(kept)):
            if kept[i, 0] == mine[k, 0] and kept[i, 1] == mine[k, 1]:
                continue
            clear = True
            for j in range(len(theirs)):
                if near[j] and _apart(kept, i, theirs, j) <= danger + 1:
                    clear = False
                    break
            if clear:
                d = _apart(mine, k, kept, i)
                if least < 0 or d < least:
                    least = d
                    out[k] = i
    return out


@_compiled
def _touches(table: Any, control: Any, h: int, theirs: int) -> bool:
    """Does hex ``h`` touch a hex of owner ``theirs`` (``table``: neighbours, n off the map)?"""
    n = len(control)
    for k in range(table.shape[1]):
        nb = table[h, k]
        if nb < n and control[nb] == theirs:
            return True
    return False


@_compiled
def front_marks(
    table: Any, control: Any, was: Any, land: Any, front: Any, mine: int, theirs: int, fresh: bool
) -> None:
    """Marks in ``front`` the land hexes of owner ``mine`` touching one of owner ``theirs``
    (``control``: owner per hex; ``table``: neighbours, n off the map): every hex when
    ``fresh``, else only those whose owner differs from ``was`` and their neighbours, the rest
    being marked already. ``was`` becomes ``control``."""
    n = len(control)
    for h in range(n):
        if fresh or control[h] != was[h]:
            front[h] = control[h] == mine and land[h] and _touches(table, control, h, theirs)
            for k in range(table.shape[1]):
                nb = table[h, k]
                if nb < n:
                    front[nb] = (
                        control[nb] == mine and land[nb] and _touches(table, control, nb, theirs)
                    )
    for h in range(n):
        was[h] = control[h]


def warm_up() -> None:
    """Compile the searches (or load them from numba's cache) now, with the argument types
    ``FlowFields`` passes, rather than in the middle of a match's first orders."""
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
    reach(
        indptr,
        np.array([1, 0], dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.ones(1, dtype=np.bool_),
        np.zeros(1, dtype=np.int64),
    )
