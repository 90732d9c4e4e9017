"""Terrain types and what they do to movement, combat and sight.

Numbers follow the operational wargames the game calibrates against (see docs/rules.md): a plain
hex costs its width in km to cross, rough ground more; the defender is helped by rough ground;
observers see farther from heights and less from forest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Terrain(IntEnum):
    PLAIN = 0
    HILLS = 1
    MOUNTAIN = 2
    MARSH = 3
    FOREST = 4
    WATER = 5
    TOWN = 6
    STEPPE = 7
    DESERT = 8


@dataclass(frozen=True, slots=True)
class TerrainRules:
    move_cost: float  # multiple of the hex width an infantry unit walks to cross it
    armour_move_cost: float  # the same for tracked and wheeled units
    defence: float  # multiplier on the defender's combat power
    armour_attack: float  # multiplier on armour attacking into it
    sight_km: float  # added to an observer's sight range standing here
    conceals: bool  # units here are only spotted at half range


INF = float("inf")

RULES: dict[Terrain, TerrainRules] = {
    Terrain.PLAIN: TerrainRules(1.0, 1.0, 1.0, 1.0, 0.0, False),
    Terrain.HILLS: TerrainRules(1.5, 2.0, 1.35, 0.75, 3.0, False),
    Terrain.MOUNTAIN: TerrainRules(2.0, 3.5, 1.8, 0.5, 5.0, False),
    Terrain.MARSH: TerrainRules(2.0, 4.0, 1.25, 0.6, 0.0, False),
    Terrain.FOREST: TerrainRules(1.5, 2.5, 1.2, 0.7, -2.0, True),
    Terrain.WATER: TerrainRules(INF, INF, 1.0, 0.0, 0.0, False),
    Terrain.TOWN: TerrainRules(1.2, 1.2, 1.4, 0.7, 0.0, True),
    Terrain.STEPPE: TerrainRules(1.0, 0.9, 0.9, 1.1, 1.0, False),
    Terrain.DESERT: TerrainRules(1.05, 1.1, 0.9, 1.0, 1.0, False),
}

ROAD_MOVE_COST = 0.5  # along a road, whatever the terrain
RIVER_CROSSING_COST = 1.5  # extra hex widths to cross a river where no road bridges it
RIVER_ATTACK = 0.6  # multiplier on power attacking across a river

TERRAIN_BY_NAME: dict[str, Terrain] = {t.name.lower(): t for t in Terrain}
