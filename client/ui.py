"""Screen layout as plain data: rectangles with a text, a look and what a click on them does.

The start screen, the lobby browser and the result panel each compute a list of ``Item`` from
their state; ``client.widgets`` draws such a list with pyglet, and a click is resolved here by
``hit``. So what a screen shows and what each click does are tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINE = 20  # height of a text line or a list row, px
BUTTON_H = 24
GAP = 8
DOUBLE_CLICK_S = 0.4


@dataclass(frozen=True, slots=True)
class Rect:
    """Screen rectangle, origin bottom-left like pyglet's window coordinates."""

    x: float
    y: float
    w: float
    h: float

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


@dataclass(frozen=True, slots=True)
class Item:
    """One thing on screen. ``style`` picks its look (see ``client.widgets.STYLES``):
    text, dim, title, heading, error, ok, button, off (a disabled button), row, picked, panel,
    modal, field, lock. ``action`` is what a click does; ``field`` names a text entry placed here.
    """

    rect: Rect
    text: str = ""
    style: str = "text"
    action: str | None = None
    field: str | None = None


def hit(items: list[Item], x: float, y: float) -> Item | None:
    """The topmost (last drawn) clickable item under the pointer."""
    for item in reversed(items):
        if (item.action or item.field) and item.rect.contains(x, y):
            return item
    return None


def field_rect(items: list[Item], name: str) -> Rect | None:
    """Where the screen's text entry ``name`` goes, or None when it is not shown."""
    return next((i.rect for i in items if i.field == name), None)


def find(items: list[Item], action: str) -> Item | None:
    """The item with this action (tests click on it; keys reuse it)."""
    return next((i for i in items if i.action == action), None)


@dataclass
class DoubleClick:
    """Tells a second click on the same thing within ``DOUBLE_CLICK_S`` from a first one."""

    last: tuple[str, float] | None = None

    def click(self, what: str, now: float) -> bool:
        double = (
            self.last is not None and self.last[0] == what and now - self.last[1] < DOUBLE_CLICK_S
        )
        self.last = None if double else (what, now)
        return double


@dataclass
class Entries:
    """The text typed into a screen's entries, and which one has the keyboard. The window's
    text widgets copy their text here each frame and take it back when the screen changes it
    (a chat line sent clears its entry)."""

    values: dict[str, str] = field(default_factory=dict)
    focus: str | None = None

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def set(self, name: str, text: str) -> None:
        self.values[name] = text

    def next_focus(self, order: list[str], step: int = 1) -> None:
        """Tab: the next entry of ``order`` takes the keyboard."""
        i = order.index(self.focus) if self.focus in order else -1
        self.focus = order[(i + step) % len(order)]


@dataclass
class Column:
    """Lays items out top-down in a column: ``line`` for text, ``buttons`` for a row of them."""

    x: float
    top: float
    width: float
    items: list[Item] = field(default_factory=list)

    def line(
        self, text: str, style: str = "text", action: str | None = None, h: float = LINE
    ) -> Rect:
        self.top -= h
        rect = Rect(self.x, self.top, self.width, h)
        self.items.append(Item(rect, text, style, action))
        return rect

    def skip(self, h: float = GAP) -> None:
        self.top -= h

    def buttons(self, buttons: list[tuple[str, str | None]], width: float = 0) -> None:
        """A row of buttons (text, action); a None action draws a disabled button."""
        self.top -= BUTTON_H + 2
        x = self.x
        for text, action in buttons:
            w = width or max(60.0, 8.5 * len(text) + 20)
            style = "button" if action else "off"
            self.items.append(Item(Rect(x, self.top, w, BUTTON_H), text, style, action))
            x += w + GAP
        self.top -= 2

    def entry(self, label: str, name: str, label_w: float = 110) -> None:
        """A labelled text entry filling the rest of the column's width."""
        self.top -= BUTTON_H + 4
        self.items.append(Item(Rect(self.x, self.top, label_w, BUTTON_H), label, "text"))
        rect = Rect(self.x + label_w, self.top, self.width - label_w, BUTTON_H)
        self.items.append(Item(rect, "", "field", field=name))
