"""Bad input gets a clear error or a close, and the match and everyone else carry on."""

from __future__ import annotations

import asyncio

import msgpack
import pytest

from tests.conftest import ServerProcess
from tests.wsclient import Client, start_match


async def assert_match_goes_on(client: Client, ticks: int = 3) -> None:
    last = (await client.next("delta"))["tick"]
    for _ in range(ticks):
        tick = (await client.next("delta"))["tick"]
        assert tick > last
        last = tick


@pytest.fixture
async def match(server_url: str):
    player, _ = await start_match(server_url, speed=5.0)
    attacker = await Client.connect(server_url, "mallory")
    await attacker.request({"t": "match.watch", "match": "first"})
    yield player, attacker
    await player.close()
    await attacker.close()


async def error_after(client: Client, data: bytes | str) -> dict:
    await client.send_raw(data)
    return await client.next("error")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xc1\xff\x00", "malformed"),
        (msgpack.packb([1, 2, 3]), "Expected `object`"),
        (msgpack.packb({"no_type": 1}), "missing required field `t`"),
        (msgpack.packb({"t": "launch_missiles"}), "Invalid value 'launch_missiles'"),
        (msgpack.packb({"t": "chat", "text": 42}), "Expected `str`"),
        (msgpack.packb({"t": "chat", "text": "x" * 501}), "length <= 500"),
        (msgpack.packb({"t": "orders", "orders": "all of them"}), "Expected `array`"),
        (
            msgpack.packb({"t": "orders", "orders": [{"unit": "u", "kind": "nuke"}]}),
            "Invalid enum value 'nuke'",
        ),
        (
            msgpack.packb({"t": "orders", "orders": [{"unit": "u", "kind": "hold"}] * 65}),
            "length <= 64",
        ),
        ("a text frame", "binary frames"),
    ],
)
async def test_malformed_messages_get_bad_message(match, data, fragment) -> None:
    player, attacker = match
    err = await error_after(attacker, data)
    assert err["code"] == "bad_message"
    assert fragment in err["message"]
    # The sender's connection still works, and so does the match.
    assert (await attacker.request({"t": "ping"}))["t"] == "pong"
    await assert_match_goes_on(player)


async def test_bad_message_error_carries_the_request_id(match) -> None:
    _, attacker = match
    await attacker.send({"t": "chat", "text": 7, "id": 41})
    err = await attacker.next("error")
    assert err["re"] == 41


async def test_orders_for_units_not_your_own(match) -> None:
    player, _ = match
    reply = await player.request(
        {
            "t": "orders",
            "orders": [
                {"unit": "jpn-19d-75ir", "kind": "move", "to": [0, 0]},
                {"unit": "no-such-unit", "kind": "hold"},
                {"unit": "sov-40rd-118rr", "kind": "move", "to": [500, 500]},
                {"unit": "sov-40rd-118rr", "kind": "move"},
                {"unit": "sov-40rd-119rr", "kind": "hold"},
            ],
        }
    )
    codes = [r.get("code") for r in reply["results"]]
    # An enemy unit is refused as "not yours" when in sight and as unknown when not.
    assert codes[0] in ("not_your_unit", "unknown_unit")
    assert codes[1:] == ["unknown_unit", "off_map", "bad_order", None]
    assert reply["results"][-1]["ok"] is True
    await assert_match_goes_on(player)


async def test_oversized_message_closes_only_that_connection(match) -> None:
    player, attacker = match
    await attacker.send_raw(msgpack.packb({"t": "chat", "text": "x" * 100_000}))
    await asyncio.wait_for(attacker.ws.wait_closed(), 5)
    assert attacker.ws.close_code == 1009
    await assert_match_goes_on(player)


async def test_flooding_is_rate_limited_then_closed(match) -> None:
    player, attacker = match
    for _ in range(400):
        await attacker.send({"t": "ping"})
    await asyncio.wait_for(attacker.ws.wait_closed(), 10)
    assert attacker.ws.close_code == 1008
    assert any(m.get("code") == "rate_limited" for m in attacker.seen)
    await assert_match_goes_on(player)


async def test_garbage_does_not_leak_into_health(server: ServerProcess, match) -> None:
    player, attacker = match
    await error_after(attacker, b"\x00")
    await assert_match_goes_on(player, ticks=1)
    from tests.test_server_e2e import http_get

    status, body = http_get(server.http + "/healthz")
    assert status == 200
    assert body["errors"].get("bad_message", 0) >= 1
    (stats,) = body["matches"].values()
    assert stats["ticks"] > 0, body
