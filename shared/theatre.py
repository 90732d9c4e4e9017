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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shared.geo import Projection, inside_ring, segments_cross
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


RAIL_LAYER = "rail"  # the compiler knows railways (and countries and climates)


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    kind: str  # city, town, port, village, hill, battlefield
    hex: Hex
    lat: float
    lon: float
    alt_name: str = ""
    victory: int = 0  # victory points for holding it
    industry: int = 0  # 0-5: supply it produces for its owner
    port: int = 0  # 0-5: supply a sea power can land through it
    country: str = ""


@dataclass(frozen=True, slots=True)
class Rail:
    """One hex edge of railway."""

    name: str
    capacity: int  # trains per day
    gauge: str  # russian | standard
    owner: str  # the country that built it


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
    rails: dict[Edge, Rail] = field(default_factory=dict)
    countries: list[tuple[str, str]] = field(default_factory=list)  # (name, side)
    country: bytearray = field(default_factory=bytearray)  # per hex: 1 + index, 0 = none
    climates: list[str] = field(default_factory=list)
    climate: bytearray = field(default_factory=bytearray)  # per hex: 1 + index, 0 = none
    # Tables derived from the layers above and built on first use (path fields, sight, hex
    # lists), shared by every world on this map; see ``derive``.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def derive(self, name: str, build: Callable[[Theatre], Any] | None = None) -> Any:
        """The derived table ``name``, built by ``build(self)`` the first time it is asked for
        (without ``build``: an empty dict, to remember answers in). Derived tables assume the
        map is not edited afterwards (maps are data, fixed once compiled)."""
        table = self.derived.get(name)
        if table is None:
            table = self.derived[name] = {} if build is None else build(self)
        return table

    @property
    def hexes(self) -> list[Hex]:
        """Every hex of the grid by its index: ``hexes[grid.index(h)] == h``."""
        return self.derive("hexes", _all_hexes)

    def rail_between(self, a: Hex, b: Hex) -> Rail | None:
        return self.rails.get(edge_key(a, b))

    def country_at(self, h: Hex) -> tuple[str, str] | None:
        """(country, side) of a hex at the start of the war, if it lies in one."""
        i = self.country[self.grid.index(h)] if self.country else 0
        return self.countries[i - 1] if i else None

    def climate_at(self, h: Hex) -> str | None:
        i = self.climate[self.grid.index(h)] if self.climate else 0
        return self.climates[i - 1] if i else None

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
        memo: dict[Hex, tuple[float, float]] = self.derive("latlon")
        ll = memo.get(h)
        if ll is None:  # asked for every unit every hour (daylight): worth remembering
            x, y = to_plane(h, self.hex_km)
            ll = memo[h] = self.projection.to_latlon(x, y)
        return ll


def _all_hexes(theatre: Theatre) -> list[Hex]:
    return list(theatre.grid)


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


