"""Graph searches compiled with numba: A* over the movement graph, behind every march that
must go round blocked hexes (the enemy, a town packed with the side's own troops); the regions
blocked hexes cut the land into; and how far a side's trains can run from its sources.

The A* is guided by the cheapest cost to the goal over open ground, which the flow fields already
hold: blocking hexes only makes ways longer, so that cost never overestimates, and a march that
only sidesteps a few hexes is found after expanding little more than its own path. Everything
here is plain arrays; ``FlowFields`` turns hexes into indices and back.

The supply network's daily searches are here too (``supply.compute``): freight's widest paths
along the railway, the lorries' cheapest ways from the railheads and what they deliver, and the
steps that measure out the ground each side claims.
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
def field(
    indptr: Any,
    cols: Any,
    cost: Any,
    back_indptr: Any,
    back_cols: Any,
    back_cost: Any,
    goal: int,
    limit: float,
    heap_cost: Any,
    heap_hex: Any,
    settled: Any,
) -> Any:
    """Every hex's cheapest cost to ``goal`` (infinite where it is dearer than ``limit``, or
    no way) and its next step there (-1: none), over the graph in CSR form (``indptr``,
    ``cols``, ``cost``) whose reverse (``back_*``: an entry b -> a for each edge a -> b, of
    its cost) the search runs on from the goal. ``heap_cost``, ``heap_hex`` (an entry per
    edge, and one more) and ``settled`` (one per hex) are working space, reused.

    The next step is the first of a hex's edges, in the graph's order, that starts a cheapest
    way: it depends on the costs alone, never on the order the search settled hexes of equal
    cost, so that a path is the same whichever way the costs were found."""
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    dist[goal] = 0.0
    heap_cost[0] = 0.0
    heap_hex[0] = goal
    size = 1
    count = 0
    while size > 0:
        here = heap_hex[0]
        base = heap_cost[0]
        size -= 1
        if size > 0:  # the last entry sifts down from the top
            c, h = heap_cost[size], heap_hex[size]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                if child + 1 < size and heap_cost[child + 1] < heap_cost[child]:
                    child += 1
                if heap_cost[child] >= c:
                    break
                heap_cost[i], heap_hex[i] = heap_cost[child], heap_hex[child]
                i = child
            heap_cost[i], heap_hex[i] = c, h
        if base > dist[here]:
            continue  # a stale entry: the hex was reached more cheaply since
        settled[count] = here
        count += 1
        for e in range(back_indptr[here], back_indptr[here + 1]):
            nxt = back_cols[e]
            d = base + back_cost[e]
            if d > limit or d >= dist[nxt]:
                continue  # settled hexes never improve: no edge costs nothing
            dist[nxt] = d
            i = size  # the new entry sifts up from the bottom
            size += 1
            while i > 0:
                parent = (i - 1) // 2
                if heap_cost[parent] <= d:
                    break
                heap_cost[i], heap_hex[i] = heap_cost[parent], heap_hex[parent]
                i = parent
            heap_cost[i], heap_hex[i] = d, nxt
    steps = np.full(n, -1, np.int32)
    for k in range(1, count):  # the goal, settled first, has no next step
        here = settled[k]
        for e in range(indptr[here], indptr[here + 1]):
            there = cols[e]
            if dist[there] + cost[e] == dist[here]:
                steps[here] = there
                break
    return dist, steps


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
def _grown(array: Any, size: int) -> Any:
    out = np.empty(size, array.dtype)
    out[: len(array)] = array
    return out


@_compiled
def truck_search(
    indptr: Any,
    cols: Any,
    kind: Any,
    cost: Any,
    factor: Any,
    heads: Any,
    limit: float,
    open_node: Any,
    width: float,
) -> Any:
    """Cheapest cost from the nearest of ``heads`` to every node of a graph in CSR form, up to
    ``limit`` (infinite beyond), and which head that is (-9999 beyond); and whether each node
    can be reached at all from ``heads`` through ``open_node`` nodes (the heads always).

    An edge ``e`` into node ``j`` costs ``cost[kind[e]] * factor[j]`` (infinite: never taken;
    never nil), worked out as the search goes: a day's costs for a few kinds of edge and a
    factor per node, not an array over every edge.

    The answers are those of scipy's ``dijkstra(..., min_only=True, limit=limit)``. The costs
    are the one set of sums every search settles on, whatever order it takes nodes in, so they
    are found with buckets ``width`` wide (at most the cheapest edge: then a node is seldom
    taken twice) instead of a heap. The head is the one Dijkstra's search answers where two
    are equally near: it takes nodes by (cost, -node) and keeps the first way at the final
    cost, so each node keeps, of the neighbours that reach it at its final cost, the one
    first in that order, and takes that one's head. The reach beyond the limit goes on
    breadth first from the nodes found beyond it, so the nodes within it are not walked
    twice."""
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    origin = np.full(n, -9999, np.int64)
    came = np.full(n, -1, np.int64)
    joined = np.zeros(n, np.bool_)
    beyond = np.empty(n, np.int64)  # open nodes found only beyond the limit, to walk on from
    top = 0
    span = limit / width
    buckets = int(span) + 1 if span < n else n  # the last takes whatever lies further
    first = np.full(buckets, -1, np.int64)  # per bucket, its last entry; then each the one before
    room = n + len(heads) + 1  # an entry per improvement: about one per node reached
    before = np.empty(room, np.int64)
    entry = np.empty(room, np.int64)
    entry_cost = np.empty(room)
    used = 0
    for k in range(len(heads)):
        head = heads[k]
        joined[head] = True
        if dist[head] == 0.0:
            continue  # a head given twice
        dist[head] = 0.0
        origin[head] = head
        entry[used], entry_cost[used], before[used] = head, 0.0, first[0]
        first[0] = used
        used += 1
    b = 0
    while b < buckets:
        k = first[b]
        if k < 0:
            b += 1
            continue
        first[b] = before[k]
        here = entry[k]
        base = dist[here]
        if entry_cost[k] != base:
            continue  # a stale entry: the node was reached more cheaply since
        for e in range(indptr[here], indptr[here + 1]):
            nxt = cols[e]
            value = base + cost[kind[e]] * factor[nxt]
            if not joined[nxt] and open_node[nxt]:
                joined[nxt] = True
                if not (value <= limit and value < np.inf):  # not to be taken by the search
                    beyond[top] = nxt
                    top += 1
            if value == dist[nxt]:
                was = came[nxt]
                if was >= 0 and (base < dist[was] or (base == dist[was] and here > was)):
                    came[nxt] = here
            elif value <= limit and value < dist[nxt]:
                dist[nxt] = value
                came[nxt] = here
                q = value / width
                t = int(q) if q < buckets else buckets - 1
                t = b if t < b else t
                if used == room:  # more improvements than nodes: more room
                    room *= 2
                    before = _grown(before, room)
                    entry = _grown(entry, room)
                    entry_cost = _grown(entry_cost, room)
                entry[used], entry_cost[used], before[used] = nxt, value, first[t]
                first[t] = used
                used += 1
    chain = entry  # (done with) each node takes the head at the end of its way back
    for v in range(n):
        if dist[v] == np.inf or origin[v] != -9999:
            continue
        size = 0
        x = v
        while origin[x] == -9999:
            chain[size] = x
            size += 1
            x = came[x]
        for k in range(size):
            origin[chain[k]] = origin[x]
    while top > 0:
        top -= 1
        here = beyond[top]
        for e in range(indptr[here], indptr[here + 1]):
            nxt = cols[e]
            if not joined[nxt] and open_node[nxt]:
                joined[nxt] = True
                beyond[top] = nxt
                top += 1
    return dist, origin, joined


@_compiled
def share_out(dist: Any, origin: Any, demand: Any, heads: Any, tons: Any, limit: float) -> Any:
    """The lorries' deliveries from ``truck_search``'s answer: per node, the level of supply
    (nearly all near a head, falling off fast towards ``limit``), each head's ``tons`` shared
    among the ``demand`` it feeds when that is more, and the ton-km driven to it; and the nodes
    served. The arithmetic, and the order of the sums, are those of the numpy rule it stands
    for, so that the answers are the same to the last bit."""
    n = len(dist)
    level = np.zeros(n)
    ton_km = np.zeros(n)
    served = np.empty(n, np.int64)
    count = 0
    for i in range(n):
        if dist[i] <= limit:
            x = dist[i] / limit
            v = 1.0 - x * x
            v = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
            level[i] = v
            if v > 0.0:
                served[count] = i
                count += 1
    wanted = np.zeros(n)
    for k in range(count):
        i = served[k]
        wanted[origin[i]] += demand[i]
    share = np.ones(n)
    for k in range(len(heads)):
        by_head = wanted[heads[k]]
        if by_head > 0.0:
            s = tons[k] / by_head
            share[heads[k]] = s if s < 1.0 else 1.0
    for k in range(count):
        i = served[k]
        got = level[i] * share[origin[i]]
        level[i] = got
        ton_km[i] = got * demand[i] * dist[i]
    return level, ton_km, served[:count].copy()


@_compiled
def _heap_before(k1: float, i1: int, k2: float, i2: int) -> bool:
    return k1 < k2 or (k1 == k2 and i1 < i2)


@_compiled
def widest_rail(
    indptr: Any,
    nbr: Any,
    edge: Any,
    edge_cap: Any,
    open_hex: Any,
    damaged: Any,
    starts: Any,
    tons: Any,
) -> Any:
    """Freight's widest paths over a railway in CSR form whose entries name their edge
    (``edge``, with ``edge_cap`` tons a day each): from ``starts`` carrying ``tons`` each, into
    ``open_hex`` nodes only, never over ``damaged`` edges. Answers the tons reaching each node
    (0: none), the nodes in the order first reached, and the edges some route improved on.
    Nodes are taken most tons first, on a tie the lowest index: a heap of (-tons, node) pairs,
    as the search this replaces kept, so that the order of reaching is the same."""
    n = len(indptr) - 1
    best = np.zeros(n)
    reached = np.empty(n, np.int64)
    count = 0
    used = np.zeros(len(edge_cap), np.bool_)
    room = len(nbr) + len(starts) + 1  # each entry is pushed on an improvement, at most once
    keys = np.empty(room)
    nodes = np.empty(room, np.int64)
    size = 0
    for s in range(len(starts)):
        i = starts[s]
        if tons[s] > best[i]:
            if best[i] == 0.0:
                reached[count] = i
                count += 1
            best[i] = tons[s]
            k, at = -tons[s], size
            size += 1
            while at > 0:
                parent = (at - 1) // 2
                if not _heap_before(k, i, keys[parent], nodes[parent]):
                    break
                keys[at], nodes[at] = keys[parent], nodes[parent]
                at = parent
            keys[at], nodes[at] = k, i
    while size > 0:
        flow, here = -keys[0], nodes[0]
        size -= 1
        if size > 0:  # the last entry sifts down from the top
            k, i, at = keys[size], nodes[size], 0
            while True:
                child = 2 * at + 1
                if child >= size:
                    break
                if child + 1 < size and _heap_before(
                    keys[child + 1], nodes[child + 1], keys[child], nodes[child]
                ):
                    child += 1
                if not _heap_before(keys[child], nodes[child], k, i):
                    break
                keys[at], nodes[at] = keys[child], nodes[child]
                at = child
            keys[at], nodes[at] = k, i
        if flow < best[here]:
            continue
        for x in range(indptr[here], indptr[here + 1]):
            j = nbr[x]
            e = edge[x]
            if not open_hex[j] or damaged[e]:
                continue
            cap = edge_cap[e]
            f = cap if cap < flow else flow
            if f > best[j]:
                if best[j] == 0.0:
                    reached[count] = j
                    count += 1
                best[j] = f
                used[e] = True
                k, at = -f, size
                size += 1
                while at > 0:
                    parent = (at - 1) // 2
                    if not _heap_before(k, j, keys[parent], nodes[parent]):
                        break
                    keys[at], nodes[at] = keys[parent], nodes[parent]
                    at = parent
                keys[at], nodes[at] = k, j
    return best, reached[:count].copy(), used


@_compiled
def steps(indptr: Any, cols: Any, starts: Any, limit: int) -> Any:
    """Per node of a graph in CSR form, the fewest steps from one of ``starts`` to it, up to
    ``limit`` (infinite beyond), breadth first."""
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    queue = np.empty(n, np.int64)
    size = 0
    for k in range(len(starts)):
        if dist[starts[k]] != 0.0:
            dist[starts[k]] = 0.0
            queue[size] = starts[k]
            size += 1
    first = 0
    for step in range(1, limit + 1):
        end = size
        for k in range(first, end):
            here = queue[k]
            for e in range(indptr[here], indptr[here + 1]):
                nxt = cols[e]
                if dist[nxt] == np.inf:
                    dist[nxt] = step
                    queue[size] = nxt
                    size += 1
        if size == end:
            break
        first = end
    return dist


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
    ``FlowFields`` and the supply network pass, rather than in the middle of a match's first
    orders or first day."""
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
        heap[0],
        heap_hexes,
        np.zeros(2, np.int64),
    )
    reach(
        indptr,
        np.array([1, 0], dtype=np.int64),
        np.zeros(2, dtype=np.int64),
        np.ones(1, dtype=np.bool_),
        np.zeros(1, dtype=np.int64),
    )
    # ...and the supply network's, with the types ``supply.compute`` passes.
    head = np.zeros(1, dtype=np.int64)
    widest_rail(indptr, head[[0, 0]], head[[0, 0]], np.ones(1), np.ones(2, dtype=np.bool_),
                np.zeros(1, dtype=np.bool_), head, np.ones(1))  # fmt: skip
    dist, origin, _ = truck_search(
        indptr.astype(np.int32), cols, np.zeros(2, dtype=np.uint16), cost, cost, head, 1.0,
        np.ones(2, dtype=np.bool_), 1.0,
    )  # fmt: skip
    share_out(dist, origin, np.ones(2), head, np.ones(1), 1.0)
    steps(indptr, cols, head, 1)
