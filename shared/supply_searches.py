"""The supply network's daily searches, compiled (``shared.compiled``), for ``supply.compute``:
freight's widest paths along the railway, the lorries' cheapest ways from the railheads and what
they deliver, and the steps that measure out the ground each side claims."""

from __future__ import annotations

from typing import Any

import numpy as np

from shared.compiled import compiled


@compiled
def _settle(
    indptr: Any,
    cols: Any,
    kind: Any,
    cost: Any,
    factor: Any,
    heads: Any,
    limit: float,
    open_node: Any,
    width: float,
    dist: Any,
    origin: Any,
    came: Any,
    joined: Any,
    beyond: Any,
    entry: Any,
    entry_cost: Any,
    before: Any,
) -> int:
    """``truck_search``'s search within the limit, into its arrays (``entry``, ``entry_cost``
    and ``before`` are the buckets' entries): how many nodes it found beyond the limit, at the
    start of ``beyond``, or -1 when the entries ran out of room. Its arrays never change size
    while it runs, which lets the compiler keep them in registers: about a third faster."""
    n = len(indptr) - 1
    top = 0
    span = limit / width
    buckets = int(span) + 1 if span < n else n  # the last takes whatever lies further
    first = np.full(buckets, -1, np.int64)  # per bucket, its last entry; then each the one before
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
                if used == len(entry):
                    return -1  # out of room
                entry[used], entry_cost[used], before[used] = nxt, value, first[t]
                first[t] = used
                used += 1
    return top


@compiled
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
    room = n + len(heads) + 1  # an entry per improvement: about one per node reached
    while True:
        dist = np.full(n, np.inf)
        origin = np.full(n, -9999, np.int64)
        came = np.full(n, -1, np.int64)
        joined = np.zeros(n, np.bool_)
        beyond = np.empty(n, np.int64)  # open nodes found only beyond the limit, to walk on from
        entry = np.empty(room, np.int64)
        top = _settle(
            indptr, cols, kind, cost, factor, heads, limit, open_node, width,
            dist, origin, came, joined, beyond, entry, np.empty(room), np.empty(room, np.int64),
        )  # fmt: skip
        if top >= 0:
            break
        room *= 2  # more improvements than nodes: more room, and again from the start
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


@compiled
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


@compiled
def _heap_before(k1: float, i1: int, k2: float, i2: int) -> bool:
    return k1 < k2 or (k1 == k2 and i1 < i2)


@compiled
def _heap_push(keys: Any, nodes: Any, size: int, k: float, i: int) -> None:
    """Entry (``k``, ``i``) into the heap of the first ``size`` entries, sifted up from the
    bottom (``_heap_before`` orders it)."""
    at = size
    while at > 0:
        parent = (at - 1) // 2
        if not _heap_before(k, i, keys[parent], nodes[parent]):
            break
        keys[at], nodes[at] = keys[parent], nodes[parent]
        at = parent
    keys[at], nodes[at] = k, i


@compiled
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
            _heap_push(keys, nodes, size, -tons[s], i)
            size += 1
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
                _heap_push(keys, nodes, size, -f, j)
                size += 1
    return best, reached[:count].copy(), used


@compiled
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


def warm_up() -> None:
    """Compile the supply network's searches (or load them from numba's cache), with the
    argument types ``supply.compute`` passes."""
    indptr = np.array([0, 1, 2], dtype=np.int64)
    cols = np.array([1, 0], dtype=np.int32)
    cost = np.ones(2)
    head = np.zeros(1, dtype=np.int64)
    widest_rail(indptr, head[[0, 0]], head[[0, 0]], np.ones(1), np.ones(2, dtype=np.bool_),
                np.zeros(1, dtype=np.bool_), head, np.ones(1))  # fmt: skip
    dist, origin, _ = truck_search(
        indptr.astype(np.int32), cols, np.zeros(2, dtype=np.uint16), cost, cost, head, 1.0,
        np.ones(2, dtype=np.bool_), 1.0,
    )  # fmt: skip
    share_out(dist, origin, np.ones(2), head, np.ones(1), 1.0)
    steps(indptr, cols, head, 1)
