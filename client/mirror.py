"""The client's copy of its view of a match, kept up to date from server messages.

A ``Mirror`` is plain Python (no pyglet, no sockets), so the window, the bot and the tests share it.
It applies ``map``, ``snapshot`` and ``delta`` in tick order and reports a gap so the caller can
send ``resync``; until the fresh snapshot arrives it ignores deltas rather than build on a hole.
It also remembers where each unit was before its last move and when it moved, so the renderer can
glide counters between hexes instead of jumping once per game hour.

Time is explicit: every method that needs "now" takes it as an argument (seconds of any monotonic
clock), which keeps interpolation deterministic under test.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from client.ground import Ground
from shared.hexgrid import Hex
from shared.protocol import (
    ChatLine,
    ControlMap,
    Delta,
    Error,
    EventView,
    Joined,
    Lobbies,
    LobbyInfo,
    LobbyState,
    MapData,
    MatchEnd,
    Matches,
    MatchInfo,
    MatchPresence,
    MatchStart,
    Notice,
    ObjectiveView,
    OrdersResult,
    RegionWeather,
    Snapshot,
    SupplyMap,
    UnitView,
    WeatherReport,
    Welcome,
)

SIDES = ("soviet", "japan")
EVENT_LOG = 200  # events and chat lines kept for the HUD; older ones are dropped
ORDER_ERROR_SECONDS = 8.0  # how long a refused order's reason stays next to its unit
GLIDE_MIN_S = 0.1  # one network tick: never glide faster than updates arrive
GLIDE_MAX_S = 1.0  # at slow speeds a counter still arrives within a second


@dataclass(slots=True)
class Track:
    """Where a unit is shown moving from and to, and since when (for interpolation)."""

    start: tuple[float, float]  # fractional axial position the glide starts from
    pos: Hex  # the hex it is gliding to (its current hex)
    since: float  # when the glide started (caller's clock)


@dataclass(frozen=True, slots=True)
class OrderError:
    """A refused order, kept so the UI can show the reason next to the unit."""

    code: str
    message: str
    at: float


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the HUD's feed: a game event or a chat line."""

    kind: str  # event kind, or "chat"
    text: str
    hour: int | None = None
    side: str | None = None
    pos: Hex | None = None


