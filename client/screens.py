"""The screens around a match: start (server and name), lobby browser, and the result panel.

``Screens`` belongs to the ``ClientApp``: the app hands it frames and input whenever no match
is on screen (and the result panel's clicks once a match is over), and this module does the
rest: connecting and retrying from the start screen, refreshing the lists, sending what the
lobby browser asks for, saving the settings that worked. The logic of each screen is plain
Python in ``client.connect``, ``client.browser`` and ``client.result``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pyglet.window import key, mouse

from client import result, settings
from client.browser import LobbyBrowser, Outcome
from client.connect import StartForm
from client.net import NetClient
from client.session import Plan, Session
from client.ui import Item, hit
from client.widgets import ItemsView
from shared.protocol import LobbyList, MatchList, MatchView

if TYPE_CHECKING:
    from client.app import ClientApp

LOBBY_REFRESH_S = 3.0
PERSPECTIVES = ("all", "soviet", "japan")
START_FIELDS = ["server", "name"]


class Screens:
    """Start screen, lobby browser and result panel of one window."""

    def __init__(self, app: ClientApp) -> None:
        self.app = app
        o = app.options
        self.settings = o.settings or settings.Settings(name=o.name)
        self.form = StartForm.prefilled(o.server or self.settings.server, o.name)
        self.starting = o.server is None  # no server given: ask for one first
        self._plan: Plan | None = o.plan  # the command line's plan, until a connection takes it
        self.browser = LobbyBrowser()
        self.browser.form.scenario = o.scenario
        self.browser.form.speed = o.speed
        self.browser.form.opponents["japan"] = o.ai_level
        if o.settings is not None and o.settings.side in ("soviet", "japan"):
            self.browser.form.side = o.settings.side
        self.view = ItemsView()
        self.result_view = ItemsView()
        self.items: list[Item] = []
        self.result_items: list[Item] = []
        self._last_refresh = -LOBBY_REFRESH_S
        self._error_seen: object = None
        self._swallow_text = False

    @property
    def screen(self) -> str:
        """ "start", "lobby" or "match"."""
        if self.starting:
            return "start"
        return "match" if self.app.in_match else "lobby"

    def begin(self) -> None:
        """The window is up: connect at once when the command line named a server."""
        if not self.starting:
            self._plan = None
            self.app.net.start()

    # -- connecting -------------------------------------------------------------------------
    def connect(self) -> None:
        """Connect (again) with what the start screen holds."""
        attempt = self.form.submit()
        if attempt is None:
            return
        url, name = attempt
        app = self.app
        app.net.close()
        app.options.server, app.options.name = url, name
        plan = self._plan or Plan(ready=False, start=False, speed=app.options.speed)
        app.session = Session(name, app._send, plan, app.mirror)
        app.net = NetClient(url, app.session)
        self._error_seen = app.mirror.last_error
        app.net.start()

    def _check_connection(self) -> None:
        session = self.app.session
        if self.starting:
            if session.status == "welcome":
                self.starting, self._plan = False, None
                self.settings.server = self.form.url or self.settings.server
                self.settings.name = session.name
                self._remember()
            elif session.fatal:
                self.form.failed(session.fatal)
                self.app.net.close()
            return
        if session.fatal and session.status in ("welcome", "in match"):
            session.fatal = None  # a refused lobby request: the browser says why below
        elif session.fatal and self.screen == "lobby" and not self.app.options.screenshot:
            # The connection is gone: back to the start screen to fix the address or retry.
            self.starting = True
            self.form.failed(session.fatal)
            self.app.net.close()

    def _remember(self) -> None:
        if self.app.options.remember:
            settings.save(self.settings)

    # -- per frame --------------------------------------------------------------------------
    def update(self, now: float) -> None:
        app = self.app
        self._check_connection()
        w, h = app.window.get_size()
        if self.starting:
            self.items = self.form.layout(w, h)
            self.view.show(self.items, self.form.entries)
            return
        if app.session.status == "welcome" and now - self._last_refresh > LOBBY_REFRESH_S:
            self._last_refresh = now
            app.session.send(LobbyList())
            app.session.send(MatchList())
        error = app.mirror.last_error
        if error is not None and error is not self._error_seen:
            self._error_seen = error
            self.browser.error(error.code, error.message)
        self.items = self.browser.layout(app.mirror, w, h, self._status())
        self.view.show(self.items, self.browser.entries)

    def _status(self) -> str:
        s = self.app.session
        return f"{s.name} @ {self.app.options.server}: {s.status}"

    def draw(self) -> None:
        self.view.draw()

    def draw_result(self) -> None:
        """Over the final map, once the match is over."""
        w, h = self.app.window.get_size()
        self.result_items = result.layout(self.app.mirror, w, h)
        self.result_view.show(self.result_items, self.browser.entries)
        self.result_view.draw()

    # -- input ------------------------------------------------------------------------------
    @property
    def entries(self):  # type: ignore[no-untyped-def]
        return self.form.entries if self.starting else self.browser.entries

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        entries = self.entries
        if self.starting:
            if symbol in (key.ENTER, key.NUM_ENTER):
                self.connect()
            elif symbol == key.TAB:
                entries.next_focus(START_FIELDS, -1 if modifiers & key.MOD_SHIFT else 1)
            elif symbol == key.ESCAPE:
                entries.focus = None
            return
        browser, mirror = self.browser, self.app.mirror
        if entries.focus is not None:
            if symbol in (key.ENTER, key.NUM_ENTER):
                self._do(browser.commit(mirror))
            elif symbol == key.ESCAPE:
                browser.escape()
            return
        if symbol == key.ESCAPE and browser.prompt is not None:
            browser.escape()
            return
        action = browser.key_action(key.symbol_string(symbol), mirror)
        if action is not None:
            self._swallow_text = action.startswith("focus:")
            self._act(action)

    def on_text(self, text: str) -> None:
        if self._swallow_text:  # the T that opened the chat entry is not part of it
            self._swallow_text = False
            return
        self.view.on_text(self.entries.focus, text)

    def on_text_motion(self, motion: int, select: bool = False) -> None:
        self.view.on_text_motion(self.entries.focus, motion, select)

    def on_mouse_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        if button != mouse.LEFT:
            return
        item = hit(self.items, x, y)
        entries = self.entries
        if item is None:
            entries.focus = None
        elif item.field:
            entries.focus = item.field
            self.view.show(self.items, entries)  # the entry takes focus before the caret moves
            self.view.press(item.field, x, y, button, modifiers)
        elif item.action is not None:
            entries.focus = None
            if self.starting:
                if item.action == "connect":
                    self.connect()
            elif item.action.startswith("row:"):
                index = int(item.action.split(":")[1])
                self._do(self.browser.click_row(index, self.app.mirror, time.monotonic()))
            else:
                self._act(item.action)

    def result_click(self, x: int, y: int) -> bool:
        """A click on the result panel: True when it was for the panel (and handled)."""
        item = hit(self.result_items, x, y)
        if item is not None and item.action == result.BACK:
            self.app.leave_match()
            return True
        return any(i.style == "modal" and i.rect.contains(x, y) for i in self.result_items)

    # -- doing ------------------------------------------------------------------------------
    def _act(self, action: str) -> None:
        self._do(self.browser.act(action, self.app.mirror))

    def _do(self, outcomes: list[Outcome]) -> None:
        session = self.app.session
        for out in outcomes:
            if isinstance(out, Plan):
                if out.create:
                    self._remember_game(out)
                session.follow(out)
            else:
                session.send(out)

    def _remember_game(self, plan: Plan) -> None:
        s = self.settings
        s.scenario, s.speed = plan.create or s.scenario, plan.speed
        s.side = plan.side or s.side
        s.ai_level = next(iter(plan.ai.values()), s.ai_level)
        self._remember()

    def cycle_perspective(self) -> None:
        """V, for a spectator: all -> Soviet -> Japanese eyes, through the server."""
        mirror = self.app.mirror
        if mirror.view != "spectator":
            return
        now = mirror.perspective if mirror.perspective in PERSPECTIVES else "all"
        view = PERSPECTIVES[(PERSPECTIVES.index(now) + 1) % len(PERSPECTIVES)]
        self.app.session.send(MatchView(view=view))  # type: ignore[arg-type]

    def on_quit(self) -> None:
        """Remember the window's size for next time."""
        if self.app.options.remember:
            self.settings.width, self.settings.height = self.app.window.get_size()
            self._remember()
