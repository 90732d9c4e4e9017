"""Spectator connections, many per process, in client processes separate from the server's.

Each worker process runs one asyncio loop holding its share of the spectators. A spectator says
``hello``, watches the match, and then only counts: deltas received, bytes, and whether each
delta's ``base`` is the tick it last had (a snapshot sets that tick; a delta whose ``base`` is
older means deltas were lost). Decoding reads only ``t``, ``tick`` and ``base``, so the clients
spend as little as possible of the CPU they share with the server.

The parent steers the workers with two events: ``start`` marks the beginning of the measured
window, ``stop`` its end; each worker then reports one ``WorkerReport`` on the result queue,
closes its connections and exits. A worker also stops on its own at ``hard_deadline`` or when
its parent is gone, so a crashed benchmark never leaves clients behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from shared import protocol as p

POLL_S = 0.02  # how often a worker looks at the parent's events
CLOSE_TIMEOUT_S = 10.0  # for closing all of a worker's connections at the end


class Frame(msgspec.Struct):
    """The only fields a spectator reads from a server message; the rest is skipped unparsed."""

    t: str
    tick: int = -1
    base: int = -1


_frame_decoder = msgspec.msgpack.Decoder(Frame)


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """What one worker process does; ``connect_rate`` is its own share, per second."""

    index: int
    url: str
    match: str
    spectators: int
    connect_rate: float
    hard_deadline: float  # time.monotonic() after which the worker gives up, whatever happens
    parent_pid: int
    cpus: frozenset[int] | None = None  # pin the process to these CPUs (``--pin``)


@dataclass(slots=True)
class Spectator:
    """Counters of one connection; ``mark`` holds their values when the window started."""

    deltas: int = 0
    snapshots: int = 0
    missed: int = 0  # deltas this connection never got, from tick continuity
    breaks: int = 0  # deltas whose base was not the tick this connection last had
    bytes: int = 0
    tick: int = -1  # the tick of the state this connection holds
    step: int = 1  # ticks between two deltas, from the last delta's tick - base
    connected: bool = False
    closed: bool = False
    mark: tuple[int, int, int, int, int, int] | None = None

    def counters(self) -> tuple[int, int, int, int, int, int]:
        return (self.deltas, self.snapshots, self.missed, self.breaks, self.bytes, self.tick)


@dataclass(slots=True)
class WorkerReport:
    """Per-spectator window counters and per-tick arrival times, sent back to the parent."""

    index: int
    connected: int = 0
    failed: int = 0
    dropped: int = 0  # connections that closed during the run
    errors: list[str] = field(default_factory=list)
    # One row per spectator connected at the window's start:
    # (deltas, snapshots after the first, missed, breaks, bytes, first tick, last tick).
    rows: list[tuple[int, int, int, int, int, int, int]] = field(default_factory=list)
    missed_before_window: int = 0
    # tick -> (first arrival, last arrival) over this worker's spectators, time.monotonic().
    arrivals: dict[int, tuple[float, float]] = field(default_factory=dict)
    cpu_s: float = 0.0  # this process's CPU seconds during the window


class Worker:
    def __init__(self, plan: WorkerPlan, connected: Synchronized, failed: Synchronized) -> None:
        self.plan = plan
        self.connected_count = connected
        self.failed_count = failed
        self.spectators: list[Spectator] = []
        self.sockets: list[ClientConnection] = []
        self.report = WorkerReport(plan.index)
        self.measuring = False
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def _bump(self, counter: Synchronized) -> None:
        with counter.get_lock():
            counter.value += 1

    def _error(self, text: str) -> None:
        if len(self.report.errors) < 20:
            self.report.errors.append(text)

    async def spectate(self, delay: float) -> None:
        await asyncio.sleep(delay)
        spec = Spectator()
        self.spectators.append(spec)
        try:
            ws = await connect(
                self.plan.url,
                compression=None,
                max_size=None,
                ping_interval=None,  # the server pings; client pings would only add load
                open_timeout=30,
                close_timeout=2,
            )
        except Exception as e:
            self.report.failed += 1
            self._bump(self.failed_count)
            self._error(f"connect: {type(e).__name__}: {e}")
            return
        self.sockets.append(ws)
        try:
            await ws.send(p.encode(p.Hello(protocol=p.PROTOCOL_VERSION, name="spectator")))
            await ws.send(p.encode(p.MatchWatch(id=1, match=self.plan.match)))
            async for data in ws:
                self.receive(spec, data)
        except ConnectionClosed as e:
            if not spec.closed:
                self._error(f"closed by server: {e}")
        except Exception as e:
            self._error(f"spectator: {type(e).__name__}: {e}")
        finally:
            if not spec.closed:
                self.report.dropped += 1
            spec.closed = True

    def receive(self, spec: Spectator, data: str | bytes) -> None:
        now = time.monotonic()
        frame = _frame_decoder.decode(data)
        spec.bytes += len(data)
        if frame.t == "delta":
            spec.deltas += 1
            spec.step = max(1, frame.tick - frame.base)  # ticks between deltas (network rate)
            if frame.base != spec.tick:
                spec.breaks += 1
                spec.missed += max(1, (frame.base - spec.tick) // spec.step)
            spec.tick = frame.tick
        elif frame.t == "snapshot":
            if spec.snapshots and frame.tick > spec.tick:
                spec.missed += (frame.tick - spec.tick) // spec.step  # a lagging peer's catch-up
            spec.snapshots += 1
            spec.tick = frame.tick
            if not spec.connected:
                spec.connected = True
                self.report.connected += 1
                self._bump(self.connected_count)
            return
        elif frame.t == "error":
            self._error(f"server error: {msgspec.msgpack.decode(data)}")
            return
        else:
            return
        if self.measuring:
            tick = frame.tick
            if tick not in self.first:
                self.first[tick] = now
            self.last[tick] = now

    async def run(self, start: Event, stop: Event) -> WorkerReport:
        plan = self.plan
        tasks = [
            asyncio.create_task(self.spectate(i / plan.connect_rate))
            for i in range(plan.spectators)
        ]
        try:
            if await self._wait(start, stop):
                cpu0 = _cpu_self()
                for spec in self.spectators:
                    spec.mark = spec.counters() if spec.connected and not spec.closed else None
                self.measuring = True
                await self._wait(stop, None)
                self.measuring = False
                self._collect(_cpu_self() - cpu0)
        finally:
            for spec in self.spectators:
                spec.closed = True
            await self._close_all()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.report

    async def _wait(self, event: Event, abort: Event | None) -> bool:
        """Wait for ``event``; False if ``abort`` came first, the deadline passed, or no parent."""
        while not event.is_set():
            if abort is not None and abort.is_set():
                return False
            if time.monotonic() > self.plan.hard_deadline:
                self._error("hard deadline reached")
                return False
            if os.getppid() != self.plan.parent_pid:
                return False
            await asyncio.sleep(POLL_S)
        return True

    def _collect(self, cpu_s: float) -> None:
        report = self.report
        for spec in self.spectators:
            if spec.mark is None:
                continue
            d0, s0, m0, b0, by0, t0 = spec.mark
            report.missed_before_window += m0
            report.rows.append(
                (
                    spec.deltas - d0,
                    spec.snapshots - s0,
                    spec.missed - m0,
                    spec.breaks - b0,
                    spec.bytes - by0,
                    t0,
                    spec.tick,
                )
            )
        report.arrivals = {t: (self.first[t], self.last[t]) for t in self.first}
        report.cpu_s = cpu_s

    async def _close_all(self) -> None:
        async def close(ws: ClientConnection) -> None:
            with contextlib.suppress(Exception):
                await ws.close()

        if self.sockets:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(close(ws) for ws in self.sockets)), CLOSE_TIMEOUT_S
                )
            for ws in self.sockets:  # whatever did not close in time
                if ws.transport is not None:
                    ws.transport.abort()


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_main(
    plan: WorkerPlan,
    start: Event,
    stop: Event,
    results: Queue[Any],
    connected: Synchronized,
    failed: Synchronized,
) -> None:
    """Entry point of a spectator process: run the worker, put its report on ``results``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if plan.cpus:
        os.sched_setaffinity(0, plan.cpus)
    worker = Worker(plan, connected, failed)
    try:
        report = asyncio.run(worker.run(start, stop))
    except BaseException as e:  # report anything rather than leave the parent waiting
        report = worker.report
        report.errors.append(f"worker crashed: {type(e).__name__}: {e}")
    results.put(report)
