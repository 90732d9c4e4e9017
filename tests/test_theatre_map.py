"""The whole-theatre map in maps/theatre/: its data, and the geography of the 25 km grid."""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from maps import MAPS_DIR
from shared.geo import point_in_polygon
from shared.hexgrid import Hex, distance
from shared.terrain import TERRAIN_BY_NAME, Terrain
from shared.theatre import Bounds, Theatre, load_theatre
from shared.weather import CLIMATES

THEATRE_DIR = MAPS_DIR / "theatre"
# The scenarios' order. Terrain is clipped to the land, so it can never paint over the sea,
# whichever of water and terrain is read first (a test below checks both orders).
LAYER_FILES = ["water", "terrain", "rivers", "transport", "political", "places"]
BOUNDS = Bounds(54.5, 34.0, 111.0, 143.5)
HEX_KM = 25.0

FILE_LAYERS = {
    "water": {"water"},
    "terrain": {"terrain"},
    "rivers": {"river"},
    "transport": {"rail", "road"},
    "political": {"border", "country", "climate"},
    "places": {"place"},
}
POLYGONS = {"Polygon", "MultiPolygon"}
LINES = {"LineString", "MultiLineString"}
GEOMETRY = {
    "water": POLYGONS,
    "terrain": POLYGONS,
    "country": POLYGONS,
    "climate": POLYGONS,
    "river": LINES,
    "rail": LINES,
    "road": LINES,
    "border": LINES,
    "place": {"Point"},
}
COUNTRIES = {
    "USSR": "soviet",
    "MPR": "soviet",
    "Manchukuo": "japan",
    "Korea": "japan",
    "Karafuto": "japan",
    "Japan": "japan",
    "China": "neutral",
}
KINDS = {"city", "town", "port", "village", "battlefield"}

