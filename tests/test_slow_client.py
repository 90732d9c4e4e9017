"""A client that stops reading is skipped and then dropped; nobody else waits for it."""

from __future__ import annotations

import asyncio
import socket
import time

import msgpack
from websockets.asyncio.client import connect

from tests.conftest import ServerProcess
from tests.test_server_e2e import http_get
from tests.wsclient import start_match


async def test_a_reader_that_stalls_is_dropped_and_the_match_goes_on() -> None:
    # A high rate limit lets the stalled client ask for snapshots fast enough to fill the
    # kernel's socket buffers within seconds.
    srv = ServerProcess("--send-buffer-limit", "4096", "--lag-timeout", "2", "--rate-limit", "5000")
    try:
        player, snap = await start_match(srv.url, speed=5.0)
        port = int(srv.url.rsplit(":", 1)[1].split("/")[0])
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # tiny window: backs up fast
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        # max_queue=1: the client library stops reading the socket after a frame or two.
        stalled = await connect(srv.url, sock=sock, max_queue=1, compression=None)
        await stalled.send(msgpack.packb({"t": "hello", "protocol": 1, "name": "stalled"}))
        await stalled.send(msgpack.packb({"t": "match.watch", "match": "first"}))

        last_tick = snap["tick"]
        dropped = False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not dropped:
            # Ask for snapshots it will never read, to fill its pipe quickly.
            for _ in range(60):
                try:
                    await stalled.send(msgpack.packb({"t": "resync"}))
                except Exception:
                    break
            delta = await player.next("delta", timeout=5)
            assert delta["base"] == last_tick, "the player missed a delta"
            last_tick = delta["tick"]
            _, health = http_get(srv.http + "/healthz")
            (stats,) = health["matches"].values()
            dropped = stats["connections"] == 1 and stats["lag_skips"] > 0
            await asyncio.sleep(0.05)
        assert dropped, "the stalled reader was never dropped"
        for _ in range(5):
            delta = await player.next("delta", timeout=5)
            assert delta["base"] == last_tick
            last_tick = delta["tick"]
        await player.close()
        stalled.transport.abort()
    finally:
        srv.stop()
