"""One match: its world, its fixed-rate tick loop, and the fan-out of views to connections.

Each network tick the simulation advances by ``speed / tick_rate`` game hours (a game hour is one
``World.step()``), then every view that has connections is diffed once, encoded once, and the
same bytes are written to every connection of that view. Writes never wait: a connection whose
send buffer is over ``send_buffer_limit`` is skipped (it is "lagging") and gets a fresh snapshot
when it drains, or is closed after ``lag_timeout`` seconds, so one slow client cannot stall the
loop or the other players.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from websockets.asyncio.server import ServerConnection, broadcast

from server.delay import DelayedFeed
from server.metrics import Metrics
from shared import ai, views
from shared import protocol as p
from shared.orders import OrderRequest, OrderResult
from shared.scenario import Scenario, forts_of, postures_of
from shared.terrain import Terrain
from shared.units import SIDES
from shared.views import SPECTATOR, VIEWS, ViewTracker
from shared.world import Event, World

log = logging.getLogger("khasan.match")

MAX_STEPS_PER_TICK = 50  # game hours one tick may simulate, however fast the speed
FANOUT_CHUNK = 100  # connections written between two chances for the loop to read requests


class Viewer(Protocol):
    """A connection watching or playing a match (the gateway's session)."""

    ws: ServerConnection
    player: str | None
    name: str | None
    seat: str | None  # the command a player holds; None for spectators
    lagging_since: float | None


def push(ws: ServerConnection, data: bytes) -> None:
    """Write one frame now, in order with the tick's broadcasts, without waiting for the peer."""
    broadcast([ws], data)


@dataclass
class TickStats:
    ticks: int = 0
    overruns: int = 0
    total_s: float = 0.0
    max_s: float = 0.0
    bytes_sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VIEWS, 0))
    frames_sent: int = 0
    lag_skips: int = 0


@dataclass(frozen=True, slots=True)
class Spectating:
    """Who may watch a match, and how late."""

    allowed: bool = True
    password: str = ""
    delay: int = 0  # game hours


PERSPECTIVE_VIEW = {"all": SPECTATOR, "soviet": "soviet", "japan": "japan"}


@dataclass(frozen=True, slots=True)
class FanoutLimits:
    send_buffer_limit: int = 256 * 1024  # bytes queued for one peer before it counts as lagging
    lag_timeout: float = 15.0  # seconds a lagging peer is kept before it is closed