def _polygon_mask(xs: np.ndarray, ys: np.ndarray, rings: list[list[Point]]) -> np.ndarray:
    """Points inside the outer ring and outside every hole."""
    outer = np.asarray(rings[0])
    box = (
        (xs >= outer[:, 0].min())
        & (xs <= outer[:, 0].max())
        & (ys >= outer[:, 1].min())
        & (ys <= outer[:, 1].max())
    )
    mask = np.zeros(xs.shape, dtype=bool)
    idx = np.nonzero(box)[0]
    if idx.size == 0:
        return mask
    sub = inside_ring(xs[idx], ys[idx], rings[0])
    for hole in rings[1:]:
        sub &= ~inside_ring(xs[idx], ys[idx], hole)
    mask[idx] = sub
    return mask


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
    cx = np.array([c[0] for c in centres])
    cy = np.array([c[1] for c in centres])
    terrain_arr = np.full(len(grid), int(base), dtype=np.uint8)
    country_arr = np.zeros(len(grid), dtype=np.uint8)
    climate_arr = np.zeros(len(grid), dtype=np.uint8)
    theatre = Theatre(name, hex_km, bounds, grid, projection, bytearray())

    def paint(arr: np.ndarray, value: int, geometry: dict[str, Any]) -> None:
        for polygon in _polygons(geometry):
            rings = [_ring_km(projection, ring) for ring in polygon]
            arr[_polygon_mask(cx, cy, rings)] = value

    rivers: list[tuple[str, list[Point]]] = []
    roads: list[list[Point]] = []
    rails: list[tuple[Rail, list[Point]]] = []
    towns: list[Hex] = []
    for feature in geojson["features"]:
        props = feature.get("properties") or {}
        layer = props.get("layer")
        geometry = feature["geometry"]
        if layer in ("terrain", "water"):
            kind = Terrain.WATER if layer == "water" else TERRAIN_BY_NAME[props["terrain"]]
            paint(terrain_arr, int(kind), geometry)
        elif layer == "country":
            theatre.countries.append((props["name"], props.get("side", "neutral")))
            paint(country_arr, len(theatre.countries), geometry)
        elif layer == "climate":
            theatre.climates.append(props["name"])
            paint(climate_arr, len(theatre.climates), geometry)
        elif layer == RAIL_LAYER:
            rail = Rail(
                props.get("name", "railway"),
                int(props.get("capacity", 10)),
                props.get("gauge", "standard"),
                props.get("owner", ""),
            )
            for line in _lines(geometry):
                rails.append((rail, _ring_km(projection, line)))
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
                int(props.get("victory", 0)),
                int(props.get("industry", 0)),
                int(props.get("port", 0)),
                props.get("country", ""),
            )
            theatre.places[place.name] = place
            if place.kind in ("town", "city") and grid.contains(place.hex):
                towns.append(place.hex)
        else:
            raise ValueError(f"unknown map layer {layer!r} in feature {props!r}")

    for h in towns:  # towns stand on land whatever was painted under them
        if terrain_arr[grid.index(h)] != Terrain.WATER:
            terrain_arr[grid.index(h)] = int(Terrain.TOWN)
    theatre.terrain = bytearray(terrain_arr.tobytes())
    if theatre.countries:
        theatre.country = bytearray(country_arr.tobytes())
    if theatre.climates:
        theatre.climate = bytearray(climate_arr.tobytes())

    for river_name, line in rivers:
        _mark_river(theatre, river_name, line, centres)
    for line in roads:
        theatre.roads.update(_line_edges(theatre, line))
    for rail, line in rails:
        for edge in _line_edges(theatre, line):
            old = theatre.rails.get(edge)
            if old is None or old.capacity < rail.capacity:
                theatre.rails[edge] = rail
    return theatre


def _line_edges(theatre: Theatre, line: list[Point]) -> set[Edge]:
    """The hex edges a polyline runs along: consecutive hexes it passes through, linked."""
    hex_km, grid = theatre.hex_km, theatre.grid
    hexes = [from_plane(x, y, hex_km) for x, y in _sample_line(line, hex_km / 4.0)]
    edges: set[Edge] = set()
    for a, b in itertools.pairwise(hexes):
        if a == b:
            continue
        chain = [a, b] if b in neighbours(a) else _hex_line(a, b, hex_km)
        for u, v in itertools.pairwise(chain):
            if u != v and grid.contains(u) and grid.contains(v):
                edges.add(edge_key(u, v))
    return edges


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


def load_theatre(
    paths: Path | list[Path], name: str, bounds: Bounds, hex_km: float, base: Terrain
) -> Theatre:
    """Compile one GeoJSON file, or several (say one per layer) read in order as one."""
    features: list[dict[str, Any]] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        with path.open(encoding="utf-8") as f:
            features.extend(json.load(f)["features"])
    return compile_theatre(
        {"type": "FeatureCollection", "features": features}, name, bounds, hex_km, base
    )
