"""Tiny hand-made theatres and worlds, so that a rule test can isolate the rule it is about.

A ``TinyMap`` is a rectangle of ``cols`` x ``rows`` hexes drawn as real GeoJSON (lon/lat) and
compiled with ``shared.theatre.compile_theatre``, exactly as the Khasan map is. Features are
placed by hex: ``paint`` lays a small polygon around each hex centre, ``river`` draws a line in
plane km, ``road`` runs a line through hex centres.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.geo import KM_PER_DEG_LAT, Projection
from shared.hexgrid import SQRT3, Hex, to_plane
from shared.terrain import Terrain
from shared.theatre import Bounds, Theatre, compile_theatre
from shared.units import Kind, Unit
from shared.victory import Objective
from shared.world import Reinforcement, World

NORTH = 42.90
WEST = 130.30
START = datetime(1938, 7, 29, 4, 0)


class TinyMap:
    def __init__(self, cols: int, rows: int, hex_km: float = 1.0, base: str = "plain") -> None:
        self.cols, self.rows, self.hex_km = cols, rows, hex_km
        self.base = Terrain[base.upper()]
        # compile_theatre makes ceil(width / hex_km) + 1 columns (and the same for rows), so a
        # width of (cols - 1.5) hexes gives exactly ``cols`` columns.
        height_km = (rows - 1.5) * hex_km * SQRT3 / 2.0
        south = NORTH - height_km / KM_PER_DEG_LAT
        self.projection = Projection(NORTH, WEST, (NORTH + south) / 2.0)
        width_km = (cols - 1.5) * hex_km
        east = WEST + width_km / self.projection.kx
        self.bounds = Bounds(NORTH, south, WEST, east)
        self.features: list[dict[str, Any]] = []

    # -- geometry helpers -------------------------------------------------------------------
    def lonlat(self, x: float, y: float) -> list[float]:
        lat, lon = self.projection.to_latlon(x, y)
        return [lon, lat]

    def centre(self, h: Hex) -> tuple[float, float]:
        return to_plane(h, self.hex_km)

    def _square(self, h: Hex, half: float) -> list[list[float]]:
        x, y = self.centre(h)
        d = half * self.hex_km
        corners = [(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d), (x - d, y - d)]
        return [self.lonlat(cx, cy) for cx, cy in corners]

    # -- features ---------------------------------------------------------------------------
    def paint(self, terrain: str, *hexes: Hex) -> TinyMap:
        layer = "water" if terrain == "water" else "terrain"
        for h in hexes:
            props = {"layer": layer, "name": f"{terrain} {h}"}
            if layer == "terrain":
                props["terrain"] = terrain
            self.features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "Polygon", "coordinates": [self._square(h, 0.3)]},
                }
            )
        return self

    def river(self, *points_km: tuple[float, float], name: str = "river") -> TinyMap:
        self.features.append(
            {
                "type": "Feature",
                "properties": {"layer": "river", "name": name},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [self.lonlat(x, y) for x, y in points_km],
                },
            }
        )
        return self

    def river_at_x(self, x_km: float) -> TinyMap:
        """A north-south river over the whole map at plane x = x_km: every west-east path
        crosses it exactly once."""
        bottom = self.rows * self.hex_km
        return self.river((x_km, -2.0 * self.hex_km), (x_km, bottom + 2.0 * self.hex_km))

    def road(self, *hexes: Hex) -> TinyMap:
        self.features.append(
            {
                "type": "Feature",
                "properties": {"layer": "road", "name": "road"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [self.lonlat(*self.centre(h)) for h in hexes],
                },
            }
        )
        return self

    def place(self, name: str, h: Hex, kind: str = "village") -> TinyMap:
        self.features.append(
            {
                "type": "Feature",
                "properties": {"layer": "place", "name": name, "kind": kind},
                "geometry": {"type": "Point", "coordinates": self.lonlat(*self.centre(h))},
            }
        )
        return self

    def rail(
        self, *hexes: Hex, capacity: int = 10, gauge: str = "russian", name: str = "railway"
    ) -> TinyMap:
        self.features.append(
            {
                "type": "Feature",
                "properties": {
                    "layer": "rail",
                    "name": name,
                    "capacity": capacity,
                    "gauge": gauge,
                    "owner": "USSR",
                },
                "geometry": {
                    "type": "LineString",
                    "coordinates": [self.lonlat(*self.centre(h)) for h in hexes],
                },
            }
        )
        return self

    def _band(self, x0_km: float, x1_km: float) -> list[list[float]]:
        top, bottom = -2.0 * self.hex_km, (self.rows + 2) * self.hex_km
        corners = [(x0_km, top), (x1_km, top), (x1_km, bottom), (x0_km, bottom), (x0_km, top)]
        return [self.lonlat(x, y) for x, y in corners]

    def country(self, name: str, side: str, x0_km: float, x1_km: float) -> TinyMap:
        """A country over the north-south band of plane x from x0_km to x1_km."""
        self.features.append(
            {
                "type": "Feature",
                "properties": {"layer": "country", "name": name, "side": side},
                "geometry": {"type": "Polygon", "coordinates": [self._band(x0_km, x1_km)]},
            }
        )
        return self

    def climate(self, name: str) -> TinyMap:
        """One climate region over the whole map."""
        width = (self.cols + 2) * self.hex_km
        self.features.append(
            {
                "type": "Feature",
                "properties": {"layer": "climate", "name": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [self._band(-2 * self.hex_km, width)],
                },
            }
        )
        return self

    def geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": list(self.features)}

    def compile(self) -> Theatre:
        theatre = compile_theatre(self.geojson(), "tiny", self.bounds, self.hex_km, self.base)
        assert (theatre.grid.cols, theatre.grid.rows) == (self.cols, self.rows)
        return theatre


def unit(
    uid: str,
    side: str,
    pos: Hex,
    kind: Kind = Kind.INFANTRY,
    men: int = 1000,
    **fields: Any,
) -> Unit:
    return Unit(id=uid, side=side, kind=kind, name=uid, pos=pos, men=men, **fields)


def bystander(theatre: Theatre, side: str = "japan") -> Unit:
    """A unit of ``side`` holding in the far corner (the last hex of the grid), so that a world
    with one side's units in play does not end at once for want of an enemy."""
    corner = theatre.grid.hex_at(len(theatre.grid) - 1)
    return unit(f"bystander-{side}", side, corner)


def world(
    theatre: Theatre,
    units: list[Unit],
    objectives: list[Objective] | None = None,
    reinforcements: list[Reinforcement] | None = None,
    end_hour: int = 1000,
    seed: int = 1,
    start: datetime = START,
) -> World:
    return World(
        theatre, "tiny", start, end_hour, seed, units, objectives or [], reinforcements or []
    )


def plain(cols: int = 12, rows: int = 8, hex_km: float = 1.0) -> Theatre:
    return TinyMap(cols, rows, hex_km).compile()
