"""The compiled map: a hex grid with terrain, rivers, roads, borders and named places.

The source of truth is GeoJSON in ``maps/`` (lon/lat, editable in any GIS). ``compile_theatre``
turns it into hex layers: terrain polygons are painted in file order (later features win), a hex
is water when its centre lies in a lake or sea polygon, a river blocks the edges whose
centre-to-centre segment it crosses, and a road links the hexes its line passes through.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.geo import Projection, point_in_polygon, segments_cross
from shared.hexgrid import (
    DIRECTIONS,
    SQRT3,
    Grid,
    Hex,
    edge_key,
    from_plane,
    neighbours,
    offset_to_axial,
    to_plane,
)
from shared.terrain import (
    INF,
    RIVER_CROSSING_COST,
    ROAD_MOVE_COST,
    RULES,
    TERRAIN_BY_NAME,
    Terrain,
)

Edge = tuple[Hex, Hex]
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    kind: str  # town, village, hill, ...
    hex: Hex
    lat: float
    lon: float
    alt_name: str = ""


@dataclass(frozen=True, slots=True)
class Bounds:
    north: float
    south: float
    west: float
    east: float


@dataclass
class Theatre:
    """Everything static about the ground a match is fought over."""

    name: str
    hex_km: float
    bounds: Bounds
    grid: Grid
    projection: Projection
    terrain: bytearray
    rivers: dict[Edge, str] = field(default_factory=dict)
    roads: set[Edge] = field(default_factory=set)
    places: dict[str, Place] = field(default_factory=dict)
    borders: list[list[Point]] = field(default_factory=list)  # polylines in lat/lon

    def contains(self, h: Hex) -> bool:
        return self.grid.contains(h)

    def terrain_at(self, h: Hex) -> Terrain:
        return Terrain(self.terrain[self.grid.index(h)])

    def passable(self, h: Hex) -> bool:
        return self.grid.contains(h) and self.terrain[self.grid.index(h)] != Terrain.WATER

    def river_between(self, a: Hex, b: Hex) -> bool:
        return edge_key(a, b) in self.rivers

    def road_between(self, a: Hex, b: Hex) -> bool:
        return edge_key(a, b) in self.roads

    def step_cost(self, a: Hex, b: Hex, armoured: bool) -> float:
        """Kilometres of marching it takes to go from hex a into the adjacent hex b."""
        if not self.passable(b):
            return INF
        key = edge_key(a, b)
        if key in self.roads:
            return ROAD_MOVE_COST * self.hex_km
        rules = RULES[self.terrain_at(b)]
        cost = rules.armour_move_cost if armoured else rules.move_cost
        if key in self.rivers:
            cost += RIVER_CROSSING_COST
        return cost * self.hex_km

    def neighbours(self, h: Hex) -> list[Hex]:
        return [n for n in neighbours(h) if self.grid.contains(n)]

    def hex_of(self, lat: float, lon: float) -> Hex:
        x, y = self.projection.to_km(lat, lon)
        return from_plane(x, y, self.hex_km)

    def latlon_of(self, h: Hex) -> tuple[float, float]:
        x, y = to_plane(h, self.hex_km)
        return self.projection.to_latlon(x, y)


def _ring_km(projection: Projection, coords: list[list[float]]) -> list[Point]:
    return [projection.to_km(lat, lon) for lon, lat in coords]


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"expected a polygon, got {geometry['type']}")


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "LineString":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiLineString":
        return list(geometry["coordinates"])
    raise ValueError(f"expected a line, got {geometry['type']}")


def _in_polygon(x: float, y: float, rings: list[list[Point]]) -> bool:
    """Inside the outer ring and outside every hole."""
    if not point_in_polygon(x, y, rings[0]):
        return False
    return not any(point_in_polygon(x, y, hole) for hole in rings[1:])


def _sample_line(points: list[Point], step: float) -> list[Point]:
    out: list[Point] = [points[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        out.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1))
    return out


def _hex_line(a: Hex, b: Hex, hex_km: float) -> list[Hex]:
    """Hexes on the straight line from a to b, both included."""
    ax, ay = to_plane(a, hex_km)
    bx, by = to_plane(b, hex_km)
    n = max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[0] + a[1] - b[0] - b[1]))
    # Nudge off exact edges so rounding is stable.
    return [
        from_plane(ax + (bx - ax) * i / n + 1e-6, ay + (by - ay) * i / n + 2e-6, hex_km)
        for i in range(n + 1)
    ]


def compile_theatre(
    geojson: dict[str, Any], name: str, bounds: Bounds, hex_km: float, base: Terrain
) -> Theatre:
    projection = Projection(bounds.north, bounds.west, (bounds.north + bounds.south) / 2.0)
    width_km, height_km = projection.to_km(bounds.south, bounds.east)
    cols = math.ceil(width_km / hex_km) + 1
    rows = math.ceil(height_km / (hex_km * SQRT3 / 2.0)) + 1
    grid = Grid(cols, rows)
    centres = [to_plane(offset_to_axial(i % cols, i // cols), hex_km) for i in range(len(grid))]
    terrain = bytearray([int(base)]) * len(grid)
    theatre = Theatre(name, hex_km, bounds, grid, projection, terrain)

    rivers: list[tuple[str, list[Point]]] = []
    roads: list[list[Point]] = []
    for feature in geojson["features"]:
        props = feature.get("properties") or {}
        layer = props.get("layer")
        geometry = feature["geometry"]
        if layer in ("terrain", "water"):
            kind = Terrain.WATER if layer == "water" else TERRAIN_BY_NAME[props["terrain"]]
            for polygon in _polygons(geometry):
                rings = [_ring_km(projection, ring) for ring in polygon]
                xs = [p[0] for p in rings[0]]
                ys = [p[1] for p in rings[0]]
                x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
                for i, (x, y) in enumerate(centres):
                    if x0 <= x <= x1 and y0 <= y <= y1 and _in_polygon(x, y, rings):
                        terrain[i] = int(kind)
        elif layer == "river":
            for line in _lines(geometry):
                rivers.append((props.get("name", "river"), _ring_km(projection, line)))
        elif layer == "road":
            for line in _lines(geometry):
                roads.append(_ring_km(projection, line))
        elif layer == "border":
            for line in _lines(geometry):
                theatre.borders.append([(lat, lon) for lon, lat in line])
        elif layer == "place":
            lon, lat = geometry["coordinates"]
            place = Place(
                props["name"],
                props.get("kind", "town"),
                theatre.hex_of(lat, lon),
                lat,
                lon,
                props.get("alt_name", ""),
            )
            theatre.places[place.name] = place
            if place.kind == "town" and grid.contains(place.hex):
                terrain[grid.index(place.hex)] = int(Terrain.TOWN)
        else:
            raise ValueError(f"unknown map layer {layer!r} in feature {props!r}")

    for river_name, line in rivers:
        _mark_river(theatre, river_name, line, centres)
    for line in roads:
        hexes = [from_plane(x, y, hex_km) for x, y in _sample_line(line, hex_km / 4.0)]
        for a, b in itertools.pairwise(hexes):
            if a == b:
                continue
            chain = [a, b] if b in neighbours(a) else _hex_line(a, b, hex_km)
            for u, v in itertools.pairwise(chain):
                if u != v and grid.contains(u) and grid.contains(v):
                    theatre.roads.add(edge_key(u, v))
    return theatre


def _mark_river(theatre: Theatre, river_name: str, line: list[Point], centres: list[Point]) -> None:
    hex_km = theatre.hex_km
    grid = theatre.grid
    for p, q in itertools.pairwise(line):
        x0, x1 = min(p[0], q[0]) - hex_km, max(p[0], q[0]) + hex_km
        y0, y1 = min(p[1], q[1]) - hex_km, max(p[1], q[1]) + hex_km
        for i, (x, y) in enumerate(centres):
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                continue
            h = grid.hex_at(i)
            for dq, dr in DIRECTIONS[:3]:
                n = (h[0] + dq, h[1] + dr)
                if grid.contains(n) and segments_cross((x, y), to_plane(n, hex_km), p, q):
                    theatre.rivers[edge_key(h, n)] = river_name


def load_theatre(path: Path, name: str, bounds: Bounds, hex_km: float, base: Terrain) -> Theatre:
    with path.open(encoding="utf-8") as f:
        return compile_theatre(json.load(f), name, bounds, hex_km, base)
