"""Draws a screen's ``client.ui`` items with pyglet: panels, labels, buttons and text entries.

Text entry is pyglet's own ``pyglet.gui.TextEntry`` (caret, selection, clipboard-free editing);
everything else is a rectangle and a label. A slot is updated only when its item changed,
because pyglet lays a label out again on every assignment.
"""

from __future__ import annotations

from typing import Any

import pyglet
from pyglet.graphics import Batch, Group

from client.styles import ENTRY_BG, ENTRY_FOCUS, ENTRY_TEXT, RGBA, STYLES
from client.ui import Entries, Item, Rect


class _Slot:
    """The shapes of one item."""

    def __init__(self, batch: Batch, layer: int) -> None:
        self.layer = layer
        self.bg = pyglet.shapes.Rectangle(0, 0, 1, 1, batch=batch, group=Group(layer * 3))
        self.label = pyglet.text.Label(
            "", anchor_y="center", batch=batch, group=Group(layer * 3 + 1)
        )
        self.lock: list[Any] = []
        self.item: Item | None = None

    def show(self, item: Item, batch: Batch) -> None:
        if item == self.item:
            return
        self.item = item
        style = STYLES.get(item.style, STYLES["text"])
        r = item.rect
        self.bg.visible = style.bg is not None
        if style.bg is not None:
            self.bg.position = (r.x, r.y)
            self.bg.width, self.bg.height = r.w, r.h
            self.bg.color = style.bg
        label = self.label
        chars = max(1, int((r.w - 8) / (style.size * (0.8 if style.bold else 0.72))))
        text = item.text if len(item.text) <= chars else item.text[: chars - 1] + "…"
        label.begin_update()
        label.text = text
        label.font_size = style.size
        label.weight = "bold" if style.bold else "normal"
        label.color = style.colour
        label.anchor_x = "center" if style.centred else "left"
        label.x = r.x + r.w / 2 if style.centred else r.x + 4
        label.y = r.y + r.h / 2
        label.end_update()
        self.lock = (
            _lock_icon(r, style.colour, batch, Group(self.layer * 3 + 1))
            if item.style == "lock"
            else []
        )

    def hide(self) -> None:
        self.item = None
        self.bg.visible = False
        self.label.text = ""
        self.lock = []

    def delete(self) -> None:
        self.bg.delete()
        self.label.delete()
        self.lock = []


def _lock_icon(r: Rect, colour: RGBA, batch: Batch, group: Group) -> list[Any]:
    """A padlock: a body and a shackle."""
    body_h = r.h * 0.55
    body = pyglet.shapes.Rectangle(r.x, r.y, r.w, body_h, color=colour, batch=batch, group=group)
    shackle = pyglet.shapes.Arc(
        r.x + r.w / 2,
        r.y + body_h,
        r.w * 0.32,
        segments=12,
        angle=180.0,
        thickness=2,
        color=colour,
        batch=batch,
        group=group,
    )
    return [body, shackle]


class ItemsView:
    """Draws a list of items and the text entries among them."""

    def __init__(self) -> None:
        self.batch = Batch()
        self._slots: list[_Slot] = []
        self._entries: dict[str, pyglet.gui.TextEntry] = {}
        self._synced: dict[str, str] = {}
        self._focus: str | None = None

    def show(self, items: list[Item], entries: Entries) -> None:
        layer = 0
        wanted: dict[str, tuple[Rect, int]] = {}
        for i, item in enumerate(items):
            if item.style == "modal":
                layer += 1
            if i >= len(self._slots) or self._slots[i].layer != layer:
                if i < len(self._slots):
                    self._slots[i].delete()
                    self._slots[i] = _Slot(self.batch, layer)
                else:
                    self._slots.append(_Slot(self.batch, layer))
            if item.field:
                wanted[item.field] = (item.rect, layer)
                self._slots[i].hide()
            else:
                self._slots[i].show(item, self.batch)
        for slot in self._slots[len(items) :]:
            slot.hide()
        self._sync_entries(wanted, entries)

    def _sync_entries(self, wanted: dict[str, tuple[Rect, int]], entries: Entries) -> None:
        for name in [n for n in self._entries if n not in wanted]:
            _delete_entry(self._entries.pop(name))
            self._synced.pop(name, None)
        for name, (rect, layer) in wanted.items():
            entry = self._entries.get(name)
            if entry is None:
                entry = pyglet.gui.TextEntry(
                    entries.get(name),
                    int(rect.x + 2),
                    0,
                    int(rect.w - 4),
                    color=ENTRY_BG,
                    text_color=ENTRY_TEXT,
                    caret_color=ENTRY_TEXT,
                    batch=self.batch,
                    group=Group(layer * 3 + 2),
                )
                self._entries[name] = entry
                self._synced[name] = entries.get(name)
            entry.position = (int(rect.x + 2), int(rect.y + (rect.h - entry.height) / 2))
            if entry.width != int(rect.w - 4):
                entry.width = int(rect.w - 4)
            # Typed text goes to the screen's entries; text the screen set comes back.
            if entry.value != self._synced[name]:
                entries.set(name, entry.value)
            elif entries.get(name) != entry.value:
                entry.value = entries.get(name)
            self._synced[name] = entry.value
            focused = entries.focus == name
            if entry.focus != focused:
                entry.focus = focused
                entry._outline.color = ENTRY_FOCUS if focused else ENTRY_BG

    def entry(self, name: str) -> pyglet.gui.TextEntry | None:
        return self._entries.get(name)

    # -- input for the focused entry ----------------------------------------------------------
    def on_text(self, focus: str | None, text: str) -> None:
        entry = self._entries.get(focus or "")
        if entry is not None and entry.focus and text not in ("\r", "\n"):
            entry.on_text(text)

    def on_text_motion(self, focus: str | None, motion: int, select: bool = False) -> None:
        entry = self._entries.get(focus or "")
        if entry is not None and entry.focus:
            if select:
                entry.on_text_motion_select(motion)
            else:
                entry.on_text_motion(motion)

    def press(self, name: str, x: int, y: int, button: int, modifiers: int) -> None:
        """A click in an entry that now has the keyboard: put the caret there."""
        entry = self._entries.get(name)
        if entry is not None:
            entry.on_mouse_press(x, y, button, modifiers)

    def draw(self) -> None:
        self.batch.draw()

    def delete(self) -> None:
        for slot in self._slots:
            slot.delete()
        for entry in self._entries.values():
            _delete_entry(entry)
        self._slots, self._entries = [], {}


def _delete_entry(entry: pyglet.gui.TextEntry) -> None:
    """pyglet's TextEntry has no ``delete``: free its caret, text layout and outline."""
    entry._caret.delete()
    entry._layout.delete()
    entry._outline.delete()
