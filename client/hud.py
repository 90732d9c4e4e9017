"""Screen-space text over the map, in pyglet.

The words come from ``client.texts``; this module only places them. A label's text is assigned
only when it changes, because pyglet lays a label out again on every assignment.
"""

from __future__ import annotations

import pyglet
from pyglet.graphics import Batch, Group

from client import palette, texts
from client.mirror import Mirror
from client.selection import Selection

MONO = ["DejaVu Sans Mono", "Menlo", "Consolas", "Courier New", "monospace"]
PAD = 8


class TextBox:
    """A multi-line label on a translucent panel, anchored to a window corner."""

    def __init__(
        self,
        batch: Batch,
        anchor: str,
        font_size: float = 10,
        mono: bool = False,
        colour: tuple[int, int, int, int] = palette.HUD_TEXT,
        order: int = 0,
        background: tuple[int, int, int, int] = palette.HUD_BG,
    ) -> None:
        self.anchor = anchor  # "top-left", "top-right", "bottom-left", "bottom-right", "center"
        self.bg = pyglet.shapes.Rectangle(
            0, 0, 1, 1, color=palette.HUD_BG, batch=batch, group=Group(order=order * 2)
        )
        self.label = pyglet.text.Label(
            "",
            font_size=font_size,
            font_name=MONO if mono else None,
            color=colour,
            multiline=True,
            width=2000,
            anchor_x="left",
            anchor_y="top",
            batch=batch,
            group=Group(order=order * 2 + 1),
        )
        self._text: str | None = None
        self._window = (0, 0)
        self.set_lines([])

    def set_lines(self, lines: list[str]) -> None:
        text = "\n".join(lines)
        if text == self._text:
            return
        self._text = text
        self.label.text = text
        self.visible = bool(text)
        self._place()

    @property
    def visible(self) -> bool:
        return bool(self.label.visible)

    @visible.setter
    def visible(self, value: bool) -> None:
        self.label.visible = value
        self.bg.visible = value

    def layout(self, width: int, height: int) -> None:
        self._window = (width, height)
        self._place()

    def _place(self) -> None:
        width, height = self._window
        w = self.label.content_width + 2 * PAD
        h = self.label.content_height + 2 * PAD
        if self.anchor == "top-left":
            x, y = PAD, height - PAD - h
        elif self.anchor == "top-right":
            x, y = width - PAD - w, height - PAD - h
        elif self.anchor == "bottom-left":
            x, y = PAD, PAD
        elif self.anchor == "bottom-right":
            x, y = width - PAD - w, PAD
        else:
            x, y = (width - w) / 2, (height - h) / 2
        self.bg.position = (x, y)
        self.bg.width, self.bg.height = w, h
        self.label.position = (x + PAD, y + h - PAD, 0)


class Hud:
    """The match screen's text: clock bar, selected units, status, help, result. (The event
    log and the chat line are in ``client.events_panel``.)"""

    def __init__(self) -> None:
        self.batch = Batch()
        b = self.batch
        self.top = TextBox(b, "top-left", font_size=11)
        self.unit = TextBox(b, "bottom-right", font_size=10)
        self.status = TextBox(b, "top-right", font_size=10, colour=palette.HUD_DIM)
        self.banner = TextBox(b, "center", font_size=16, order=2)
        self.help = TextBox(
            b, "center", font_size=11, mono=True, order=3, background=palette.HELP_BG
        )
        self.show_help = False
        self.chat_draft: str | None = None  # text being typed, or None when not chatting
        self.boxes = [self.top, self.unit, self.status, self.banner, self.help]

    def layout(self, width: int, height: int) -> None:
        for box in self.boxes:
            box.layout(width, height)

    def update(
        self,
        mirror: Mirror,
        selection: Selection,
        status: str,
        hover: tuple[int, int] | None = None,
        mode: str = "terrain",
    ) -> None:
        self.top.set_lines([texts.top_line(mirror) + "   |   F1: help"])
        unit = mirror.units.get(selection.unit) if selection.unit else None
        lines = texts.selection_lines(mirror, selection.units)
        lines += texts.unit_lines(unit, mirror) if unit is not None else []
        if unit is not None and unit.id in mirror.order_errors:
            err = mirror.order_errors[unit.id]
            lines.append(f"refused: {err.message} ({err.code})")
        self.unit.set_lines(lines)
        lines = [status] if status else []
        lines += texts.mode_lines(mirror, mode, hover)
        if hover is not None and (where := texts.hex_line(mirror, hover)):
            lines.append(where)
        self.status.set_lines(lines)
        result = texts.result_line(mirror)
        self.banner.set_lines([result] if result else [])
        self.help.set_lines(
            ["Keys (F1 closes)", "", *texts.key_lines(texts.MATCH_KEYS)] if self.show_help else []
        )

    def draw(self) -> None:
        self.batch.draw()
