"""Scenarios as data: a TOML file in ``maps/scenarios/`` naming its map, dates, sides, objectives
and order of battle, loaded into a fresh ``World``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from maps import MAPS_DIR, SCENARIOS_DIR
from shared.commands import Command, CommandError, assign, parse_commands
from shared.hexgrid import Hex
from shared.logistics import Logistics, Partisans
from shared.supply import SIDE_GAUGE, Source
from shared.terrain import TERRAIN_BY_NAME
from shared.theatre import Bounds, Theatre, load_theatre
from shared.units import SIDES, Kind, Unit
from shared.victory import Objective
from shared.world import Reinforcement, World

POSTURES = frozenset({"defensive"})  # a side's AI stance besides the default (attack when able)


class ScenarioError(ValueError):
    """A scenario file is missing or inconsistent."""


@dataclass(frozen=True, slots=True)
class SideInfo:
    side: str
    name: str
    briefing: str


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str
    start: datetime
    end: datetime
    theatre: Theatre
    sides: dict[str, SideInfo]
    data: dict[str, Any]
    commands: tuple[Command, ...] = ()  # the seats: at least one per side

    @property
    def end_hour(self) -> int:
        return int((self.end - self.start).total_seconds() // 3600)


def forts_of(scenario: Scenario) -> dict[Hex, int]:
    """The scenario's permanent fortifications: hex -> level (1-3)."""
    return {
        _position(scenario.theatre, spec, f"fortification {spec}"): int(spec.get("level", 1))
        for spec in scenario.data.get("fortifications", [])
    }


def postures_of(scenario: Scenario) -> dict[str, str]:
    """Side -> its AI's posture, where the scenario sets one ("defensive")."""
    return {
        side: str(info["posture"])
        for side, info in scenario.data.get("sides", {}).items()
        if "posture" in info
    }


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))


@lru_cache(maxsize=16)
def _theatre(geography: tuple[str, ...], bounds: Bounds, hex_km: float, base: str) -> Theatre:
    return load_theatre(
        [MAPS_DIR / g for g in geography], geography[0], bounds, hex_km, TERRAIN_BY_NAME[base]
    )


def load(name: str) -> Scenario:
    """Read a scenario by name (the file stem) or path; the compiled map is cached per process."""
    path = Path(name)
    if not path.suffix:
        path = SCENARIOS_DIR / f"{name}.toml"
    if not path.is_file():
        raise ScenarioError(f"no scenario {name!r}; available: {', '.join(available())}")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
        return _parse(path, data)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path.name}: not valid TOML: {e}") from None
    except KeyError as e:
        raise ScenarioError(f"{path.name}: missing {e.args[0]!r}") from None


def _parse(path: Path, data: dict[str, Any]) -> Scenario:
    m = data["map"]
    bounds = Bounds(m["north"], m["south"], m["west"], m["east"])
    geography = m["geography"]
    files = (geography,) if isinstance(geography, str) else tuple(geography)
    theatre = _theatre(files, bounds, float(m["hex_km"]), m.get("base_terrain", "plain"))
    sides = {
        s: SideInfo(s, data["sides"][s]["name"], data["sides"][s].get("briefing", ""))
        for s in SIDES
    }
    for spec in data.get("ceasefires", []):
        if not (
            isinstance(spec.get("start"), datetime)
            and isinstance(spec.get("end"), datetime)
            and spec["start"] < spec["end"]
        ):
            raise ScenarioError(f"{path.name}: a ceasefire needs a start before its end")
    for s, info in data["sides"].items():
        if info.get("posture", "defensive") not in POSTURES:
            raise ScenarioError(f"{path.name}: {s}'s posture must be one of {sorted(POSTURES)}")
    try:
        commands = parse_commands(
            data.get("commands", []), {s: info.name for s, info in sides.items()}
        )
    except CommandError as e:
        raise ScenarioError(f"{path.name}: {e}") from None
    return Scenario(
        data.get("name", path.stem),
        data["title"],
        data.get("description", ""),
        data["start"],
        data["end"],
        theatre,
        sides,
        data,
        tuple(commands),
    )


def _position(theatre: Theatre, spec: dict[str, Any], where: str) -> tuple[int, int]:
    if "at" in spec:
        place = theatre.places.get(spec["at"])
        if place is None:
            raise ScenarioError(f"{where}: no place {spec['at']!r} on the map")
        h = place.hex
    elif "lat" in spec and "lon" in spec:
        h = theatre.hex_of(spec["lat"], spec["lon"])
    else:
        raise ScenarioError(f"{where}: give 'at' (a place) or 'lat' and 'lon'")
    if not theatre.passable(h):
        raise ScenarioError(f"{where}: position {h} is off the map or in water")
    return h


