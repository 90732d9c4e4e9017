"""The map as the client knows it: a ``MapData`` message turned into hex lookups and plane km.

World coordinates used by the renderer and the camera are plane km with y flipped (x east, y
north), so that north is up on screen; ``Ground`` is where that convention lives.
"""

from __future__ import annotations

import math

from shared.geo import Projection
from shared.hexgrid import SQRT3, Grid, Hex, from_plane, offset_to_axial, to_plane
from shared.protocol import MapData

Point = tuple[float, float]


class Ground:
    """Static facts about the map of the match being shown; built once per ``map`` message."""

    def __init__(self, data: MapData) -> None:
        self.data = data
        self.hex_km = data.hex_km
        self.grid = Grid(data.cols, data.rows)
        self.projection = Projection(data.north, data.west, data.ref_lat)
        self.terrain_names = list(data.terrain_names)
        expected = data.cols * data.rows
        if len(data.terrain) != expected:
            raise ValueError(f"map terrain has {len(data.terrain)} bytes, expected {expected}")
        self._water = self.terrain_names.index("water") if "water" in self.terrain_names else -1

    # -- hexes ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.grid)

    def hexes(self) -> list[Hex]:
        """Every hex in mask/terrain index order."""
        cols = self.grid.cols
        return [offset_to_axial(i % cols, i // cols) for i in range(len(self.grid))]

    def contains(self, h: Hex) -> bool:
        return self.grid.contains(h)

    def index(self, h: Hex) -> int:
        return self.grid.index(h)

    def terrain_code(self, h: Hex) -> int:
        return self.data.terrain[self.grid.index(h)]

    def terrain_name(self, h: Hex) -> str:
        code = self.terrain_code(h)
        return self.terrain_names[code] if code < len(self.terrain_names) else "unknown"

    def climate_name(self, h: Hex) -> str | None:
        """The weather region a hex lies in (the map's ``climates``), None if none."""
        if not self.grid.contains(h):
            return None
        i = self.grid.index(h)
        climate = self.data.climate
        code = climate[i] if i < len(climate) else 0
        names = self.data.climates
        return names[code - 1] if 1 <= code <= len(names) else None

    def is_water(self, i: int) -> bool:
        """Whether the hex at mask index i is water."""
        return self.data.terrain[i] == self._water

    def passable(self, h: Hex) -> bool:
        """On the map and not water: the only check a client can make before the server does."""
        return self.grid.contains(h) and self.terrain_code(h) != self._water

    # -- geometry ---------------------------------------------------------------------------
    def centre(self, h: Hex | tuple[float, float]) -> Point:
        """World point of a hex centre; fractional axial coordinates interpolate linearly."""
        x, y = to_plane(h, self.hex_km)  # type: ignore[arg-type]
        return x, -y

    def hex_at(self, wx: float, wy: float) -> Hex:
        return from_plane(wx, -wy, self.hex_km)

    @property
    def circumradius(self) -> float:
        return self.hex_km / SQRT3

    def corners(self, h: Hex) -> list[Point]:
        """The six corners of a pointy-top hex, counter-clockwise in world coordinates."""
        cx, cy = self.centre(h)
        rad = self.circumradius
        out = []
        for i in range(6):
            a = math.radians(60 * i - 30)
            out.append((cx + rad * math.cos(a), cy - rad * math.sin(a)))
        out.reverse()  # plane y grows south; reversing keeps the winding counter-clockwise
        return out

    def edge(self, a: Hex, b: Hex) -> tuple[Point, Point]:
        """The two corners shared by adjacent hexes a and b."""
        ax, ay = self.centre(a)
        bx, by = self.centre(b)
        mx, my = (ax + bx) / 2.0, (ay + by) / 2.0
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy) or 1.0
        half = self.circumradius / 2.0
        px, py = -dy / length * half, dx / length * half
        return (mx + px, my + py), (mx - px, my - py)

    def latlon_to_world(self, lat: float, lon: float) -> Point:
        x, y = self.projection.to_km(lat, lon)
        return x, -y

    def bounds(self) -> tuple[float, float, float, float]:
        """World rectangle (x0, y0, x1, y1) enclosing every hex."""
        xs: list[float] = []
        ys: list[float] = []
        cols, rows = self.grid.cols, self.grid.rows
        for col, row in ((0, 0), (cols - 1, 0), (0, rows - 1), (cols - 1, rows - 1), (0, 1)):
            x, y = self.centre(offset_to_axial(col, row))
            xs.append(x)
            ys.append(y)
        pad = self.circumradius
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad
