"""An overview of the whole map in a corner: terrain, units as dots, and the camera's viewport.

The terrain is one small texture made once per map from the terrain bytes (two pixels per hex,
odd rows shifted by one, so the hex rows keep their stagger); units are one vertex list of
squares rebuilt at most DOT_HZ times a second and only when the mirror changed; the viewport
rectangle moves when the camera does. Clicking or dragging on it moves the camera there.
"""

from __future__ import annotations

from typing import Any

import pyglet
from pyglet.gl import GL_TRIANGLES
from pyglet.graphics import Batch, Group

from client import palette
from client.camera import Camera
from client.ground import Ground
from client.mirror import Mirror
from client.render import MeshGroup
from client.selection import Selection
from shared.hexgrid import SQRT3

SIZE = 220  # px: the minimap's longer side
MARGIN = 8  # px from the window's corner
DOT_HZ = 4.0  # unit dots are rebuilt at most this often
DOT = 2.0  # px: half the side of a unit's dot
VIEW_LINE = 1.5  # px: the viewport rectangle's line


class Minimap:
    """The overview of one map, in the bottom-left corner of the window."""

    def __init__(self, ground: Ground) -> None:
        self.ground = ground
        hk = ground.hex_km
        row_km = hk * SQRT3 / 2
        cols, rows = ground.grid.cols, ground.grid.rows
        # World rectangle the image covers: half a hex round the hex centres.
        self.extent = (-0.5 * hk, -(rows - 0.5) * row_km, cols * hk, 0.5 * row_km)
        self.batch = Batch()
        self.program = pyglet.shapes.get_default_shader()
        self._bg_group, self._map_group = Group(order=0), Group(order=1)
        self._dot_group = MeshGroup(self.program, order=2)
        self._view_group = Group(order=3)
        self.frame = pyglet.shapes.Rectangle(
            0, 0, 1, 1, color=palette.MINIMAP_BG, batch=self.batch, group=self._bg_group
        )
        self.image = terrain_image(ground)
        self.sprite = pyglet.sprite.Sprite(self.image, batch=self.batch, group=self._map_group)
        self.view = pyglet.shapes.Box(
            0,
            0,
            1,
            1,
            thickness=VIEW_LINE,
            color=palette.MINIMAP_VIEW,
            batch=self.batch,
            group=self._view_group,
        )
        self.dots: Any = None
        self.visible = True
        self.rect = (MARGIN, MARGIN, 1.0, 1.0)  # x, y, width, height in pixels
        self._camera_key: tuple[Any, ...] | None = None
        self._dots_key: tuple[Any, ...] | None = None
        self._dots_at = -1e9

    # -- geometry ---------------------------------------------------------------------------
    def layout(self, width: int, height: int) -> None:
        """Fit the map's shape in SIZE px (less in a small window), in the bottom-left corner."""
        x0, y0, x1, y1 = self.extent
        longest = max(40.0, min(float(SIZE), width / 3.0, height / 3.0))
        span = max(x1 - x0, y1 - y0)
        w, h = longest * (x1 - x0) / span, longest * (y1 - y0) / span
        self.rect = (MARGIN, MARGIN, w, h)
        pad = 3
        self.frame.position = (MARGIN - pad, MARGIN - pad)
        self.frame.width, self.frame.height = w + 2 * pad, h + 2 * pad
        sx, sy = w / self.image.width, h / self.image.height
        self.sprite.update(x=MARGIN, y=MARGIN, scale_x=sx, scale_y=sy)
        self._camera_key = None
        self._dots_key = None

    @property
    def top(self) -> float:
        """The y just above the minimap (where the events panel sits)."""
        return self.rect[1] + self.rect[3] + 3

    def contains(self, x: float, y: float) -> bool:
        rx, ry, rw, rh = self.rect
        return self.visible and rx <= x <= rx + rw and ry <= y <= ry + rh

    def to_world(self, x: float, y: float) -> tuple[float, float]:
        """The world point under minimap pixel (x, y), clamped to the map."""
        rx, ry, rw, rh = self.rect
        x0, y0, x1, y1 = self.extent
        tx = min(max((x - rx) / rw, 0.0), 1.0)
        ty = min(max((y - ry) / rh, 0.0), 1.0)
        return x0 + tx * (x1 - x0), y0 + ty * (y1 - y0)

    def to_screen(self, wx: float, wy: float) -> tuple[float, float]:
        rx, ry, rw, rh = self.rect
        x0, y0, x1, y1 = self.extent
        return rx + (wx - x0) / (x1 - x0) * rw, ry + (wy - y0) / (y1 - y0) * rh

    def viewport(self, camera: Camera) -> tuple[float, float, float, float]:
        """The camera's view as a minimap rectangle (x, y, w, h), clipped to the minimap."""
        rx, ry, rw, rh = self.rect
        wx0, wy0, wx1, wy1 = camera.visible_world()
        sx0, sy0 = self.to_screen(wx0, wy0)
        sx1, sy1 = self.to_screen(wx1, wy1)
        sx0, sx1 = max(rx, min(sx0, sx1)), min(rx + rw, max(sx0, sx1))
        sy0, sy1 = max(ry, min(sy0, sy1)), min(ry + rh, max(sy0, sy1))
        return sx0, sy0, max(1.0, sx1 - sx0), max(1.0, sy1 - sy0)

    # -- per frame --------------------------------------------------------------------------
    def update(self, mirror: Mirror, camera: Camera, selection: Selection, now: float) -> None:
        if not self.visible:
            return
        key = (camera.version, self.rect)
        if key != self._camera_key:
            self._camera_key = key
            x, y, w, h = self.viewport(camera)
            self.view.position = (x, y)
            self.view.width, self.view.height = w, h
        dots_key = (mirror.version, tuple(selection.units), self.rect)
        if dots_key != self._dots_key and now - self._dots_at >= 1.0 / DOT_HZ:
            self._dots_key, self._dots_at = dots_key, now
            self._rebuild_dots(mirror, selection)

    def _rebuild_dots(self, mirror: Mirror, selection: Selection) -> None:
        """A square per unit: side colour in an ink frame; selected units framed in yellow."""
        if self.dots is not None:
            self.dots.delete()
            self.dots = None
        positions: list[float] = []
        colours: list[int] = []
        chosen = set(selection.units)
        units = sorted(mirror.units.values(), key=lambda u: (u.id in chosen, u.side, u.id))
        for unit in units:
            sx, sy = self.to_screen(*self.ground.centre((unit.pos[0], unit.pos[1])))
            body = palette.STALE if unit.stale else palette.owner(unit.side)
            frame = palette.SELECTED if unit.id in chosen else palette.INK
            _square(positions, colours, sx, sy, DOT + 1, frame)
            _square(positions, colours, sx, sy, DOT, body)
        n = len(positions) // 2
        if n:
            self.dots = self.program.vertex_list(
                n,
                GL_TRIANGLES,
                self.batch,
                self._dot_group,
                position=("f", positions),
                colors=("Bn", colours),
                translation=("f", (0.0, 0.0) * n),
            )

    def draw(self) -> None:
        if self.visible:
            self.batch.draw()

    def delete(self) -> None:
        if self.dots is not None:
            self.dots.delete()
        self.sprite.delete()
        self.frame.delete()
        self.view.delete()


