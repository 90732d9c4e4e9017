"""What one side, or a spectator, may see of a world, as protocol structures.

A ``ViewTracker`` belongs to one view of one match: each network tick it builds the view once and
diffs it against the last one it built, so that every connection of that view is sent the same
encoded delta. Enemy units outside the side's sight never enter a side's view (enemy aircraft
only on their airfield, never in flight between two), nor do the enemy's orders or missions.
"""

from __future__ import annotations

from typing import Protocol

import msgspec
import numpy as np

from shared import ai_staff, air
from shared.hexgrid import Hex
from shared.protocol import (
    ControlMap,
    Delta,
    EventView,
    ObjectiveView,
    RegionWeather,
    Snapshot,
    SupplyMap,
    UnitView,
    WeatherReport,
)
from shared.theatre import Theatre
from shared.units import SIDES, Unit
from shared.world import Event, World

SPECTATOR = "spectator"
VIEWS = (*SIDES, SPECTATOR)


def unit_view(unit: Unit, own: bool) -> UnitView:
    uv = UnitView(
        id=unit.id,
        side=unit.side,  # type: ignore[arg-type]
        kind=str(unit.kind),
        name=unit.name,
        pos=unit.pos,
        strength=round(unit.strength, 3),
        org=round(unit.org, 3),
        men=unit.men,
        combat=unit.in_combat,
    )
    if own:
        uv.order = unit.order.kind
        uv.to = unit.order.to
        uv.mission = unit.order.mission  # type: ignore[assignment]
        uv.path = list(unit.path) if unit.path else None
        uv.via = list(unit.order.via) if unit.order.via else None
        uv.entrenched = round(unit.entrenched, 2)
        uv.command = unit.command or None
        if unit.stocks is not None:
            uv.food = round(unit.stocks.food, 1)
            uv.ammo = round(unit.stocks.ammo, 1)
            uv.fuel = round(unit.stocks.fuel, 1)
            uv.cut_off = unit.cut_off_hours > 0
    return uv


def supply_map(world: World, match_id: str, side: str) -> SupplyMap | None:
    """A side's supply network as the protocol carries it (None without logistics)."""
    logistics = world.logistics
    if logistics is None or side not in logistics.supply:
        return None
    state = logistics.supply[side]
    level = np.clip(np.round(state.level * 255), 0, 255).astype(np.uint8).tobytes()
    return SupplyMap(
        match=match_id,
        side=side,  # type: ignore[arg-type]
        day=state.day,
        level=level,
        railheads=[(h[0], h[1], round(t)) for h, t in sorted(state.railheads.items())],
        lines=[(a[0], a[1], b[0], b[1], round(c)) for a, b, c in state.lines],
        sources=[s.name for s in state.sources],
        trucks=round(state.trucks) if state.trucks is not None else None,
        truck_load=round(state.truck_load, 2),
        works=ai_staff.works(world, side, ai_staff.memory_of(world)),
        open_rail=sorted(ai_staff.open_rail(world, side)),
    )


def weather_report(world: World, match_id: str) -> WeatherReport | None:
    logistics = world.logistics
    if logistics is None:
        return None
    day = world.hour // 24
    regions = []
    for name in logistics.weather.regions:
        today = logistics.weather.on(name, day)
        regions.append(
            RegionWeather(
                region=name,
                sky=str(today.sky),
                temp_c=today.temp_c,
                ground=str(today.ground),
                rivers=str(today.rivers),
                forecast=[
                    (d.date.isoformat(), str(d.sky), d.temp_c)
                    for d in logistics.weather.forecast(name, day)
                ],
            )
        )
    return WeatherReport(
        match=match_id, day=day, date=world.now.date().isoformat(), regions=regions
    )


