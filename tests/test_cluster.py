"""Several server processes sharing one real Redis form one service."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections.abc import Iterator

import pytest

from server.redis_store import RedisStore
from tests.conftest import RedisProcess, ServerProcess
from tests.test_server_e2e import http_get
from tests.wsclient import Client


@pytest.fixture
def cluster(redis_url: str) -> Iterator[dict[str, ServerProcess]]:
    """Servers A and B are small (capacity 1) so that matches are placed on C."""
    prefix = f"t-{secrets.token_hex(3)}:"
    common = ("--redis-url", redis_url, "--redis-prefix", prefix)
    servers: dict[str, ServerProcess] = {}
    try:
        for name, capacity in (("A", 1), ("B", 1), ("C", 100)):
            servers[name] = ServerProcess(*common, "--server-id", name, "--capacity", str(capacity))
        servers["prefix"] = prefix  # type: ignore[assignment]
        yield servers
    finally:
        for srv in servers.values():
            if isinstance(srv, ServerProcess):
                srv.stop()


async def wait_for(check, timeout: float = 10.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def test_lobby_on_a_joined_on_b_match_on_c(cluster, redis_url: str) -> None:
    a, b, c = cluster["A"], cluster["B"], cluster["C"]
    # Let every server see the others' heartbeats before placing anything.
    store = RedisStore(redis_url, cluster["prefix"])
    await wait_for(lambda: _servers(store, {"A", "B", "C"}))

    host = await Client.connect(a.url, "Zhukov")
    guest = await Client.connect(b.url, "Tojo")
    created = await host.request(
        {"t": "lobby.create", "name": "across", "scenario": "lake-khasan", "speed": 5}
    )
    lobby = created["lobby"]["id"]
    listed = await guest.request({"t": "lobby.list"})
    assert lobby in [lob["id"] for lob in listed["lobbies"]]
    await host.request({"t": "lobby.join", "lobby": lobby, "side": "soviet"})
    await guest.request({"t": "lobby.join", "lobby": lobby, "side": "japan"})
    # A change made on B reaches the host on A promptly, pushed rather than polled.
    pushed = await host.next("lobby.state", timeout=5)
    while not any(s.get("player") == guest.player for s in pushed["lobby"]["seats"]):
        pushed = await host.next("lobby.state", timeout=5)
    await host.request({"t": "lobby.ready"})
    await guest.request({"t": "lobby.ready"})

    async def a_and_b_full() -> bool:
        load = {s.id: s.load for s in await store.list_servers()}
        return load.get("A", 0) >= 1 and load.get("B", 0) >= 1

    await wait_for(a_and_b_full)  # placement reads the load each server last reported
    assert (await host.request({"t": "lobby.start"}))["t"] == "ok"
    starts = [await cl.next("match.start", timeout=10) for cl in (host, guest)]
    assert {s["url"] for s in starts} == {c.url}, "the match should be placed on C"

    # Both players move to C with their tokens and tickets, and play there.
    players = []
    for cl, start in zip((host, guest), starts, strict=True):
        moved = await Client.connect(c.url)
        welcome = await moved.request(
            {"t": "hello", "protocol": 1, "name": "again", "token": cl.token}
        )
        assert welcome["player"] == cl.player
        joined = await moved.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert joined["t"] == "joined" and joined["view"] == start["side"], joined
        players.append(moved)
    snap = await players[0].next("snapshot")
    mine = next(u for u in snap["units"] if u["side"] == "soviet")
    result = await players[0].request(
        {"t": "orders", "orders": [{"unit": mine["id"], "kind": "hold"}]}
    )
    assert result["results"][0]["ok"]

    # A spectator on B finds the match in B's list and is pointed to C.
    spectator = await Client.connect(b.url, "observer")
    matches = await wait_for(lambda: _matches(spectator))
    (info,) = matches
    assert info["url"] == c.url and set(info["players"]) == {"soviet", "japan"}
    redirect = await spectator.request({"t": "match.watch", "match": info["id"]})
    assert redirect["code"] == "match_elsewhere" and redirect["url"] == c.url
    watcher = await Client.connect(redirect["url"], "observer")
    assert (await watcher.request({"t": "match.watch", "match": info["id"]}))["t"] == "joined"
    assert (await watcher.next("snapshot"))["view"] == "spectator"

    for cl in (host, guest, spectator, watcher, *players):
        await cl.close()
    await store.close()


async def test_a_killed_server_drops_out_with_its_lobbies(cluster, redis_url: str) -> None:
    a, b = cluster["A"], cluster["B"]
    store = RedisStore(redis_url, cluster["prefix"])
    await wait_for(lambda: _servers(store, {"A", "B", "C"}))
    host = await Client.connect(a.url, "doomed host")
    created = await host.request({"t": "lobby.create", "name": "doomed", "scenario": "lake-khasan"})
    lobby = created["lobby"]["id"]
    observer = await Client.connect(b.url, "observer")
    listed = await observer.request({"t": "lobby.list"})
    assert lobby in [lob["id"] for lob in listed["lobbies"]]

    os.kill(a.proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    async def gone() -> bool:
        listed = await observer.request({"t": "lobby.list"})
        return lobby not in [lob["id"] for lob in listed["lobbies"]]

    await wait_for(gone, timeout=10)
    assert time.monotonic() - killed_at < 8, "registration outlived its TTL"
    assert "A" not in {s.id for s in await store.list_servers()}

    # A new match is never placed on the dead server.
    starter = await Client.connect(b.url, "starter")
    await starter.request(
        {
            "t": "lobby.create",
            "name": "after",
            "scenario": "lake-khasan",
            "ai": {"soviet": "easy", "japan": "easy"},
        }
    )
    assert (await starter.request({"t": "lobby.start"}))["t"] == "ok"
    start = await starter.next("match.start")
    assert start["url"] != a.url
    for cl in (observer, starter):
        await cl.close()
    await store.close()


async def test_redis_restart_is_survived() -> None:
    redis = RedisProcess()
    srv = ServerProcess("--redis-url", redis.url, "--server-id", "solo")
    try:
        player = await Client.connect(srv.url, "steady")
        await player.request(
            {
                "t": "lobby.create",
                "name": "ai",
                "scenario": "lake-khasan",
                "ai": {"soviet": "normal", "japan": "normal"},
                "speed": 2,
            }
        )
        await player.request({"t": "lobby.start"})
        start = await player.next("match.start")
        await player.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        await player.next("snapshot")

        redis.stop()
        began = time.monotonic()
        reply = await player.request({"t": "lobby.list"}, timeout=5)
        assert reply["code"] == "lobby_unavailable"
        assert time.monotonic() - began < 4, "a lobby request hung while Redis was down"
        status, body = http_get(srv.http + "/healthz")
        assert status == 503 and body["store_ready"] is False
        # The running match does not need Redis: its deltas keep coming.
        last = (await player.next("delta"))["tick"]
        for _ in range(5):
            tick = (await player.next("delta"))["tick"]
            assert tick > last
            last = tick

        redis.start()

        async def recovered() -> bool:
            reply = await player.request({"t": "lobby.list"})
            return reply["t"] == "lobbies"

        await wait_for(recovered, timeout=15)
        status, _ = http_get(srv.http + "/healthz")
        assert status == 200
        # Pub/sub came back too: a new lobby's changes are pushed again.
        other = await Client.connect(srv.url, "other")
        made = await other.request({"t": "lobby.create", "name": "new", "scenario": "lake-khasan"})
        watcher = await Client.connect(srv.url, "watcher")
        await watcher.request(
            {"t": "lobby.join", "lobby": made["lobby"]["id"], "side": "spectator"}
        )
        await other.request({"t": "lobby.join", "lobby": made["lobby"]["id"], "side": "soviet"})
        pushed = await watcher.next("lobby.state", timeout=5)
        assert pushed["lobby"]["id"] == made["lobby"]["id"]
        for cl in (player, other, watcher):
            await cl.close()
    finally:
        srv.stop()
        redis.stop()


async def _servers(store: RedisStore, want: set[str]) -> bool:
    return want <= {s.id for s in await store.list_servers()}


async def _matches(client: Client) -> list:
    reply = await client.request({"t": "match.list"})
    return reply["matches"]


async def test_replicas_behind_one_public_address_relay_matches(redis_url: str) -> None:
    """Replicas that all advertise the same public URL (as behind one published address)
    relay a match running on another replica over their internal URLs."""
    prefix = f"t-{secrets.token_hex(3)}:"
    common = (
        "--redis-url",
        redis_url,
        "--redis-prefix",
        prefix,
        "--public-url",
        "ws://khasan.example:8765/ws",
    )
    front = ServerProcess(*common, "--server-id", "front", "--capacity", "1")
    back = ServerProcess(*common, "--server-id", "back", "--capacity", "100")
    store = RedisStore(redis_url, prefix)
    try:
        await wait_for(lambda: _servers(store, {"front", "back"}))
        player = await Client.connect(front.url, "Budenny")
        created = await player.request(
            {
                "t": "lobby.create",
                "name": "relay",
                "scenario": "lake-khasan",
                "ai": {"japan": "normal"},
                "speed": 20,
            }
        )
        await player.request({"t": "lobby.join", "lobby": created["lobby"]["id"], "side": "soviet"})
        await player.request({"t": "lobby.ready"})
        await player.request({"t": "lobby.start"})
        start = await player.next("match.start")
        assert start["url"] == "ws://khasan.example:8765/ws"
        (record,) = await store.list_matches()
        assert record.internal == back.url, "the match should run on the roomier replica"

        # The client stays where it is; the front replica relays the match from the back one.
        joined = await player.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert joined["t"] == "joined" and joined["view"] == "soviet"
        snap = await player.next("snapshot")
        mine = next(u for u in snap["units"] if u["id"] == "sov-40rd-118rr")
        target = [mine["pos"][0] + 3, mine["pos"][1] - 4]
        result = await player.request(
            {"t": "orders", "orders": [{"unit": mine["id"], "kind": "move", "to": target}]}
        )
        assert result["results"][0]["ok"]
        last = snap["tick"]
        for _ in range(5):
            delta = await player.next("delta")
            assert delta["base"] == last
            last = delta["tick"]
        # Requests that are not about the match are still answered by the front replica.
        assert (await player.request({"t": "lobby.list"}))["t"] == "lobbies"
        assert (await player.request({"t": "match.leave"}))["t"] == "ok"
        await player.close()
    finally:
        front.stop()
        back.stop()
        await store.close()
