"""Latitude/longitude to kilometres: an equirectangular projection about the map's centre.

At theatre scale the error of this projection is a few percent, well under a hex; what matters is
that it is simple, invertible and identical on server and client.
"""

from __future__ import annotations

import math

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


def point_in_polygon(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Even-odd rule; the ring may or may not repeat its first point."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


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
