"""The AI staff's passes over the map and the units, compiled (``shared.compiled``): how far a
side's trains can run from its sources, the pockets left behind the front, the front line marked
where hexes changed hands, units spread over the line, the nearest of many hexes, and where
units about to be overwhelmed fall back to."""

from __future__ import annotations

from typing import Any

import numpy as np

from shared.compiled import compiled


@compiled
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


@compiled
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


@compiled
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


@compiled
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


@compiled
def _apart(a: Any, i: int, b: Any, j: int) -> int:
    """Hex distance between row ``i`` of ``a`` and row ``j`` of ``b`` (axial)."""
    dq = a[i, 0] - b[j, 0]
    dr = a[i, 1] - b[j, 1]
    return (abs(dq) + abs(dr) + abs(dq + dr)) // 2


@compiled
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


@compiled
def _touches(table: Any, control: Any, h: int, theirs: int) -> bool:
    """Does hex ``h`` touch a hex of owner ``theirs`` (``table``: neighbours, n off the map)?"""
    n = len(control)
    for k in range(table.shape[1]):
        nb = table[h, k]
        if nb < n and control[nb] == theirs:
            return True
    return False


@compiled
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
    """Compile the staff's passes (or load them from numba's cache), with the argument types
    ``ai_staff`` and ``ai`` pass."""
    indptr = np.array([0, 1, 2], dtype=np.int64)
    table = np.array([[1, 2], [0, 2]], dtype=np.int64)  # two hexes, n (2) off the map
    yes = np.ones(2, dtype=np.bool_)
    hexes = np.zeros((2, 2), dtype=np.int64)
    reach(indptr, np.array([1, 0], dtype=np.int64), np.zeros(2, dtype=np.int64), yes[:1],
          np.zeros(1, dtype=np.int64))  # fmt: skip
    islands(table, yes, ~yes, 1, 0.5)
    spread_posts(hexes, hexes, 1)
    nearest_rows(hexes, hexes)
    fall_backs(hexes, hexes, hexes, np.ones(2), np.ones(2), ~yes, 1, 1.0)
    owners = np.ones(2, dtype=np.int8)
    front_marks(table, owners, owners.copy(), yes, ~yes, 1, 2, True)