# theatre-facts.md's table (Irkutsk is off the map), lat/lon to about 0.1 degree.
FACTS_PLACES = {
    "Harbin": (45.8, 126.6),
    "Vladivostok": (43.1, 131.9),
    "Qiqihar": (47.35, 123.9),
    "Khabarovsk": (48.5, 135.1),
    "Hailar": (49.2, 119.7),
    "Blagoveshchensk": (50.3, 127.5),
    "Manzhouli": (49.6, 117.4),
    "Chita": (52.0, 113.5),
    "Changchun": (43.9, 125.3),
    "Nikolayevsk-on-Amur": (53.1, 140.7),
    "Mukden": (41.8, 123.4),
    "Dandong": (40.1, 124.4),
    "Dalian": (38.9, 121.6),
    "Sinuiju": (40.1, 124.4),
    "Jilin": (43.8, 126.55),
    "Pyongyang": (39.0, 125.75),
    "Mudanjiang": (44.6, 129.6),
    "Seoul": (37.6, 127.0),
    "Jiamusi": (46.8, 130.3),
    "Daejeon": (36.35, 127.4),
    "Hunchun": (42.9, 130.4),
    "Daegu": (35.9, 128.6),
    "Lake Khasan": (42.45, 130.6),
    "Busan": (35.2, 129.1),
    "Khalkhin Gol": (47.73, 118.59),
    "Tamsag Bulag": (47.2, 117.3),
    "Arshan": (47.2, 119.95),
    "Borzya": (50.4, 116.5),
    "Otpor": (49.65, 117.3),
    "Grodekovo": (44.4, 131.4),
    "Ussuriysk": (43.8, 131.95),
    "Suifenhe": (44.4, 131.15),
    "Heihe": (50.25, 127.45),
    "Rajin": (42.25, 130.3),
    "Siping": (43.2, 124.35),
    "Karymskaya": (51.6, 114.3),
    "Skovorodino": (54.0, 123.9),
    "Belogorsk": (50.9, 128.5),
    "Obluchye": (49.0, 131.05),
    "Iman": (45.9, 133.7),
    "Komsomolsk": (50.55, 137.0),
    "Benxi": (41.3, 123.8),
}
EXTRA_PLACES = {
    "Toyohara",
    "Alexandrovsk-Sakhalinsky",
    "Wonsan",
    "Nampo",
    "Kaesong",
    "Gimcheon",
    "Andong",
    "Nenjiang",
    "Liaoyang",
    "Anshan",
    "Chongjin",
    "Manpo",
    "Tumen",
    "Yanji",
    "Incheon",
}
VICTORY = {
    "Harbin": 10,
    "Changchun": 10,
    "Mukden": 8,
    "Seoul": 8,
    "Vladivostok": 8,
    "Pyongyang": 6,
    "Busan": 6,
    "Dalian": 6,
    "Khabarovsk": 6,
    "Qiqihar": 5,
    "Jilin": 4,
    "Daejeon": 4,
    "Daegu": 4,
    "Blagoveshchensk": 4,
    "Chita": 4,
    "Mudanjiang": 3,
    "Jiamusi": 3,
    "Hailar": 3,
    "Dandong": 3,
    "Manzhouli": 2,
}
INDUSTRY = {
    "Mukden": 5,
    "Anshan": 4,
    "Benxi": 3,
    "Harbin": 3,
    "Dalian": 3,
    "Seoul": 3,
    "Vladivostok": 2,
    "Khabarovsk": 2,
    "Komsomolsk": 2,
}
PORTS = {
    "Dalian": 5,
    "Busan": 4,
    "Vladivostok": 4,
    "Rajin": 3,
    "Wonsan": 2,
    "Chongjin": 2,
    "Nampo": 2,
    "Incheon": 2,
    "Dandong": 1,
    "Nikolayevsk-on-Amur": 1,
}
ALT_NAMES = {
    "Changchun": "Hsinking",
    "Seoul": "Keijo",
    "Pyongyang": "Heijo",
    "Daejeon": "Taiden",
    "Daegu": "Taikyu",
    "Busan": "Fusan",
    "Dandong": "Antung",
    "Dalian": "Dairen",
    "Qiqihar": "Tsitsihar",
    "Manzhouli": "Manchouli",
    "Ussuriysk": "Voroshilov",
    "Rajin": "Rashin",
    "Chongjin": "Seishin",
    "Khalkhin Gol": "Nomonhan",
}
MAJOR_RIVERS = {
    "Amur", "Sungari", "Nen", "Ussuri", "Yalu", "Tumen", "Argun", "Zeya", "Liao", "Taedong", "Han",
    "Naktong", "Shilka",
}  # fmt: skip
MINOR_RIVERS = {"Khalkhin Gol", "Mudan", "Bureya", "Onon", "Imjin", "Geum", "Hailar"}
RAIL_CAPACITY = {
    "Trans-Siberian Railway": 24,
    "Karymskaya-Otpor branch": 12,
    "Ussuriysk-Grodekovo branch": 10,
    "Chinese Eastern Railway (west)": 18,
    "Chinese Eastern Railway (east)": 18,
    "South Manchuria Railway": 36,
    "Antung-Mukden Railway": 14,
    "Gyeongui Line": 20,
    "Gyeongbu Line": 20,
    "Korean northeast line": 10,
    "Tumen-Jiamusi Railway": 8,
    "Harbin-Heihe Railway": 8,
}
# Stations the railways must run through (the rail crosses the town's hex).
STATIONS = [
    "Chita", "Karymskaya", "Skovorodino", "Belogorsk", "Blagoveshchensk", "Obluchye",
    "Khabarovsk", "Iman", "Ussuriysk", "Vladivostok", "Borzya", "Otpor", "Manzhouli", "Hailar",
    "Qiqihar", "Harbin", "Mudanjiang", "Suifenhe", "Grodekovo", "Changchun", "Siping", "Mukden",
    "Liaoyang", "Anshan", "Dalian", "Benxi", "Dandong", "Sinuiju", "Pyongyang", "Kaesong",
    "Seoul", "Daejeon", "Gimcheon", "Daegu", "Busan", "Wonsan", "Chongjin", "Tumen", "Jiamusi",
    "Heihe", "Jilin", "Arshan", "Rajin",
]  # fmt: skip


def _path(name: str) -> Path:
    return THEATRE_DIR / f"{name}.geojson"


@pytest.fixture(scope="module")
def collections() -> dict[str, dict[str, Any]]:
    return {n: json.loads(_path(n).read_text(encoding="utf-8")) for n in LAYER_FILES}


@pytest.fixture(scope="module")
def features(collections: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for n in LAYER_FILES for f in collections[n]["features"]]


def _layer(features: list[dict[str, Any]], layer: str) -> list[dict[str, Any]]:
    return [f for f in features if f["properties"]["layer"] == layer]


def _by_name(features: list[dict[str, Any]], layer: str) -> dict[str, dict[str, Any]]:
    return {f["properties"]["name"]: f for f in _layer(features, layer)}


@pytest.fixture(scope="module")
def theatre() -> Theatre:
    return load_theatre([_path(n) for n in LAYER_FILES], "theatre", BOUNDS, HEX_KM, Terrain.PLAIN)


def _positions(geometry: dict[str, Any]) -> list[list[float]]:
    coords, kind = geometry["coordinates"], geometry["type"]
    depth = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}
    out = [coords]
    for _ in range(depth[kind]):
        out = [p for part in out for p in part]
    return out


