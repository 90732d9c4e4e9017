"""The window's network thread against a real server: the conversation, resyncs, and failures."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from client.net import NetClient
from client.session import Connected, Disconnected, Plan, Session
from shared.protocol import Delta, Snapshot


def pump_until(
    net: NetClient,
    until: Callable[[], bool],
    timeout: float = 15.0,
    got: list[Any] | None = None,
) -> list[Any]:
    """Poll as the UI thread would, once a 'frame', until ``until()``; returns what arrived
    (appended to ``got`` when given, so that ``until`` can look at it)."""
    got = [] if got is None else got
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            notes = net.session.notes[-5:] if net.session else []
            pytest.fail(f"timed out; got {[type(m).__name__ for m in got[-8:]]}; notes {notes}")
        got += net.pump(time.monotonic())
        time.sleep(0.01)
    return got


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_whole_match_through_the_network_thread(server_url: str) -> None:
    session = Session("net-test", lambda m: net.send(m), Plan(ready=False, start=False))
    net = NetClient(server_url, session)
    net.start()
    try:
        got = pump_until(net, lambda: "lake-khasan" in session.mirror.scenarios)
        assert isinstance(got[0], Connected) and session.mirror.player
        session.follow(Plan(create="lake-khasan", side="japan", ai={"soviet": "easy"}, speed=20.0))
        pump_until(net, lambda: session.mirror.in_match)
        mirror = session.mirror
        assert mirror.view == "japan" and mirror.units

        # Lose a delta on purpose: the next one no longer fits, so the session asks for a
        # resync by itself and the snapshot heals the mirror.
        pump_until(net, lambda: mirror.tick > 2)
        mirror.tick -= 1
        got_all: list[Any] = []

        def healed() -> bool:
            return any(isinstance(m, Snapshot) for m in got_all) and not mirror.awaiting_snapshot

        pump_until(net, healed, got=got_all)
        pump_until(net, lambda: mirror.finished, timeout=30, got=got_all)
        assert session.ended or mirror.finished
        assert any(isinstance(m, Delta) for m in got_all)
    finally:
        net.close()
    assert not net.connected


def test_a_dropped_connection_comes_back_to_the_match(server_url: str) -> None:
    plan = Plan(create="lake-khasan", side="soviet", ai={"japan": "easy"}, speed=1.0)
    session = Session("comeback", lambda m: net.send(m), plan)
    net = NetClient(server_url, session)
    net.start()
    try:
        pump_until(net, lambda: session.mirror.in_match)
        player, match = session.mirror.player, session.mirror.match
        ws, loop = net._ws, net._loop
        assert ws is not None and loop is not None and ws.transport is not None
        loop.call_soon_threadsafe(ws.transport.abort)  # the network drops, no close handshake
        pump_until(net, lambda: session.status == "reconnecting")
        pump_until(net, lambda: session.status == "in match" and session.mirror.in_match)
        assert session.mirror.player == player and session.mirror.match == match
        assert session.mirror.view == "soviet" and session.fatal is None
    finally:
        net.close()


def test_unreachable_server_is_reported() -> None:
    session = Session("x", lambda m: net.send(m))
    net = NetClient(f"ws://127.0.0.1:{free_port()}/ws", session)
    net.start()
    try:
        got = pump_until(net, lambda: session.fatal is not None, timeout=10)
    finally:
        net.close()
    assert any(isinstance(m, Disconnected) for m in got)
    assert "cannot reach the server" in (session.fatal or "")


def test_a_web_page_is_not_a_game_server(server_url: str) -> None:
    url = server_url.removesuffix("/ws") + "/healthz"
    session = Session("x", lambda m: net.send(m))
    net = NetClient(url, session)
    net.start()
    try:
        pump_until(net, lambda: session.fatal is not None, timeout=10)
    finally:
        net.close()
    assert "not a Khasan server" in (session.fatal or ""), session.fatal


def test_bad_url_is_reported() -> None:
    session = Session("x", lambda m: net.send(m))
    net = NetClient("http://example.invalid/ws", session)
    net.start()
    try:
        pump_until(net, lambda: session.fatal is not None, timeout=10)
    finally:
        net.close()
    assert "not a websocket URL" in (session.fatal or "")
