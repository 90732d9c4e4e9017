"""The lobby browser's logic: the lists, the picked row, the new-game form, chat and passwords.

Plain Python over the ``Mirror``: ``layout`` says what is on screen and what each click does,
``act`` turns a click (or a key, through ``key_action``) into requests to send and plans for
the session to follow. The window only draws the items and routes input here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from client.mirror import Mirror
from client.session import Plan, seat_id
from client.texts import SIDE_TITLE, game_time
from client.ui import BUTTON_H, GAP, LINE, Column, DoubleClick, Entries, Item, Rect
from shared.protocol import (
    Chat,
    LobbyInfo,
    LobbyLeave,
    LobbyList,
    LobbyReady,
    LobbySeat,
    LobbyStart,
    MatchInfo,
    MatchList,
    Message,
    SeatInfo,
)

SIDES = ("soviet", "japan")
OPPONENTS = ("human", "easy", "normal", "hard")  # who plays a side you do not
SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)
DELAYS = (0, 6, 12, 24, 48, 72)  # game hours spectators lag behind
PLAY_AS = ("soviet", "japan", "spectator")
CHAT_LINES = 8
MAX_CHAT = 500
MAX_PASSWORD = 64

# Keys of the lobby browser (pyglet symbol names) that always mean the same action.
KEY_ACTIONS = {
    "_1": "quick:soviet",
    "_2": "quick:japan",
    "_3": "quick:duel",
    "N": "scenario:+1",
    "UP": "pick:-1",
    "DOWN": "pick:+1",
    "R": "ready",
    "L": "leave",
    "F5": "refresh",
    "T": "focus:chat",
}

ERROR_WORDS = {
    "bad_password": "wrong password",
    "no_spectators": "that game takes no spectators",
    "seat_taken": "that seat was just taken",
    "not_all_ready": "not everyone is ready yet",
    "lobby_started": "that game has already started",
    "unknown_lobby": "that lobby is gone",
    "unknown_match": "that match is over or gone",
}

Outcome = Message | Plan  # a request to send, or a plan for the session to follow


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the lists: an open lobby or a running match."""

    kind: str  # "lobby" or "match"
    id: str
    text: str
    locked: bool = False


@dataclass
class Prompt:
    """Asking for a password before joining (or watching) a passworded game."""

    title: str
    plan: Plan


@dataclass
class CreateForm:
    """The new-game form."""

    scenario: str = "lake-khasan"
    side: str = "soviet"  # what you play: a side, or "spectator"
    opponents: dict[str, str] = field(
        default_factory=lambda: {"soviet": "human", "japan": "normal"}
    )
    speed: float = 1.0
    spectators: bool = True
    delay: int = 0

    def who(self, side: str) -> str:
        """Who plays ``side``: you, the AI at a level, or another human."""
        if side == self.side:
            return "you"
        level = self.opponents.get(side, "human")
        return "human player" if level == "human" else f"AI ({level})"

    def plan(self, password: str = "") -> Plan:
        ai = {s: lvl for s in SIDES if (lvl := self.opponents.get(s, "human")) != "human"}
        ai.pop(self.side, None)
        playing = self.side if self.side in SIDES else None
        return Plan(
            create=self.scenario,
            side=playing,
            ai=ai,
            speed=self.speed,
            ready=playing is not None,
            start=playing is not None and all(s in ai or s == playing for s in SIDES),
            password=password or None,
            spectators=self.spectators,
            spectator_delay=self.delay,
            # Alone against the AI: it commands your side's other forces too.
            teammates=next(iter(ai.values()), None) if playing and len(ai) == 1 else None,
        )


def _cycle(choices: tuple, current: object, step: int = 1) -> object:  # type: ignore[type-arg]
    i = choices.index(current) if current in choices else -1
    return choices[(i + step) % len(choices)]


def seat_line(seat: SeatInfo, me: str | None) -> str:
    """'Soviet: Zhukov, ready - Mongolian Force': who holds it first, the long title last."""
    side = SIDE_TITLE.get(seat.side, seat.side)
    title = getattr(seat, "title", "")
    return f"  {side}: {holder(seat, me)}" + (f"  - {title}" if title else "")


def holder(seat: SeatInfo, me: str | None) -> str:
    if seat.ai:
        return f"AI ({seat.ai})"
    if seat.player:
        who = seat.name or seat.player
        return who + (" (you)" if seat.player == me else "") + (", ready" if seat.ready else "")
    return "open"