def _place_hex(theatre: Theatre, name: str) -> Hex:
    return theatre.places[name].hex


def _rail_reach(theatre: Theatre, start: Hex) -> set[Hex]:
    return _reach(theatre.rails, start)


def _reach(edges: Iterable[tuple[Hex, Hex]], start: Hex) -> set[Hex]:
    """Every hex linked to ``start`` by a chain of ``edges``."""
    adjacent: dict[Hex, list[Hex]] = {}
    for a, b in edges:
        adjacent.setdefault(a, []).append(b)
        adjacent.setdefault(b, []).append(a)
    seen, queue = {start}, deque([start])
    while queue:
        for n in adjacent.get(queue.popleft(), []):
            if n not in seen:
                seen.add(n)
                queue.append(n)
    return seen


def _land_reach(theatre: Theatre, start: Hex) -> set[Hex]:
    seen, queue = {start}, deque([start])
    while queue:
        for n in theatre.neighbours(queue.popleft()):
            if n not in seen and theatre.passable(n):
                seen.add(n)
                queue.append(n)
    return seen


# -- the data ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LAYER_FILES)
def test_each_file_is_a_feature_collection_one_feature_per_line(name):
    lines = _path(name).read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0] + "]}")
    assert head["type"] == "FeatureCollection" and head["features"] == []
    assert lines[-1] == "]}"
    body = lines[1:-1]
    assert body
    for i, line in enumerate(body):
        assert line.endswith(",") == (i < len(body) - 1)
        assert json.loads(line.removesuffix(","))["type"] == "Feature"


@pytest.mark.parametrize("name", LAYER_FILES)
def test_features_have_known_layers_geometry_and_sane_rounded_coordinates(collections, name):
    for f in collections[name]["features"]:
        props = f["properties"]
        layer = props["layer"]
        assert layer in FILE_LAYERS[name], props
        assert props.get("name"), props
        assert f["geometry"]["type"] in GEOMETRY[layer], props
        for lon, lat in _positions(f["geometry"]):
            assert 105.0 <= lon <= 150.0 and 30.0 <= lat <= 58.0, (props["name"], lon, lat)
            assert round(lon, 3) == lon and round(lat, 3) == lat, (props["name"], lon, lat)


def test_terrain_polygons_name_known_terrains(features):
    terrains = {f["properties"]["terrain"] for f in _layer(features, "terrain")}
    assert terrains <= {"plain", "hills", "mountain", "marsh", "forest", "steppe", "desert"}
    assert all(t in TERRAIN_BY_NAME for t in terrains)
    assert {"mountain", "forest", "marsh", "steppe", "desert"} <= terrains


def test_water_has_the_seas_and_the_three_lakes(features):
    water = set(_by_name(features, "water"))
    for name in ("Okhotsk", "Japan", "Yellow Sea", "Khanka", "Hulun", "Buir"):
        assert any(name in w for w in water), name


def test_rivers_are_named_major_or_minor_and_end_in_water_or_on_another_river(features):
    rivers = _by_name(features, "river")
    assert {n for n, f in rivers.items() if f["properties"]["major"] is True} == MAJOR_RIVERS
    assert {n for n, f in rivers.items() if f["properties"]["major"] is False} >= MINOR_RIVERS
    rings = [
        ring
        for f in _layer(features, "water")
        for polygon in (
            [f["geometry"]["coordinates"]]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"]
        )
        for ring in polygon[:1]
    ]
    vertices = {n: {tuple(p) for p in f["geometry"]["coordinates"]} for n, f in rivers.items()}
    for name, f in rivers.items():
        lon, lat = f["geometry"]["coordinates"][-1]
        in_water = any(point_in_polygon(lon, lat, [tuple(p) for p in r]) for r in rings)
        joins = [o for o in vertices if o != name and (lon, lat) in vertices[o]]
        assert in_water or joins, f"{name} ends at {lat}, {lon}, neither in water nor on a river"


def test_rails_have_capacity_gauge_and_owner(features):
    rails = _by_name(features, "rail")
    for name, capacity in RAIL_CAPACITY.items():
        assert rails[name]["properties"]["capacity"] == capacity, name
    for name, f in rails.items():
        p = f["properties"]
        assert isinstance(p["capacity"], int) and p["capacity"] > 0, name
        assert p["gauge"] in ("russian", "standard"), name
        assert p["owner"] in ("USSR", "Manchukuo", "Korea"), name
        assert (p["gauge"] == "russian") == (p["owner"] == "USSR"), name


