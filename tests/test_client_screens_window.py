"""Every screen of the real window under Xvfb, against one real server, in the order a player
meets them: start screen (and a failed connection), lobby browser, ``the-war`` watched in each
map mode and through each side's eyes, and the result panel at the end of a short match.

One server and one window serve the whole module (the tests run in file order and each starts
where the previous one left off), because the theatre map is the expensive part. Screenshots
are kept in the test's temporary directory (``KHASAN_SCREENSHOTS`` to put them elsewhere).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.server_process import ServerProcess
from client import palette, settings
from client.styles import ENTRY_BG, STYLES
from client.ui import find
from tests.test_client_window import Frame, display, spin  # noqa: F401 - display is a fixture

pytestmark = pytest.mark.window

W, H = 1100, 760
BUTTON = STYLES["button"].bg[:3]  # type: ignore[index]
MODAL = STYLES["modal"].bg[:3]  # type: ignore[index]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("KHASAN_SCREENSHOTS")
    path = Path(given) if given else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    srv = ServerProcess()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def app(
    display: str,  # noqa: F811 - the fixture imported above
    server: ServerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """The client as ``khasan-client`` without ``--server`` opens it: on the start screen,
    prefilled from a settings file that remembers this server and a name."""
    import pyglet

    from client.app import AppOptions, ClientApp

    old = os.environ.get(settings.CONFIG_ENV)
    os.environ[settings.CONFIG_ENV] = str(tmp_path_factory.mktemp("config"))
    host_port = server.url.removeprefix("ws://").removesuffix("/ws")
    settings.save(settings.Settings(server=host_port, name="Shtern"))
    remembered = settings.load()
    client = ClientApp(
        AppOptions(
            server=None,
            name=remembered.name,
            width=W,
            height=H,
            settings=remembered,
            remember=True,
        )
    )
    pyglet.gl.glClearColor(*palette.BACKGROUND)
    client.screens.begin()
    try:
        yield client
    finally:
        client.net.close()
        client.window.close()
        if old is None:
            os.environ.pop(settings.CONFIG_ENV, None)
        else:
            os.environ[settings.CONFIG_ENV] = old


def grab(app: Any, shots: Path | None = None, name: str = "") -> Frame:
    """Draw a frame as the app does and read it back (and keep it as a PNG)."""
    import pyglet

    app.window.switch_to()
    app.window.dispatch_events()
    app.update(1 / 60)
    app.on_draw()
    buffer = pyglet.image.get_buffer_manager().get_color_buffer()
    if shots is not None:
        buffer.save(str(shots / f"{name}.png"))
    img = buffer.get_image_data()
    return Frame(img.width, img.height, img.get_data("RGB", img.width * 3))


def wait(app: Any, until: Any, timeout: float = 30.0) -> None:
    """Let the network and the server work (no drawing: the theatre map is slow to draw on a
    software renderer, and the server needs the cores) until ``until()``."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; session notes: {app.session.notes[-5:]}")
        app.window.dispatch_events()
        app.update(1 / 60)
        time.sleep(0.05)


def click(app: Any, action: str) -> None:
    """Click, with the mouse, the item of the current screen that does ``action``."""
    from pyglet.window import mouse

    app.update(1 / 60)
    items = app.screens.items if not app.in_match else app.screens.result_items
    item = find(items, action)
    assert item is not None, f"no {action!r} on screen: {[i.action for i in items if i.action]}"
    x, y = item.rect.centre
    app.on_mouse_press(int(x), int(y), mouse.LEFT, 0)
    app.on_mouse_release(int(x), int(y), mouse.LEFT, 0)


def type_into(app: Any, field: str, text: str) -> None:
    """Click into a text entry, rub out what is there, and type."""
    from pyglet.window import key, mouse

    item = next(i for i in app.screens.items if i.field == field)
    x, y = item.rect.centre
    app.on_mouse_press(int(x), int(y), mouse.LEFT, 0)
    assert app.screens.entries.focus == field
    app.on_text_motion(key.MOTION_END_OF_LINE)
    for _ in app.screens.entries.get(field):
        app.on_text_motion(key.MOTION_BACKSPACE)
    for ch in text:
        app.on_text(ch)
    grab(app)  # the entry's text reaches the screen's state on the next frame


def test_start_screen_is_prefilled_and_says_why_it_cannot_connect(app: Any, shots: Path) -> None:
    import socket

    from pyglet.window import key

    assert app.screens.screen == "start"
    frame = grab(app, shots, "1-start")
    assert app.screens.form.entries.get("name") == "Shtern"
    assert frame.count(ENTRY_BG[:3]) > 2 * 300, "no text entries drawn"
    assert frame.count(BUTTON) > 1000, "no Connect button"
    assert frame.count(palette.HUD_TEXT[:3], tol=40) > 300, "no writing"

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    good = app.screens.form.entries.get("server")
    type_into(app, "server", f"127.0.0.1:{dead}")
    app.on_key_press(key.ENTER, 0)
    spin(app, lambda: app.screens.form.state == "failed")
    assert app.screens.form.failure.headline == "Server unreachable"
    frame = grab(app, shots, "2-start-unreachable")
    assert frame.count(palette.ERROR_TEXT[:3], tol=30) > 100, "the failure is not shown"
    type_into(app, "server", good)  # edit and retry
    assert app.screens.form.entries.get("server") == good


