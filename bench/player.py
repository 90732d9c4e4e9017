"""The benchmark's own connection: it hosts the match, may play a side, and times round trips.

Requests carry an ``id`` and are matched to the reply whose ``re`` echoes it; the arrival time is
taken when the frame comes off the socket, before decoding, so a round trip is send → frame in.
All times are ``time.monotonic()``, the clock the server puts in ``pong``.
Sends are paced on an absolute schedule and never wait for the previous reply (an open loop), so
a slow reply delays nothing after it and cannot hide itself. Each send falls at a random point of
its slot: the server ticks on a fixed period, and requests sent on a period commensurate with it
(20/s against 10 ticks/s) would all land at the same phase of the tick and either all or none
wait behind a fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

from shared import protocol as p
from shared.orders import OrderRequest

REPLY_TIMEOUT_S = 10.0  # a reply later than this counts as lost


class BenchError(RuntimeError):
    """The benchmark could not set up what it measures (the server refused or went away)."""


@dataclass(slots=True)
class RoundTrips:
    """Round trips of one kind of request, in milliseconds, and what did not come back."""

    kind: str
    sent: int = 0
    rtt_ms: list[float] = field(default_factory=list)
    # Pings only: send → the server's clock in the pong. One machine, one monotonic clock, so
    # this splits a round trip into waiting for the server's loop and getting the answer back.
    to_server_ms: list[float] = field(default_factory=list)
    lost: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # verdict code -> count


@dataclass(slots=True)
class MatchSeat:
    """Where the benchmark's connection ended up: the match, and its side if it plays one."""

    match: str
    side: str | None
    units: dict[str, tuple[int, int]] = field(default_factory=dict)  # own unit id -> position
    objectives: list[tuple[int, int]] = field(default_factory=list)


