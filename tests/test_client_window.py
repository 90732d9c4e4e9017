"""The real pyglet window under Xvfb: pixels of the Khasan map, and the client binary end to end.

If ``DISPLAY`` is unset, a private Xvfb is started for the session (``-displayfd`` lets the X
server pick a free display number, so parallel runs do not collide).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.xvfb import NoDisplay, start_xvfb
from client import palette
from client.camera import Camera
from client.mirror import Mirror
from client.selection import Selection
from shared.hexgrid import distance
from shared.protocol import UnitView
from tests.test_client_bot import bot as start_bot
from tests.test_client_mirror import Feed, joined_mirror, theatre_mirror

pytestmark = pytest.mark.window

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1000, 800


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """An X display: the one we were given, or a private Xvfb for this test session."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    try:
        proc, number = start_xvfb()
    except NoDisplay as e:
        pytest.skip(str(e))
    try:
        os.environ["DISPLAY"] = number
        yield os.environ["DISPLAY"]
    finally:
        os.environ.pop("DISPLAY", None)
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def window(display: str) -> Iterator[Any]:
    import pyglet

    win = pyglet.window.Window(WIDTH, HEIGHT, vsync=False, caption="khasan test")
    pyglet.gl.glClearColor(*palette.BACKGROUND)
    win.switch_to()
    win.dispatch_events()
    yield win
    win.close()


class Frame:
    """A rendered frame's pixels (RGB, origin bottom-left like the screen coordinates)."""

    def __init__(self, width: int, height: int, data: bytes) -> None:
        self.width, self.height, self.data = width, height, data

    def at(self, x: float, y: float) -> tuple[int, int, int]:
        i = (int(y) * self.width + int(x)) * 3
        return self.data[i], self.data[i + 1], self.data[i + 2]

    def count(
        self,
        colour: tuple[int, int, int],
        tol: int = 0,
        box: tuple[float, float, float, float] | None = None,
    ) -> int:
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        x0, y0 = max(0, int(x0)), max(0, int(y0))
        x1, y1 = min(self.width, int(x1)), min(self.height, int(y1))
        n = 0
        for y in range(y0, y1):
            row = y * self.width * 3
            for x in range(x0, x1):
                i = row + x * 3
                if (
                    abs(self.data[i] - colour[0]) <= tol
                    and abs(self.data[i + 1] - colour[1]) <= tol
                    and abs(self.data[i + 2] - colour[2]) <= tol
                ):
                    n += 1
        return n

    def colours(self) -> set[tuple[int, int, int]]:
        d = self.data
        return {(d[i], d[i + 1], d[i + 2]) for i in range(0, len(d), 3 * 7)}


def render(
    window: Any,
    mirror: Mirror,
    selection: Selection | None = None,
    camera: Camera | None = None,
    now: float = 100.0,
    hud: bool = False,
    mode: str = "terrain",
) -> tuple[Frame, Any]:
    """Draw one frame of the mirror, exactly as the app does, and read it back."""
    import pyglet

    from client.hud import Hud
    from client.render import MapRenderer

    ground = mirror.ground
    assert ground is not None
    if camera is None:
        camera = Camera(WIDTH, HEIGHT)
        camera.fit(*ground.bounds())
    selection = selection or Selection()
    renderer = MapRenderer(ground, camera)
    renderer.mode = mode
    renderer.update(mirror, selection, now)
    window.switch_to()
    window.clear()
    renderer.draw(window)
    if hud:
        overlay = Hud()
        overlay.layout(WIDTH, HEIGHT)
        overlay.update(mirror, selection, "")
        overlay.draw()
    img = pyglet.image.get_buffer_manager().get_color_buffer().get_image_data()
    frame = Frame(img.width, img.height, img.get_data("RGB", img.width * 3))
    renderer.delete()
    return frame, camera


def unit_box(camera: Camera, mirror: Mirror, unit: UnitView) -> tuple[float, float, float, float]:
    assert mirror.ground is not None
    sx, sy = camera.world_to_screen(*mirror.ground.centre((unit.pos[0], unit.pos[1])))
    half = 24
    return sx - half, sy - half, sx + half, sy + half


