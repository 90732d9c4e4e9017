"""The match screen's mouse and map tools under Xvfb: the minimap's pixels, the box and the
planned marches, and a scripted player who box-selects units and orders them on a real server."""

from __future__ import annotations

import time
from typing import Any

import pytest

from client import palette
from client.camera import Camera
from client.selection import Selection, can_order
from shared.hexgrid import distance
from tests.test_client_mirror import joined_mirror
from tests.test_client_window import HEIGHT, WIDTH, Frame, display, spin, window

pytestmark = pytest.mark.window

__all__ = ["display", "window"]  # fixtures, shared with the window tests


def grab() -> Frame:
    import pyglet

    img = pyglet.image.get_buffer_manager().get_color_buffer().get_image_data()
    return Frame(img.width, img.height, img.get_data("RGB", img.width * 3))


def test_minimap_shows_terrain_units_and_the_viewport(window: Any) -> None:
    from client.minimap import Minimap

    mirror, _ = joined_mirror("spectator")
    ground = mirror.ground
    assert ground is not None
    minimap = Minimap(ground)
    minimap.layout(WIDTH, HEIGHT)
    x, y, w, h = minimap.rect
    assert 100 < max(w, h) <= 220 and x < 20 and y < 20
    # Minimap pixels and world points map onto each other.
    wx, wy = ground.centre((10, 20))
    assert minimap.to_world(*minimap.to_screen(wx, wy)) == pytest.approx((wx, wy))
    camera = Camera(WIDTH, HEIGHT, scale=40.0)
    camera.centre_on(*ground.centre((10, 20)))
    vx, _, vw, vh = minimap.viewport(camera)
    assert x <= vx and vx + vw <= x + w and 2 < vw < w / 2, "a close view is a small rectangle"
    minimap.update(mirror, camera, Selection(), 0.0)
    window.switch_to()
    window.clear()
    minimap.draw()
    frame = grab()
    box = (x, y, x + w, y + h)
    background = tuple(round(c * 255) for c in palette.BACKGROUND[:3])
    drawn = (w * h) - frame.count(background, tol=2, box=box)  # type: ignore[arg-type]
    assert drawn > 0.8 * w * h, "the minimap is mostly empty"
    for name in ("plain", "hills", "water"):
        assert frame.count(palette.TERRAIN[name], tol=30, box=box) > 50, name
    assert frame.count(palette.MINIMAP_VIEW, tol=10, box=box) > 2 * (vw + vh) * 0.8, "viewport"
    for side in ("soviet", "japan"):
        assert frame.count(palette.SIDE_BODY[side], tol=4, box=box) >= 4, f"{side} dots"
    assert frame.count(palette.MINIMAP_VIEW, tol=10, box=(x + w + 10, 0, WIDTH, HEIGHT)) == 0
    minimap.delete()


def test_box_preview_and_several_marches_are_drawn(window: Any) -> None:
    from client.render import MapRenderer

    mirror, feed = joined_mirror("soviet")
    ground = mirror.ground
    assert ground is not None
    own = mirror.own_units()[:3]
    camera = Camera(WIDTH, HEIGHT, scale=25.0)
    camera.centre_on(*ground.centre((own[0].pos[0], own[0].pos[1])))
    target = next(
        h
        for h in ground.hexes()
        if ground.passable(h) and distance(h, (own[0].pos[0], own[0].pos[1])) == 4
    )
    selection = Selection()
    selection.units = [u.id for u in own]
    renderer = MapRenderer(ground, camera)
    renderer.box = (100, 100, 300, 250)
    renderer.preview = (target, False)
    renderer.update(mirror, selection, 100.0)
    window.switch_to()
    window.clear()
    renderer.draw(window)
    frame = grab()
    assert frame.count(palette.BOX_EDGE[:3], tol=3, box=(95, 95, 305, 255)) > 300, "no box"
    tx, ty = camera.world_to_screen(*ground.centre(target))
    near = (tx - 30, ty - 30, tx + 30, ty + 30)
    assert frame.count(palette.PREVIEW[:3], tol=25, box=near) > 20, "no preview at the pointer"
    for unit in own:  # every selected counter has its halo
        sx, sy = camera.world_to_screen(*ground.centre((unit.pos[0], unit.pos[1])))
        halo = frame.count(palette.SELECTED, tol=3, box=(sx - 40, sy - 40, sx + 40, sy + 40))
        assert halo > 30, unit.id
    # Orders accepted: each unit's path is drawn in the march's colour, waypoints marked.
    orders = selection.move_to(mirror, target, 100.0)
    feed.world.issue("soviet", orders)
    mirror.apply(feed.hours(0, with_ai=False), 100.0)
    selection.prune(mirror)
    assert not selection.drafts
    renderer.box = renderer.preview = None
    renderer.update(mirror, selection, 200.0)
    window.clear()
    renderer.draw(window)
    frame = grab()
    assert frame.count(palette.PATH[:3], tol=20, box=near) > 20, "no path to the destination"
    assert frame.count(palette.BOX_EDGE[:3], tol=3, box=(95, 95, 305, 255)) < 300
    # An order the server refuses for several units: the reason is written by each of them,
    # one line per unit where they share a hex.
    for unit in own:
        mirror.refuse(unit.id, "unreachable", "no path leads there", 200.0)
    renderer.update(mirror, selection, 200.5)
    window.clear()
    renderer.draw(window)
    frame = grab()
    rows: dict[tuple[int, int], int] = {}
    checked = 0
    for unit in own:
        h = (unit.pos[0], unit.pos[1])
        sx, sy = camera.world_to_screen(*ground.centre(h))
        row = rows.get(h, 0)
        rows[h] = row + 1
        y = sy - row * 20
        if not (0 <= sx < WIDTH - 300 and 15 <= y < HEIGHT - 15):
            continue
        reds = frame.count(palette.ERROR_TEXT[:3], tol=40, box=(sx, y - 9, sx + 400, y + 9))
        assert reds > 20, f"no refusal written by {unit.id}"
        checked += 1
    assert checked >= 2
    renderer.delete()