class PlayerConnection:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[tuple[float, p.ServerMessage]]] = {}
        self._pushed: asyncio.Queue[p.ServerMessage] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())
        self.side: str | None = None
        self.units: dict[str, tuple[int, int]] = {}
        self.objectives: list[tuple[int, int]] = []
        self.undecodable = 0

    @classmethod
    async def open(cls, url: str, name: str) -> PlayerConnection:
        ws = await connect(url, compression=None, max_size=None, open_timeout=30)
        conn = cls(ws)
        reply = await conn.request(p.Hello(protocol=p.PROTOCOL_VERSION, name=name))
        if not isinstance(reply, p.Welcome):
            raise BenchError(f"hello refused: {reply}")
        return conn

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        self._reader.cancel()
        with contextlib.suppress(BaseException):
            await self._reader

    async def _read(self) -> None:
        async for data in self.ws:
            arrived = time.monotonic()
            try:
                msg = p.decode_server(data if isinstance(data, bytes) else data.encode())
            except p.ProtocolError:
                self.undecodable += 1  # a newer server; timing does not need every message
                continue
            if isinstance(msg, p.Snapshot):
                self.units = {u.id: u.pos for u in msg.units if u.side == self.side}
                self.objectives = [o.pos for o in msg.objectives]
            elif isinstance(msg, p.Delta):
                for u in msg.units:
                    if u.side == self.side:
                        self.units[u.id] = u.pos
                for uid in msg.removed:
                    self.units.pop(uid, None)
            re = getattr(msg, "re", None)
            waiter = self._waiting.pop(re, None) if re is not None else None
            if waiter is not None and not waiter.done():
                waiter.set_result((arrived, msg))
            elif isinstance(msg, p.MatchStart | p.Error):
                self._pushed.put_nowait(msg)

    async def send(self, msg: p.Request) -> asyncio.Future[tuple[float, p.ServerMessage]]:
        """Send with a fresh id; the future resolves to (arrival time.monotonic(), reply)."""
        msg.id = next(self._ids)
        future: asyncio.Future[tuple[float, p.ServerMessage]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiting[msg.id] = future
        await self.ws.send(p.encode(msg))
        return future

    async def request(self, msg: p.Request) -> p.ServerMessage:
        future = await self.send(msg)
        try:
            _, reply = await asyncio.wait_for(future, REPLY_TIMEOUT_S)
        except TimeoutError:
            raise BenchError(f"no reply to {type(msg).__name__} in {REPLY_TIMEOUT_S}s") from None
        if isinstance(reply, p.Error):
            raise BenchError(f"{type(msg).__name__} refused: {reply.code}: {reply.message}")
        return reply

    async def pushed(self, kind: type[p.Message], timeout: float = REPLY_TIMEOUT_S) -> p.Message:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                msg = await asyncio.wait_for(self._pushed.get(), max(remaining, 0.001))
            except TimeoutError:
                raise BenchError(f"no {kind.__name__} pushed in {timeout}s") from None
            if isinstance(msg, kind):
                return msg
            if isinstance(msg, p.Error):
                raise BenchError(f"server error: {msg.code}: {msg.message}")

    # -- setting up the match ---------------------------------------------------------------
    async def host_match(self, scenario: str, speed: float, play: str | None) -> MatchSeat:
        """Create and start a match; AI plays every side, or every side but ``play``."""
        ai = {side: "normal" for side in ("soviet", "japan") if side != play}
        lobby = await self.request(
            p.LobbyCreate(name="bench", scenario=scenario, ai=ai, speed=speed)  # type: ignore[arg-type]
        )
        assert isinstance(lobby, p.LobbyState)
        if play is not None:
            await self.request(p.LobbyJoin(lobby=lobby.lobby.id, side=play))  # type: ignore[arg-type]
            await self.request(p.LobbyReady())
        await self.request(p.LobbyStart())
        start = await self.pushed(p.MatchStart)
        assert isinstance(start, p.MatchStart)
        if play is not None:
            self.side = play
            await self.request(p.MatchJoin(match=start.match, ticket=start.ticket))
            deadline = time.monotonic() + REPLY_TIMEOUT_S
            while not self.units and time.monotonic() < deadline:
                await asyncio.sleep(0.05)  # the snapshot follows ``joined``
            if not self.units:
                raise BenchError(f"no {play} units in the snapshot")
        return MatchSeat(start.match, play, dict(self.units), list(self.objectives))

    # -- timing -----------------------------------------------------------------------------
    async def paced(
        self, kind: str, count: int, rate: float, make: Callable[[int], p.Request]
    ) -> RoundTrips:
        """Send ``count`` requests at ``rate`` per second, one at a random point of each slot."""
        trips = RoundTrips(kind)
        pending: list[asyncio.Task[None]] = []
        phase = random.Random(f"{kind}:{count}:{rate}")
        t0 = time.monotonic()
        for k in range(count):
            delay = t0 + (k + phase.random()) / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.monotonic()
            future = await self.send(make(k))
            trips.sent += 1
            pending.append(asyncio.create_task(_time_reply(trips, sent, future)))
        await asyncio.gather(*pending)
        return trips

    def order(self, k: int) -> p.Orders:
        """The k-th benchmark order: own units in turn, each marched to an objective or home."""
        units = sorted(self.units)
        targets = sorted(set(self.objectives) | set(self.units.values()))
        unit = units[k % len(units)]
        to = targets[(k // len(units) + k) % len(targets)]
        if to == self.units[unit]:
            to = targets[(k // len(units) + k + 1) % len(targets)]
        return p.Orders(orders=[OrderRequest(unit=unit, kind="move", to=to)])


async def _time_reply(
    trips: RoundTrips, sent: float, future: asyncio.Future[tuple[float, p.ServerMessage]]
) -> None:
    try:
        arrived, reply = await asyncio.wait_for(future, REPLY_TIMEOUT_S)
    except TimeoutError:
        trips.lost += 1
        return
    trips.rtt_ms.append(1000 * (arrived - sent))
    if isinstance(reply, p.Pong):
        trips.to_server_ms.append(1000 * (reply.time - sent))
    codes: list[str] = []
    if isinstance(reply, p.Error):
        codes.append(reply.code)
    elif isinstance(reply, p.OrdersResult):
        codes += [r.code or "?" for r in reply.results if not r.ok]
    for code in codes:
        trips.refused[code] = trips.refused.get(code, 0) + 1