def test_the_map_shows_terrain_and_both_sides_counters(window: Any) -> None:
    mirror, _ = joined_mirror("spectator")
    frame, camera = render(window, mirror)
    assert len(frame.colours()) > 30, "a blank or flat frame"
    for name in ("plain", "hills", "mountain", "forest", "water"):
        assert frame.count(palette.TERRAIN[name]) > 200, f"no {name} terrain on screen"
    assert frame.count(palette.RIVER) > 100, "rivers missing"
    for unit in mirror.units.values():
        body = palette.SIDE_BODY[unit.side]
        assert frame.count(body, tol=4, box=unit_box(camera, mirror, unit)) > 20, unit.id
    # ...and not all over the map: counter colours are only where units are.
    sov = frame.count(palette.SIDE_BODY["soviet"], tol=4)
    near = sum(
        frame.count(palette.SIDE_BODY["soviet"], tol=4, box=unit_box(camera, mirror, u))
        for u in mirror.units.values()
    )
    assert near >= sov * 0.9


def test_fog_dims_hexes_the_side_does_not_see(window: Any) -> None:
    feed = Feed("soviet")
    feed.hours(8, with_ai=False)  # to noon: sight is short at night
    soviet = Mirror()
    for msg in feed.join():
        soviet.apply(msg, 0.0)
    spectator, _ = joined_mirror("spectator")
    assert soviet.ground is not None and soviet.visible is not None
    camera = Camera(WIDTH, HEIGHT)
    camera.fit(*soviet.ground.bounds())
    fogged, _ = render(window, soviet, camera=camera)
    clear, _ = render(window, spectator, camera=camera)
    busy = {(u.pos[0], u.pos[1]) for u in spectator.units.values()}
    busy |= {(p.pos[0], p.pos[1]) for p in soviet.ground.data.places}
    dimmed = same = hidden = shown = 0
    for h in soviet.ground.hexes():
        if any(distance(h, b) <= 1 for b in busy):
            continue
        sx, sy = camera.world_to_screen(*soviet.ground.centre(h))
        if not (0 <= sx < WIDTH and 0 <= sy < HEIGHT):
            continue
        a, b = fogged.at(sx, sy), clear.at(sx, sy)
        if soviet.is_visible(h):
            shown += 1
            same += a == b
        else:
            hidden += 1
            dimmed += sum(a) < 0.75 * sum(b)
    assert hidden > 100 and shown > 20
    assert dimmed >= 0.95 * hidden, f"only {dimmed} of {hidden} hidden hexes are dimmed"
    assert same >= 0.95 * shown, f"only {same} of {shown} visible hexes are untouched"


def test_selected_unit_path_and_refusal_are_drawn(window: Any) -> None:
    mirror, feed = joined_mirror("soviet")
    ground = mirror.ground
    assert ground is not None
    own = mirror.own_units()[0]
    target = next(
        h
        for h in ground.hexes()
        if ground.passable(h) and distance(h, (own.pos[0], own.pos[1])) == 5
    )
    from shared.orders import OrderRequest

    feed.world.issue("soviet", [OrderRequest(own.id, "move", target)])
    mirror.apply(feed.hours(0, with_ai=False), 0.0)
    other = mirror.own_units()[1]
    mirror.refuse(other.id, "impassable", "the destination is water", 99.0)
    selection = Selection()
    selection.unit = own.id
    camera = Camera(WIDTH, HEIGHT, scale=30.0)
    camera.centre_on(*ground.centre((own.pos[0], own.pos[1])))
    frame, _ = render(window, mirror, selection, camera)
    assert frame.count(palette.SELECTED, tol=3) > 100, "no selection highlight"
    tx, ty = camera.world_to_screen(*ground.centre(target))
    assert frame.count(palette.PATH[:3], tol=20, box=(tx - 25, ty - 25, tx + 25, ty + 25)) > 20, (
        "no path ring on the destination"
    )
    ox, oy = camera.world_to_screen(*ground.centre((other.pos[0], other.pos[1])))
    if 0 <= ox < WIDTH and 0 <= oy < HEIGHT:
        reds = frame.count(palette.ERROR_TEXT[:3], tol=40, box=(ox, oy - 15, ox + 400, oy + 15))
        assert reds > 20, "the refusal is not written next to the unit"