def test_rail_lines_meet_at_shared_vertices_or_end_at_a_place_or_a_frontier(features):
    rails = _layer(features, "rail")
    places = {tuple(f["geometry"]["coordinates"]) for f in _layer(features, "place")}
    places |= {tuple(p) for f in _layer(features, "border") for p in f["geometry"]["coordinates"]}
    for f in rails:
        coords = f["geometry"]["coordinates"]
        others = {tuple(p) for g in rails if g is not f for p in g["geometry"]["coordinates"]}
        for lon, lat in (coords[0], coords[-1]):
            off_map = not (BOUNDS.west <= lon <= BOUNDS.east)
            assert (lon, lat) in others or (lon, lat) in places or off_map, (
                f["properties"]["name"],
                lat,
                lon,
            )


def test_roads_have_a_quality_and_the_khalkhin_gol_supply_road_is_a_track(features):
    roads = _by_name(features, "road")
    assert all(f["properties"]["quality"] in ("road", "track") for f in roads.values())
    supply = [n for n in roads if "Borzya" in n and "Khalkhin Gol" in n]
    assert supply and roads[supply[0]]["properties"]["quality"] == "track"


def test_countries_borders_and_climates(features):
    countries = {
        f["properties"]["name"]: f["properties"]["side"] for f in _layer(features, "country")
    }
    assert countries == COUNTRIES
    borders = {f["properties"]["between"] for f in _layer(features, "border")}
    for pair in borders:
        a, b = pair.split("/")
        assert a in COUNTRIES and b in COUNTRIES, pair
    assert {
        "USSR/Manchukuo", "USSR/MPR", "MPR/Manchukuo", "Manchukuo/Korea", "Manchukuo/China",
        "USSR/Karafuto", "USSR/Korea", "MPR/China",
    } <= borders  # fmt: skip
    climates = [f["properties"]["name"] for f in _layer(features, "climate")]
    assert set(climates) == set(CLIMATES)


def test_places_have_their_properties(features):
    places = _by_name(features, "place")
    assert len(places) == len(_layer(features, "place")), "place names are unique"
    for name, f in places.items():
        p = f["properties"]
        assert p["kind"] in KINDS, name
        assert p["country"] in COUNTRIES, name
        assert isinstance(p["alt_name"], str), name
        assert 0 <= p["victory"] <= 10 and 0 <= p["industry"] <= 5 and 0 <= p["port"] <= 5, name
        assert p["victory"] == VICTORY.get(name, p["victory"]), name
        assert name in VICTORY or p["victory"] <= 2, name
        assert p["industry"] == INDUSTRY.get(name, p["industry"]), name
        assert p["port"] == PORTS.get(name, p["port"]), name
    for name, alt in ALT_NAMES.items():
        assert alt in places[name]["properties"]["alt_name"], name
    assert places["Khalkhin Gol"]["properties"]["kind"] == "battlefield"
    assert places["Lake Khasan"]["properties"]["kind"] == "battlefield"


def test_every_place_of_the_facts_is_on_the_map_where_the_facts_put_it(features):
    places = _by_name(features, "place")
    for name, (lat, lon) in FACTS_PLACES.items():
        assert name in places, name
        plon, plat = places[name]["geometry"]["coordinates"]
        assert math.hypot(plat - lat, plon - lon) <= 0.15, (name, plat, plon)
    assert set(places) >= EXTRA_PLACES
    assert "Irkutsk" not in places


# -- the compiled grid ------------------------------------------------------------------------
def test_the_grid_is_about_a_hundred_hexes_square(theatre):
    assert 90 <= theatre.grid.cols <= 120 and 90 <= theatre.grid.rows <= 120


def test_no_terrain_polygon_covers_the_sea_whatever_the_load_order():
    files = [_path("terrain"), _path("water")]
    a = load_theatre(files, "a", BOUNDS, HEX_KM, Terrain.PLAIN)
    b = load_theatre(files[::-1], "b", BOUNDS, HEX_KM, Terrain.PLAIN)
    assert a.terrain == b.terrain


def test_every_place_is_on_land_in_its_country_and_a_climate(theatre):
    for place in theatre.places.values():
        assert theatre.contains(place.hex), place.name
        assert theatre.passable(place.hex), f"{place.name} is in the sea"
        country = theatre.country_at(place.hex)
        assert country and country[0] == place.country, (place.name, country)
        assert theatre.climate_at(place.hex) in CLIMATES, place.name


def test_places_have_hexes_of_their_own(theatre):
    hexes = [p.hex for p in theatre.places.values()]
    assert len(set(hexes)) == len(hexes)


