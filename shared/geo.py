"""Latitude/longitude to kilometres: an equirectangular projection about the map's centre.

At theatre scale the error of this projection is a few percent, well under a hex; what matters is
that it is simple, invertible and identical on server and client.
"""

from __future__ import annotations

import math

import numpy as np

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


class Projection:
    """Maps (lat, lon) to plane km (x east, y south) with (north, west) at the origin."""

    __slots__ = ("kx", "north", "west")

    def __init__(self, north: float, west: float, ref_lat: float) -> None:
        self.north = north
        self.west = west
        self.kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(ref_lat))

    def to_km(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx, (self.north - lat) * KM_PER_DEG_LAT

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        return self.north - y / KM_PER_DEG_LAT, self.west + x / self.kx


def inside_ring(xs: np.ndarray, ys: np.ndarray, ring: list[tuple[float, float]]) -> np.ndarray:
    """Even-odd test of many points against one ring at once; the ring may or may not repeat
    its first point."""
    inside = np.zeros(np.shape(xs), dtype=bool)
    pts = np.asarray(ring, dtype=float)
    x1, y1 = pts[:, 0], pts[:, 1]
    x2, y2 = np.roll(x1, 1), np.roll(y1, 1)
    for xi, yi, xj, yj in zip(x1, y1, x2, y2, strict=True):
        if yi == yj:
            continue
        straddles = (yi > ys) != (yj > ys)
        cross_x = (xj - xi) * (ys - yi) / (yj - yi) + xi
        inside ^= straddles & (xs < cross_x)
    return inside


def point_in_polygon(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """``inside_ring`` for one point."""
    return bool(inside_ring(np.array([x]), np.array([y]), ring)[0])


def segments_cross(
    p1: tuple[float, float],
    p2: tuple[float, float],
    p3: tuple[float, float],
    p4: tuple[float, float],
) -> bool:
    """True when segment p1-p2 properly intersects segment p3-p4."""

    def orient(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1 = orient(p3, p4, p1)
    d2 = orient(p3, p4, p2)
    d3 = orient(p1, p2, p3)
    d4 = orient(p1, p2, p4)
    return ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and d1 != 0 and d2 != 0
