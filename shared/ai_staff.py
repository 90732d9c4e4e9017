"""The AI's staff work beyond "go for the nearest objective": where the front runs, which units
stand on it, and where the railway troops are needed.

A side that is not attacking holds a line: a garrison in each objective it holds, and the rest
spread along the front (its ground that touches the enemy's) within reach of those objectives,
one unit to a stretch, so the line has no open door. Engineers go where the side's own railway
is wrecked or of the other gauge, because the lorries can only carry so far from a railhead.

The front and the works come from what a side knows: the control map is common knowledge, and a
side knows its own railways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from shared.hexgrid import DIRECTIONS, Hex
from shared.supply import CONTROL_CODES, SIDE_GAUGE

if TYPE_CHECKING:
    from shared.world import World

FRONT_REACH = 8  # hexes from a held objective that the line covers
LINE_SPACING = 2  # hexes between two units on the line (a hex between them is in both zones)


def axial(grid_cols: int, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axial (q, r) of dense grid indices."""
    row, col = np.divmod(indices, grid_cols)
    return col - (row - (row & 1)) // 2, row


def hex_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hex distances between every row of ``a`` and every row of ``b`` (both n x 2 axial)."""
    dq = a[:, None, 0] - b[None, :, 0]
    dr = a[:, None, 1] - b[None, :, 1]
    return (np.abs(dq) + np.abs(dr) + np.abs(dq + dr)) // 2


def front_hexes(
    control: np.ndarray, cols: int, rows: int, side: str, anchors: list[Hex]
) -> list[Hex]:
    """The side's hexes next to the enemy's ground, within ``FRONT_REACH`` of an anchor.

    ``control`` is the owner code per hex (the control map every client gets, row by row over
    ``cols`` x ``rows`` in odd-r offset layout), so a bot builds the same front as the server."""
    if not anchors:
        return []
    mine = CONTROL_CODES[side]
    theirs = CONTROL_CODES["japan" if side == "soviet" else "soviet"]
    idx = np.flatnonzero(control == mine)
    q, r = axial(cols, idx)
    touching = np.zeros(idx.size, dtype=bool)
    for dq, dr in DIRECTIONS:
        nq, nr = q + dq, r + dr
        col = nq + (nr - (nr & 1)) // 2
        inside = (nr >= 0) & (nr < rows) & (col >= 0) & (col < cols)
        j = np.where(inside, nr * cols + col, 0)
        touching |= inside & (control[j] == theirs)
    if not touching.any():
        return []
    coords = np.stack([q[touching], r[touching]], axis=1)
    near = hex_distances(coords, np.array(anchors)).min(axis=1) <= FRONT_REACH
    return [(int(a), int(b)) for a, b in coords[near]]


def works(world: World, side: str) -> list[Hex]:
    """Hexes of the side's own railway (held at both ends) that engineers should be at: the
    track is wrecked, or still of the other gauge."""
    logistics = world.logistics
    if logistics is None:
        return []
    grid, mine = world.theatre.grid, CONTROL_CODES[side]
    out: set[Hex] = set()
    for key, rail in world.theatre.rails.items():
        a, b = key
        if logistics.control[grid.index(a)] != mine or logistics.control[grid.index(b)] != mine:
            continue
        wrecked = logistics.rail_damage.get(key, 0) > 0
        foreign = logistics.converted.get(key, rail.gauge) != SIDE_GAUGE[side]
        if wrecked or foreign:
            out.add(min(a, b))
    return sorted(out)


def spread(units: list[tuple[str, Hex]], posts: list[Hex]) -> dict[str, Hex]:
    """Assign units to posts, nearest pairs first; a post taken closes the posts within
    ``LINE_SPACING - 1`` of it, so that the units spread along the line rather than bunch."""
    if not units or not posts:
        return {}
    at = np.array([h for _, h in units])
    where = np.array(posts)
    dist = hex_distances(at, where)
    post_gap = hex_distances(where, where)
    order = np.lexsort((np.arange(dist.size), dist.ravel()))
    free_unit = np.ones(len(units), dtype=bool)
    open_post = np.ones(len(posts), dtype=bool)
    out: dict[str, Hex] = {}
    for flat in order:
        u, k = divmod(int(flat), len(posts))
        if not (free_unit[u] and open_post[k]):
            continue
        out[units[u][0]] = posts[k]
        free_unit[u] = False
        open_post &= post_gap[k] >= LINE_SPACING
        if not free_unit.any() or not open_post.any():
            break
    return out