def test_every_land_hex_has_a_country_and_a_climate(theatre):
    for h in theatre.grid:
        if theatre.passable(h):
            assert theatre.country_at(h) is not None, theatre.latlon_of(h)
            assert theatre.climate_at(h) is not None, theatre.latlon_of(h)


@pytest.mark.parametrize(
    "where",
    [
        (45.0, 132.4),  # Lake Khanka
        (40.0, 134.0),  # Sea of Japan
        (48.5, 141.0),  # Tatar Strait
        (54.3, 140.5),  # Sea of Okhotsk
        (36.0, 124.0),  # Yellow Sea
        (39.3, 124.0),  # Korea Bay
        (38.8, 119.8),  # Bohai
        (38.0, 143.0),  # Pacific
    ],
)
def test_lakes_and_seas_are_water(theatre, where):
    assert theatre.terrain_at(theatre.hex_of(*where)) == Terrain.WATER


@pytest.mark.parametrize("where", [(48.95, 117.4), (47.8, 117.7)])  # Hulun Nur, Buir Nur
def test_the_steppe_lakes_show(theatre, where):
    centre = theatre.hex_of(*where)
    assert any(
        theatre.terrain_at(h) == Terrain.WATER for h in theatre.grid if distance(h, centre) <= 1
    )


def test_sakhalin_is_an_island_and_primorye_is_joined_to_the_amur(theatre):
    mainland = _land_reach(theatre, _place_hex(theatre, "Khabarovsk"))
    assert _place_hex(theatre, "Vladivostok") in mainland
    assert _place_hex(theatre, "Busan") in mainland
    assert _place_hex(theatre, "Chita") in mainland
    sakhalin = _land_reach(theatre, _place_hex(theatre, "Toyohara"))
    assert _place_hex(theatre, "Alexandrovsk-Sakhalinsky") in sakhalin
    assert not sakhalin & mainland
    assert theatre.hex_of(43.5, 142.5) not in sakhalin  # Hokkaido


def test_the_terrain_reads_right(theatre):
    def at(lat: float, lon: float) -> Terrain:
        return theatre.terrain_at(theatre.hex_of(lat, lon))

    assert at(44.5, 124.5) == Terrain.PLAIN  # the central Manchurian plain
    assert at(48.2, 121.3) == Terrain.MOUNTAIN  # Greater Khingan
    assert at(48.0, 116.5) == Terrain.STEPPE  # Hulunbuir and eastern Mongolia
    assert at(47.3, 133.0) == Terrain.MARSH  # Sanjiang plain
    assert at(52.5, 130.0) == Terrain.FOREST  # Amur taiga
    assert at(42.0, 128.1) == Terrain.MOUNTAIN  # Paektu
    assert at(43.5, 111.5) == Terrain.DESERT  # Gobi


def test_harbin_is_the_rail_hub(theatre):
    reach = _rail_reach(theatre, _place_hex(theatre, "Harbin"))
    for name in ("Changchun", "Mukden", "Manzhouli", "Suifenhe", "Dalian", "Busan", "Qiqihar"):
        assert _place_hex(theatre, name) in reach, name


def test_the_trans_siberian_runs_from_chita_to_vladivostok(theatre):
    reach = _rail_reach(theatre, _place_hex(theatre, "Chita"))
    for name in ("Vladivostok", "Khabarovsk", "Blagoveshchensk", "Otpor", "Grodekovo"):
        assert _place_hex(theatre, name) in reach, name


def test_stations_are_on_the_railway(theatre):
    on_rail = {h for edge in theatre.rails for h in edge}
    for name in STATIONS:
        assert _place_hex(theatre, name) in on_rail, name


def test_the_gauge_breaks_are_at_otpor_and_grodekovo_and_nowhere_else(theatre):
    gauges: dict[Hex, set[str]] = {}
    for edge, rail in theatre.rails.items():
        for h in edge:
            gauges.setdefault(h, set()).add(rail.gauge)
    breaks = {h for h, g in gauges.items() if g == {"russian", "standard"}}
    assert len(breaks) == 2
    for soviet, manchukuo in (("Otpor", "Manzhouli"), ("Grodekovo", "Suifenhe")):
        near = [
            h
            for h in breaks
            if distance(h, _place_hex(theatre, soviet)) <= 1
            and distance(h, _place_hex(theatre, manchukuo)) <= 1
        ]
        assert near, (soviet, manchukuo)


def test_the_khalkhin_gol_supply_road_links_borzya_to_the_battlefield(theatre):
    seen = _reach(theatre.roads, _place_hex(theatre, "Borzya"))
    assert _place_hex(theatre, "Khalkhin Gol") in seen
    assert _place_hex(theatre, "Tamsag Bulag") in seen
