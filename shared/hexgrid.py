"""Pointy-top hexagons in axial coordinates ``(q, r)``, and the rectangular map they tile.

The map is a rectangle of ``cols`` x ``rows`` hexes in "odd-r" offset layout (odd rows shifted half
a hex east). Plane coordinates are kilometres with x east and y south from the centre of hex
(0, 0), so that row 0 is the northern edge of the map.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

Hex = tuple[int, int]

# Axial neighbour offsets, clockwise from east.
DIRECTIONS: tuple[Hex, ...] = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))
SQRT3 = math.sqrt(3.0)


def neighbours(h: Hex) -> list[Hex]:
    q, r = h
    return [(q + dq, r + dr) for dq, dr in DIRECTIONS]


def distance(a: Hex, b: Hex) -> int:
    dq = a[0] - b[0]
    dr = a[1] - b[1]
    return (abs(dq) + abs(dr) + abs(dq + dr)) // 2


def ring(center: Hex, radius: int) -> Iterator[Hex]:
    if radius == 0:
        yield center
        return
    q, r = center[0] + DIRECTIONS[4][0] * radius, center[1] + DIRECTIONS[4][1] * radius
    for side in range(6):
        dq, dr = DIRECTIONS[side]
        for _ in range(radius):
            yield (q, r)
            q, r = q + dq, r + dr


def within(center: Hex, radius: int) -> Iterator[Hex]:
    """Every hex at distance <= radius, the centre first, then ring by ring."""
    for k in range(radius + 1):
        yield from ring(center, k)


def line(a: Hex, b: Hex) -> list[Hex]:
    """The hexes on the straight line from a to b, both included, each next to the one before
    (cube interpolation, nudged off exact edges so rounding is stable)."""
    n = distance(a, b)
    return [a, *(_on_line(a, b, i / n) for i in range(1, n + 1))]


def line_at(a: Hex, b: Hex, steps: int) -> Hex:
    """``line(a, b)[steps]`` (``steps`` at most the distance), without the rest of the line."""
    return _on_line(a, b, steps / distance(a, b)) if steps else a


def _on_line(a: Hex, b: Hex, t: float) -> Hex:
    q = a[0] + (b[0] - a[0]) * t + 1e-6
    r = a[1] + (b[1] - a[1]) * t + 2e-6
    return cube_round(q, r)


def cube_round(q_f: float, r_f: float) -> Hex:
    """The hex containing fractional axial coordinates: round all three cube coordinates and
    fix the one that moved most, so that they still sum to zero."""
    s_f = -q_f - r_f
    q, r, s = round(q_f), round(r_f), round(s_f)
    dq, dr, ds = abs(q - q_f), abs(r - r_f), abs(s - s_f)
    if dq > dr and dq > ds:
        q = -r - s
    elif dr > ds:
        r = -q - s
    return q, r


def axial_to_offset(h: Hex) -> tuple[int, int]:
    q, r = h
    return q + (r - (r & 1)) // 2, r


def offset_to_axial(col: int, row: int) -> Hex:
    return col - (row - (row & 1)) // 2, row


def to_plane(h: Hex, hex_km: float) -> tuple[float, float]:
    """Centre of a hex in km; ``hex_km`` is the distance between adjacent centres."""
    q, r = h
    return hex_km * (q + r / 2.0), hex_km * (SQRT3 / 2.0) * r


def from_plane(x: float, y: float, hex_km: float) -> Hex:
    """The hex containing a plane point (cube rounding)."""
    r_f = y / (hex_km * SQRT3 / 2.0)
    return cube_round(x / hex_km - r_f / 2.0, r_f)


def direction_between(a: Hex, b: Hex) -> int | None:
    """Index into DIRECTIONS of the step a -> b, or None if they are not adjacent."""
    step = (b[0] - a[0], b[1] - a[1])
    try:
        return DIRECTIONS.index(step)
    except ValueError:
        return None


def edge_key(a: Hex, b: Hex) -> tuple[Hex, Hex]:
    """The undirected edge between two adjacent hexes, in a canonical order."""
    return (a, b) if a <= b else (b, a)


class Grid:
    """A rectangle of hexes: bounds tests and a dense index for array-backed layers."""

    __slots__ = ("cols", "rows")

    def __init__(self, cols: int, rows: int) -> None:
        self.cols = cols
        self.rows = rows

    def __len__(self) -> int:
        return self.cols * self.rows

    # ``axial_to_offset`` inlined: these two run millions of times a simulated war.
    def contains(self, h: Hex) -> bool:
        q, r = h
        col = q + (r - (r & 1)) // 2
        return 0 <= col < self.cols and 0 <= r < self.rows

    def index(self, h: Hex) -> int:
        q, r = h
        return r * self.cols + q + (r - (r & 1)) // 2

    def hex_at(self, index: int) -> Hex:
        row, col = divmod(index, self.cols)
        return offset_to_axial(col, row)

    def __iter__(self) -> Iterator[Hex]:
        for row in range(self.rows):
            for col in range(self.cols):
                yield offset_to_axial(col, row)
