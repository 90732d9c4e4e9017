"""Commands: the groups of formations a side's players share out between them.

A scenario may split a side into commands (the Soviet Mongolian and Manchurian Forces, the
Kwantung and Korea Armies); each is one seat in a lobby, taken by a player or an AI. Teammates
share the side's view and supply; each orders only the units of its own command. A scenario that
declares none has one command per side, named after the side.

Units are assigned by the first command whose selectors match them: explicit unit ids, the
country they start in, or a line of longitude or latitude; the last command of a side without
selectors takes the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class CommandError(ValueError):
    """A scenario's commands are inconsistent."""


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # the seat id in lobbies and matches
    side: str
    title: str
    units: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    west_of: float | None = None  # longitude
    east_of: float | None = None
    north_of: float | None = None  # latitude
    south_of: float | None = None
    description: str = field(default="", compare=False)

    @property
    def catch_all(self) -> bool:
        return not (
            self.units
            or self.countries
            or self.west_of is not None
            or self.east_of is not None
            or self.north_of is not None
            or self.south_of is not None
        )

    def takes(self, unit_id: str, lat: float, lon: float, country: str | None) -> bool:
        """Named in ``units``, or inside every area selector given."""
        if unit_id in self.units:
            return True
        lines = (self.west_of, self.east_of, self.north_of, self.south_of)
        if not self.countries and all(x is None for x in lines):
            return False
        return (
            (not self.countries or country in self.countries)
            and (self.west_of is None or lon < self.west_of)
            and (self.east_of is None or lon >= self.east_of)
            and (self.north_of is None or lat >= self.north_of)
            and (self.south_of is None or lat < self.south_of)
        )


def default_commands(sides: dict[str, str]) -> list[Command]:
    """One command per side, named after it: ``sides`` maps a side to its title."""
    return [Command(side, side, title) for side, title in sides.items()]


def parse_commands(specs: list[dict[str, Any]], sides: dict[str, str]) -> list[Command]:
    """The ``[[commands]]`` tables of a scenario, or one per side when there are none."""
    if not specs:
        return default_commands(sides)
    out: list[Command] = []
    for spec in specs:
        cid, side = spec["id"], spec["side"]
        if side not in sides:
            raise CommandError(f"command {cid!r}: unknown side {side!r}")
        if any(c.id == cid for c in out) or cid in ("spectator", "all"):
            raise CommandError(f"command id {cid!r} is used twice or reserved")
        out.append(
            Command(
                cid,
                side,
                spec.get("title", cid),
                frozenset(spec.get("units", [])),
                frozenset(spec.get("countries", [])),
                spec.get("west_of"),
                spec.get("east_of"),
                spec.get("north_of"),
                spec.get("south_of"),
                spec.get("description", ""),
            )
        )
    for side in sides:
        if not any(c.side == side for c in out):
            out.append(Command(side, side, sides[side]))
    return out


def assign(
    commands: list[Command], unit_id: str, side: str, lat: float, lon: float, country: str | None
) -> str:
    """The id of the command a unit of ``side`` starting at ``lat``/``lon`` belongs to."""
    mine = [c for c in commands if c.side == side]
    for command in mine:
        if not command.catch_all and command.takes(unit_id, lat, lon, country):
            return command.id
    rest = [c for c in mine if c.catch_all]
    return (rest[-1] if rest else mine[-1]).id
