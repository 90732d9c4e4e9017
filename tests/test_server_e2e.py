"""End to end against a real ``khasan-server`` process: lobbies, matches, orders, spectators."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import ServerProcess
from tests.wsclient import Client, start_match


def http_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_healthz_answers_json_on_the_game_port(server: ServerProcess) -> None:
    status, body = http_get(server.http + "/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert body["connections"] == 0
    status, body = http_get(server.http + "/nowhere")
    assert status == 404


async def test_wrong_protocol_version_is_refused_and_closed(server_url: str) -> None:
    client = await Client.connect(server_url)
    reply = await client.request({"t": "hello", "protocol": 999, "name": "old"})
    assert reply["t"] == "error" and reply["code"] == "protocol_version"
    await asyncio.wait_for(client.ws.wait_closed(), 5)
    assert client.ws.close_code == 1002


async def test_requests_before_hello_are_refused(server_url: str) -> None:
    client = await Client.connect(server_url)
    reply = await client.request({"t": "lobby.list"})
    assert reply["code"] == "not_ready"
    await client.close()


async def test_two_players_meet_in_a_lobby_and_play(server_url: str) -> None:
    host = await Client.connect(server_url, "Blyukher")
    guest = await Client.connect(server_url, "Suetaka")
    created = await host.request(
        {"t": "lobby.create", "name": "Changkufeng", "scenario": "lake-khasan", "speed": 5}
    )
    lobby = created["lobby"]["id"]
    assert created["lobby"]["host"] == host.player

    listed = await guest.request({"t": "lobby.list"})
    assert lobby in [lob["id"] for lob in listed["lobbies"]]
    assert "lake-khasan" in listed["scenarios"]

    await host.request({"t": "lobby.join", "lobby": lobby, "side": "soviet"})
    joined = await guest.request({"t": "lobby.join", "lobby": lobby, "side": "japan"})
    seats = {s["side"]: s for s in joined["lobby"]["seats"]}
    assert seats["soviet"]["player"] == host.player
    assert seats["japan"]["player"] == guest.player
    # The host hears about the guest taking a seat without asking.
    pushed = await host.next("lobby.state")
    while not any(s.get("player") == guest.player for s in pushed["lobby"]["seats"]):
        pushed = await host.next("lobby.state")

    third = await Client.connect(server_url, "Latecomer")
    taken = await third.request({"t": "lobby.join", "lobby": lobby, "side": "soviet"})
    assert taken["code"] == "seat_taken"

    assert (await guest.request({"t": "lobby.start"}))["code"] == "not_host"
    await host.request({"t": "lobby.ready"})
    assert (await host.request({"t": "lobby.start"}))["code"] == "not_all_ready"
    await guest.request({"t": "lobby.ready"})
    assert (await host.request({"t": "lobby.start"}))["t"] == "ok"

    starts = [await c.next("match.start") for c in (host, guest)]
    assert {s["side"] for s in starts} == {"soviet", "japan"}
    assert starts[0]["match"] == starts[1]["match"]
    assert starts[0]["url"] == server_url

    # A ticket is good for its own player only.
    stolen = await third.request(
        {"t": "match.join", "match": starts[1]["match"], "ticket": starts[1]["ticket"]}
    )
    assert stolen["code"] == "bad_ticket"

    for client, start in zip((host, guest), starts, strict=True):
        reply = await client.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert reply["t"] == "joined" and reply["view"] == start["side"]
        terrain_map = await client.next("map")
        assert len(terrain_map["terrain"]) == terrain_map["cols"] * terrain_map["rows"]
        snap = await client.next("snapshot")
        own = [u for u in snap["units"] if u["side"] == start["side"]]
        assert own and all({"id", "side", "kind", "pos", "strength"} <= set(u) for u in own)

    # Each player can order only their own units; an enemy out of sight is not even confirmed.
    soviet_snap = next(m for m in host.seen if m["t"] == "snapshot")
    seen = {u["id"] for u in soviet_snap["units"] if u["side"] == "japan"}
    refused = await host.request(
        {"t": "orders", "orders": [{"unit": "jpn-19d-75ir", "kind": "hold"}]}
    )
    expected = "not_your_unit" if "jpn-19d-75ir" in seen else "unknown_unit"
    assert refused["results"][0]["code"] == expected
    japanese_own = next(m for m in guest.seen if m["t"] == "snapshot")["units"]
    assert any(u["id"] == "jpn-19d-75ir" for u in japanese_own)
    for c in (host, guest, third):
        await c.close()


async def test_ordered_units_move_and_deltas_follow_ticks(server_url: str) -> None:
    player, snap = await start_match(server_url, speed=20.0)
    unit = next(u for u in snap["units"] if u["id"] == "sov-40rd-118rr")
    start_pos = tuple(unit["pos"])
    target = [start_pos[0] + 4, start_pos[1] - 6]
    result = await player.request(
        {"t": "orders", "orders": [{"unit": unit["id"], "kind": "move", "to": target}]}
    )
    verdict = result["results"][0]
    assert verdict["ok"], verdict
    assert verdict["path"][-1] == target

    last_tick = snap["tick"]
    pos = start_pos
    for _ in range(60):
        delta = await player.next("delta")
        assert delta["tick"] > last_tick
        if delta["base"] != last_tick:
            pytest.fail(f"delta base {delta['base']} does not follow tick {last_tick}")
        last_tick = delta["tick"]
        for u in delta.get("units", []):
            if u["id"] == unit["id"]:
                pos = tuple(u["pos"])
        if pos == tuple(target):
            break
    assert pos != start_pos, "the ordered unit never moved"
    await player.close()


async def test_spectator_watches_the_whole_map_and_cannot_order(server_url: str) -> None:
    player, _ = await start_match(server_url, speed=10.0)
    spectator = await Client.connect(server_url, "watcher")
    matches = await spectator.request({"t": "match.list"})
    assert len(matches["matches"]) == 1
    joined = await spectator.request({"t": "match.watch", "match": "first"})
    assert joined["t"] == "joined" and joined["view"] == "spectator"
    await spectator.next("map")
    snap = await spectator.next("snapshot")
    assert {u["side"] for u in snap["units"]} == {"soviet", "japan"}
    assert snap.get("visible") is None
    first = await spectator.next("delta")
    second = await spectator.next("delta")
    assert second["tick"] > first["tick"]
    refused = await spectator.request(
        {"t": "orders", "orders": [{"unit": "sov-40rd-118rr", "kind": "hold"}]}
    )
    assert refused["code"] == "spectator"
    refused = await spectator.request({"t": "match.control", "paused": True})
    assert refused["code"] == "spectator"
    for c in (player, spectator):
        await c.close()


async def test_pause_and_speed_control(server_url: str) -> None:
    player, _ = await start_match(server_url, speed=20.0)
    assert (await player.request({"t": "match.control", "paused": True}))["t"] == "ok"
    delta = await player.next("delta", paused=True)
    assert delta["paused_by"] == "player-soviet"
    hour = delta["hour"]
    for _ in range(5):
        later = await player.next("delta")
    assert later["hour"] == hour
    await player.request({"t": "match.control", "paused": False, "speed": 50})
    resumed = await player.next("delta", paused=False)
    for _ in range(5):
        resumed = await player.next("delta")
    assert resumed["hour"] > hour
    assert resumed["speed"] == 50
    await player.close()


async def test_ai_match_runs_to_its_end(server_url: str) -> None:
    host = await Client.connect(server_url, "host")
    state = await host.request(
        {
            "t": "lobby.create",
            "name": "ai vs ai",
            "scenario": "lake-khasan",
            "ai": {"soviet": "normal", "japan": "normal"},
            "speed": 200,
        }
    )
    assert state["lobby"]["seats"][0]["ai"] == "normal"
    assert (await host.request({"t": "lobby.start"}))["t"] == "ok"
    start = await host.next("match.start")
    assert start["side"] == "spectator"
    reply = await host.request(
        {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
    )
    assert reply["view"] == "spectator"
    end = await host.next("match.end", timeout=30)
    assert end["result"] in ("objectives", "destroyed", "draw")
    assert end["time"].startswith("1938-08")
    await host.close()


async def test_reconnect_with_token_resumes_the_seat(server_url: str) -> None:
    player, _ = await start_match(server_url, speed=1.0)
    start = next(m for m in player.seen if m["t"] == "match.start")
    token, player_id = player.token, player.player
    await player.close()

    again = await Client.connect(server_url)
    welcome = await again.request(
        {"t": "hello", "protocol": 1, "name": "player-soviet", "token": token}
    )
    assert welcome["player"] == player_id
    reply = await again.request(
        {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
    )
    assert reply["t"] == "joined" and reply["view"] == "soviet"
    snap = await again.next("snapshot")
    assert any(u.get("order") for u in snap["units"] if u["side"] == "soviet")
    await again.close()


async def test_chat_reaches_everyone_in_the_match(server_url: str) -> None:
    player, _ = await start_match(server_url)
    spectator = await Client.connect(server_url, "watcher")
    await spectator.request({"t": "match.watch", "match": "first"})
    assert (await player.request({"t": "chat", "text": "Forward!"}))["t"] == "ok"
    line = await spectator.next("chat")
    assert line["text"] == "Forward!" and line["name"] == "player-soviet"
    assert line["side"] == "soviet"
    for c in (player, spectator):
        await c.close()
