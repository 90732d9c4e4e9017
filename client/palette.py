"""Colours, chosen to stay legible together: muted ground, saturated units and markings.

Unit colours are kept far from every terrain colour (the window test checks they can be told
apart in pixels): Soviet brick red, Japanese ochre, both framed in black.
"""

from __future__ import annotations

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]

TERRAIN: dict[str, RGB] = {
    "plain": (214, 222, 168),
    "hills": (176, 188, 128),
    "mountain": (146, 124, 98),
    "marsh": (142, 186, 176),
    "forest": (86, 132, 78),
    "water": (92, 150, 206),
    "town": (184, 170, 166),
    "steppe": (204, 200, 146),  # dry grassland of Mongolia and the western Khingan
    "desert": (222, 206, 160),
}
TERRAIN_UNKNOWN: RGB = (200, 0, 200)  # a terrain name this client does not know: loud on purpose

SIDE_BODY: dict[str, RGB] = {"soviet": (180, 36, 30), "japan": (228, 178, 36)}
SIDE_LIGHT: dict[str, RGB] = {"soviet": (246, 222, 214), "japan": (252, 242, 204)}
SIDE_NAME_COLOUR: dict[str, RGBA] = {"soviet": (255, 140, 130, 255), "japan": (255, 214, 110, 255)}
NEUTRAL: RGB = (245, 245, 245)

INK: RGB = (20, 20, 20)  # frames and symbols
GRID: RGBA = (40, 40, 30, 46)  # hex outlines: visible up close, fading into texture far out
RIVER: RGB = (36, 96, 196)
ROAD: RGB = (138, 92, 48)
RAIL: RGB = (34, 30, 30)  # railways: thin and dark, in every map mode
RAILHEAD: RGB = (250, 250, 250)  # the white centre of a railhead's black square (supply mode)
BORDER: RGB = (120, 30, 130)
FOG: RGBA = (18, 18, 28, 120)  # laid over hexes the side does not see
SELECTED: RGB = (255, 240, 40)
PATH: RGBA = (255, 240, 40, 230)
DRAFT: RGBA = (255, 255, 255, 200)
COMBAT: RGB = (255, 110, 0)
PLACE_TEXT: RGBA = (24, 20, 16, 255)
PLACE_HALO: RGBA = (250, 248, 236, 200)
ERROR_TEXT: RGBA = (255, 70, 60, 255)
HUD_BG: RGBA = (16, 18, 24, 200)
HELP_BG: RGBA = (16, 18, 24, 240)  # the help overlay hides the map behind it
HUD_TEXT: RGBA = (236, 236, 228, 255)
HUD_DIM: RGBA = (170, 170, 160, 255)
# Map mode tints, laid over the terrain (water is never tinted).
SUPPLY_ALPHA = 170
SUPPLY_NONE: RGB = (205, 30, 30)
SUPPLY_HALF: RGB = (235, 200, 40)
SUPPLY_FULL: RGB = (30, 185, 60)
GROUND_TINT: dict[str, RGBA] = {
    "dry": (226, 186, 110, 110),
    "mud": (110, 70, 30, 170),
    "frozen": (150, 200, 245, 160),
    "snow": (252, 252, 255, 200),
}
CONTROL_ALPHA = 90
BACKGROUND: tuple[float, float, float, float] = (0.10, 0.11, 0.13, 1.0)


def terrain(name: str) -> RGB:
    return TERRAIN.get(name, TERRAIN_UNKNOWN)


def owner(side: str | None) -> RGB:
    return SIDE_BODY.get(side or "", NEUTRAL)


def supply(level: float) -> RGBA:
    """A hex's supply level: red unsupplied, through yellow, to green fully supplied."""
    v = max(0.0, min(1.0, level))
    a, b, t = (
        (SUPPLY_NONE, SUPPLY_HALF, v * 2.0)
        if v < 0.5
        else (SUPPLY_HALF, SUPPLY_FULL, v * 2.0 - 1.0)
    )
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl, SUPPLY_ALPHA


def strength(value: float) -> RGB:
    """Green at full strength through yellow to red near destruction."""
    v = max(0.0, min(1.0, value))
    if v >= 0.5:
        t = (v - 0.5) * 2.0
        return (int(230 - 190 * t), int(200 + 10 * t), 40)
    t = v * 2.0
    return (220, int(40 + 160 * t), 30)


# Selection, orders and the minimap.
BOX_EDGE: RGBA = (255, 240, 40, 255)  # the rubber band of a box selection
BOX_FILL: RGBA = (255, 240, 40, 40)
PREVIEW: RGBA = (160, 220, 255, 210)  # the march a right-click would order, under the pointer
ATTACK: RGBA = (255, 80, 50, 230)  # attack and rail marches are told apart by colour
RAIL_MOVE: RGBA = (90, 200, 255, 230)
WAYPOINT: RGB = (255, 255, 255)
MINIMAP_BG: RGBA = (8, 9, 12, 235)
MINIMAP_VIEW: RGB = (255, 255, 255)  # the camera's viewport on the minimap
STALE: RGB = (150, 150, 150)
EVENT_TEXT: dict[str, RGBA] = {
    "combat": (255, 170, 90, 255),
    "capture": (255, 230, 110, 255),
    "destroyed": (255, 120, 110, 255),
    "surrender": (255, 120, 110, 255),
    "surrounded": (255, 120, 110, 255),
    "refused": (255, 90, 80, 255),
    "order_failed": (255, 90, 80, 255),
    "reinforcement": (150, 220, 150, 255),
    "weather": (160, 210, 255, 255),
    "chat": (255, 255, 255, 255),
}
AIR_MISSION: RGBA = (200, 140, 255, 230)  # an air unit's line to the hex it flies over
