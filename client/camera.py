"""Where the window looks: pan and zoom over world coordinates, and screen <-> world <-> hex.

World coordinates are plane km with y pointing north (see ``client.ground``); screen coordinates
are pixels with the origin at the bottom-left, as pyglet has them. Zoom keeps the world point
under the cursor fixed, which is what a player expects from a wheel.
"""

from __future__ import annotations

from shared.hexgrid import Hex, from_plane

MIN_SCALE = 2.0  # px per km: a whole theatre fits a small window
MAX_SCALE = 400.0  # px per km: a 2 km hex fills most of the screen
DEFAULT_SCALE = 24.0


class Camera:
    """A viewport of ``width`` x ``height`` pixels centred on world point (cx, cy)."""

    def __init__(self, width: int, height: int, scale: float = DEFAULT_SCALE) -> None:
        self.width = width
        self.height = height
        self.cx = 0.0
        self.cy = 0.0
        self.scale = scale
        self.limits: tuple[float, float, float, float] | None = None  # world rect to stay over
        self.version = 0  # bumped on every change, so screen-space labels know to move

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.version += 1

    def world_to_screen(self, wx: float, wy: float) -> tuple[float, float]:
        return (
            (wx - self.cx) * self.scale + self.width / 2.0,
            (wy - self.cy) * self.scale + self.height / 2.0,
        )

    def screen_to_world(self, sx: float, sy: float) -> tuple[float, float]:
        return (
            (sx - self.width / 2.0) / self.scale + self.cx,
            (sy - self.height / 2.0) / self.scale + self.cy,
        )

    def screen_to_hex(self, sx: float, sy: float, hex_km: float) -> Hex:
        wx, wy = self.screen_to_world(sx, sy)
        return from_plane(wx, -wy, hex_km)

    def pan(self, dx_px: float, dy_px: float) -> None:
        """Move the map by a drag of (dx, dy) pixels: the ground follows the pointer."""
        self.cx -= dx_px / self.scale
        self.cy -= dy_px / self.scale
        self._clamp()

    def zoom_at(self, sx: float, sy: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the world point under screen point (sx, sy) still."""
        wx, wy = self.screen_to_world(sx, sy)
        self.scale = min(MAX_SCALE, max(MIN_SCALE, self.scale * factor))
        self.cx = wx - (sx - self.width / 2.0) / self.scale
        self.cy = wy - (sy - self.height / 2.0) / self.scale
        self._clamp()

    def centre_on(self, wx: float, wy: float) -> None:
        self.cx, self.cy = wx, wy
        self._clamp()

    def fit(self, x0: float, y0: float, x1: float, y1: float, margin_px: float = 20.0) -> None:
        """Show the whole world rectangle, as large as the window allows."""
        w = max(x1 - x0, 1e-6)
        h = max(y1 - y0, 1e-6)
        usable_w = max(self.width - 2 * margin_px, 1.0)
        usable_h = max(self.height - 2 * margin_px, 1.0)
        self.scale = min(MAX_SCALE, max(MIN_SCALE, min(usable_w / w, usable_h / h)))
        self.cx, self.cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        self._clamp()

    def visible_world(self) -> tuple[float, float, float, float]:
        x0, y0 = self.screen_to_world(0, 0)
        x1, y1 = self.screen_to_world(self.width, self.height)
        return x0, y0, x1, y1

    def view_matrix(self) -> tuple[float, ...]:
        """Column-major 4x4 world -> screen matrix, for pyglet's ``window.view``."""
        s = self.scale
        tx = self.width / 2.0 - self.cx * s
        ty = self.height / 2.0 - self.cy * s
        return (s, 0.0, 0.0, 0.0, 0.0, s, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, tx, ty, 0.0, 1.0)

    def _clamp(self) -> None:
        """Keep the centre over the map so the player cannot lose it off-screen."""
        if self.limits is not None:
            x0, y0, x1, y1 = self.limits
            self.cx = min(max(self.cx, x0), x1)
            self.cy = min(max(self.cy, y0), y1)
        self.version += 1
