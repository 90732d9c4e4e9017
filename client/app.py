"""The window: a lobby screen, then the match screen, driven by the session's mirror.

Per frame: pump the network thread into the session (which updates the mirror and answers the
server where it must), then sync the renderer and HUD with the mirror, then draw. Input handlers
only ever read the mirror and send requests; nothing here blocks on the network.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import pyglet
from pyglet.window import key

from client import palette
from client.camera import Camera
from client.events import EventLog
from client.events_panel import EventsPanel
from client.hud import Hud
from client.match_input import MatchInput
from client.minimap import Minimap
from client.mirror import Mirror
from client.net import NetClient
from client.render import MAP_MODES, MapRenderer
from client.screens import Screens
from client.selection import Selection
from client.session import Plan, Session
from client.settings import Settings
from shared.protocol import (
    Chat,
    MatchControl,
    MatchLeave,
)

FRAME_S = 1 / 60
PAN_PX_PER_S = 700.0  # keyboard panning speed
MIN_SPEED, MAX_SPEED = 0.1, 200.0  # shared.protocol.Speed's bounds on game hours per second


@dataclass
class AppOptions:
    """Everything the command line can set for a window session."""

    server: str | None  # None: ask on the start screen
    name: str = "player"
    plan: Plan = field(default_factory=lambda: Plan(ready=False, start=False))
    width: int = 1280
    height: int = 800
    screenshot: str | None = None  # save the first frame with map and units here, then exit
    screenshot_timeout: float = 30.0
    scenario: str = "lake-khasan"  # for games created from the lobby screen
    ai_level: str = "normal"
    speed: float = 1.0
    visible: bool = True
    settings: Settings | None = None  # what was remembered; saved back when something worked
    remember: bool = False  # save the settings (not in tests and screenshot runs)


class ClientApp:
    """One window, one server connection, one session."""

    def __init__(self, options: AppOptions) -> None:
        self.options = options
        self.exit_code = 0
        self.mirror = Mirror()
        self.session = Session(options.name, self._send, options.plan, self.mirror)
        self.net = NetClient(options.server or "", self.session)
        self.window = pyglet.window.Window(
            options.width,
            options.height,
            caption="Khasan 1938",
            resizable=True,
            vsync=False,
            visible=options.visible,
        )
        self.keys = key.KeyStateHandler()
        self.window.push_handlers(self.keys)
        self.window.push_handlers(self)
        self.camera = Camera(options.width, options.height)
        self.selection = Selection()
        self.renderer: MapRenderer | None = None
        self._map_version = 0
        self.hud = Hud()
        self.screens = Screens(self)
        self.events = EventLog()
        self.events_panel = EventsPanel()
        self.minimap: Minimap | None = None
        self.input = MatchInput(self)
        self._hover: tuple[int, int] | None = None  # hex under the pointer
        self.map_mode = MAP_MODES[0]
        self._swallow_text = False
        self._screenshot_done = False
        self._framed = True  # False from a new map until the first frame with units frames them
        self._layout()

    # -- running ----------------------------------------------------------------------------
    def run(self) -> int:
        pyglet.gl.glClearColor(*palette.BACKGROUND)
        self.screens.begin()
        pyglet.clock.schedule_interval(self.update, FRAME_S)
        if self.options.screenshot:
            pyglet.clock.schedule_once(self._screenshot_timeout, self.options.screenshot_timeout)
        try:
            pyglet.app.run(FRAME_S)
        finally:
            pyglet.clock.unschedule(self.update)
            self.net.close()
        return self.exit_code

    def quit(self, code: int = 0) -> None:
        self.screens.on_quit()
        self.exit_code = code
        pyglet.app.exit()

    def _send(self, msg: object) -> int | None:
        return self.net.send(msg)  # type: ignore[arg-type]

    def _layout(self) -> None:
        w, h = self.window.get_size()
        self.camera.resize(w, h)
        self.hud.layout(w, h)
        if self.minimap is not None:
            self.minimap.layout(w, h)
        top = self.minimap.top if self.minimap is not None else 0
        self.events_panel.place(8, top + 6, w * 0.4)

    @property
    def in_match(self) -> bool:
        return self.mirror.in_match and self.renderer is not None

    # -- per frame --------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        now = time.monotonic()
        self.net.pump(now)
        session = self.session
        if session.fatal and self.options.screenshot:
            self._fail(f"khasan-client: {session.fatal}")
            return
        if self.mirror.map_version != self._map_version and self.mirror.ground is not None:
            self._map_version = self.mirror.map_version
            self._new_map()
        if self.in_match:
            self._pan_keys(dt)
            self.selection.prune(self.mirror, now)
            self.input.frame(dt, now)
            assert self.renderer is not None and self.minimap is not None
            self.renderer.mode = self.map_mode
            self.renderer.update(self.mirror, self.selection, now)
            self.minimap.update(self.mirror, self.camera, self.selection, now)
            self.events.sync(self.mirror)
            self.events_panel.update(self.events, self.hud.chat_draft, now)
            self.hud.update(
                self.mirror, self.selection, self._status_line(), self._hover, self.map_mode
            )
        else:
            self.screens.update(now)

    def _status_line(self) -> str:
        if self.session.fatal:
            return self.session.fatal
        if self.mirror.awaiting_snapshot:
            return "resynchronising..."
        return self.input.prompt()

    def _new_map(self) -> None:
        """A map arrived (joined a match): build its geometry once and frame the action."""
        ground = self.mirror.ground
        assert ground is not None
        if self.renderer is not None:
            self.renderer.delete()
        self.selection = Selection()
        self.camera.limits = ground.bounds()
        self.renderer = MapRenderer(ground, self.camera)
        self.renderer.mode = self.map_mode
        if self.minimap is not None:
            self.minimap.delete()
        self.minimap = Minimap(ground)
        self.input.reset()
        self._layout()
        self._framed = False

    def _frame_action(self) -> None:
        """Frame own units and the objectives (everything, for a spectator), a few hexes round."""
        ground = self.mirror.ground
        assert ground is not None
        units = self.mirror.own_units() or list(self.mirror.units.values())
        points = [ground.centre((u.pos[0], u.pos[1])) for u in units]
        points += [ground.centre((o.pos[0], o.pos[1])) for o in self.mirror.objectives]
        if not points:
            self.camera.fit(*ground.bounds())
            return
        margin = 3 * ground.hex_km
        x0 = min(p[0] for p in points) - margin
        x1 = max(p[0] for p in points) + margin
        y0 = min(p[1] for p in points) - margin
        y1 = max(p[1] for p in points) + margin
        self.camera.fit(x0, y0, x1, y1)

    def _pan_keys(self, dt: float) -> None:
        if self.hud.chat_draft is not None:
            return
        dx = dy = 0.0
        k = self.keys
        if k[key.LEFT]:
            dx += 1
        if k[key.RIGHT]:
            dx -= 1
        if k[key.UP]:
            dy -= 1
        if k[key.DOWN]:
            dy += 1
        if dx or dy:
            step = PAN_PX_PER_S * min(dt, 0.1)
            self.camera.pan(dx * step, dy * step)

    # -- drawing ----------------------------------------------------------------------------
    def on_draw(self) -> None:
        self.window.clear()
        if self.in_match:
            assert self.renderer is not None
            if not self._framed and self.mirror.units:
                self._framed = True
                self._frame_action()
                self.renderer.update(self.mirror, self.selection, time.monotonic())
                if self.minimap is not None:
                    self.minimap.update(self.mirror, self.camera, self.selection, time.monotonic())
            self.renderer.draw(self.window)
            self.events_panel.draw()
            if self.minimap is not None:
                self.minimap.draw()
            self.hud.draw()  # last: the help overlay covers everything
            if self.mirror.finished:
                self.screens.draw_result()
            if self.options.screenshot and self.renderer.unit_count and not self._screenshot_done:
                self._screenshot_done = True
                self.save_screenshot(self.options.screenshot)
                print(f"khasan-client: saved {self.options.screenshot}", flush=True)
                self.quit(0)
        else:
            self.screens.draw()

    def save_screenshot(self, path: str) -> None:
        pyglet.image.get_buffer_manager().get_color_buffer().save(path)

    def _screenshot_timeout(self, dt: float) -> None:
        if not self._screenshot_done:
            reason = self.session.fatal or (
                f"no frame with the map and units within {self.options.screenshot_timeout:g} s "
                f"(session: {self.session.status}; last notes: "
                + " / ".join(self.session.notes[-4:])
                + ")"
            )
            self._fail(f"khasan-client: {reason}")

    def _fail(self, message: str) -> None:
        if not self._screenshot_done:
            self._screenshot_done = True
            print(message, file=sys.stderr, flush=True)
            self.quit(1)

    # -- window events ----------------------------------------------------------------------
    def on_resize(self, width: int, height: int) -> None:
        self._layout()

    def on_close(self) -> bool:
        self.quit(1 if self.session.fatal else self.exit_code)
        return True

    def on_mouse_motion(self, x: int, y: int, dx: int, dy: int) -> None:
        self._hover = self._hex_at(x, y) if self.in_match else None
        self.input.motion(x, y)

    def on_mouse_leave(self, x: int, y: int) -> None:
        self._hover = None
        self.input.leave()

    def on_mouse_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        if not self.in_match:
            self.screens.on_mouse_press(x, y, button, modifiers)
            return
        if self.mirror.finished and self.screens.result_click(x, y):
            return
        self.input.press(x, y, button, modifiers)

    def on_mouse_drag(self, x: int, y: int, dx: int, dy: int, buttons: int, modifiers: int) -> None:
        if self.in_match:
            self.input.motion(x, y)
            self.input.drag(x, y, dx, dy, buttons, modifiers)

    def on_mouse_release(self, x: int, y: int, button: int, modifiers: int) -> None:
        if self.in_match:
            self.input.release(x, y, button, modifiers)

    def on_mouse_scroll(self, x: int, y: int, scroll_x: float, scroll_y: float) -> None:
        if self.in_match:
            self.input.scroll(x, y, scroll_y)

    def on_text(self, text: str) -> None:
        if not self.in_match:
            self.screens.on_text(text)
            return
        if self._swallow_text:  # the T that opened the chat line is not part of it
            self._swallow_text = False
            return
        if self.hud.chat_draft is not None and text.isprintable() and text not in "\r\n":
            self.hud.chat_draft = (self.hud.chat_draft + text)[:200]

    def on_text_motion(self, motion: int) -> None:
        if not self.in_match:
            self.screens.on_text_motion(motion)

    def on_text_motion_select(self, motion: int) -> None:
        if not self.in_match:
            self.screens.on_text_motion(motion, select=True)

    def on_key_press(self, symbol: int, modifiers: int) -> bool:
        if symbol == key.Q and modifiers & key.MOD_CTRL:
            self.quit(self.exit_code)
        elif self.hud.chat_draft is not None:
            self._chat_key(symbol)
        elif self.in_match and symbol == key.V and self.mirror.view == "spectator":
            self.screens.cycle_perspective()
        elif self.in_match:
            self._match_key(symbol, modifiers)
        else:
            self.screens.on_key_press(symbol, modifiers)
        return True  # handled: in particular Esc must not close the window

    # -- match input ------------------------------------------------------------------------
    def _hex_at(self, x: int, y: int) -> tuple[int, int] | None:
        ground = self.mirror.ground
        if ground is None:
            return None
        return self.camera.screen_to_hex(x, y, ground.hex_km)

    def _match_key(self, symbol: int, modifiers: int) -> None:
        m, cam = self.mirror, self.camera
        if self.input.key(symbol, modifiers):
            return
        if symbol == key.F1:
            self.hud.show_help = not self.hud.show_help
        elif symbol == key.ESCAPE:
            if self.hud.show_help:
                self.hud.show_help = False
            elif self.selection.unit is not None:
                self.selection.clear()
            elif m.finished:
                self.leave_match()
        elif symbol == key.SPACE:
            if m.view in ("soviet", "japan"):
                self.session.send(MatchControl(paused=not m.paused))
        elif symbol in (key.BRACKETLEFT, key.BRACKETRIGHT):
            factor = 0.5 if symbol == key.BRACKETLEFT else 2.0
            speed = min(MAX_SPEED, max(MIN_SPEED, m.speed * factor))
            self.session.send(MatchControl(speed=speed))
        elif symbol == key.TAB:
            step = -1 if modifiers & key.MOD_SHIFT else 1
            if self.selection.cycle_own(m, step) is not None:
                self._centre_selected()
        elif symbol == key.C:
            self._centre_selected()
        elif symbol in (key.EQUAL, key.PLUS, key.NUM_ADD, key.PAGEUP):
            cam.zoom_at(cam.width / 2, cam.height / 2, 1.25)
        elif symbol in (key.MINUS, key.NUM_SUBTRACT, key.PAGEDOWN):
            cam.zoom_at(cam.width / 2, cam.height / 2, 0.8)
        elif symbol == key.HOME and m.ground is not None:
            cam.fit(*m.ground.bounds())
        elif symbol == key.M:
            self.cycle_map_mode()
        elif symbol == key.T:
            self.hud.chat_draft = ""
            self._swallow_text = True
        elif symbol == key.F12:
            self.save_screenshot(time.strftime("khasan-%Y%m%d-%H%M%S.png"))

    def cycle_map_mode(self) -> None:
        """M: terrain, supply, weather, control; a spectator sees each side's supply in turn."""
        m = self.mirror
        if self.map_mode == "supply" and m.view == "spectator" and m.supply_side == "soviet":
            m.show_supply("japan")
            return
        self.map_mode = MAP_MODES[(MAP_MODES.index(self.map_mode) + 1) % len(MAP_MODES)]
        if self.map_mode == "supply" and m.view == "spectator":
            m.show_supply("soviet")

    def _centre_selected(self) -> None:
        uid = self.selection.unit
        ground = self.mirror.ground
        if uid and ground is not None and uid in self.mirror.tracks:
            self.camera.centre_on(*ground.centre(self.mirror.display_axial(uid, time.monotonic())))

    def _chat_key(self, symbol: int) -> None:
        draft = self.hud.chat_draft or ""
        if symbol == key.ENTER:
            if draft.strip():
                self.session.send(Chat(text=draft.strip()[:500]))
            self.hud.chat_draft = None
        elif symbol == key.ESCAPE:
            self.hud.chat_draft = None
        elif symbol == key.BACKSPACE:
            self.hud.chat_draft = draft[:-1]

    def leave_match(self) -> None:
        """Back to the lobby screen after a match."""
        self.session.send(MatchLeave())
        self.mirror.leave_match()
        if self.renderer is not None:
            self.renderer.delete()
            self.renderer = None
        if self.minimap is not None:
            self.minimap.delete()
            self.minimap = None
        self.session.follow(Plan(ready=False, start=False, speed=self.options.speed))
