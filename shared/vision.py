"""What each side can see: hexes within sight of its units, shortened by forest, lengthened by
heights, with concealing ground (forest, towns) only seen into at half range."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from shared.hexgrid import Hex, distance, within
from shared.terrain import RULES, Terrain
from shared.units import KIND_RULES

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


def widest_sight(theatre: Theatre) -> int:
    """The longest sight in hexes of any unit anywhere on the map, in full daylight: on a
    theatre's wide hexes one, so that a unit sees a hex if it stands in it or next to it."""

    def build(t: Theatre) -> int:
        eyes = max(rules.sight_km for rules in KIND_RULES.values())
        ground = max(RULES[Terrain(code)].sight_km for code in set(t.terrain))
        km = max(MIN_SIGHT_KM, eyes + ground)
        return max(1, math.floor(km / t.hex_km + 0.5))  # as ``sight_radius``

    return theatre.derive("widest_sight", build)


def sight_hexes(theatre: Theatre, pos: Hex, radius: int) -> frozenset[Hex]:
    """The hexes seen from ``pos`` at ``radius``: all on the map within it, concealing ground
    only within half of it. The ground never changes, so each answer is kept with the map:
    sight is then a union of remembered sets, not a walk over hexes every hour."""
    memo: dict[tuple[Hex, int], frozenset[Hex]] = theatre.derive("sight")
    seen = memo.get((pos, radius))
    if seen is None:
        half = max(1, radius // 2)
        seen = memo[pos, radius] = frozenset(
            h
            for h in within(pos, radius)
            if theatre.contains(h)
            and not (RULES[theatre.terrain_at(h)].conceals and distance(pos, h) > half)
        )
    return seen


def sight_sets(
    theatre: Theatre, units: Iterable[Unit], factor: Callable[[Unit], float] | None = None
) -> Iterator[frozenset[Hex]]:
    """What each of the units sees (``sight_hexes``), once for units alike in where they stand
    and their kind's eyes. ``factor`` (night, the weather) only ever shortens sight (at most
    1) and must depend only on where a unit stands: it is asked once per hex, and only where
    it can matter."""
    # Kept per map by where a unit stands and its kind's eyes: the hexes it sees when it sees
    # a hex only, whatever the factor (most do on a theatre's wide hexes: no need to ask for
    # the night or the weather), else None; with the factor, by those and the factor too.
    near: dict[tuple[Hex, float], frozenset[Hex] | None] = theatre.derive("sight_near")
    memo: dict[tuple[Hex, float, float], frozenset[Hex]] = theatre.derive("sight_of")
    scales: dict[Hex, float] = {}
    done: set[tuple[Hex, float]] = set()
    for unit in units:
        pos = unit.pos
        eyes = (pos, unit.rules.sight_km)
        if eyes in done:
            continue  # a stack of one kind adds nothing after the first
        done.add(eyes)
        if eyes not in near:
            # (A factor of 1 gives the longest sight: one hex at it is one hex at any.)
            one = sight_radius(theatre, unit) == 1
            near[eyes] = sight_hexes(theatre, pos, 1) if one else None
        hexes = near[eyes]
        if hexes is None:
            if factor is None:
                scale = 1.0
            else:
                known = scales.get(pos)
                scale = scales[pos] = factor(unit) if known is None else known
            key = (pos, eyes[1], scale)
            hexes = memo.get(key)
            if hexes is None:
                radius = sight_radius(theatre, unit, scale)
                hexes = memo[key] = sight_hexes(theatre, pos, radius)
        yield hexes


def visible_hexes(
    theatre: Theatre, units: Iterable[Unit], factor: Callable[[Unit], float] | None = None
) -> set[Hex]:
    """The hexes the units see (``factor``: as for ``sight_sets``)."""
    seen: set[Hex] = set()
    for hexes in sight_sets(theatre, units, factor):
        seen |= hexes
    return seen


def mark_seen(
    theatre: Theatre,
    units: Iterable[Unit],
    hexes: Sequence[Hex],
    seen: list[bool],
    factor: Callable[[Unit], float] | None = None,
) -> None:
    """Marks in ``seen`` which of ``hexes`` the units see (``visible_hexes``), without building
    the union of all they see: the sets are tested against the few hexes asked about."""
    left = {h for h, known in zip(hexes, seen, strict=True) if not known}
    if not left:
        return
    for sight in sight_sets(theatre, units, factor):
        if not sight.isdisjoint(left):
            left -= sight
            if not left:
                break
    for k, h in enumerate(hexes):
        if not seen[k] and h not in left:
            seen[k] = True


def mark_next_to(
    theatre: Theatre, stands: Collection[Hex], hexes: Sequence[Hex], seen: list[bool]
) -> None:
    """Marks in ``seen`` which of ``hexes`` units standing in ``stands`` see when no unit sees
    beyond the next hex (``widest_sight`` one): those on the map in or next to one of them."""
    memo: dict[tuple[Hex, int], frozenset[Hex]] = theatre.derive("sight")
    known: dict[Hex, bool] = {}  # per hex asked about: the units of a stack ask alike
    for k, h in enumerate(hexes):
        if not seen[k]:
            found = known.get(h)
            if found is None:
                # (Whoever stands in the hexes a unit here would see sees this one.)
                around = memo.get((h, 1))
                if around is None:
                    around = sight_hexes(theatre, h, 1)
                found = known[h] = h in around and not around.isdisjoint(stands)
            seen[k] = found


def watch_areas(
    theatre: Theatre, kinds: tuple[str, ...], radius: int
) -> tuple[np.ndarray, list[frozenset[Hex]]]:
    """Places of the given kinds on the map: their hex indices, and the hexes within ``radius``
    of each (on the map), in the order of ``theatre.places``. Built once per map and kind."""

    def build(t: Theatre) -> tuple[np.ndarray, list[frozenset[Hex]]]:
        places = [p for p in t.places.values() if p.kind in kinds and t.contains(p.hex)]
        index = np.array([t.grid.index(p.hex) for p in places], dtype=np.int64)
        areas = [frozenset(h for h in within(p.hex, radius) if t.contains(h)) for p in places]
        return index, areas

    return theatre.derive(f"watch:{','.join(kinds)}:{radius}", build)