def test_counters_stay_legible_when_zoomed_out(window: Any) -> None:
    from client.render import MIN_COUNTER_PX

    mirror, _ = joined_mirror("spectator")
    camera = Camera(WIDTH, HEIGHT, scale=2.0)  # the whole theatre in a corner of the screen
    assert mirror.ground is not None
    camera.centre_on(*mirror.ground.centre((8, 20)))
    frame, _ = render(window, mirror, camera=camera)
    unit = next(u for u in mirror.units.values() if u.side == "japan")
    body = frame.count(palette.SIDE_BODY["japan"], tol=4, box=unit_box(camera, mirror, unit))
    assert body > MIN_COUNTER_PX * 3, f"the counter shrank to {body} px"


def test_supply_mode_tints_the_theatre_red_to_green(window: Any) -> None:
    mirror = theatre_mirror("soviet")
    ground = mirror.ground
    supply = mirror.shown_supply()
    assert ground is not None and supply is not None
    assert min(supply.level) == 0 and max(supply.level) == 255
    # The Soviet Far East and the Manchukuo border, at the widest zoom: both ends of the scale
    # (the lorries are overworked on the first day of the offensive: few hexes are full green).
    border = next(p for p in ground.data.places if p.name == "Grodekovo")
    camera = Camera(WIDTH, HEIGHT, scale=2.0)
    camera.centre_on(*ground.centre((border.pos[0], border.pos[1])))
    terrain, _ = render(window, mirror, camera=camera)
    tinted, _ = render(window, mirror, camera=camera, mode="supply")
    changed = total = 0
    greens = reds = 0
    for i, h in enumerate(ground.hexes()):
        if ground.is_water(i):
            continue
        sx, sy = camera.world_to_screen(*ground.centre(h))
        if not (0 <= sx < WIDTH and 0 <= sy < HEIGHT):
            continue
        a, b = terrain.at(sx, sy), tinted.at(sx, sy)
        total += 1
        changed += sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 60
        r, g, bl = b
        greens += g > r + 20 and g > bl + 60  # well supplied: green to yellow-green
        reds += r > g + 80 and r > bl + 80
    assert total > 200
    assert changed > 0.8 * total, f"only {changed} of {total} land hexes changed colour"
    assert greens > 0.15 * total and reds > 0.15 * total, (greens, reds, total)
    # Railheads are marked in supply mode only.
    marked = shown = 0
    for q, r, _ in supply.railheads:
        rx, ry = camera.world_to_screen(*ground.centre((q, r)))
        if not (5 <= rx < WIDTH - 5 and 5 <= ry < HEIGHT - 5):
            continue
        shown += 1
        box = (rx - 3, ry - 3, rx + 4, ry + 4)
        white = palette.RAILHEAD
        marked += tinted.count(white, tol=6, box=box) > terrain.count(white, tol=6, box=box) + 20
    assert shown > 5 and marked > 0.8 * shown, f"{marked} of {shown} railheads marked"


