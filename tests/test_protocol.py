"""The wire protocol: every message round-trips, bad input is refused with a reason, the limits
hold, and docs/protocol.md is exactly what the declarations generate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import msgspec
import pytest

from shared import protocol as p
from shared.orders import ORDER_ERRORS, OrderRequest, OrderResult

ROOT = Path(__file__).resolve().parent.parent
raw = msgspec.msgpack.encode  # bytes of an arbitrary map, as a hostile or buggy client sends

LOBBY = p.LobbyInfo(
    id="l1",
    name="Changkufeng",
    scenario="lake-khasan",
    title="Lake Khasan, 1938",
    host="p1",
    state="open",
    seats=[
        p.SeatInfo("soviet", player="p1", name="Blyukher", ready=True),
        p.SeatInfo("soviet", seat="manchurian", title="Manchurian Force", ai="normal"),
        p.SeatInfo("japan"),
    ],
    spectators=2,
)
UNIT = p.UnitView(
    id="sov-2mb",
    side="soviet",
    kind="armour",
    name="2nd Mechanised Brigade",
    pos=(14, 12),
    strength=0.9,
    org=0.7,
    men=3000,
    order="move",
    to=(-2, 29),
    path=[(13, 13), (12, 14)],
    combat=True,
)

CLIENT_SAMPLES: list[p.Message] = [
    p.Hello(protocol=p.PROTOCOL_VERSION, name="Blyukher", token="t" * 128, id=1),
    p.Ping(id=2),
    p.LobbyList(),
    p.LobbyCreate(name="Khasan", scenario="lake-khasan", ai={"japan": "hard"}, speed=4.0, seed=7),
    p.LobbyJoin(lobby="l1", side="spectator", id=3),
    p.LobbyLeave(),
    p.LobbyReady(ready=False),
    p.LobbyStart(),
    p.MatchList(),
    p.MatchJoin(match="m1", ticket="abc"),
    p.MatchWatch(match="first"),
    p.MatchWatch(match="m1", view="japan", password="secret"),
    p.MatchView(view="soviet"),
    p.LobbySeat(seat="manchurian", ai="hard"),
    p.LobbySeat(seat="kwantung"),
    p.MatchLeave(),
    p.MatchControl(paused=True, speed=0.5),
    p.Resync(),
    p.Orders(orders=[OrderRequest("sov-2mb", "move", (-2, 29)), OrderRequest("a", "hold")]),
    p.Chat(text="Ура! За Родину!"),
]

SERVER_SAMPLES: list[p.Message] = [
    p.Welcome(protocol=p.PROTOCOL_VERSION, player="p1", token="tok", re=1),
    p.Error(code="bad_message", message="Expected `int`", re=4),
    p.Ok(re=5),
    p.Pong(time=12.5, re=2),
    p.Lobbies(lobbies=[LOBBY], scenarios=["lake-khasan"]),
    p.LobbyState(lobby=LOBBY),
    p.MatchStart(match="m1", url="ws://127.0.0.1:1/ws", ticket="abc", side="japan"),
    p.MatchStart(match="m1", url="ws://x/ws", ticket="abc", side="soviet", seat="mongolian"),
    p.Matches(
        matches=[
            p.MatchInfo(
                id="m1",
                scenario="lake-khasan",
                title="Lake Khasan, 1938",
                time="1938-07-29T04:00",
                hour=0,
                players={"soviet": ["Blyukher"], "japan": []},
                spectators=0,
            )
        ]
    ),
    p.Joined(match="m1", view="soviet"),
    p.MapData(
        scenario="lake-khasan",
        title="Lake Khasan, 1938",
        hex_km=2.0,
        cols=2,
        rows=2,
        north=42.9,
        west=130.28,
        ref_lat=42.59,
        terrain=bytes([0, 1, 5, 6]),
        terrain_names=["plain", "hills", "mountain", "marsh", "forest", "water", "town"],
        rivers=[(0, 0, 1, 0)],
        roads=[(0, 1, 1, 1)],
        places=[p.PlaceInfo("Zaozernaya", "hill", (-2, 29), alt_name="Changkufeng")],
        borders=[[(42.9, 130.55), (42.8, 130.56)]],
    ),
    p.Snapshot(
        match="m1",
        view="soviet",
        tick=3,
        hour=2,
        time="1938-07-29T06:00",
        speed=1.0,
        paused=False,
        units=[UNIT],
        objectives=[p.ObjectiveView("Zaozernaya", (-2, 29), "soviet")],
        visible=b"\x0f\x00",
    ),
    p.Delta(
        match="m1",
        tick=4,
        base=3,
        hour=3,
        time="1938-07-29T07:00",
        speed=1.0,
        paused=True,
        units=[UNIT],
        removed=["jpn-19d-75ir"],
        events=[p.EventView(3, "combat", (-2, 29), "attack", "japan", "jpn-19d-75ir")],
        paused_by="Blyukher",
    ),
    p.OrdersResult(
        results=[OrderResult("a", True, path=[(1, 2)]), OrderResult("b", False, "off_map", "no")],
        re=6,
    ),
    p.ChatLine(player="p1", name="Blyukher", text="Вперёд", side="soviet"),
    p.MatchPresence(match="m1", player="p2", name="Suetaka", side="japan", connected=False),
    p.Notice(code="shutdown", message="the server is going down"),
    p.SupplyMap(
        match="m1",
        side="soviet",
        day=3,
        level=bytes([0, 128, 255]),
        railheads=[(1, 2, 4000)],
        lines=[(0, 2, 1, 2, 4000)],
        sources=["Trans-Siberian"],
    ),
    p.WeatherReport(
        match="m1",
        day=3,
        date="1938-08-01",
        regions=[
            p.RegionWeather(
                "manchurian plain", "rain", 21.5, "mud", "flood", [("1938-08-02", "clear", 23.0)]
            )
        ],
    ),
    p.ControlMap(match="m1", day=3, control=bytes([0, 1, 2])),
    p.MatchEnd(match="m1", winner=None, result="draw", time="1938-08-11T13:00"),
]


def tag(cls: type) -> str:
    return cls.__struct_config__.tag


def valid_hello(**fields: Any) -> bytes:
    return raw({"t": "hello", "protocol": p.PROTOCOL_VERSION, "name": "Blyukher", **fields})


def refused(data: bytes) -> str:
    with pytest.raises(p.ProtocolError) as info:
        p.decode_client(data)
    return str(info.value)


# -- every message round-trips ----------------------------------------------------------------
def test_the_samples_cover_every_declared_message():
    assert {tag(type(m)) for m in CLIENT_SAMPLES} == {tag(c) for c in get_args(p.ClientMessage)}
    assert {tag(type(m)) for m in SERVER_SAMPLES} == {tag(c) for c in get_args(p.ServerMessage)}


@pytest.mark.parametrize("message", CLIENT_SAMPLES, ids=lambda m: tag(type(m)))
def test_client_messages_round_trip(message):
    assert p.decode_client(p.encode(message)) == message


@pytest.mark.parametrize("message", SERVER_SAMPLES, ids=lambda m: tag(type(m)))
def test_server_messages_round_trip(message):
    assert p.decode_server(p.encode(message)) == message


@pytest.mark.parametrize("message", CLIENT_SAMPLES + SERVER_SAMPLES, ids=lambda m: tag(type(m)))
def test_on_the_wire_a_message_is_a_msgpack_map_named_by_t(message):
    decoded = msgspec.msgpack.decode(p.encode(message))
    assert isinstance(decoded, dict)
    assert decoded["t"] == tag(type(message))


def test_fields_at_their_default_are_left_out():
    delta = p.Delta(match="m", tick=1, base=0, hour=0, time="", speed=1.0, paused=False)
    on_wire = msgspec.msgpack.decode(p.encode(delta))
    assert set(on_wire) == {"t", "match", "tick", "base", "hour", "time", "speed", "paused"}
    assert p.decode_server(p.encode(delta)).units == []


def test_a_reply_carries_the_requests_id_as_re():
    on_wire = msgspec.msgpack.decode(p.encode(p.Pong(time=1.0, re=41)))
    assert on_wire["re"] == 41


@pytest.mark.parametrize(
    "message",
    [m for m in CLIENT_SAMPLES if not isinstance(m, p.Chat)],
    ids=lambda m: tag(type(m)),
)
def test_a_server_does_not_send_client_messages(message):
    # ("chat" is a tag in both directions, so it is left out here.)
    with pytest.raises(p.ProtocolError):
        p.decode_server(p.encode(message))


@pytest.mark.parametrize(
    "message",
    [m for m in SERVER_SAMPLES if not isinstance(m, p.ChatLine)],
    ids=lambda m: tag(type(m)),
)
def test_a_client_does_not_send_server_messages(message):
    with pytest.raises(p.ProtocolError):
        p.decode_client(p.encode(message))


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [b"", b"\xc1", b"\x81", p.encode(p.Ping(id=1))[:-2], p.encode(p.Ping(id=1)) + b"\x00"],
    ids=["empty", "reserved-byte", "map-without-entries", "truncated", "trailing-bytes"],
)
def test_malformed_msgpack_is_refused(data):
    refused(data)


@pytest.mark.parametrize("value", [[1, 2], "hello", 7, None], ids=["array", "string", "int", "nil"])
def test_a_message_that_is_not_a_map_is_refused(value):
    refused(raw(value))


def test_a_message_without_t_is_refused():
    assert "`t`" in refused(raw({"protocol": 1, "name": "x"}))


def test_an_unknown_t_is_refused():
    assert "'nuke'" in refused(raw({"t": "nuke"}))


def test_a_t_of_the_wrong_type_is_refused():
    refused(raw({"t": 5}))


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"protocol": "1"}, "protocol"),
        ({"protocol": True}, "protocol"),
        ({"name": 5}, "name"),
        ({"token": ["x"]}, "token"),
        ({"id": "7"}, "id"),
        ({"id": True}, "id"),
        ({"id": 1.5}, "id"),
    ],
)
def test_fields_of_the_wrong_type_are_refused_saying_which(fields, where):
    assert f"$.{where}" in refused(valid_hello(**fields))


def test_a_missing_required_field_is_refused():
    assert "`name`" in refused(raw({"t": "hello", "protocol": 1}))


def test_request_ids_must_be_non_negative_and_fit_a_double():
    p.decode_client(valid_hello(id=0))
    p.decode_client(valid_hello(id=2**53))
    refused(valid_hello(id=-1))
    refused(valid_hello(id=2**53 + 1))


def test_names_are_one_to_max_name_characters_not_bytes():
    assert p.decode_client(valid_hello(name="Я" * p.MAX_NAME)).name == "Я" * p.MAX_NAME
    assert "$.name" in refused(valid_hello(name="x" * (p.MAX_NAME + 1)))
    assert "$.name" in refused(valid_hello(name=""))


def test_tokens_longer_than_128_are_refused():
    refused(valid_hello(token="t" * 129))


def test_chat_lines_are_one_to_max_chat_characters():
    p.decode_client(raw({"t": "chat", "text": "ж" * p.MAX_CHAT}))
    refused(raw({"t": "chat", "text": "x" * (p.MAX_CHAT + 1)}))
    refused(raw({"t": "chat", "text": ""}))


def test_identifiers_longer_than_64_are_refused():
    p.decode_client(raw({"t": "match.watch", "match": "m" * 64}))
    refused(raw({"t": "match.watch", "match": "m" * 65}))
    refused(raw({"t": "lobby.join", "lobby": "", "side": "soviet"}))


def order(**fields: Any) -> dict[str, Any]:
    return {"unit": "u", "kind": "move", "to": [1, 2], **fields}


def test_at_most_max_orders_per_message_and_at_least_one():
    most = raw({"t": "orders", "orders": [order()] * p.MAX_ORDERS_PER_MESSAGE})
    assert len(p.decode_client(most).orders) == p.MAX_ORDERS_PER_MESSAGE
    assert "$.orders" in refused(raw({"t": "orders", "orders": [order()] * 65}))
    refused(raw({"t": "orders", "orders": []}))


@pytest.mark.parametrize(
    "bad",
    [
        order(kind="charge"),
        order(via=[[1, 2]] * 17),
        order(via=[[1]]),
        order(to=[1]),
        order(to=[1, 2, 3]),
        order(to=[1.5, 2]),
        order(to=[10_001, 0]),
        order(to=[0, -10_001]),
        order(unit=""),
        order(unit="u" * 65),
        order(unit=7),
    ],
)
def test_malformed_orders_are_refused(bad):
    assert "$.orders[0]" in refused(raw({"t": "orders", "orders": [bad]}))


def test_a_hold_needs_no_destination_and_coordinates_may_be_negative():
    decoded = p.decode_client(
        raw({"t": "orders", "orders": [{"unit": "a", "kind": "hold"}, order(to=[-2, 29])]})
    )
    assert decoded.orders == [OrderRequest("a", "hold"), OrderRequest("u", "move", (-2, 29))]


@pytest.mark.parametrize(
    "fields",
    [
        {"ai": {"": "easy"}},
        {"ai": {"japan": "impossible"}},
        {"spectator_delay": 73},
        {"spectator_delay": -1},
        {"password": "x" * 65},
        {"speed": 0.0},
        {"speed": 201.0},
        {"seed": -1},
        {"seed": 2**31 + 1},
    ],
)
def test_lobby_settings_out_of_range_are_refused(fields):
    refused(raw({"t": "lobby.create", "name": "n", "scenario": "lake-khasan", **fields}))


def test_seats_are_the_two_sides_or_spectator():
    for side in ("soviet", "japan", "spectator"):
        p.decode_client(raw({"t": "lobby.join", "lobby": "l1", "side": side}))
    refused(raw({"t": "lobby.join", "lobby": "l1", "side": "manchukuo"}))


def test_request_id_is_recovered_from_a_message_that_failed_validation():
    data = raw({"t": "nuke", "id": 17})
    refused(data)
    assert p.request_id(data) == 17


@pytest.mark.parametrize(
    "data",
    [b"\xc1", raw([1, 2]), raw({"t": "ping"}), raw({"id": "7"}), raw({"id": True})],
    ids=["garbage", "array", "no-id", "string-id", "bool-id"],
)
def test_request_id_is_none_when_there_is_no_usable_id(data):
    assert p.request_id(data) is None


# -- limits -------------------------------------------------------------------------------------
def test_the_largest_legal_orders_message_fits_in_max_message_bytes():
    biggest = p.Orders(
        id=2**53,
        orders=[
            OrderRequest("u" * 64, "move", (-10_000, -10_000))
            for _ in range(p.MAX_ORDERS_PER_MESSAGE)
        ],
    )
    data = p.encode(biggest)
    assert p.decode_client(data) == biggest
    assert len(data) <= p.MAX_MESSAGE_BYTES


def test_the_largest_legal_chat_and_hello_fit_in_max_message_bytes():
    chat = p.Chat(text="\U0001f600" * p.MAX_CHAT, id=2**53)  # four UTF-8 bytes a character
    hello = p.Hello(protocol=1, name="\U0001f600" * p.MAX_NAME, token="t" * 128, id=2**53)
    for message in (chat, hello):
        assert p.decode_client(p.encode(message)) == message
        assert len(p.encode(message)) <= p.MAX_MESSAGE_BYTES


def test_every_order_refusal_has_an_error_code():
    for code, text in ORDER_ERRORS.items():
        assert p.ERROR_CODES[f"order:{code}"] == text


# -- documentation ----------------------------------------------------------------------------
def test_docs_protocol_md_is_what_the_declarations_generate():
    on_disk = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert on_disk == p.markdown(), "regenerate: python -m shared.protocol > docs/protocol.md"


def test_the_documented_generator_command_writes_the_same_document():
    out = subprocess.run(
        [sys.executable, "-m", "shared.protocol"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        env={"PYTHONIOENCODING": "utf-8", "PATH": ""},
    ).stdout.decode("utf-8")
    assert out == p.markdown()


def test_the_document_has_a_section_for_every_message_and_error_code():
    doc = p.markdown()
    for cls in (*get_args(p.ClientMessage), *get_args(p.ServerMessage)):
        assert f"### `{tag(cls)}`" in doc
    for code in p.ERROR_CODES:
        assert f"| `{code}` |" in doc
    assert f"**{p.PROTOCOL_VERSION}**" in doc
