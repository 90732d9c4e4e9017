"""How the screens' widgets look: colours and type per style name, as plain data (no pyglet),
so that tests can check pixels against them before any window exists."""

from __future__ import annotations

from dataclasses import dataclass

from client import palette

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Style:
    bg: RGBA | None
    colour: RGBA
    size: float = 11
    bold: bool = False
    centred: bool = False


STYLES: dict[str, Style] = {
    "text": Style(None, palette.HUD_TEXT),
    "dim": Style(None, palette.HUD_DIM, 10),
    "title": Style(None, palette.HUD_TEXT, 20, bold=True),
    "heading": Style(None, (*palette.SIDE_NAME_COLOUR["japan"][:3], 255), 12, bold=True),
    "error": Style(None, palette.ERROR_TEXT, 12, bold=True),
    "button": Style((58, 64, 78, 255), palette.HUD_TEXT, 11, centred=True),
    "off": Style((40, 42, 48, 255), (110, 110, 104, 255), 11, centred=True),
    "row": Style((28, 31, 38, 255), palette.HUD_TEXT, 10),
    "picked": Style((70, 40, 36, 255), (255, 255, 255, 255), 10, bold=True),
    "panel": Style(palette.HUD_BG, palette.HUD_TEXT),
    "modal": Style((*palette.HELP_BG[:3], 255), palette.HUD_TEXT),  # hides what is behind
    "field": Style(None, palette.HUD_TEXT),
    "lock": Style(None, (*palette.SIDE_BODY["japan"], 255)),
}
ENTRY_BG: RGBA = (236, 236, 228, 255)
ENTRY_FOCUS: RGBA = (255, 250, 200, 255)
ENTRY_TEXT: RGBA = (16, 16, 16, 255)
