"""The events panel: the last lines of the event log above the minimap, the chat line below.

One label per row, whose text is assigned only when it changes; the panel is as tall as the
lines it shows. The wheel over the panel
scrolls the log; clicking a line that has a place moves the camera there (``row_at``).
"""

from __future__ import annotations

import pyglet
from pyglet.graphics import Batch, Group

from client import palette
from client.events import Entry, EventLog

ROWS = 8
ROW_H = 15  # px
WIDTH = 560  # px, at most
PAD = 6
MAX_CHARS = 96
REFRESH_S = 0.25  # rows are laid out again at most this often: a busy war logs every frame


class EventsPanel:
    """ROWS lines of the log (newest at the bottom), a header, and the chat draft."""

    def __init__(self) -> None:
        self.batch = Batch()
        self.bg = pyglet.shapes.Rectangle(
            0, 0, 1, 1, color=palette.HUD_BG, batch=self.batch, group=Group(order=0)
        )
        fg = Group(order=1)

        def label(colour: tuple[int, int, int, int] = palette.HUD_TEXT) -> pyglet.text.Label:
            return pyglet.text.Label(
                "", font_size=9, color=colour, anchor_x="left", anchor_y="bottom",
                batch=self.batch, group=fg,
            )  # fmt: skip

        self.header = label(palette.HUD_DIM)
        self.rows = [label() for _ in range(ROWS)]
        self.chat = label()
        self.rect = (0.0, 0.0, 1.0, 1.0)
        self._filled = 0  # log rows shown (fewer than ROWS while the log is short)
        self._base = 0.0  # y of the lowest log row
        self._shown: list[tuple[str, tuple[int, int, int, int]]] = [("", palette.HUD_TEXT)] * ROWS
        self._version = -1
        self._refreshed = -REFRESH_S
        self._draft: str | None = None
        self.place(8, 8, WIDTH)

    def place(self, x: float, y: float, width: float) -> None:
        """Put the panel's bottom-left corner at (x, y)."""
        self.rect = (x, y, min(WIDTH, width), self.rect[3])
        self._arrange()

    def _arrange(self) -> None:
        """Rows from the bottom up (the chat line lowest), as tall as what is shown."""
        x, y, width, _ = self.rect
        n = self._filled
        base = y + PAD + (ROW_H if self._draft is not None else 0)
        height = base - y + ROW_H * (n + 1) + PAD
        self.rect = (x, y, width, height)
        self.bg.position = (x, y)
        self.bg.width, self.bg.height = width, height
        self.chat.position = (x + PAD, y + PAD, 0)
        for i, lab in enumerate(self.rows):  # row 0 at the top, the newest line at the bottom
            lab.position = (x + PAD, base + ROW_H * (ROWS - 1 - i), 0)
        self.header.position = (x + PAD, base + ROW_H * n, 0)
        self._base = base

    def contains(self, x: float, y: float) -> bool:
        rx, ry, rw, rh = self.rect
        return rx <= x <= rx + rw and ry <= y <= ry + rh

    def row_at(self, x: float, y: float) -> int | None:
        """The log row (0 at the top of a full panel) under window point (x, y), if any."""
        if not self.contains(x, y) or y < self._base:
            return None
        band = int((y - self._base) // ROW_H)
        return ROWS - 1 - band if band < self._filled else None

    def update(self, log: EventLog, chat_draft: str | None, now: float) -> None:
        arrange = False
        if log.version != self._version and now - self._refreshed >= REFRESH_S:
            self._version, self._refreshed = log.version, now
            shown = log.window(ROWS)
            lines: list[tuple[str, tuple[int, int, int, int]]] = [("", palette.HUD_TEXT)] * (
                ROWS - len(shown)
            )
            lines += [(_text(e), palette.EVENT_TEXT.get(e.kind, palette.HUD_TEXT)) for e in shown]
            for lab, old, new in zip(self.rows, self._shown, lines, strict=True):
                if old != new:
                    lab.text, lab.color = new
            self._shown = lines
            more = f" - {log.offset} newer below (wheel down)" if log.offset else ""
            self.header.text = (
                f"Events ({len(log.entries)}): wheel scrolls, click a line to go there{more}"
            )
            arrange = len(shown) != self._filled
            self._filled = len(shown)
        if chat_draft != self._draft:
            arrange = arrange or (chat_draft is None) != (self._draft is None)
            self._draft = chat_draft
            self.chat.text = f"say: {chat_draft}_" if chat_draft is not None else ""
        if arrange:
            self._arrange()

    def draw(self) -> None:
        self.batch.draw()


def _text(entry: Entry) -> str:
    text = f"{entry.when}  {entry.text}"
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."
