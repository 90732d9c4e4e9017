"""Several players per side, each with a command; passwords; spectators' delay and perspective.

All over a real server process and real websocket clients."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.wsclient import Client


async def _create(client: Client, scenario: str, **extra: Any) -> dict:
    state = await client.request(
        {"t": "lobby.create", "name": "test", "scenario": scenario, "seed": 3, **extra}
    )
    assert state["t"] == "lobby.state", state
    return state["lobby"]


async def _start_and_join(clients: list[Client]) -> list[dict]:
    """The first client (host) starts; every client joins with its ticket."""
    assert (await clients[0].request({"t": "lobby.start"}))["t"] == "ok"
    joined = []
    for c in clients:
        start = await c.next("match.start")
        reply = await c.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert reply["t"] == "joined", reply
        await c.next("map", timeout=30)
        joined.append({**reply, "start": start, "snapshot": await c.next("snapshot")})
    return joined


async def test_teammates_share_a_side_and_each_orders_one_command(server_url: str) -> None:
    host = await Client.connect(server_url, "Budenny")
    guest = await Client.connect(server_url, "Shtern")
    third = await Client.connect(server_url, "Latecomer")
    lobby = await _create(host, "manchuria-1938", ai={"japan": "normal"})
    seats = {s["seat"]: s for s in lobby["seats"]}
    assert seats["mongolian"]["side"] == "soviet" and seats["manchurian"]["side"] == "soviet"
    assert "Mongolian Force" in seats["mongolian"]["title"]
    assert all(s["ai"] == "normal" for s in lobby["seats"] if s["side"] == "japan")

    # Without a seat id a player gets the side's first free seat; then the next one.
    state = await host.request({"t": "lobby.join", "lobby": lobby["id"], "side": "soviet"})
    mine = [s for s in state["lobby"]["seats"] if s.get("player") == host.player]
    assert [s["seat"] for s in mine] == ["mongolian"]
    wrong = await guest.request(
        {"t": "lobby.join", "lobby": lobby["id"], "side": "soviet", "seat": "kwantung"}
    )
    assert wrong["code"] == "unknown_seat"
    bad_ai = await third.request(
        {"t": "lobby.create", "name": "x", "scenario": "manchuria-1938", "ai": {"germany": "easy"}}
    )
    assert bad_ai["code"] == "unknown_seat"
    state = await guest.request(
        {"t": "lobby.join", "lobby": lobby["id"], "side": "soviet", "seat": "manchurian"}
    )
    assert state["t"] == "lobby.state"
    full = await third.request({"t": "lobby.join", "lobby": lobby["id"], "side": "soviet"})
    assert full["code"] == "seat_taken"
    for c in (host, guest):
        await c.request({"t": "lobby.ready"})

    mongolian, manchurian = await _start_and_join([host, guest])
    assert mongolian["start"]["seat"] == "mongolian" and mongolian["seat"] == "mongolian"
    assert manchurian["seat"] == "manchurian" and manchurian["view"] == "soviet"
    # Teammates see the same side's view, with every own unit's command.
    units = mongolian["snapshot"]["units"]
    own = [u for u in units if u["side"] == "soviet"]
    assert {u["command"] for u in own} == {"mongolian", "manchurian"}
    assert {u["id"] for u in own} == {
        u["id"] for u in manchurian["snapshot"]["units"] if u["side"] == "soviet"
    }
    west = next(u["id"] for u in own if u["command"] == "mongolian")
    east = next(u["id"] for u in own if u["command"] == "manchurian")
    verdicts = await host.request(
        {"t": "orders", "orders": [{"unit": west, "kind": "hold"}, {"unit": east, "kind": "hold"}]}
    )
    assert [r["ok"] for r in verdicts["results"]] == [True, False]
    assert verdicts["results"][1]["code"] == "not_your_command"
    verdict = await guest.request({"t": "orders", "orders": [{"unit": east, "kind": "hold"}]})
    assert verdict["results"][0]["ok"]
    for c in (host, guest, third):
        await c.close()


async def test_the_host_hands_empty_seats_to_the_ai_and_back(server_url: str) -> None:
    host = await Client.connect(server_url, "Host")
    guest = await Client.connect(server_url, "Guest")
    lobby = await _create(host, "manchuria-1938", ai={"japan": "normal"})
    await host.request({"t": "lobby.join", "lobby": lobby["id"], "side": "soviet"})
    await guest.request({"t": "lobby.join", "lobby": lobby["id"], "side": "spectator"})
    refused = await guest.request({"t": "lobby.seat", "seat": "manchurian", "ai": "easy"})
    assert refused["code"] == "not_host"
    assert (await host.request({"t": "lobby.seat", "seat": "mongolian", "ai": "easy"}))[
        "code"
    ] == "seat_taken"
    state = await host.request({"t": "lobby.seat", "seat": "manchurian", "ai": "hard"})
    seats = {s["seat"]: s for s in state["lobby"]["seats"]}
    assert seats["manchurian"]["ai"] == "hard"
    assert (await guest.request({"t": "lobby.join", "lobby": lobby["id"], "side": "soviet"}))[
        "code"
    ] == "seat_taken"
    await host.request({"t": "lobby.seat", "seat": "kwantung"})  # open to players again
    state = await guest.request({"t": "lobby.join", "lobby": lobby["id"], "side": "japan"})
    seats = {s["seat"]: s for s in state["lobby"]["seats"]}
    assert seats["kwantung"]["player"] == guest.player
    await host.request({"t": "lobby.ready"})
    await guest.request({"t": "lobby.ready"})
    assert (await host.request({"t": "lobby.start"}))["t"] == "ok"
    await host.close()
    await guest.close()


async def test_an_ai_teammate_orders_its_own_command_only(server_url: str) -> None:
    host = await Client.connect(server_url, "Budenny")
    lobby = await _create(
        host, "manchuria-1938", ai={"manchurian": "normal", "japan": "normal"}, speed=30
    )
    assert (
        await host.request(
            {"t": "lobby.join", "lobby": lobby["id"], "side": "soviet", "seat": "mongolian"}
        )
    )["t"] == "lobby.state"
    await host.request({"t": "lobby.ready"})
    [joined] = await _start_and_join([host])
    units = {u["id"]: u for u in joined["snapshot"]["units"]}
    while True:  # until the AI has made its first plans
        delta = await host.next("delta", timeout=30)
        for u in delta["units"]:
            units[u["id"]] = u
        if delta["hour"] >= 12:
            break
    own = [u for u in units.values() if u["side"] == "soviet" and u["kind"] != "air"]
    ai_moved = [u for u in own if u["command"] == "manchurian" and u.get("order") == "move"]
    mine_moved = [u for u in own if u["command"] == "mongolian" and u.get("order") != "hold"]
    assert ai_moved, "the AI seat gives its own command orders"
    assert not mine_moved, "the human's command waits for its player"
    info = await host.request({"t": "match.list"})
    [match] = [m for m in info["matches"] if m["id"] == joined["match"]]
    assert "Budenny" in match["players"]["soviet"]
    assert any(name.startswith("AI") for name in match["players"]["soviet"])
    await host.close()


async def test_a_password_guards_joining_and_watching(server_url: str) -> None:
    host = await Client.connect(server_url, "Host")
    guest = await Client.connect(server_url, "Guest")
    lobby = await _create(
        host, "lake-khasan", ai={"japan": "normal"}, password="changkufeng", speed=5
    )
    listed = await guest.request({"t": "lobby.list"})
    [info] = [lob for lob in listed["lobbies"] if lob["id"] == lobby["id"]]
    assert info["password"] is True and "changkufeng" not in str(info)
    refused = await guest.request({"t": "lobby.join", "lobby": lobby["id"], "side": "spectator"})
    assert refused["code"] == "bad_password"
    wrong = await guest.request(
        {"t": "lobby.join", "lobby": lobby["id"], "side": "soviet", "password": "khasan"}
    )
    assert wrong["code"] == "bad_password"
    await host.request(
        {"t": "lobby.join", "lobby": lobby["id"], "side": "soviet", "password": "changkufeng"}
    )
    await host.request({"t": "lobby.ready"})
    [joined] = await _start_and_join([host])
    watch = {"t": "match.watch", "match": joined["match"]}
    assert (await guest.request(watch))["code"] == "bad_password"
    ok = await guest.request({**watch, "password": "changkufeng"})
    assert ok["t"] == "joined" and ok["view"] == "spectator"
    await host.close()
    await guest.close()


async def test_a_match_without_spectators_refuses_watchers(server_url: str) -> None:
    host = await Client.connect(server_url, "Host")
    other = await Client.connect(server_url, "Curious")
    lobby = await _create(host, "lake-khasan", ai={"japan": "normal"}, spectators=False)
    await host.request({"t": "lobby.join", "lobby": lobby["id"], "side": "soviet"})
    await host.request({"t": "lobby.ready"})
    [joined] = await _start_and_join([host])
    listed = await other.request({"t": "match.list"})
    [info] = [m for m in listed["matches"] if m["id"] == joined["match"]]
    assert info["spectators_allowed"] is False
    refused = await other.request({"t": "match.watch", "match": joined["match"]})
    assert refused["code"] == "no_spectators"
    await host.close()
    await other.close()


async def test_spectators_see_the_match_hours_late_and_in_order(server_url: str) -> None:
    host = await Client.connect(server_url, "Host")
    lobby = await _create(
        host,
        "lake-khasan",
        ai={"soviet": "normal", "japan": "normal"},
        speed=20,
        spectator_delay=12,
    )
    assert lobby["spectator_delay"] == 12
    [live] = await _start_and_join([host])  # the host watches with a spectator ticket
    assert live["view"] == "spectator" and live["delay"] == 12
    watcher = await Client.connect(server_url, "Watcher")
    await asyncio.sleep(1.5)  # let the match run ahead
    joined = await watcher.request({"t": "match.watch", "match": live["match"]})
    assert joined["delay"] == 12
    await watcher.next("map")
    snap = await watcher.next("snapshot")
    tick, hour = snap["tick"], snap["hour"]
    for _ in range(10):
        delta = await watcher.next("delta")
        assert delta["base"] == tick, "delayed deltas chain from the delayed snapshot"
        tick = delta["tick"]
        assert delta["hour"] >= hour
        hour = delta["hour"]
    listed = await watcher.request({"t": "match.list"})
    [info] = [m for m in listed["matches"] if m["id"] == live["match"]]
    assert info["spectator_delay"] == 12
    assert info["hour"] - hour >= 11, (info["hour"], hour)
    await host.close()
    await watcher.close()


async def test_a_spectator_switches_between_the_whole_map_and_each_side(server_url: str) -> None:
    host = await Client.connect(server_url, "Host")
    watcher = await Client.connect(server_url, "Watcher")
    lobby = await _create(host, "lake-khasan", ai={"japan": "normal"}, speed=5)
    await host.request({"t": "lobby.join", "lobby": lobby["id"], "side": "soviet"})
    await host.request({"t": "lobby.ready"})
    [player] = await _start_and_join([host])
    assert (await host.request({"t": "match.view", "view": "all"}))["code"] == "not_spectator"

    joined = await watcher.request({"t": "match.watch", "match": player["match"], "view": "japan"})
    assert joined["view"] == "spectator" and joined["perspective"] == "japan"
    await watcher.next("map")
    snap = await watcher.next("snapshot")
    assert snap["view"] == "japan" and snap.get("visible"), "the side's fog of war"
    seen_soviet = {u["id"] for u in snap["units"] if u["side"] == "soviet"}
    all_soviet = {u["id"] for u in player["snapshot"]["units"] if u["side"] == "soviet"}
    assert seen_soviet < all_soviet, "the Japanese view hides Soviet units out of sight"
    japanese = next(u["id"] for u in snap["units"] if u["side"] == "japan")
    refused = await watcher.request({"t": "orders", "orders": [{"unit": japanese, "kind": "hold"}]})
    assert refused["code"] == "spectator"

    assert (await watcher.request({"t": "match.view", "view": "all"}))["t"] == "ok"
    again = await watcher.next("joined")
    assert again["perspective"] == "all"
    whole = await watcher.next("snapshot")
    assert whole["view"] == "spectator" and "visible" not in whole
    assert [m["t"] for m in watcher.seen].count("map") == 1, "the map is not sent again"
    assert {u["id"] for u in whole["units"] if u["side"] == "soviet"} == all_soviet
    # The player's game is untouched by a spectator's comings and goings.
    verdict = await host.request(
        {"t": "orders", "orders": [{"unit": next(iter(all_soviet)), "kind": "hold"}]}
    )
    assert verdict["results"][0]["ok"]
    await host.close()
    await watcher.close()