class MatchRunner:
    def __init__(
        self,
        match_id: str,
        world: World,
        scenario: Scenario,
        speed: float,
        ai_seats: dict[str, str],
        human_seats: dict[str, str],
        tick_rate: float,
        limits: FanoutLimits,
        lobby_id: str | None = None,
        on_finish: Callable[[MatchRunner], Awaitable[None]] | None = None,
        linger: float = 120.0,
        network_every: int = 1,
        reconnect_grace: float = 60.0,
        metrics: Metrics | None = None,
        spectating: Spectating | None = None,
    ) -> None:
        self.id = match_id
        self.world = world
        self.scenario = scenario
        self.speed = speed
        # Seats are the scenario's commands: seat id -> side (one per side when undivided).
        self.seats = {c.id: c.side for c in scenario.commands} or {s: s for s in SIDES}
        self.ai_seats = ai_seats  # seat -> AI level
        self.human_seats = human_seats  # seat -> player id
        self.tick_rate = tick_rate
        self.limits = limits
        self.lobby_id = lobby_id
        self.on_finish = on_finish
        self.linger = linger
        self.network_every = max(1, network_every)  # ticks between deltas
        self.reconnect_grace = reconnect_grace
        self.metrics = metrics
        self.absent: dict[str, tuple[float, str]] = {}  # seat -> (when it dropped, name)
        self.stand_ins: set[str] = set()  # seats the AI holds for an absent player
        self.spectating = spectating or Spectating()
        # Delayed spectators get their frames from feeds that see every frame from the start.
        self.feeds: dict[str, DelayedFeed] = (
            {v: DelayedFeed(match_id, v, self.spectating.delay) for v in VIEWS}
            if self.spectating.delay > 0 and self.spectating.allowed
            else {}
        )
        self.delayed: dict[str, set[Viewer]] = {v: set() for v in VIEWS}
        self._events: list[Event] = []  # events since the last delta went out
        self.paused = False
        self.paused_by: str | None = None
        self.tick = 0
        self.pending_hours = 0.0
        self.trackers = {v: ViewTracker(match_id, v) for v in VIEWS}
        self.viewers: dict[str, set[Viewer]] = {v: set() for v in VIEWS}
        self.used_tickets: dict[str, str] = {}  # ticket -> player, so a dropped player can rejoin
        self.stats = TickStats()
        self.closed = False
        self.finished_at: float | None = None
        self._end_sent = False
        self._snapshot_cache: dict[str, tuple[int, bytes]] = {}
        # While run() fans a tick out in chunks, frames wait here (None: write at once).
        self._outbox: list[tuple[list[ServerConnection], bytes]] | None = None
        self._resynced: set[ServerConnection] = set()
        self._daily_day = -1  # the game day the daily frames below describe
        self._daily: dict[str, list[bytes]] = {v: [] for v in VIEWS}
        self._map_frame: bytes | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name=f"match-{self.id}")
        return self._task

    async def stop(self) -> None:
        self.closed = True
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / self.tick_rate
        deadline = loop.time()
        try:
            while not self.closed:
                deadline += period
                delay = deadline - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    self.stats.overruns += 1
                    if self.metrics is not None:
                        self.metrics.tick_overruns.inc()
                    await asyncio.sleep(0)  # let the connections breathe
                    if -delay > 5 * period:
                        deadline = loop.time()  # far behind: drop the backlog, don't spiral
                started = time.perf_counter()
                self._outbox = []
                self.tick_once()
                await self._flush()  # the tick ends when its last frame is written
                spent = time.perf_counter() - started
                self.stats.ticks += 1
                self.stats.total_s += spent
                self.stats.max_s = max(self.stats.max_s, spent)
                if self.metrics is not None:
                    self.metrics.tick_seconds.observe(spent)
                if self.world.finished and self.finished_at is None:
                    self.finished_at = loop.time()
                    if self.on_finish is not None:
                        await self.on_finish(self)
                if self.finished_at is not None and loop.time() - self.finished_at > self.linger:
                    break
        except Exception:
            log.exception("match %s crashed", self.id)
            raise
        finally:
            self.closed = True

    # -- the tick ---------------------------------------------------------------------------
    def _ai_orders(self, world: World) -> None:
        """The AI seats' orders. A side's AI seats at one level plan as one staff: one decision
        for the side, each seat's share (its command's units) issued by it."""
        groups: dict[tuple[str, str], list[str]] = {}
        for seat, level in sorted(self.ai_seats.items()):
            groups.setdefault((self.seats.get(seat, seat), level), []).append(seat)
        for (side, level), seats in sorted(groups.items()):
            orders = ai.from_world(world, side, level)
            ours = {"", *seats}
            orders = [o for o in orders if world.units[o.unit].command in ours]
            if orders:
                world.issue(side, orders)

    def tick_once(self) -> None:
        self.tick += 1
        events = self._events
        world = self.world
        self._stand_in_for_absent()
        if not self.paused and not world.finished:
            self.pending_hours += self.speed / self.tick_rate
            steps = 0
            while self.pending_hours >= 1.0 and not world.finished and steps < MAX_STEPS_PER_TICK:
                if ai.due(world):
                    self._ai_orders(world)
                events.extend(world.step())
                self.pending_hours -= 1.0
                steps += 1
            self.pending_hours = min(self.pending_hours, 1.0)
        if self.tick % self.network_every and not world.finished:
            return  # not a network tick: events wait for the next delta
        self._events = []
        for view in VIEWS:
            viewers = self.viewers[view]
            if not viewers and view not in self.feeds:
                continue
            frame = self._delta(view, events)
            if viewers:
                self._fan_out(view, viewers, frame)
        self._send_daily()
        if world.finished and not self._end_sent:
            self._end_sent = True
            end = p.encode(
                p.MatchEnd(
                    match=self.id,
                    winner=world.winner,  # type: ignore[arg-type]
                    result=world.result or "draw",
                    time=world.now.isoformat(timespec="minutes"),
                )
            )
            for view in VIEWS:
                self._fan_out(view, self.viewers[view], end)
                if view in self.feeds:
                    self.feeds[view].push_end(world.hour, end)
        self._release_delayed()

    def _delta(self, view: str, events: list[Event]) -> bytes:
        """The view's next delta, encoded; every delta also goes to the view's delayed feed,
        whose chain of deltas must not miss one."""
        delta = self.trackers[view].delta(
            self.world, self.tick, self.speed, self.paused, events, self.paused_by
        )
        frame = p.encode(delta)
        if view in self.feeds:
            self.feeds[view].push_delta(self.world.hour, delta, frame)
        return frame

    def _release_delayed(self) -> None:
        """Send the delayed spectators what has become old enough (all of it once it is over:
        nothing is left to hide)."""
        for view, feed in self.feeds.items():
            frames = feed.release(self.world.hour, everything=self.world.finished)
            for frame in frames:
                self._fan_out(view, self.delayed[view], frame, delayed=True)

    def _send_daily(self) -> None:
        """Theatre scenarios: supply, weather and control once a game day, to each view."""
        world = self.world
        day = world.hour // 24
        if world.logistics is None or day == self._daily_day:
            return
        self._daily_day = day
        common = [
            p.encode(m)
            for m in (views.weather_report(world, self.id), views.control_map(world, self.id))
            if m is not None
        ]
        supply = {
            side: p.encode(m)
            for side in ("soviet", "japan")
            if (m := views.supply_map(world, self.id, side)) is not None
        }
        self._daily = {
            "soviet": [*common, *([supply["soviet"]] if "soviet" in supply else [])],
            "japan": [*common, *([supply["japan"]] if "japan" in supply else [])],
            SPECTATOR: [*common, *supply.values()],
        }
        for view in VIEWS:
            for frame in self._daily[view]:
                self._fan_out(view, self.viewers[view], frame)
            if view in self.feeds:
                self.feeds[view].push_daily(world.hour, self._daily[view])

    def _fan_out(
        self, view: str, viewers: set[Viewer], frame: bytes, delayed: bool = False
    ) -> None:
        now = time.monotonic()
        limit = self.limits.send_buffer_limit
        ready: list[ServerConnection] = []
        for viewer in list(viewers):
            transport = viewer.ws.transport
            buffered = transport.get_write_buffer_size() if transport is not None else 0
            if viewer.lagging_since is not None:
                if buffered <= limit // 4:
                    viewer.lagging_since = None
                    push(viewer.ws, self.snapshot_frame(view, delayed))  # catch up in one frame
                elif now - viewer.lagging_since > self.limits.lag_timeout:
                    log.info("closing %s: lagging for %.0fs", viewer.name, self.limits.lag_timeout)
                    viewers.discard(viewer)
                    asyncio.get_running_loop().create_task(
                        viewer.ws.close(1008, "too slow to keep up with the match")
                    )
                else:
                    self.stats.lag_skips += 1
                continue
            if buffered > limit:
                viewer.lagging_since = now
                self.stats.lag_skips += 1
                continue
            ready.append(viewer.ws)
        if ready:
            if self._outbox is not None:
                self._outbox.append((ready, frame))  # written by _flush, a chunk at a time
            else:
                broadcast(ready, frame)
            self.stats.frames_sent += len(ready)
            self.stats.bytes_sent[view] += len(frame) * len(ready)
            if self.metrics is not None:
                self.metrics.bytes_sent.labels(view).inc(len(frame) * len(ready))

    # -- joining ----------------------------------------------------------------------------
    def map_frame(self) -> bytes:
        if self._map_frame is None:
            self._map_frame = p.encode(map_data(self.scenario))
        return self._map_frame

    def snapshot_frame(self, view: str, delayed: bool = False) -> bytes:
        """The view's current snapshot, encoded once per tick however many ask for it."""
        if delayed:
            return p.encode(self.feeds[view].snapshot(self.speed, self.paused, self.paused_by))
        cached = self._snapshot_cache.get(view)
        tracker = self.trackers[view]
        if cached is None or cached[0] != tracker.tick:
            snap = tracker.snapshot(self.speed, self.paused, self.paused_by)
            cached = (tracker.tick, p.encode(snap))
            self._snapshot_cache[view] = cached
        return cached[1]

    def join(
        self,
        viewer: Viewer,
        view: str,
        re: int | None,
        perspective: str | None = None,
        send_map: bool = True,
    ) -> None:
        """Send joined, map and snapshot, then add to the view's fan-out, all without yielding.

        ``view`` is a side (a player, whose ``viewer.seat`` is set) or ``spectator``; a
        spectator looks at the whole map or one side's view as ``perspective`` says. A spectator
        switching perspective already has the map (``send_map`` false)."""
        spectator = view == SPECTATOR
        if spectator:
            perspective = perspective or "all"
            view = PERSPECTIVE_VIEW[perspective]
        delayed = spectator and view in self.feeds
        if not self.viewers[view] and view not in self.feeds:
            # Nobody was watching this view: bring its tracker up to the world now.
            self._delta(view, [])
        joined = p.Joined(
            re=re,
            match=self.id,
            view=SPECTATOR if spectator else view,  # type: ignore[arg-type]
            seat=None if spectator else viewer.seat,
            perspective=perspective if spectator else None,  # type: ignore[arg-type]
            delay=self.spectating.delay if delayed else 0,
        )
        push(viewer.ws, p.encode(joined))
        if send_map:
            push(viewer.ws, self.map_frame())
        push(viewer.ws, self.snapshot_frame(view, delayed))
        for frame in self.feeds[view].daily if delayed else self._daily[view]:
            push(viewer.ws, frame)
        viewer.lagging_since = None
        (self.delayed if delayed else self.viewers)[view].add(viewer)
        seat = None if spectator else viewer.seat
        returning = seat in self.absent or seat in self.stand_ins
        if seat is not None and returning and self.human_seats.get(seat) == viewer.player:
            self.absent.pop(seat, None)
            if seat in self.stand_ins:
                self.stand_ins.discard(seat)
                self.ai_seats.pop(seat, None)
            self._presence(viewer.player, viewer.name, seat, connected=True)

    def resync(self, viewer: Viewer) -> None:
        for delayed, groups in ((False, self.viewers), (True, self.delayed)):
            for view, viewers in groups.items():
                if viewer in viewers:
                    if self._outbox is not None:
                        # Mid-flush: this tick's delta must not follow the newer snapshot.
                        self._resynced.add(viewer.ws)
                    push(viewer.ws, self.snapshot_frame(view, delayed))
                    return

    async def _flush(self) -> None:
        """Write the tick's frames ``FANOUT_CHUNK`` connections at a time, letting the loop
        read requests in between: a thousand synchronous writes would hold every order back
        for the whole fan-out."""
        outbox, self._outbox = self._outbox or [], []
        try:
            for ready, frame in outbox:
                for start in range(0, len(ready), FANOUT_CHUNK):
                    chunk = ready[start : start + FANOUT_CHUNK]
                    if self._resynced:
                        chunk = [ws for ws in chunk if ws not in self._resynced]
                    broadcast(chunk, frame)
                    if start + FANOUT_CHUNK < len(ready):
                        await asyncio.sleep(0)
        finally:
            self._outbox = None
            self._resynced.clear()

    def leave(self, viewer: Viewer, dropped: bool = False) -> None:
        """Take a connection out of the fan-out. A seated player who ``dropped`` (rather than
        left on purpose) keeps the seat for ``reconnect_grace`` seconds; the others are told."""
        for viewers in (*self.viewers.values(), *self.delayed.values()):
            viewers.discard(viewer)
        seat = viewer.seat
        if seat is None or self.human_seats.get(seat) != viewer.player or self.world.finished:
            return
        still_here = any(
            v.player == viewer.player and v.seat == seat for v in self.viewers[self.seats[seat]]
        )
        if not still_here:
            self.absent[seat] = (time.monotonic(), viewer.name or "?")
            self._presence(viewer.player, viewer.name, seat, connected=False)

    def _presence(self, player: str | None, name: str | None, seat: str, connected: bool) -> None:
        self.broadcast_all(
            p.encode(
                p.MatchPresence(
                    match=self.id,
                    player=player or "?",
                    name=name or "?",
                    side=self.seats.get(seat, seat),  # type: ignore[arg-type]
                    connected=connected,
                    stand_in=seat in self.stand_ins,
                    seat=seat,
                )
            )
        )

    def _stand_in_for_absent(self) -> None:
        now = time.monotonic()
        for seat, (since, name) in list(self.absent.items()):
            if now - since >= self.reconnect_grace and seat not in self.ai_seats:
                self.ai_seats[seat] = "normal"
                self.stand_ins.add(seat)
                del self.absent[seat]
                log.info("match %s: the AI stands in for the absent %s player", self.id, seat)
                self._presence(self.human_seats.get(seat), name, seat, connected=False)

    def seat_of(self, player: str | None) -> str | None:
        for seat, holder in self.human_seats.items():
            if holder == player:
                return seat
        return None

    # -- commands ---------------------------------------------------------------------------
    def issue(self, seat: str, orders: list[OrderRequest]) -> list[OrderResult]:
        """A player's orders: for the units of their own command only."""
        return self.world.issue(self.seats.get(seat, seat), orders, command=seat)

    def control(self, who: str, paused: bool | None, speed: float | None) -> None:
        if paused is not None:
            self.paused = paused
            self.paused_by = who if paused else None
        if speed is not None:
            self.speed = speed

    def broadcast_all(self, frame: bytes) -> None:
        for groups in (self.viewers, self.delayed):
            for viewers in groups.values():
                if viewers:
                    broadcast([v.ws for v in viewers], frame)

    @property
    def connections(self) -> int:
        return sum(len(v) for v in self.viewers.values()) + sum(
            len(v) for v in self.delayed.values()
        )

    @property
    def spectators(self) -> int:
        return self.connections - sum(
            1 for viewers in self.viewers.values() for v in viewers if v.seat is not None
        )

    def players(self) -> dict[str, list[str]]:
        """Who plays each side: connected players and AI seats."""
        out: dict[str, list[str]] = {side: [] for side in SIDES}
        for seat, side in self.seats.items():
            names = [v.name or "?" for v in self.viewers[side] if v.seat == seat]
            if seat in self.ai_seats:
                names.append(f"AI ({self.ai_seats[seat]})")
            out[side] += names
        return {side: sorted(names) for side, names in out.items()}

    def info(self, url: str | None = None) -> p.MatchInfo:
        return p.MatchInfo(
            url=url,
            id=self.id,
            scenario=self.scenario.name,
            title=self.scenario.title,
            time=self.world.now.isoformat(timespec="minutes"),
            hour=self.world.hour,
            players=self.players(),
            spectators=self.spectators,
            finished=self.world.finished,
            spectator_delay=self.spectating.delay,
            password=bool(self.spectating.password),
            spectators_allowed=self.spectating.allowed,
        )


