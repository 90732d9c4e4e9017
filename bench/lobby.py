"""Lobby service benchmark against a real Redis: operations per second through one server, and
how long a lobby change takes to reach a member connected to another server.

    python -m bench.lobby --clients 50 --seconds 10 --changes 300

It starts its own ``redis-server`` (from PATH) on a free port unless ``--redis-url`` is given,
and two ``khasan-server`` processes sharing it. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from bench.server_process import RedisProcess, ServerProcess, machine_description


class Conn:
    """Request/reply over one websocket, with pushed messages set aside."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.pushed: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, name: str) -> Conn:
        conn = cls(await connect(url, compression=None, max_size=None))
        await conn.request({"t": "hello", "protocol": 1, "name": name})
        return conn

    async def _read(self) -> None:
        async for data in self.ws:
            msg = msgpack.unpackb(data)
            fut = self.waiting.pop(msg.get("re", -1), None)
            if fut is not None:
                fut.set_result(msg)
            else:
                self.pushed.put_nowait((time.perf_counter(), msg))

    async def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        rid = next(self.ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[rid] = fut
        await self.ws.send(msgpack.packb({**msg, "id": rid}))
        return await asyncio.wait_for(fut, 10)

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "n": len(samples),
        "p50_ms": round(q[49] * 1000, 3),
        "p90_ms": round(q[89] * 1000, 3),
        "p99_ms": round(q[98] * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
    }


async def lobby_ops(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """Each client loops create -> join soviet -> ready -> list -> leave: five lobby
    operations, each a Redis round trip or several (transactions, pub/sub)."""
    conns = [await Conn.open(url, f"c{i}") for i in range(clients)]
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def work(conn: Conn) -> None:
        nonlocal errors
        lobby = ""
        while time.perf_counter() < stop_at:
            for msg in (
                {"t": "lobby.create", "name": "bench", "scenario": "lake-khasan"},
                None,
                {"t": "lobby.ready"},
                {"t": "lobby.list"},
                {"t": "lobby.leave"},
            ):
                if msg is None:
                    msg = {"t": "lobby.join", "lobby": lobby, "side": "soviet"}
                began = time.perf_counter()
                reply = await conn.request(msg)
                latencies.append(time.perf_counter() - began)
                if reply["t"] == "error":
                    errors += 1
                if msg["t"] == "lobby.create":
                    lobby = reply["lobby"]["id"]

    began = time.perf_counter()
    await asyncio.gather(*(work(c) for c in conns))
    elapsed = time.perf_counter() - began
    for c in conns:
        await c.close()
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "operations": len(latencies),
        "ops_per_second": round(len(latencies) / elapsed, 1),
        "errors": errors,
        "latency": percentiles(latencies),
    }


async def cross_server_latency(url_a: str, url_b: str, changes: int) -> dict[str, Any]:
    """An actor on server A toggles its seat; a member on server B times the pushed change."""
    actor = await Conn.open(url_a, "actor")
    member = await Conn.open(url_b, "member")
    lobby = (await actor.request({"t": "lobby.create", "name": "x", "scenario": "lake-khasan"}))[
        "lobby"
    ]["id"]
    await member.request({"t": "lobby.join", "lobby": lobby, "side": "spectator"})
    await asyncio.sleep(0.2)
    while not member.pushed.empty():
        member.pushed.get_nowait()
    samples: list[float] = []
    for i in range(changes):
        side = "soviet" if i % 2 == 0 else "spectator"
        sent = time.perf_counter()
        await actor.request({"t": "lobby.join", "lobby": lobby, "side": side})
        while True:
            at, msg = await asyncio.wait_for(member.pushed.get(), 5)
            seated = any(s.get("player") for s in msg.get("lobby", {}).get("seats", []))
            if msg["t"] == "lobby.state" and seated == (side == "soviet"):
                samples.append(at - sent)
                break
    await actor.close()
    await member.close()
    return percentiles(samples)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    redis = None if args.redis_url else RedisProcess()
    url = args.redis_url or redis.url  # type: ignore[union-attr]
    common = (
        "--redis-url",
        url,
        "--redis-prefix",
        "bench:",
        "--rate-limit",
        "100000",
        "--log-level",
        "warning",
    )
    a = ServerProcess(*common, "--server-id", "A")
    b = ServerProcess(*common, "--server-id", "B")
    try:
        await asyncio.sleep(1.5)  # heartbeats: each server sees the other
        return {
            "machine": machine_description(),
            "lobby_ops": await lobby_ops(a.url, args.clients, args.seconds),
            "cross_server_change": await cross_server_latency(a.url, b.url, args.changes),
        }
    finally:
        a.stop()
        b.stop()
        if redis is not None:
            redis.stop()


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.lobby", description=__doc__)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--changes", type=int, default=300)
    ap.add_argument("--redis-url", default=None, help="use this Redis instead of starting one")
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