def _square(
    positions: list[float],
    colours: list[int],
    x: float,
    y: float,
    half: float,
    colour: tuple[int, int, int],
) -> None:
    x0, y0, x1, y1 = x - half, y - half, x + half, y + half
    positions.extend((x0, y0, x1, y0, x1, y1, x0, y0, x1, y1, x0, y1))
    colours.extend((*colour, 255) * 6)


def terrain_image(ground: Ground) -> pyglet.image.ImageData:
    """The terrain as an image, two pixels per hex, north up (pyglet rows run bottom-up)."""
    cols, rows = ground.grid.cols, ground.grid.rows
    names = ground.terrain_names
    colours = [bytes(palette.terrain(n)) * 2 for n in names]
    unknown = bytes(palette.TERRAIN_UNKNOWN) * 2
    width = 2 * cols + 1
    bg = bytes(round(c * 255) for c in palette.BACKGROUND[:3])
    buf = bytearray(bg * (width * rows))
    terrain = ground.data.terrain
    for row in range(rows):
        base = (rows - 1 - row) * width * 3 + (row & 1) * 3
        for col in range(cols):
            code = terrain[row * cols + col]
            i = base + col * 6
            buf[i : i + 6] = colours[code] if code < len(colours) else unknown
    return pyglet.image.ImageData(width, rows, "RGB", bytes(buf), pitch=width * 3)