def test_connect_saves_the_settings_and_opens_the_lobby_browser(app: Any, shots: Path) -> None:
    click(app, "connect")
    spin(app, lambda: app.screens.screen == "lobby" and "the-war" in app.mirror.scenarios)
    saved = settings.load()
    assert saved.server == app.options.server and saved.name == "Shtern"
    frame = grab(app, shots, "3-lobby-browser")
    assert frame.count(BUTTON) > 5000, "the new-game form's buttons are missing"
    assert frame.count(STYLES["heading"].colour[:3], tol=40) > 100, "no headings"


def test_the_war_watched_in_every_map_mode_and_through_each_sides_eyes(
    app: Any, shots: Path
) -> None:
    from pyglet.window import key

    form = app.screens.browser.form
    while form.scenario != "the-war":
        click(app, "scenario:+1")
    while form.side != "spectator":
        click(app, "play")
    while form.opponents["soviet"] != "normal":
        click(app, "ai:soviet")
    while form.speed != 5.0:  # a game day in under 5 s: the daily supply map comes soon
        click(app, "speed:+1")
    click(app, "create")
    wait(app, lambda: app.mirror.lobby is not None and app.mirror.lobby.scenario == "the-war")
    assert all(s.ai for s in app.mirror.lobby.seats), "every seat of both sides is the AI's"
    frame = grab(app, shots, "4-lobby-your-lobby")
    click(app, "start")
    m = app.mirror
    wait(app, lambda: app.in_match and m.units)
    assert m.view == "spectator" and m.perspective == "all"
    wait(app, lambda: m.shown_supply() is not None and m.control is not None)
    grab(app)  # the first frame frames the action; the camera is ours after it

    def drawn_at(unit: Any) -> tuple[float, float]:
        centre = m.ground.centre(m.display_axial(unit.id, time.monotonic()))
        return app.camera.world_to_screen(*centre)

    for side in ("japan", "soviet"):  # each side's counters where its units are
        app.camera.scale = 2.0  # a 25 km hex is 50 px
        for unit in sorted((u for u in m.units.values() if u.side == side), key=lambda u: u.id):
            app.camera.centre_on(*m.ground.centre(tuple(unit.pos)))
            x, y = drawn_at(unit)
            if 60 < x < W - 60 and 60 < y < H - 60:  # not clamped away at the map's edge
                break
        frame = grab(app)
        x, y = drawn_at(unit)
        box = (x - 40, y - 40, x + 40, y + 40)  # where it is drawn, even if it just moved
        assert frame.count(palette.SIDE_BODY[side], tol=4, box=box) > 20, unit.id

    frames: dict[str, Frame] = {}
    for mode in ("terrain", "supply", "weather", "control"):
        while app.map_mode != mode:
            app.on_key_press(key.M, 0)
        spin(app, lambda mode=mode: app.renderer.mode == mode)
        frames[mode] = frame = grab(app, shots, f"5-the-war-{mode}")
        assert len(frame.colours()) > 30, f"a blank or flat frame in {mode} mode"
    terrain = frames["terrain"]
    for mode in ("supply", "weather", "control"):
        other = frames[mode]
        changed = sum(terrain.data[i] != other.data[i] for i in range(0, len(terrain.data), 97))
        assert changed > 0.2 * len(terrain.data) / 97, f"{mode} mode looks like terrain mode"

    # V: through Soviet eyes (fog), Japanese eyes, and back to everything.
    while app.map_mode != "terrain":
        app.on_key_press(key.M, 0)
    for eyes in ("soviet", "japan", "all"):
        app.on_key_press(key.V, 0)
        wait(app, lambda e=eyes: m.perspective == e and not m.awaiting_snapshot and m.units)
        top = app.hud.top.label.text
        assert ("Spectator view (all)" if eyes == "all" else "eyes") in top, top
        if eyes != "all":
            assert m.visible is not None, "a side's eyes see through its fog"
            grab(app, shots, f"6-the-war-{eyes}-eyes")
    assert m.visible is None
    app.leave_match()
    spin(app, lambda: app.screens.screen == "lobby")


def test_the_result_panel_at_the_end_of_a_short_match(app: Any, shots: Path) -> None:
    form = app.screens.browser.form
    while form.scenario != "lake-khasan":
        click(app, "scenario:+1")
    while form.side != "soviet":
        click(app, "play")
    while form.speed != 200.0:
        click(app, "speed:+1")
    click(app, "create")
    m = app.mirror
    spin(app, lambda: app.in_match and m.units, timeout=30)
    spin(app, lambda: m.finished, timeout=90)  # 14 game days at 200 h/s
    frame = grab(app, shots, "7-result")
    cx, cy = W / 2, H / 2
    assert frame.count(MODAL, tol=6, box=(cx - 150, cy - 40, cx + 150, cy + 40)) > 3000, (
        "no result panel"
    )
    assert frame.count(palette.HUD_TEXT[:3], tol=40, box=(0, cy - 120, W, cy + 120)) > 200
    hills = frame.count(palette.TERRAIN["hills"]) + frame.count(palette.TERRAIN["plain"])
    assert hills > 1000, "the final map is not behind the panel"
    said = [item.text for item in app.screens.result_items]
    assert any("wins:" in line or line.startswith("Draw:") for line in said), said
    click(app, "back")
    spin(app, lambda: app.screens.screen == "lobby")