def lobby_row_text(lobby: LobbyInfo) -> str:
    by_side: dict[str, list[str]] = {}
    for seat in lobby.seats:
        who = f"AI {seat.ai}" if seat.ai else (seat.name or "taken") if seat.player else "open"
        by_side.setdefault(SIDE_TITLE.get(seat.side, seat.side), []).append(who)
    seats = "  ".join(f"{side}: {', '.join(who)}" for side, who in by_side.items())
    watch = f"  +{lobby.spectators} watching" if lobby.spectators else ""
    return f"{lobby.name} - {lobby.title}   {seats}{watch}"


def match_row_text(match: MatchInfo) -> str:
    players = ", ".join(
        f"{SIDE_TITLE.get(side, side)}: {' & '.join(names) or 'AI'}"
        for side, names in match.players.items()
    )
    delay = getattr(match, "spectator_delay", 0)
    lag = f", {delay} h behind" if delay else ""
    return f"{match.title} - {game_time(match.time)}   {players}   {match.spectators} watching{lag}"


@dataclass
class LobbyBrowser:
    """What the lobby browser shows and does."""

    form: CreateForm = field(default_factory=CreateForm)
    entries: Entries = field(default_factory=Entries)
    picked: int = 0
    prompt: Prompt | None = None
    clicks: DoubleClick = field(default_factory=DoubleClick)
    message: str = ""  # the last error or hint, shown above the chat

    # -- what is listed ---------------------------------------------------------------------
    def rows(self, mirror: Mirror) -> list[Row]:
        lobbies = [
            Row("lobby", lob.id, lobby_row_text(lob), bool(getattr(lob, "password", False)))
            for lob in mirror.lobbies
            if lob.state == "open"
        ]
        matches = [
            Row("match", m.id, match_row_text(m), bool(getattr(m, "password", False)))
            for m in mirror.matches
            if not m.finished
        ]
        return lobbies + matches

    def picked_row(self, mirror: Mirror) -> Row | None:
        rows = self.rows(mirror)
        if not rows:
            return None
        self.picked = min(max(self.picked, 0), len(rows) - 1)
        return rows[self.picked]

    @staticmethod
    def lobby(mirror: Mirror, lobby_id: str) -> LobbyInfo | None:
        if mirror.lobby is not None and mirror.lobby.id == lobby_id:
            return mirror.lobby
        return next((lob for lob in mirror.lobbies if lob.id == lobby_id), None)

    @staticmethod
    def my_lobby(mirror: Mirror) -> LobbyInfo | None:
        lobby = mirror.lobby
        return lobby if lobby is not None and lobby.state == "open" else None

    @staticmethod
    def my_seat(mirror: Mirror) -> SeatInfo | None:
        lobby = LobbyBrowser.my_lobby(mirror)
        if lobby is None or mirror.player is None:
            return None
        return next((s for s in lobby.seats if s.player == mirror.player), None)

    def chat_lines(self, mirror: Mirror) -> list[str]:
        return [line.text for line in mirror.log if line.kind == "chat"][-CHAT_LINES:]

    # -- keys -------------------------------------------------------------------------------
    def key_action(self, name: str, mirror: Mirror) -> str | None:
        """The action a key stands for on this screen (``name`` as pyglet's symbol_string)."""
        if name in KEY_ACTIONS:
            return KEY_ACTIONS[name]
        row = self.picked_row(mirror)
        if name in ("S", "J", "V") and row is not None and row.kind == "lobby":
            side = {"S": "soviet", "J": "japan", "V": "spectator"}[name]
            return f"spectate:{row.id}" if side == "spectator" else f"join:{row.id}:{side}:"
        if name == "W":
            return f"watch:{row.id}" if row is not None and row.kind == "match" else "watch:first"
        if name in ("ENTER", "RETURN"):
            if self.my_lobby(mirror) is not None:
                return "start"
            if row is not None:
                return f"watch:{row.id}" if row.kind == "match" else f"spectate:{row.id}"
        return None

    # -- doing ------------------------------------------------------------------------------
    def click_row(self, index: int, mirror: Mirror, now: float) -> list[Outcome]:
        """Pick a row; a double click watches a match or joins a lobby's first free seat."""
        self.picked = index
        rows = self.rows(mirror)
        if not 0 <= index < len(rows) or not self.clicks.click(f"row:{rows[index].id}", now):
            return []
        row = rows[index]
        return self.act(f"watch:{row.id}" if row.kind == "match" else f"spectate:{row.id}", mirror)

    def act(self, action: str, mirror: Mirror) -> list[Outcome]:
        """Do what a click or key stands for: update the screen, return what to send/follow."""
        verb, _, arg = action.partition(":")
        form = self.form
        self.message = ""
        if verb == "pick":
            n = len(self.rows(mirror))
            if n:
                step = int(arg) if arg in ("+1", "-1") else 0
                self.picked = (self.picked + step) % n if step else int(arg)
            return []
        if verb == "row":
            return []  # handled by click_row (it needs the time)
        if verb == "quick":
            side = "japan" if arg == "japan" else "soviet"
            other = SIDES[1 - SIDES.index(side)]
            level = form.opponents.get(other, "normal")
            ai = {} if arg == "duel" else {other: "normal" if level == "human" else level}
            return [
                Plan(
                    create=form.scenario,
                    side=side,
                    ai=ai,
                    speed=form.speed,
                    ready=True,
                    start=arg != "duel",
                    teammates=None if arg == "duel" else next(iter(ai.values())),
                )
            ]
        if verb == "scenario":
            choices = tuple(mirror.scenarios or [form.scenario])
            form.scenario = str(_cycle(choices, form.scenario, int(arg or "1")))
        elif verb == "play":
            form.side = str(_cycle(PLAY_AS, form.side))
        elif verb == "ai":
            form.opponents[arg] = str(_cycle(OPPONENTS, form.opponents.get(arg, "human")))
        elif verb == "speed":
            form.speed = float(_cycle(SPEEDS, form.speed, int(arg or "1")))
        elif verb == "spectators":
            form.spectators = not form.spectators
        elif verb == "delay":
            form.delay = int(_cycle(DELAYS, form.delay))  # type: ignore[call-overload]
        elif verb == "create":
            password = self.entries.get("password")[:MAX_PASSWORD]
            return [form.plan(password)]
        elif verb == "join":
            lobby_id, _, rest = arg.partition(":")
            side, _, seat = rest.partition(":")
            plan = Plan(lobby=lobby_id, side=side, seat=seat or None, ready=False, start=False)
            return self._maybe_ask(mirror, lobby_id, plan)
        elif verb == "spectate":
            plan = Plan(lobby=arg, side="spectator", ready=False, start=False)
            return self._maybe_ask(mirror, arg, plan)
        elif verb == "watch":
            match = next((m for m in mirror.matches if m.id == arg), None)
            plan = Plan(watch=arg)
            if match is not None and getattr(match, "password", False):
                self._ask(f"Password to watch {match.title}", plan)
                return []
            return [plan]
        elif verb == "password":
            return self._answer(arg == "ok")
        elif verb == "seat":
            sid, _, level = arg.partition(":")
            return [LobbySeat(seat=sid, ai=level or None)]  # type: ignore[arg-type]
        elif verb == "ready":
            mine = self.my_seat(mirror)
            if mine is not None:
                return [LobbyReady(ready=not mine.ready)]
            self.message = "take a seat first (Join), then get ready"
        elif verb == "start":
            if self.my_lobby(mirror) is not None:
                return [LobbyStart()]
        elif verb == "leave":
            if mirror.lobby is not None:
                mirror.lobby = None
                return [LobbyLeave()]
        elif verb == "refresh":
            return [LobbyList(), MatchList()]
        elif verb == "focus":
            self.entries.focus = arg
        elif verb == "chat":
            text = self.entries.get("chat").strip()[:MAX_CHAT]
            self.entries.set("chat", "")
            if text:
                return [Chat(text=text)]
        return []

    def _maybe_ask(self, mirror: Mirror, lobby_id: str, plan: Plan) -> list[Outcome]:
        lobby = self.lobby(mirror, lobby_id)
        if lobby is not None and getattr(lobby, "password", False):
            already = self.my_lobby(mirror)
            if already is None or already.id != lobby_id:  # seat changes need no password
                self._ask(f"Password for {lobby.name}", plan)
                return []
        return [plan]

    def _ask(self, title: str, plan: Plan) -> None:
        self.prompt = Prompt(title, plan)
        self.entries.set("prompt", "")
        self.entries.focus = "prompt"

    def _answer(self, ok: bool) -> list[Outcome]:
        prompt, self.prompt = self.prompt, None
        self.entries.focus = None
        password = self.entries.get("prompt")[:MAX_PASSWORD]
        self.entries.set("prompt", "")
        if prompt is None or not ok:
            return []
        prompt.plan.password = password
        return [prompt.plan]

    def commit(self, mirror: Mirror) -> list[Outcome]:
        """Enter in the focused entry."""
        focus = self.entries.focus
        if focus == "chat":
            return self.act("chat", mirror)
        if focus == "prompt":
            return self.act("password:ok", mirror)
        self.entries.focus = None
        return []

    def escape(self) -> None:
        if self.prompt is not None:
            self._answer(False)
        else:
            self.entries.focus = None

    def error(self, code: str, message: str) -> None:
        """A refused request: a line above the chat, in words."""
        self.message = ERROR_WORDS.get(code, message or code)

    # -- what is on screen ------------------------------------------------------------------
    def layout(self, mirror: Mirror, width: float, height: float, status: str) -> list[Item]:
        pad = 16.0
        items: list[Item] = []
        items.append(Item(Rect(pad, height - 44, 420, 34), "KHASAN 1938 - lobbies", "title"))
        items.append(Item(Rect(width / 2, height - 36, width / 2 - pad, LINE), status, "dim"))
        left_w = max(300.0, width * 0.58 - pad * 1.5)
        right_x = pad + left_w + pad
        right_w = width - right_x - pad
        items += self._lists(mirror, Column(pad, height - 56, left_w), height)
        mine = self.my_lobby(mirror)
        right = Column(right_x, height - 56, right_w)
        if mine is not None:
            self._your_lobby(mirror, mine, right)
        else:
            self._create_form(right)
        items += right.items
        items += self._chat(mirror, Column(right_x, right.top - GAP, right_w))
        keys = (
            "Click a row; double-click watches or spectates.  Keys: 1/2 play vs AI, 3 two "
            "players, N scenario, Up/Down pick, S/J/V join, R ready, Enter start, L leave, "
            "W watch, T chat, F5 refresh"
        )
        items.append(Item(Rect(pad, 6, width - 2 * pad, LINE), keys, "dim"))
        if self.prompt is not None:
            items += self._prompt(width, height)
        return items

    def _lists(self, mirror: Mirror, col: Column, height: float) -> list[Item]:
        rows = self.rows(mirror)
        self.picked_row(mirror)
        lobbies = [r for r in rows if r.kind == "lobby"]
        matches = [r for r in rows if r.kind == "match"]
        room = max(4, int((height - 360) / LINE))  # rows that fit above the details
        shown_l = lobbies[: max(2, room - min(len(matches), room // 2))]
        shown_m = matches[: max(1, room - len(shown_l))]
        col.line(f"Open lobbies ({len(lobbies)})" if lobbies else "No open lobbies", "heading")
        for i, row in enumerate(lobbies):
            if row in shown_l:
                self._row(col, i, row)
        if len(shown_l) < len(lobbies):
            col.line(f"   ... {len(lobbies) - len(shown_l)} more (Up/Down)", "dim")
        col.skip()
        col.line(
            f"Running matches ({len(matches)})" if matches else "No running matches", "heading"
        )
        for j, row in enumerate(matches):
            if row in shown_m:
                self._row(col, len(lobbies) + j, row)
        if len(shown_m) < len(matches):
            col.line(f"   ... {len(matches) - len(shown_m)} more (Up/Down)", "dim")
        col.skip()
        picked = self.picked_row(mirror)
        if picked is not None:
            self._details(mirror, picked, col)
        return col.items

    def _row(self, col: Column, index: int, row: Row) -> None:
        style = "picked" if index == self.picked else "row"
        rect = col.line(f"     {row.text}", style, f"row:{index}")
        if row.locked:
            col.items.append(Item(Rect(rect.x + 6, rect.y + 3, 14, LINE - 6), "", "lock"))

    def _details(self, mirror: Mirror, row: Row, col: Column) -> None:
        if row.kind == "match":
            match = next((m for m in mirror.matches if m.id == row.id), None)
            if match is None:
                return
            col.line(f"{match.title} ({match.scenario})", "heading")
            col.line(f"{game_time(match.time)}, hour {match.hour}; match {match.id}", "text")
            if getattr(match, "spectators_allowed", True):
                col.buttons([("Watch", f"watch:{match.id}")])
            else:
                col.line("This match takes no spectators.", "dim")
            return
        lobby = self.lobby(mirror, row.id)
        if lobby is None:
            return
        col.line(f"{lobby.name} - {lobby.title} ({lobby.scenario})", "heading")
        col.line(_options(lobby), "dim")
        mine = self.my_seat(mirror)
        for seat in lobby.seats:
            sid = seat_id(seat)
            free = seat.ai is None and seat.player is None
            col.line(seat_line(seat, mirror.player), "text")
            if free and (mine is None or seat_id(mine) != sid):
                rect = col.items[-1].rect
                w = 70.0
                col.items.append(
                    Item(
                        Rect(rect.x + rect.w - w, rect.y, w, rect.h),
                        "Join",
                        "button",
                        f"join:{lobby.id}:{seat.side}:{sid}",
                    )
                )
        if getattr(lobby, "spectators_allowed", True):
            col.buttons([("Spectate", f"spectate:{lobby.id}")])

    def _your_lobby(self, mirror: Mirror, lobby: LobbyInfo, col: Column) -> None:
        host = lobby.host == mirror.player
        col.line("Your lobby" + (" (you are host)" if host else ""), "heading")
        col.line(f"{lobby.name} - {lobby.title}", "text")
        col.line(_options(lobby), "dim")
        for seat in lobby.seats:
            col.line(seat_line(seat, mirror.player), "text")
            if host and seat.player is None:
                # The host hands an empty seat to the AI, or opens an AI's seat to players.
                label, action = (
                    ("Open", f"seat:{seat_id(seat)}:")
                    if seat.ai
                    else (
                        "AI",
                        f"seat:{seat_id(seat)}:normal",
                    )
                )
                rect = col.items[-1].rect
                col.items.append(
                    Item(
                        Rect(rect.x + rect.w - 70.0, rect.y, 70.0, rect.h), label, "button", action
                    )
                )
        mine = self.my_seat(mirror)
        ready = "Cancel ready" if mine is not None and mine.ready else "Ready"
        col.buttons(
            [
                (ready, "ready" if mine is not None else None),
                ("Start", "start" if host else None),
                ("Leave", "leave"),
            ],
            width=96,
        )
        if mine is None:
            col.line("You are watching: take a seat with Join (left).", "dim")

    def _create_form(self, col: Column) -> None:
        form = self.form
        col.line("New game", "heading")
        rows = [
            ("Scenario", form.scenario, "scenario:+1"),
            ("You play", SIDE_TITLE.get(form.side, form.side), "play"),
            *((SIDE_TITLE[s], form.who(s), f"ai:{s}" if s != form.side else None) for s in SIDES),
            ("Speed", f"{form.speed:g} game hours / s", "speed:+1"),
            ("Spectators", "allowed" if form.spectators else "not allowed", "spectators"),
            ("Their delay", f"{form.delay} game hours", "delay"),
        ]
        for label, value, action in rows:
            col.top -= BUTTON_H + 2
            col.items.append(Item(Rect(col.x, col.top, 110, BUTTON_H), label, "text"))
            rect = Rect(col.x + 110, col.top, col.width - 110, BUTTON_H)
            col.items.append(Item(rect, value, "button" if action else "off", action))
        col.entry("Password", "password")
        col.skip(4)
        col.buttons([("Create game", "create")], width=140)

    def _chat(self, mirror: Mirror, col: Column) -> list[Item]:
        col.line("Chat" if self.my_lobby(mirror) else "Chat (join a lobby to talk)", "heading")
        for line in self.chat_lines(mirror):
            col.line(line, "text", h=18)
        if self.message:
            col.line(self.message, "error")
        col.entry("Say", "chat", label_w=40)
        return col.items

    def _prompt(self, width: float, height: float) -> list[Item]:
        assert self.prompt is not None
        w, h = 420.0, 130.0
        x, y = (width - w) / 2, (height - h) / 2
        col = Column(x + 16, y + h - 8, w - 32)
        col.items.append(Item(Rect(x, y, w, h), "", "modal"))
        col.line(self.prompt.title, "heading")
        col.entry("Password", "prompt", label_w=90)
        col.skip()
        col.buttons([("OK", "password:ok"), ("Cancel", "password:cancel")], width=90)
        return col.items


def _options(lobby: LobbyInfo) -> str:
    parts = [f"{lobby.speed:g} h/s"]
    if getattr(lobby, "password", False):
        parts.append("password")
    if not getattr(lobby, "spectators_allowed", True):
        parts.append("no spectators")
    elif delay := getattr(lobby, "spectator_delay", 0):
        parts.append(f"spectators {delay} h behind")
    if lobby.spectators:
        parts.append(f"{lobby.spectators} watching")
    return ", ".join(parts)
