"""What the mouse and the command keys do on the match screen.

Left button: click selects (again: the next unit of the stack), drag draws a box, shift adds,
ctrl or a double click takes every unit of that kind on screen; on the minimap it moves the
camera, on the events panel it goes to the event. Right button: click orders the selection
(shift queues a waypoint, ctrl attacks, or the order armed by A, R, F, I, D, O); drag pans, as
does the middle button. Number keys keep groups; B finds the largest battle.

Everything here reads the mirror and sends requests through the session; nothing waits for the
network. The app calls ``frame`` once per frame for what depends on time (edge panning,
following a battle, the preview under the pointer).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from pyglet.window import key, mouse

from client.battle import FOLLOW_RATE, BattleFollower, largest_battle
from client.events_panel import ROWS
from client.selection import MISSIONS, chunks
from shared.hexgrid import Hex
from shared.protocol import Orders

if TYPE_CHECKING:
    from client.app import ClientApp

DRAG_THRESHOLD_PX = 4  # a press that moves less than this is a click, not a drag
DOUBLE_CLICK_S = 0.35
EDGE_PX = 4  # the pointer this close to the window's edge pans the map
EDGE_PAN_PX_PER_S = 700.0
MIN_BATTLE_HEX_PX = 48.0  # B zooms in at least this far, so a battle is more than a dot
FLASH_S = 3.0  # how long a one-off message stays in the status corner

COMMAND_KEYS = {
    key.A: "attack",
    key.R: "rail",
    key.F: "support",
    key.I: "interdict",
    key.D: "airdrop",
    key.O: "recon",
}
COMMAND_PROMPTS = {
    "attack": "ATTACK: right-click where to (assaulting every enemy on the way)",
    "rail": "RAIL: right-click a railway hex to go to by train",
    "support": "AIR SUPPORT: right-click the hex to fly over",
    "interdict": "INTERDICT: right-click the hex to fly over",
    "airdrop": "AIRDROP: right-click where to drop",
    "recon": "RECON: right-click the hex to fly over",
}
GROUP_KEYS = {getattr(key, f"_{n}"): n for n in range(1, 10)} | {
    getattr(key, f"NUM_{n}"): n for n in range(1, 10)
}


class MatchInput:
    """The match screen's pointer and command keys, and the state between press and release."""

    def __init__(self, app: ClientApp) -> None:
        self.app = app
        self.command: str | None = None  # armed by A, R or an air key; the next click orders it
        self.follower = BattleFollower()
        self.pointer: tuple[int, int] | None = None
        self._left: tuple[int, int] | None = None  # where the left button went down
        self._boxing = False
        self._minimap_drag = False
        self._pan_start: tuple[int, int] | None = None  # right or middle button down
        self._panned = False
        self._last_click: tuple[float, Hex] | None = None
        self._flash: tuple[str, float] | None = None

    def reset(self) -> None:
        """A new map: nothing armed, nothing held down."""
        self.command = None
        self.follower = BattleFollower()
        self._left = self._pan_start = None
        self._boxing = self._minimap_drag = self._panned = False
        if self.app.renderer is not None:
            self.app.renderer.box = None

    # -- pointer ----------------------------------------------------------------------------
    def over_ui(self, x: float, y: float) -> bool:
        app = self.app
        return bool(
            (app.minimap is not None and app.minimap.contains(x, y))
            or app.events_panel.contains(x, y)
        )

    def press(self, x: int, y: int, button: int, modifiers: int) -> None:
        app = self.app
        if button == mouse.LEFT:
            if app.minimap is not None and app.minimap.contains(x, y):
                self._minimap_drag = True
                self._look_minimap(x, y)
                return
            if app.events_panel.contains(x, y):
                self._event_click(x, y)
                return
            self._left, self._boxing = (x, y), False
        elif button in (mouse.RIGHT, mouse.MIDDLE):
            self._pan_start, self._panned = (x, y), False

    def drag(self, x: int, y: int, dx: int, dy: int, buttons: int, modifiers: int) -> None:
        app = self.app
        if self._minimap_drag and buttons & mouse.LEFT:
            self._look_minimap(x, y)
            return
        if buttons & mouse.LEFT and self._left is not None:
            lx, ly = self._left
            if not self._boxing and abs(x - lx) + abs(y - ly) >= DRAG_THRESHOLD_PX:
                self._boxing = True
            if self._boxing and app.renderer is not None:
                app.renderer.box = (lx, ly, x, y)
        if buttons & (mouse.RIGHT | mouse.MIDDLE) and self._pan_start is not None:
            if not self._panned:
                px, py = self._pan_start
                if abs(x - px) + abs(y - py) < DRAG_THRESHOLD_PX:
                    return
                self._panned = True
                app.camera.pan(x - px - dx, y - py - dy)  # catch up on the threshold
            app.camera.pan(dx, dy)
            self.follower.stop()

    def release(self, x: int, y: int, button: int, modifiers: int) -> None:
        app = self.app
        if button == mouse.LEFT:
            if self._minimap_drag:
                self._minimap_drag = False
                return
            if self._left is None:
                return
            if self._boxing:
                lx, ly = self._left
                rect = (*app.camera.screen_to_world(lx, ly), *app.camera.screen_to_world(x, y))
                app.selection.box(app.mirror, rect, add=bool(modifiers & key.MOD_SHIFT))
                if app.renderer is not None:
                    app.renderer.box = None
            else:
                self._click(x, y, modifiers)
            self._left, self._boxing = None, False
        elif button in (mouse.RIGHT, mouse.MIDDLE) and self._pan_start is not None:
            if button == mouse.RIGHT and not self._panned and not self.over_ui(x, y):
                self.order_at(x, y, modifiers)
            self._pan_start = None

    def scroll(self, x: int, y: int, scroll_y: float) -> None:
        app = self.app
        if app.events_panel.contains(x, y):
            app.events.scroll(round(scroll_y) or (1 if scroll_y > 0 else -1), ROWS)
        elif not (app.minimap is not None and app.minimap.contains(x, y)):
            app.camera.zoom_at(x, y, 1.2**scroll_y)

    def motion(self, x: int, y: int) -> None:
        self.pointer = (x, y)

    def leave(self) -> None:
        self.pointer = None

    def _click(self, x: int, y: int, modifiers: int) -> None:
        app = self.app
        if self.command is not None:
            self.order_at(x, y, modifiers)
            return
        h = app._hex_at(x, y)
        if h is None:
            return
        now = time.monotonic()
        double = (
            self._last_click is not None
            and self._last_click[1] == h
            and now - self._last_click[0] <= DOUBLE_CLICK_S
        )
        self._last_click = None if double else (now, h)
        m, sel = app.mirror, app.selection
        add = bool(modifiers & key.MOD_SHIFT)
        if double or modifiers & key.MOD_CTRL:
            here = {u.id for u in m.units_at(h)}
            uid = sel.unit if sel.unit in here else None
            if uid is None:
                uid = sel.click(m, h, add=add)
            if uid is not None:
                sel.same_kind(m, uid, app.camera.visible_world(), add=add)
            return
        sel.click(m, h, add=add)

    def _look_minimap(self, x: int, y: int) -> None:
        app = self.app
        assert app.minimap is not None
        app.camera.centre_on(*app.minimap.to_world(x, y))
        self.follower.stop()

    def _event_click(self, x: int, y: int) -> None:
        app = self.app
        row = app.events_panel.row_at(x, y)
        entry = app.events.at(row, ROWS) if row is not None else None
        ground = app.mirror.ground
        if entry is None or entry.pos is None or ground is None:
            return
        if ground.contains(entry.pos):
            app.camera.centre_on(*ground.centre(entry.pos))
            self.follower.stop()

    # -- orders -----------------------------------------------------------------------------
    def order_at(self, x: int, y: int, modifiers: int) -> int:
        """Order the selection to the hex at (x, y); returns how many orders were sent."""
        app = self.app
        h = app._hex_at(x, y)
        if h is None:
            return 0
        kind, mission = "move", None
        if self.command in MISSIONS:
            kind, mission = "air", self.command
        elif self.command is not None:
            kind = self.command
        elif modifiers & key.MOD_CTRL:
            kind = "attack"
        queue = bool(modifiers & key.MOD_SHIFT)
        if not queue:
            self.command = None  # shift keeps the order armed for the next waypoint
        orders = app.selection.order(
            app.mirror, kind, h, time.monotonic(), queue=queue, mission=mission
        )
        for part in chunks(orders):
            app.session.send(Orders(orders=part))
        return len(orders)

    def hold(self) -> int:
        app = self.app
        orders = app.selection.hold(app.mirror, time.monotonic())
        for part in chunks(orders):
            app.session.send(Orders(orders=part))
        return len(orders)

    # -- keys -------------------------------------------------------------------------------
    def key(self, symbol: int, modifiers: int) -> bool:
        """Handle a command key; False leaves it to the app (zoom, map mode, chat...)."""
        app = self.app
        m, sel = app.mirror, app.selection
        now = time.monotonic()
        ctrl = bool(modifiers & (key.MOD_CTRL | key.MOD_COMMAND))
        if symbol == key.ESCAPE:
            if self.command is not None or self._boxing:
                self.command = None
                self._left, self._boxing = None, False
                if app.renderer is not None:
                    app.renderer.box = None
                return True
            return False
        if symbol in GROUP_KEYS:
            n = GROUP_KEYS[symbol]
            if ctrl:
                members = sel.set_group(n)
                self.flash(f"group {n}: {len(members)} units" if members else f"group {n} cleared")
            elif sel.recall(m, n, now):
                self._centre_on_units(sel.units)
            return True
        if symbol == key.A and ctrl:
            sel.all_own(m)
            return True
        if symbol in COMMAND_KEYS and not ctrl:
            self.command = COMMAND_KEYS[symbol]
            if not sel.orderable(m):
                self.command = None
                self.flash("select your units first")
            return True
        if symbol == key.H:
            self.hold()
            return True
        if symbol == key.B:
            if modifiers & key.MOD_SHIFT:
                on = self.follower.toggle()
                self.flash("following the largest battle" if on else "no longer following")
            else:
                self.jump_to_battle()
            return True
        return False

    def jump_to_battle(self) -> Hex | None:
        app = self.app
        target = largest_battle(app.mirror)
        if target is None or app.mirror.ground is None:
            self.flash("no fighting in view")
            return None
        ground = app.mirror.ground
        cam = app.camera
        hex_px = cam.scale * ground.hex_km
        if hex_px < MIN_BATTLE_HEX_PX:
            cam.zoom_at(cam.width / 2, cam.height / 2, MIN_BATTLE_HEX_PX / hex_px)
        cam.centre_on(*ground.centre(target))
        return target

    def _centre_on_units(self, ids: list[str]) -> None:
        app = self.app
        ground = app.mirror.ground
        units = [app.mirror.units[u] for u in ids if u in app.mirror.units]
        if ground is None or not units:
            return
        points = [ground.centre((u.pos[0], u.pos[1])) for u in units]
        app.camera.centre_on(
            sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
        )

    def flash(self, text: str) -> None:
        self._flash = (text, time.monotonic() + FLASH_S)

    # -- per frame --------------------------------------------------------------------------
    def frame(self, dt: float, now: float) -> None:
        app = self.app
        self._edge_pan(dt)
        ground = app.mirror.ground
        target = self.follower.update(app.mirror, now)
        if target is not None and ground is not None:
            cam = app.camera
            tx, ty = ground.centre(target)
            t = 1.0 - math.exp(-FOLLOW_RATE * min(dt, 0.1))
            if abs(tx - cam.cx) + abs(ty - cam.cy) > 1e-3:
                cam.centre_on(cam.cx + (tx - cam.cx) * t, cam.cy + (ty - cam.cy) * t)
        if app.renderer is not None:
            app.renderer.preview = self._preview()

    def _preview(self) -> tuple[Hex, bool] | None:
        """The hex a right-click would send the selection to, while the pointer is on the map."""
        app = self.app
        if self.pointer is None or self.command in MISSIONS or self._boxing:
            return None
        if self.over_ui(*self.pointer) or not app.selection.orderable(app.mirror):
            return None
        h = app._hex_at(*self.pointer)
        ground = app.mirror.ground
        if h is None or ground is None or not ground.contains(h):
            return None
        k = app.keys
        return h, bool(k[key.LSHIFT] or k[key.RSHIFT])

    def _edge_pan(self, dt: float) -> None:
        app = self.app
        if self.pointer is None or app.hud.chat_draft is not None or self._left is not None:
            return
        x, y = self.pointer
        w, h = app.window.get_size()
        dx = (x < EDGE_PX) - (x >= w - EDGE_PX)
        dy = (y < EDGE_PX) - (y >= h - EDGE_PX)
        if dx or dy:
            step = EDGE_PAN_PX_PER_S * min(dt, 0.1)
            app.camera.pan(dx * step, dy * step)

    def prompt(self) -> str:
        """The status corner's line about what the next click does, or a recent message."""
        if self.command is not None:
            return COMMAND_PROMPTS[self.command] + " - Esc cancels"
        if self._flash is not None:
            text, until = self._flash
            if time.monotonic() < until:
                return text
            self._flash = None
        if self.follower.following:
            return "following the largest battle (Shift+B stops)"
        return ""