class Mirror:
    """Everything the client knows about the lobby and the match it is in."""

    def __init__(self) -> None:
        # Identity and lobby
        self.player: str | None = None
        self.token: str | None = None
        self.lobby: LobbyInfo | None = None
        self.lobbies: list[LobbyInfo] = []
        self.scenarios: list[str] = []
        self.matches: list[MatchInfo] = []
        self.match_start: MatchStart | None = None
        self.last_error: Error | None = None
        # The match
        self.ground: Ground | None = None
        self.title = ""
        self.match: str | None = None
        self.view: str | None = None  # your role: a side, or "spectator"
        self.seat: str | None = None  # a player's seat (command) id, when the server says
        self.perspective: str | None = None  # a spectator's: "all", "soviet" or "japan"
        self.tick = -1
        self.hour = 0
        self.time = ""
        self.speed = 1.0
        self.paused = False
        self.paused_by: str | None = None
        self.ceasefire = False  # a scenario's ceasefire holds
        self.finished = False
        self.winner: str | None = None
        self.result: str | None = None
        self.units: dict[str, UnitView] = {}
        self.tracks: dict[str, Track] = {}
        self.objectives: list[ObjectiveView] = []
        self.visible: bytes | None = None
        self.log: deque[LogLine] = deque(maxlen=EVENT_LOG)
        self.order_errors: dict[str, OrderError] = {}
        self.awaiting_snapshot = False  # a gap was seen: deltas are ignored until a snapshot
        # Theatre scenarios, sent daily: supply (own side's; a spectator gets both), weather and
        # who holds each hex. ``supply_side`` is the side whose supply map is shown.
        self.supply: dict[str, SupplyMap] = {}
        self.supply_side: str | None = None
        self.weather: WeatherReport | None = None
        self.control: bytes | None = None
        self.version = 0  # bumped whenever units, objectives or visibility change
        self.map_version = 0  # bumped when a new map arrives
        self.overlay_version = 0  # bumped when supply, weather, control or the shown side change

    # -- applying messages ------------------------------------------------------------------
    def apply(self, msg: object, now: float) -> bool:
        """Take in one server message. Returns True when a delta gap means ``resync`` is due."""
        match msg:
            case Delta():
                return self._delta(msg, now)
            case Snapshot():
                self._snapshot(msg, now)
            case MapData():
                if self.ground is not None and self.ground.data == msg:
                    return False  # the same map again (a spectator's new perspective): keep it
                self.ground = Ground(msg)
                self.title = msg.title
                self.map_version += 1
            case Joined():
                self._joined(msg)
            case SupplyMap():
                if msg.match == self.match and self.view in (msg.side, "spectator"):
                    self.supply[msg.side] = msg
                    self.overlay_version += 1
            case WeatherReport():
                if msg.match == self.match:
                    self.weather = msg
                    self.overlay_version += 1
            case ControlMap():
                if msg.match == self.match:
                    self.control = msg.control
                    self.overlay_version += 1
            case OrdersResult():
                self._orders_result(msg, now)
            case ChatLine():
                who = f"{msg.name} ({msg.side})" if msg.side else msg.name
                self.log.append(LogLine("chat", f"{who}: {msg.text}", side=msg.side))
            case MatchPresence():
                if msg.match == self.match:
                    self.log.append(LogLine("presence", _presence_text(msg), side=msg.side))
            case Notice():
                self.log.append(LogLine("notice", f"server: {msg.message}"))
            case MatchEnd():
                if msg.match == self.match:
                    self.finished, self.winner, self.result = True, msg.winner, msg.result
                    self.time = msg.time
            case Welcome():
                self.player, self.token = msg.player, msg.token
            case LobbyState():
                self.lobby = msg.lobby
            case Lobbies():
                self.lobbies = list(msg.lobbies)
                self.scenarios = list(msg.scenarios)
            case Matches():
                self.matches = list(msg.matches)
            case MatchStart():
                self.match_start = msg
            case Error():
                self.last_error = msg
        return False

    def leave_match(self) -> None:
        """Forget the match and its map (back to the lobby screen)."""
        self._reset_match(None, None)
        self.ground = None
        self.title = ""
        self.lobby = None
        self.match_start = None
        self.map_version += 1

    @property
    def frames(self) -> str | None:
        """The view whose frames arrive: your side, or the side a spectator looks through."""
        if self.view == "spectator" and self.perspective in SIDES:
            return self.perspective
        return self.view

    def _joined(self, msg: Joined) -> None:
        if msg.match == self.match and self.tick >= 0:
            # The same match again (a spectator switched perspective): keep the picture up
            # until the fresh snapshot replaces it.
            self.view = msg.view
            self.awaiting_snapshot = True
        else:
            self._reset_match(msg.match, msg.view)
        self.seat = getattr(msg, "seat", None)
        self._look_through(getattr(msg, "perspective", None))

    def _look_through(self, perspective: str | None) -> None:
        if self.view != "spectator":
            self.perspective = None
            return
        self.perspective = perspective or "all"
        if self.perspective in SIDES:
            self.show_supply(self.perspective)

    def _reset_match(self, match: str | None, view: str | None) -> None:
        if match != self.match:
            self.log.clear()
        self.match, self.view = match, view
        self.seat, self.perspective = None, "all" if view == "spectator" else None
        self.tick = -1
        self.units.clear()
        self.tracks.clear()
        self.objectives = []
        self.visible = None
        self.order_errors.clear()
        self.finished, self.winner, self.result = False, None, None
        self.awaiting_snapshot = False
        self.supply = {}
        self.supply_side = view if view in SIDES else SIDES[0]
        self.weather = None
        self.control = None
        self.version += 1
        self.overlay_version += 1

    def _clock(self, msg: Snapshot | Delta) -> None:
        self.tick, self.hour, self.time = msg.tick, msg.hour, msg.time
        self.speed, self.paused, self.paused_by = msg.speed, msg.paused, msg.paused_by
        self.ceasefire = msg.ceasefire
        if msg.finished:
            self.finished, self.winner, self.result = True, msg.winner, msg.result

    def _snapshot(self, snap: Snapshot, now: float) -> None:
        perspective = getattr(snap, "perspective", None)
        if snap.match == self.match and self.view == "spectator":
            if perspective is not None or snap.view != self.frames:
                self._look_through(perspective or (snap.view if snap.view in SIDES else "all"))
        elif snap.match != self.match or snap.view != self.view:
            self._reset_match(snap.match, snap.view)
        self.seat = getattr(snap, "seat", None) or self.seat
        self._clock(snap)
        fresh = {u.id: u for u in snap.units}
        for uid in list(self.units):
            if uid not in fresh:
                self._drop(uid)
        for unit in snap.units:
            self._put(unit, now)
        self.objectives = list(snap.objectives)
        self.visible = snap.visible
        self.awaiting_snapshot = False
        self.version += 1

    def _delta(self, delta: Delta, now: float) -> bool:
        if delta.match != self.match or self.tick < 0 or self.awaiting_snapshot:
            return False  # another match's, or before the first snapshot: nothing to build on
        if delta.tick <= self.tick:
            return False  # already covered by a snapshot that overtook it
        if delta.base != self.tick:
            self.awaiting_snapshot = True
            return True
        self._clock(delta)
        for uid in delta.removed:
            self._drop(uid)
        for unit in delta.units:
            self._put(unit, now)
        if delta.objectives is not None:
            self.objectives = list(delta.objectives)
        if delta.visible is not None:
            self.visible = delta.visible
        for event in delta.events:
            self.log.append(_event_line(event))
        self.version += 1
        return False

    def _put(self, unit: UnitView, now: float) -> None:
        pos = (unit.pos[0], unit.pos[1])
        track = self.tracks.get(unit.id)
        if track is None:
            self.tracks[unit.id] = Track((float(pos[0]), float(pos[1])), pos, now - GLIDE_MAX_S)
        elif track.pos != pos:
            # Start the new glide from wherever the counter is drawn now, so it never jumps.
            self.tracks[unit.id] = Track(self.display_axial(unit.id, now), pos, now)
        self.units[unit.id] = unit

    def _drop(self, uid: str) -> None:
        self.units.pop(uid, None)
        self.tracks.pop(uid, None)

    def _orders_result(self, msg: OrdersResult, now: float) -> None:
        for result in msg.results:
            if result.ok:
                self.order_errors.pop(result.unit, None)
                unit = self.units.get(result.unit)
                if unit is not None and result.path is not None:
                    # Show the accepted path at once; the next delta confirms it.
                    unit.path = [(p[0], p[1]) for p in result.path]
                    unit.to = unit.path[-1] if unit.path else unit.pos
                    unit.order = "move" if unit.path else "hold"
                    self.version += 1
            else:
                self.refuse(result.unit, result.code or "refused", result.message or "", now)

    def refuse(self, unit: str, code: str, message: str, now: float) -> None:
        """Record why an order for ``unit`` was refused (by the server or by a local check)."""
        self.order_errors[unit] = OrderError(code, message or code, now)

    # -- queries ----------------------------------------------------------------------------
    @property
    def in_match(self) -> bool:
        return self.match is not None and self.tick >= 0 and self.ground is not None

    def is_visible(self, h: Hex) -> bool:
        """Whether the view sees hex h now; spectators (no mask) see everything."""
        if self.visible is None:
            return True
        if self.ground is None or not self.ground.contains(h):
            return False
        i = self.ground.index(h)
        byte = i >> 3
        return byte < len(self.visible) and bool(self.visible[byte] >> (i & 7) & 1)

    def units_at(self, h: Hex) -> list[UnitView]:
        return sorted((u for u in self.units.values() if tuple(u.pos) == h), key=lambda u: u.id)

    def own_units(self) -> list[UnitView]:
        return sorted((u for u in self.units.values() if u.side == self.view), key=lambda u: u.id)

    def glide_seconds(self) -> float:
        """How long a counter takes to slide one move: about one game hour of real time."""
        return max(GLIDE_MIN_S, min(GLIDE_MAX_S, 1.0 / max(self.speed, 1e-6)))

    def display_axial(self, uid: str, now: float) -> tuple[float, float]:
        """Fractional axial position to draw a unit at: between its last two hexes."""
        track = self.tracks[uid]
        t = (now - track.since) / self.glide_seconds()
        if t >= 1.0:
            return float(track.pos[0]), float(track.pos[1])
        t = max(0.0, t)
        sq, sr = track.start
        return sq + (track.pos[0] - sq) * t, sr + (track.pos[1] - sr) * t

    def gliding(self, now: float) -> list[str]:
        """Ids of units still sliding towards their hex at ``now``."""
        glide = self.glide_seconds()
        return [uid for uid, tr in self.tracks.items() if now - tr.since < glide]

    def current_errors(self, now: float) -> dict[str, OrderError]:
        """Refusals recent enough to show; older ones are forgotten."""
        for uid in [u for u, e in self.order_errors.items() if now - e.at > ORDER_ERROR_SECONDS]:
            del self.order_errors[uid]
        return dict(self.order_errors)

    def show_supply(self, side: str) -> None:
        """Choose whose supply map is shown (a spectator has both; a side only its own)."""
        if side != self.supply_side:
            self.supply_side = side
            self.overlay_version += 1

    def shown_supply(self) -> SupplyMap | None:
        return self.supply.get(self.supply_side or "")

    def supply_level(self, h: Hex) -> float | None:
        """0..1 supply of hex h on the shown side's map, None when there is no map."""
        sm = self.shown_supply()
        if sm is None or self.ground is None or not self.ground.contains(h):
            return None
        i = self.ground.index(h)
        return sm.level[i] / 255.0 if i < len(sm.level) else None

    def controller(self, h: Hex) -> str | None:
        """Who holds hex h by the last control map: a side, or None."""
        if self.control is None or self.ground is None or not self.ground.contains(h):
            return None
        i = self.ground.index(h)
        code = self.control[i] if i < len(self.control) else 0
        return SIDES[code - 1] if 1 <= code <= len(SIDES) else None

    def weather_at(self, h: Hex | None) -> RegionWeather | None:
        """Today's weather in the region of hex h (or the first region when h has none)."""
        if self.weather is None or not self.weather.regions:
            return None
        regions = {r.region: r for r in self.weather.regions}
        name = self.ground.climate_name(h) if self.ground is not None and h is not None else None
        return regions.get(name or "", self.weather.regions[0])

    def owner_of(self, h: Hex) -> str | None:
        for o in self.objectives:
            if tuple(o.pos) == h:
                return o.owner
        return None


def _presence_text(msg: MatchPresence) -> str:
    if msg.connected:
        return f"{msg.name} ({msg.side}) is back"
    stand_in = "; the AI stands in" if msg.stand_in else ""
    return f"{msg.name} ({msg.side}) lost connection{stand_in}"


def _event_line(event: EventView) -> LogLine:
    return LogLine(event.kind, event.text, event.hour, event.side, (event.pos[0], event.pos[1]))