def map_data(scenario: Scenario) -> p.MapData:
    t = scenario.theatre
    return p.MapData(
        scenario=scenario.name,
        title=scenario.title,
        hex_km=t.hex_km,
        cols=t.grid.cols,
        rows=t.grid.rows,
        north=t.projection.north,
        west=t.projection.west,
        ref_lat=(t.bounds.north + t.bounds.south) / 2.0,
        terrain=bytes(t.terrain),
        terrain_names=[x.name.lower() for x in Terrain],
        rivers=sorted((a[0], a[1], b[0], b[1]) for a, b in t.rivers),
        roads=sorted((a[0], a[1], b[0], b[1]) for a, b in t.roads),
        places=[
            p.PlaceInfo(pl.name, pl.kind, pl.hex, pl.alt_name, pl.victory, pl.port, pl.industry)
            for pl in t.places.values()
        ],
        borders=[list(line) for line in t.borders],
        rails=sorted(
            (a[0], a[1], b[0], b[1], rail.capacity, rail.gauge) for (a, b), rail in t.rails.items()
        ),
        countries=list(t.countries),
        country=bytes(t.country),
        climates=list(t.climates),
        climate=bytes(t.climate),
        forts=sorted((h[0], h[1], level) for h, level in forts_of(scenario).items()),
        postures=postures_of(scenario),
    )
