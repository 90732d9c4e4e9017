"""Operating a server: metrics, configuration by environment, graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request

from server.redis_store import RedisStore
from tests.conftest import ROOT, ServerProcess
from tests.wsclient import Client, start_match


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, resp.headers["Content-Type"], resp.read().decode()


async def test_metrics_in_prometheus_text_format(server: ServerProcess) -> None:
    player, _ = await start_match(server.url, speed=10)
    await player.request({"t": "orders", "orders": [{"unit": "jpn-19d-75ir", "kind": "hold"}]})
    for _ in range(3):
        await player.next("delta")
    status, ctype, text = fetch(server.http + "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    lines = text.splitlines()
    assert "khasan_connections 1.0" in lines
    assert "khasan_matches 1.0" in lines or any(
        line.startswith("khasan_matches ") for line in lines
    )
    assert any(line.startswith("khasan_tick_duration_seconds_count ") for line in lines)
    count = next(
        float(line.split()[1])
        for line in lines
        if line.startswith("khasan_tick_duration_seconds_count ")
    )
    assert count >= 3
    # The Japanese unit is refused as not ours, or as unknown while out of sight.
    assert any(
        line.startswith("khasan_orders_rejected_total{code=") and line.endswith(" 1.0")
        for line in lines
    )
    assert any(line.startswith('khasan_bytes_sent_total{view="soviet"}') for line in lines)
    await player.close()


def test_help_lists_every_setting_with_its_environment_variable() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for env in (
        "HOST",
        "PORT",
        "PUBLIC_URL",
        "REDIS_URL",
        "TICK_RATE",
        "NETWORK_RATE",
        "CAPACITY",
        "LOG_LEVEL",
        "LOG_FORMAT",
    ):
        assert f"KHASAN_{env}" in out


async def test_environment_configures_json_logs_and_public_url() -> None:
    env = {"KHASAN_LOG_FORMAT": "json", "KHASAN_PUBLIC_URL": "ws://game.example:{port}/ws"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        srv = ServerProcess()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        assert srv.url.startswith("ws://127.0.0.1:")  # where it listens

        def told() -> list[str]:
            return [line for line in srv.lines if line.startswith("Clients are told to connect")]

        deadline = time.monotonic() + 10  # the log is read by a thread as it comes
        while not told() or not any(
            line.startswith("{") and '"level": "info"' in line for line in srv.lines
        ):
            assert time.monotonic() < deadline, srv.log()
            await asyncio.sleep(0.1)
        assert told()[0].split()[-1] == f"ws://game.example:{srv.url.split(':')[2]}"
    finally:
        srv.stop()


async def test_sigterm_tells_clients_deregisters_and_exits_zero(redis_url: str) -> None:
    prefix = "t-term:"
    srv = ServerProcess("--redis-url", redis_url, "--redis-prefix", prefix, "--server-id", "T")
    store = RedisStore(redis_url, prefix)
    try:
        player, _ = await start_match(srv.url, speed=2)
        assert "T" in {s.id for s in await store.list_servers()}
        assert len(await store.list_matches()) == 1
        os.kill(srv.proc.pid, signal.SIGTERM)
        notice = await player.next("notice", timeout=10)
        assert notice["code"] == "shutdown"
        await asyncio.wait_for(player.ws.wait_closed(), 10)
        assert player.ws.close_code == 1001
        assert srv.proc.wait(10) == 0
        # Gone at once, not after the registry TTL.
        assert "T" not in {s.id for s in await store.list_servers()}
        assert await store.list_matches() == []
    finally:
        srv.stop()
        await store.close()


async def test_lobby_requests_fail_fast_when_redis_is_unreachable() -> None:
    srv = ServerProcess("--redis-url", "redis://127.0.0.1:1/0")
    try:
        client = await Client.connect(srv.url)
        reply = await client.request({"t": "hello", "protocol": 1, "name": "x"}, timeout=8)
        # Sessions live in the store too: hello itself says the store is away.
        assert reply["code"] == "lobby_unavailable"
        await client.close()
    finally:
        srv.stop()


async def test_dropped_player_is_announced_then_the_ai_stands_in_until_they_return() -> None:
    srv = ServerProcess("--reconnect-grace", "1")
    try:
        player, _ = await start_match(srv.url, speed=2)
        start = next(m for m in player.seen if m["t"] == "match.start")
        watcher = await Client.connect(srv.url, "watcher")
        await watcher.request({"t": "match.watch", "match": start["match"]})
        player.ws.transport.abort()  # a dropped connection, not a goodbye
        gone = await watcher.next("match.presence", timeout=5)
        assert (gone["side"], gone["connected"], gone.get("stand_in", False)) == (
            "soviet",
            False,
            False,
        )
        stand_in = await watcher.next("match.presence", timeout=5)
        assert stand_in["stand_in"] is True
        # The AI now gives the absent side's orders.
        moved = False
        for _ in range(60):
            delta = await watcher.next("delta", timeout=5)
            if any(
                u["side"] == "soviet" and u.get("order") == "move" for u in delta.get("units", [])
            ):
                moved = True
                break
        assert moved, "no Soviet unit was given a move order while the AI stood in"

        back = await Client.connect(srv.url)
        await back.request(
            {"t": "hello", "protocol": 1, "name": "player-soviet", "token": player.token}
        )
        joined = await back.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert joined["view"] == "soviet"
        returned = await watcher.next("match.presence", timeout=5)
        assert (returned["connected"], returned.get("stand_in", False)) == (True, False)
        for cl in (watcher, back):
            await cl.close()
    finally:
        srv.stop()