def test_railways_are_drawn_in_terrain_mode(window: Any) -> None:
    mirror = theatre_mirror("soviet")
    ground = mirror.ground
    assert ground is not None and ground.data.rails
    camera = Camera(WIDTH, HEIGHT, scale=30.0)
    rail = ground.data.rails[len(ground.data.rails) // 2]
    a, b = ground.centre((rail[0], rail[1])), ground.centre((rail[2], rail[3]))
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    camera.centre_on(*mid)
    frame, _ = render(window, mirror, camera=camera)
    sx, sy = camera.world_to_screen(*mid)
    assert frame.count(palette.RAIL, tol=12, box=(sx - 6, sy - 6, sx + 6, sy + 6)) > 10


def test_hud_shows_clock_and_unit(window: Any) -> None:
    mirror, _ = joined_mirror("soviet")
    selection = Selection()
    selection.unit = mirror.own_units()[0].id
    frame, _ = render(window, mirror, selection, hud=True)
    top = frame.count(palette.HUD_TEXT[:3], tol=40, box=(0, HEIGHT - 40, WIDTH, HEIGHT))
    corner = frame.count(palette.HUD_TEXT[:3], tol=40, box=(WIDTH - 400, 0, WIDTH, 120))
    assert top > 100 and corner > 100


def test_frame_update_is_cheap_with_hundreds_of_units(window: Any) -> None:
    """The per-frame sync touches only what changed: 500 counters idle in well under a frame."""
    from client.render import MapRenderer

    mirror, _ = joined_mirror("spectator")
    ground = mirror.ground
    assert ground is not None
    land = [h for h in ground.hexes() if ground.passable(h)]
    for i in range(500):
        h = land[i % len(land)]
        mirror.units[f"u{i}"] = UnitView(
            f"u{i}", "soviet" if i % 2 else "japan", "infantry", f"unit {i}", h, 0.8, 0.9, 1000
        )
        mirror._put(mirror.units[f"u{i}"], 0.0)
    camera = Camera(WIDTH, HEIGHT)
    camera.fit(*ground.bounds())
    renderer = MapRenderer(ground, camera)
    selection = Selection()
    renderer.update(mirror, selection, 50.0)
    assert renderer.unit_count == len(mirror.units)
    started = time.perf_counter()
    for _ in range(10):
        renderer.update(mirror, selection, 50.0)
    per_frame = (time.perf_counter() - started) / 10
    renderer.delete()
    assert per_frame < 0.012, f"{per_frame * 1000:.1f} ms per idle frame"


# -- the client binary end to end --------------------------------------------------------------
def run_client(display: str, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    # A settings directory of its own: the developer's remembered server and name stay out.
    config = Path(os.environ.get("TMPDIR", "/tmp")) / f"khasan-test-config-{os.getpid()}"
    env = dict(os.environ, DISPLAY=display, PYTHONUNBUFFERED="1", KHASAN_CONFIG_DIR=str(config))
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_png(path: Path) -> Frame:
    import pyglet

    img = pyglet.image.load(str(path)).get_image_data()
    return Frame(img.width, img.height, img.get_data("RGB", img.width * 3))


def check_screenshot(path: Path) -> Frame:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    frame = load_png(path)
    assert (frame.width, frame.height) == (960, 640)
    assert frame.count(palette.TERRAIN["hills"]) > 1000, "no map in the screenshot"
    assert frame.count(palette.SIDE_BODY["soviet"], tol=4) > 50, "no Soviet counters"
    return frame


def test_client_creates_a_game_and_screenshots_it(
    display: str, server_url: str, tmp_path: Path
) -> None:
    shot = tmp_path / "play.png"
    done = run_client(
        display,
        "--server",
        server_url,
        "--create",
        "lake-khasan",
        "--side",
        "soviet",
        "--screenshot",
        str(shot),
        "--width",
        "960",
        "--height",
        "640",
    )
    assert done.returncode == 0, done.stderr
    check_screenshot(shot)


def test_client_watches_the_first_match(display: str, server_url: str, tmp_path: Path) -> None:
    bot = start_bot(
        "--server", server_url, "--side", "japan", "--create", "lake-khasan", "--vs-ai",
        "--speed", "1",
    )  # fmt: skip
    try:
        assert bot.stdout is not None
        for line in bot.stdout:
            if "joined match" in line:
                break
        else:
            pytest.fail("the bot never joined its match")
        shot = tmp_path / "watch.png"
        done = run_client(
            display,
            "--server",
            server_url,
            "--watch",
            "first",
            "--screenshot",
            str(shot),
            "--width",
            "960",
            "--height",
            "640",
        )
        assert done.returncode == 0, done.stderr
        frame = check_screenshot(shot)
        assert frame.count(palette.SIDE_BODY["japan"], tol=4) > 50, "spectators see both sides"
    finally:
        bot.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            bot.wait(5)
        if bot.poll() is None:
            bot.kill()
            bot.wait()


def test_client_says_why_it_cannot_connect(display: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run_client(
        display,
        "--server",
        f"ws://127.0.0.1:{port}/ws",
        "--create",
        "lake-khasan",
        "--screenshot",
        str(tmp_path / "x.png"),
        "--timeout",
        "10",
    )
    assert done.returncode == 1
    assert "cannot reach the server" in done.stderr
    assert not (tmp_path / "x.png").exists()


# -- the app's input handling, in process, against a real server --------------------------------
def spin(app: Any, until: Any, timeout: float = 15.0) -> None:
    """Run the app's frame loop by hand (update, draw) until ``until()`` or fail."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; session notes: {app.session.notes[-5:]}")
        app.window.switch_to()
        app.window.dispatch_events()
        app.update(1 / 60)
        app.on_draw()
        time.sleep(0.005)


def test_app_creates_a_game_and_takes_orders_from_the_mouse(display: str, server_url: str) -> None:
    from pyglet.window import key, mouse

    from client.app import AppOptions, ClientApp

    app = ClientApp(
        AppOptions(server=server_url, name="tester", width=WIDTH, height=HEIGHT, speed=2.0)
    )
    app.net.start()
    try:
        spin(app, lambda: app.session.status == "welcome" and "lake-khasan" in app.mirror.scenarios)
        app.on_key_press(key._1, 0)  # new game as Soviet against the AI
        spin(app, lambda: app.in_match and app.mirror.units and app.renderer.unit_count)
        m, cam = app.mirror, app.camera
        assert m.view == "soviet" and m.ground is not None
        ground = m.ground

        unit = m.own_units()[0]
        sx, sy = cam.world_to_screen(*ground.centre((unit.pos[0], unit.pos[1])))
        app.on_mouse_press(int(sx), int(sy), mouse.LEFT, 0)
        app.on_mouse_release(int(sx), int(sy), mouse.LEFT, 0)
        uid = app.selection.unit
        assert uid is not None and tuple(m.units[uid].pos) == tuple(unit.pos)

        here = (m.units[uid].pos[0], m.units[uid].pos[1])
        target = next(
            h
            for h in ground.hexes()
            if ground.passable(h)
            and distance(h, here) == 3
            and 0 < cam.world_to_screen(*ground.centre(h))[0] < WIDTH
            and 0 < cam.world_to_screen(*ground.centre(h))[1] < HEIGHT
        )
        tx, ty = cam.world_to_screen(*ground.centre(target))
        app.on_mouse_press(int(tx), int(ty), mouse.RIGHT, 0)
        app.on_mouse_release(int(tx), int(ty), mouse.RIGHT, 0)
        spin(app, lambda: m.units[uid].order == "move" and tuple(m.units[uid].to or ()) == target)
        assert m.units[uid].path, "the accepted path is shown"

        water = next(h for h in ground.hexes() if not ground.passable(h))
        cam.centre_on(*ground.centre(water))
        wx, wy = cam.world_to_screen(*ground.centre(water))
        app.on_mouse_press(int(wx), int(wy), mouse.RIGHT, 0)
        app.on_mouse_release(int(wx), int(wy), mouse.RIGHT, 0)
        assert m.order_errors[uid].code == "impassable"

        app.on_key_press(key.SPACE, 0)
        spin(app, lambda: m.paused)
        app.on_key_press(key.SPACE, 0)
        spin(app, lambda: not m.paused)
        app.on_key_press(key.BRACKETRIGHT, 0)
        spin(app, lambda: m.speed == 4.0)

        app.on_key_press(key.F1, 0)
        assert app.hud.show_help
        app.on_key_press(key.ESCAPE, 0)
        assert not app.hud.show_help and not app.window.has_exit

        seen = []
        for _ in range(4):  # M cycles the map modes and back; the renderer follows
            app.on_key_press(key.M, 0)
            spin(app, lambda: app.renderer.mode == app.map_mode)
            seen.append(app.map_mode)
        assert seen == ["supply", "weather", "control", "terrain"]

        app.on_key_press(key.T, 0)
        app.on_text("t")  # the key that opened the line
        for ch in "urra":
            app.on_text(ch)
        app.on_key_press(key.ENTER, 0)
        spin(
            app,
            lambda: any(
                line.kind == "chat" and "tester" in line.text and "urra" in line.text
                for line in m.log
            ),
        )

        app.on_key_press(key.H, 0)
        spin(app, lambda: m.units[uid].order == "hold")
        app.on_key_press(key.TAB, 0)
        assert app.selection.unit in {u.id for u in m.own_units()}
        ux, uy = cam.world_to_screen(*ground.centre(here))
        app.on_mouse_motion(int(ux), int(uy), 0, 0)
        spin(app, lambda: "hex" in (app.hud.status.label.text or ""))

        before = cam.screen_to_world(300, 200)
        scale = cam.scale
        app.on_mouse_scroll(300, 200, 0, 2)
        assert cam.scale > scale and cam.screen_to_world(300, 200) == pytest.approx(before)
        centre = (cam.cx, cam.cy)
        app.on_mouse_press(500, 400, mouse.MIDDLE, 0)  # the middle (or right) button pans
        app.on_mouse_drag(540, 380, 40, -20, mouse.MIDDLE, 0)
        app.on_mouse_release(540, 380, mouse.MIDDLE, 0)
        assert (cam.cx, cam.cy) != centre
    finally:
        app.net.close()
        app.window.close()