def control_map(world: World, match_id: str) -> ControlMap | None:
    if world.logistics is None:
        return None
    control = world.logistics.control.astype(np.uint8).tobytes()
    return ControlMap(match=match_id, day=world.hour // 24, control=control)


def visible_units(world: World, view: str) -> list[Unit]:
    if view == SPECTATOR:
        return world.sorted_units()
    units = world.sorted_units()
    # Only whether the enemies' hexes are seen is asked, not every hex the side sees.
    others = [u for u in units if u.side != view and not (u.is_air and air.in_transit(u))]
    seen = world.sees(view, [u.pos for u in others])
    shown = {u.id for u, known in zip(others, seen, strict=True) if known}
    return [u for u in units if u.side == view or u.id in shown]


def visibility_mask(theatre: Theatre, hexes: set[Hex]) -> bytes:
    mask = bytearray((len(theatre.grid) + 7) // 8)
    for h in hexes:
        if theatre.contains(h):
            i = theatre.grid.index(h)
            mask[i >> 3] |= 1 << (i & 7)
    return bytes(mask)


def event_visible(event: Event, view: str, seen: set[Hex] | None) -> bool:
    if seen is None or event.kind in ("end", "ceasefire") or event.side == view:
        return True
    return event.pos in seen


def event_view(e: Event) -> EventView:
    return EventView(e.hour, e.kind, e.pos, e.text, e.side, e.unit)  # type: ignore[arg-type]


class ViewState(Protocol):
    """A view's state as of its last delta: what a snapshot of it holds."""

    match_id: str
    view: str
    units: dict[str, UnitView]
    objectives: list[ObjectiveView]
    visible: bytes | None
    tick: int
    hour: int
    time: str
    finished: bool
    winner: str | None
    result: str | None
    ceasefire: bool


def snapshot_of(
    state: ViewState, speed: float, paused: bool, paused_by: str | None = None
) -> Snapshot:
    return Snapshot(
        match=state.match_id,
        view=state.view,  # type: ignore[arg-type]
        tick=state.tick,
        hour=state.hour,
        time=state.time,
        speed=speed,
        paused=paused,
        units=list(state.units.values()),
        objectives=state.objectives,
        visible=state.visible,
        finished=state.finished,
        winner=state.winner,  # type: ignore[arg-type]
        result=state.result,
        paused_by=paused_by,
        ceasefire=state.ceasefire,
    )


class ViewTracker:
    """Builds deltas of one view of one world, and snapshots consistent with them.

    Connections of a view all hold the state of the last delta, so a connection that joins is
    sent a snapshot *of that state* (``snapshot()``), not of the world now: the next delta then
    applies to old and new connections alike.
    """

    def __init__(self, match_id: str, view: str) -> None:
        self.match_id = match_id
        self.view = view
        self.units: dict[str, UnitView] = {}
        self.memory: dict[str, UnitView] = {}  # enemies as last seen, for stale markers
        self._built_version = -1  # the world version the units above were built from
        self.objectives: list[ObjectiveView] = []
        self.visible: bytes | None = None
        self.tick = -1
        self.hour = 0
        self.time = ""
        self.finished = False
        self.winner: str | None = None
        self.result: str | None = None
        self.ceasefire = False

    def _build(self, world: World) -> tuple[dict[str, UnitView], list[ObjectiveView], bytes | None]:
        units = {
            u.id: unit_view(u, own=self.view in (u.side, SPECTATOR))
            for u in visible_units(world, self.view)
        }
        if world.logistics is not None:
            grid = world.theatre.grid
            for uv in units.values():
                if uv.food is not None:
                    uv.supply = round(world.logistics.level_at(uv.side, grid.index(uv.pos)), 2)
        if self.view != SPECTATOR:
            self._remember(world, units)
        objectives = [
            ObjectiveView(o.name, o.hex, o.owner, o.value)  # type: ignore[arg-type]
            for o in world.objectives
        ]
        visible = (
            None
            if self.view == SPECTATOR
            else visibility_mask(world.theatre, world.visible(self.view))
        )
        return units, objectives, visible

    def _remember(self, world: World, units: dict[str, UnitView]) -> None:
        """Enemies that drop out of sight stay on the map as stale markers where they were last
        seen, until the side looks at that hex again and finds it empty. A marker holds only
        what was seen: it never moves, and says nothing of the unit since."""
        seen = world.visible(self.view)
        for uid, uv in units.items():
            if uv.side != self.view:
                self.memory[uid] = msgspec.structs.replace(uv, combat=False, seen_hour=world.hour)
        for uid, last in list(self.memory.items()):
            if uid in units:
                continue
            if last.pos in seen:
                del self.memory[uid]  # looked again: not there any more
                continue
            units[uid] = msgspec.structs.replace(last, stale=True)

    def snapshot(self, speed: float, paused: bool, paused_by: str | None = None) -> Snapshot:
        """The state the last delta left every connection of this view in."""
        return snapshot_of(self, speed, paused, paused_by)

    def delta(
        self,
        world: World,
        tick: int,
        speed: float,
        paused: bool,
        events: list[Event],
        paused_by: str | None = None,
    ) -> Delta:
        """Changes from the last delta to the world now; the tracker moves to the new state."""
        if world.version == self._built_version and not events:
            # Most network ticks fall between two game hours: nothing to build or compare.
            units, objectives, visible = self.units, self.objectives, self.visible
        else:
            units, objectives, visible = self._build(world)
            self._built_version = world.version
        changed = [uv for uid, uv in units.items() if self.units.get(uid) != uv]
        removed = [uid for uid in self.units if uid not in units]
        seen = None if self.view == SPECTATOR else world.visible(self.view)
        delta = Delta(
            match=self.match_id,
            tick=tick,
            base=self.tick,
            hour=world.hour,
            time=world.now.isoformat(timespec="minutes"),
            speed=speed,
            paused=paused,
            units=changed,
            removed=removed,
            objectives=objectives if objectives != self.objectives else None,
            visible=visible if visible != self.visible else None,
            events=[event_view(e) for e in events if event_visible(e, self.view, seen)],
            finished=world.finished,
            winner=world.winner,  # type: ignore[arg-type]
            result=world.result,
            paused_by=paused_by,
            ceasefire=world.ceasefire(),
        )
        self.ceasefire = delta.ceasefire
        self.units, self.objectives, self.visible, self.tick = units, objectives, visible, tick
        self.hour, self.time = delta.hour, delta.time
        self.finished, self.winner, self.result = world.finished, world.winner, world.result
        return delta
