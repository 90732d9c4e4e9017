"""What each side can see: hexes within sight of its units, shortened by forest, lengthened by
heights, with concealing ground (forest, towns) only seen into at half range."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.hexgrid import Hex, distance, within
from shared.terrain import RULES

if TYPE_CHECKING:
    from shared.theatre import Theatre
    from shared.units import Unit

MIN_SIGHT_KM = 1.0


def sight_radius(theatre: Theatre, unit: Unit, factor: float = 1.0) -> int:
    """Sight range of a unit in hexes (at least 1: a unit always sees its neighbours);
    ``factor`` shortens it at night and in bad weather."""
    km = max(MIN_SIGHT_KM, unit.rules.sight_km + RULES[theatre.terrain_at(unit.pos)].sight_km)
    km *= factor
    # Half a hex rounds up (not to even): every change of range in km shows in hexes.
    return max(1, math.floor(km / theatre.hex_km + 0.5))


def visible_hexes(
    theatre: Theatre, units: list[Unit], factor: Callable[[Unit], float] | None = None
) -> set[Hex]:
    seen: set[Hex] = set()
    for unit in units:
        radius = sight_radius(theatre, unit, factor(unit) if factor is not None else 1.0)
        half = max(1, radius // 2)
        for h in within(unit.pos, radius):
            if h in seen or not theatre.contains(h):
                continue
            if RULES[theatre.terrain_at(h)].conceals and distance(unit.pos, h) > half:
                continue
            seen.add(h)
    return seen