def test_scripted_player_box_selects_and_orders_units_on_a_real_server(
    display: str, server_url: str
) -> None:
    """Mouse events into the real window: a box round several units, a right click, a
    shift+right click; the server takes the orders and the units march."""
    from pyglet.window import key, mouse

    from client.app import AppOptions, ClientApp
    from client.events_panel import REFRESH_S, ROW_H, ROWS
    from client.session import Plan
    from shared.protocol import MatchControl

    plan = Plan(create="lake-khasan", side="soviet", ai={"japan": "easy"}, speed=1.0)
    app = ClientApp(
        AppOptions(server=server_url, name="boxer", width=WIDTH, height=HEIGHT, plan=plan)
    )
    app.net.start()
    try:
        spin(app, lambda: app.in_match and app.mirror.units and app.renderer.unit_count)
        m, cam = app.mirror, app.camera
        ground = m.ground
        assert m.view == "soviet" and ground is not None and app.minimap is not None
        app.session.send(MatchControl(paused=True))
        spin(app, lambda: m.paused)

        # Look at the own units from close enough to tell them apart.
        own = [u for u in m.own_units() if can_order(m, u)]

        def crowd(u: Any) -> int:
            return sum(distance(tuple(u.pos), tuple(v.pos)) <= 4 for v in own)

        anchor = max(own, key=crowd)
        cam.scale = 20.0
        cam.centre_on(*ground.centre((anchor.pos[0], anchor.pos[1])))
        spin(app, lambda: True, timeout=1)

        def screen(u: Any) -> tuple[float, float]:
            return cam.world_to_screen(*ground.centre((u.pos[0], u.pos[1])))

        near = [u for u in own if abs(screen(u)[0] - WIDTH / 2) < 250]
        near = [u for u in near if abs(screen(u)[1] - HEIGHT / 2) < 200]
        assert len(near) >= 2, "own units are not close together"
        xs = [screen(u)[0] for u in near]
        ys = [screen(u)[1] for u in near]
        x0, x1, y0, y1 = min(xs) - 20, max(xs) + 20, min(ys) - 20, max(ys) + 20
        start, end = next(
            ((a, b), (c, d))
            for (a, b), (c, d) in (
                ((x0, y1), (x1, y0)),
                ((x1, y1), (x0, y0)),
                ((x1, y0), (x0, y1)),
                ((x0, y0), (x1, y1)),
            )
            if not app.input.over_ui(a, b)
        )
        app.on_mouse_press(int(start[0]), int(start[1]), mouse.LEFT, 0)
        for i in range(1, 6):
            px = start[0] + (end[0] - start[0]) * i / 5
            py = start[1] + (end[1] - start[1]) * i / 5
            step = (end[0] - start[0]) / 5, (end[1] - start[1]) / 5
            app.on_mouse_drag(int(px), int(py), int(step[0]), int(step[1]), mouse.LEFT, 0)
        assert app.renderer is not None and app.renderer.box is not None, "no rubber band"
        app.on_mouse_release(int(end[0]), int(end[1]), mouse.LEFT, 0)
        assert app.renderer.box is None
        rect = (*cam.screen_to_world(*start), *cam.screen_to_world(*end))
        x_lo, x_hi = sorted((rect[0], rect[2]))
        y_lo, y_hi = sorted((rect[1], rect[3]))
        expected = {
            u.id
            for u in own
            if x_lo <= ground.centre((u.pos[0], u.pos[1]))[0] <= x_hi
            and y_lo <= ground.centre((u.pos[0], u.pos[1]))[1] <= y_hi
        }
        chosen = list(app.selection.units)
        assert len(chosen) >= 2 and set(chosen) == expected
        assert all(m.units[u].side == "soviet" for u in chosen)

        # A right click on a hex a few hexes off: one orders message for all of them.
        here = (anchor.pos[0], anchor.pos[1])

        def on_screen_land(d: int, avoid: tuple[int, int] | None = None) -> tuple[int, int]:
            for h in ground.hexes():
                if not ground.passable(h) or distance(h, here) != d or h == avoid:
                    continue
                sx, sy = cam.world_to_screen(*ground.centre(h))
                if 40 < sx < WIDTH - 40 and 40 < sy < HEIGHT - 40 and not app.input.over_ui(sx, sy):
                    return h
            raise AssertionError(f"no land {d} hexes off on screen")

        target = on_screen_land(3)
        tx, ty = cam.world_to_screen(*ground.centre(target))
        app.on_mouse_motion(int(tx), int(ty), 0, 0)
        spin(app, lambda: app.renderer.preview is not None, timeout=2)
        assert app.renderer.preview == (target, False)
        app.on_mouse_press(int(tx), int(ty), mouse.RIGHT, 0)
        app.on_mouse_release(int(tx), int(ty), mouse.RIGHT, 0)
        assert set(app.selection.drafts) == set(chosen)

        def marching(to: tuple[int, int]) -> list[str]:
            return [
                u
                for u in chosen
                if u in m.units and m.units[u].order == "move" and tuple(m.units[u].to or ()) == to
            ]

        spin(
            app,
            lambda: len(marching(target)) + len(set(chosen) & set(m.order_errors)) == len(chosen),
        )
        assert len(marching(target)) >= 2, {u: m.order_errors.get(u) for u in chosen}
        assert all(m.units[u].path for u in marching(target)), "the server's paths"

        # Shift+right click: a waypoint; the whole list goes out and comes back as ``via``.
        after = on_screen_land(5, avoid=target)
        ax, ay = cam.world_to_screen(*ground.centre(after))
        app.on_mouse_press(int(ax), int(ay), mouse.RIGHT, key.MOD_SHIFT)
        app.on_mouse_release(int(ax), int(ay), mouse.RIGHT, key.MOD_SHIFT)
        queued = marching(target)
        spin(
            app,
            lambda: (
                all(
                    tuple(m.units[u].to or ()) == after
                    and [tuple(v) for v in m.units[u].via or []] == [target]
                    for u in queued
                )
                or bool(set(queued) & set(m.order_errors))
            ),
        )
        assert not set(queued) & set(m.order_errors), [m.order_errors.get(u) for u in queued]

        # Run the game fast: the units leave their hexes.
        before = {u: tuple(m.units[u].pos) for u in queued}
        app.session.send(MatchControl(paused=False, speed=40.0))
        spin(
            app,
            lambda: any(u in m.units and tuple(m.units[u].pos) != before[u] for u in queued),
            timeout=30,
        )

        # The minimap moves the camera; B finds a battle if there is one.
        mx, my, mw, mh = app.minimap.rect
        px, py = int(mx + mw * 0.8), int(my + mh * 0.8)
        app.on_mouse_press(px, py, mouse.LEFT, 0)
        assert (cam.cx, cam.cy) == pytest.approx(app.minimap.to_world(px, py), abs=1e-6)
        app.on_mouse_drag(px - 20, py - 20, -20, -20, mouse.LEFT, 0)
        assert (cam.cx, cam.cy) == pytest.approx(app.minimap.to_world(px - 20, py - 20), abs=1e-6)
        app.on_mouse_release(px - 20, py - 20, mouse.LEFT, 0)
        assert app.selection.units == chosen, "a minimap click does not select"
        app.on_key_press(key.B, key.MOD_SHIFT)
        assert app.input.follower.following
        app.on_key_press(key.B, key.MOD_SHIFT)
        # Groups: Ctrl+1 keeps the selection, Esc drops it, 1 brings it back.
        app.on_key_press(key._1, key.MOD_CTRL)
        app.on_key_press(key.ESCAPE, 0)
        assert app.selection.units == []
        app.on_key_press(key._1, 0)
        assert set(app.selection.units) == {u for u in chosen if u in m.units}
        # A arms an attack; Esc disarms it without dropping the selection.
        app.on_key_press(key.A, 0)
        assert app.input.command == "attack" and "ATTACK" in app._status_line()
        app.on_key_press(key.ESCAPE, 0)
        assert app.input.command is None and app.selection.units
        # The events list: a click on a line with a place looks there; the wheel scrolls it.
        spin(app, lambda: any(e.pos for e in app.events.window(ROWS)), timeout=30)
        app.session.send(MatchControl(paused=True))
        spin(app, lambda: m.paused)
        settle = time.monotonic() + 2 * REFRESH_S
        spin(app, lambda: time.monotonic() > settle)
        panel = app.events_panel
        shown = app.events.window(ROWS)
        band = next(i for i, e in enumerate(reversed(shown)) if e.pos is not None)
        entry = shown[len(shown) - 1 - band]
        ex, ey = int(panel.rect[0] + 30), int(panel._base + band * ROW_H + ROW_H / 2)
        assert panel.row_at(ex, ey) == ROWS - 1 - band
        app.on_mouse_press(ex, ey, mouse.LEFT, 0)
        app.on_mouse_release(ex, ey, mouse.LEFT, 0)
        assert (cam.cx, cam.cy) == pytest.approx(ground.centre(entry.pos))
        if len(app.events.entries) > ROWS:
            app.on_mouse_scroll(ex, ey, 0, 1)
            assert app.events.offset == 1
    finally:
        app.net.close()
        app.window.close()