def build_world(scenario: Scenario, seed: int) -> World:
    theatre = scenario.theatre
    units: list[Unit] = []
    reinforcements: list[Reinforcement] = []
    seen: set[str] = set()
    for spec in scenario.data["units"]:
        uid = spec["id"]
        if uid in seen:
            raise ScenarioError(f"unit id {uid!r} appears twice")
        seen.add(uid)
        if spec["side"] not in SIDES:
            raise ScenarioError(f"unit {uid}: unknown side {spec['side']!r}")
        if spec["kind"] not in set(Kind):
            raise ScenarioError(f"unit {uid}: unknown kind {spec['kind']!r}")
        pos = _position(theatre, spec, f"unit {uid}")
        unit = Unit(
            id=uid,
            side=spec["side"],
            kind=Kind(spec["kind"]),
            name=spec["name"],
            pos=pos,
            men=int(spec["men"]),
            strength=float(spec.get("strength", 1.0)),
            org=float(spec.get("org", 1.0)),
        )
        unit.command = _command_of(scenario, unit, pos)
        arrives = spec.get("arrives")
        if arrives is not None and arrives > scenario.start:
            hour = int((arrives - scenario.start).total_seconds() // 3600)
            reinforcements.append(Reinforcement(hour, unit))
        else:
            units.append(unit)
    objectives = []
    for spec in scenario.data.get("objectives", []):
        place = theatre.places.get(spec["place"])
        if place is None:
            raise ScenarioError(f"objective: no place {spec['place']!r} on the map")
        objectives.append(
            Objective(place.name, place.hex, spec.get("owner"), int(spec.get("value", 1)))
        )
    if scenario.data.get("objectives_from_places"):
        # Every place worth victory points on the map, held at the start by its country's side.
        named = {o.name for o in objectives}
        for place in sorted(theatre.places.values(), key=lambda pl: (-pl.victory, pl.name)):
            if place.victory <= 0 or place.name in named or not theatre.contains(place.hex):
                continue
            country = theatre.country_at(place.hex)
            owner = country[1] if country is not None and country[1] in SIDES else None
            objectives.append(Objective(place.name, place.hex, owner, place.victory))
    world = World(
        theatre,
        scenario.name,
        scenario.start,
        scenario.end_hour,
        seed,
        units,
        objectives,
        reinforcements,
    )
    world.forts.update(forts_of(scenario))
    world.ceasefires = sorted(
        (spec["start"], spec["end"]) for spec in scenario.data.get("ceasefires", [])
    )
    world.postures = postures_of(scenario)
    world.points_to_win = {
        side: float(points) for side, points in scenario.data.get("victory", {}).items()
    }
    supply = scenario.data.get("supply")
    if supply is not None:
        sources = [
            Source(
                spec["name"],
                spec["side"],
                _position(theatre, spec, f"supply source {spec['name']}"),
                float(spec["tons"]),
            )
            for spec in supply.get("sources", [])
        ]
        days = scenario.end_hour // 24 + 1
        world.logistics = Logistics.create(world, sources, scenario.start.date(), days)
        world.logistics.truck_range_km = {
            side: float(km) for side, km in supply.get("truck_range_km", {}).items()
        }
        world.logistics.trucks = {side: float(n) for side, n in supply.get("trucks", {}).items()}
        world.logistics.truck_replacements = {
            side: float(n) for side, n in supply.get("truck_replacements_per_day", {}).items()
        }
        world.logistics.partisans = [
            Partisans(spec["side"], spec["country"], spec["start"], float(spec["chance_per_day"]))
            for spec in scenario.data.get("partisans", [])
        ]
        _apply_control(world, scenario.data.get("control", []))
        explicit = {spec["place"] for spec in scenario.data.get("objectives", [])}
        owners = {1: "soviet", 2: "japan"}
        for obj in world.objectives:
            if obj.name not in explicit:  # taken from the map: held by whoever holds the ground
                obj.owner = owners.get(int(world.logistics.control[theatre.grid.index(obj.hex)]))
    return world


def _command_of(scenario: Scenario, unit: Unit, pos: tuple[int, int]) -> str:
    """Which seat orders the unit: by where it starts (or arrives), or as the scenario names."""
    theatre = scenario.theatre
    lat, lon = theatre.latlon_of(pos)
    country = theatre.country_at(pos)
    return assign(
        list(scenario.commands),
        unit.id,
        unit.side,
        lat,
        lon,
        country[0] if country is not None else None,
    )


def _apply_control(world: World, specs: list[dict[str, Any]]) -> None:
    """Ground held at the start otherwise than the 1938 borders say: a country, or the part
    of it north or south of a latitude, handed to a side (e.g. Manchukuo conquered by 1939)."""
    assert world.logistics is not None
    theatre = world.theatre
    names = [name for name, _ in theatre.countries]
    codes = {"soviet": 1, "japan": 2, "none": 0}
    for spec in specs:
        if spec["country"] not in names:
            raise ScenarioError(f"control: no country {spec['country']!r} on the map")
        wanted = names.index(spec["country"]) + 1
        for i in range(len(theatre.grid)):
            if theatre.country[i] != wanted:
                continue
            lat, _ = theatre.latlon_of(theatre.grid.hex_at(i))
            if "north_of" in spec and lat < spec["north_of"]:
                continue
            if "south_of" in spec and lat >= spec["south_of"]:
                continue
            _, lon = theatre.latlon_of(theatre.grid.hex_at(i))
            if "east_of" in spec and lon < spec["east_of"]:
                continue
            world.logistics.control[i] = codes[spec["side"]]
        if spec.get("rolling_stock"):
            # Captured locomotives and cars run on the country's own gauge at once.
            gauge = SIDE_GAUGE[spec["side"]]
            for key, rail in theatre.rails.items():
                if rail.owner == spec["country"] and rail.gauge != gauge:
                    world.logistics.converted[key] = gauge


def new_world(name: str, seed: int) -> World:
    return build_world(load(name), seed)
