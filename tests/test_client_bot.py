"""``khasan-bot``: its AI sees what the server's AI sees, and it plays a match to the end."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from client.bot import seen_objectives, seen_staff, seen_units
from client.mirror import Mirror
from server.match import map_data
from shared import ai, views
from shared.ai import Staff, decide
from shared.protocol import Joined
from shared.scenario import load, new_world
from tests.test_client_mirror import Feed, joined_mirror, wire

ROOT = Path(__file__).resolve().parent.parent


def bot(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "client.bot", *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 60.0) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"bot did not finish:\n{out}") from None
    return proc.returncode, out


def staff_after(mirror: Mirror, feed: Feed, side: str, hours: int) -> Staff:
    """Play ``hours`` (the AI on both sides), send the side's daily maps as the server does,
    and return the staff picture the bot builds from its mirror."""
    mirror.apply(feed.hours(hours), 0.0)
    for daily in (
        views.control_map(feed.world, feed.match),
        views.supply_map(feed.world, feed.match, side),
    ):
        mirror.apply(wire(daily), 0.0)
    staff = seen_staff(mirror, side)
    assert staff is not None
    return staff


def test_the_bot_decides_exactly_as_the_server_ai_would() -> None:
    """Built from a mirror, the AI's inputs give the same orders as from the world itself."""
    for side in ("soviet", "japan"):
        mirror, feed = joined_mirror(side)
        for _ in range(6):
            staff = staff_after(mirror, feed, side, 7)
            assert staff.railheads
            from_mirror = decide(
                side, seen_units(mirror), seen_objectives(mirror), "normal", None, staff
            )
            assert from_mirror == ai.from_world(feed.world, side, "normal")


@pytest.mark.parametrize("side", ["soviet", "japan"])
def test_in_the_theatre_the_bot_decides_as_the_server_ai_would(side: str) -> None:
    """On the theatre the staff knows more than the units in sight: the side's posture and
    the permanent works (from the map), the railway its trains can use (from its supply map),
    the pockets behind the front (from the control map) and a ceasefire (from the frames).
    The bot, from what it is sent, decides as the server's AI from the world."""
    scenario = "manchuria-1938"
    feed = Feed(side, world=new_world(scenario, 2))
    mirror = Mirror()
    feed.tracker.delta(feed.world, 1, 1.0, False, [])
    feed.tick = 1
    for msg in (
        wire(Joined(match=feed.match, view=side)),  # type: ignore[arg-type]
        wire(map_data(load(scenario))),
        wire(feed.tracker.snapshot(1.0, False)),
    ):
        mirror.apply(msg, 0.0)
    assert mirror.ground is not None
    assert mirror.ground.data.forts and mirror.ground.data.postures == {"japan": "defensive"}
    compared = 0
    for _ in range(8):
        staff = staff_after(mirror, feed, side, 24)
        assert staff.rail
        assert staff.defensive == (side == "japan")
        expected = ai.from_world(feed.world, side, "normal")
        hex_km = mirror.ground.data.hex_km
        got = decide(side, seen_units(mirror), seen_objectives(mirror), "normal", hex_km, staff)
        assert got == expected
        compared += len(expected)
    assert compared > 0  # the staff gave orders to compare


def test_the_bot_plays_a_match_against_the_ai_to_the_end(server_url: str) -> None:
    code, out = finish(
        bot(
            "--server",
            server_url,
            "--side",
            "japan",
            "--create",
            "lake-khasan",
            "--vs-ai",
            "--speed",
            "200",
        )
    )
    assert code == 0, out
    assert "joined match" in out and "sent" in out
    assert "match over" in out


def test_a_bot_waits_for_an_opponent_and_another_joins_its_lobby(server_url: str) -> None:
    host = bot(
        "--server",
        server_url,
        "--side",
        "soviet",
        "--create",
        "lake-khasan",
        "--speed",
        "200",
        "--name",
        "host",
    )
    assert host.stdout is not None
    lobby = None
    for line in host.stdout:
        found = re.search(r"lobby (\S+) \(", line)
        if found:
            lobby = found.group(1)
            break
    assert lobby, "the host bot should announce its lobby"
    guest = bot("--server", server_url, "--side", "japan", "--lobby", lobby, "--name", "guest")
    code, out = finish(guest)
    assert code == 0, out
    assert "match over" in out
    host_code, host_out = finish(host)
    assert host_code == 0, host_out
    assert "starting" in host_out


def test_the_bot_says_when_the_server_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out = finish(
        bot("--server", f"ws://127.0.0.1:{port}/ws", "--side", "japan", "--create", "lake-khasan")
    )
    assert code == 2 and "cannot reach the server" in out
