"""Triangle soup for everything the map draws, built in plain Python so it is testable.

A ``Tris`` collects triangles with one RGBA colour per vertex; the renderer uploads
``positions`` and ``colors`` into one vertex list per layer (the whole terrain is one draw call,
each unit counter one vertex list). Counter geometry is in units of ``hex_km`` around (0, 0) and
its vertex count depends only on the unit's kind, so a change of strength or selection rewrites
the arrays in place instead of reallocating.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from client import palette
from client.ground import Ground, Point

Colour = tuple[int, int, int] | tuple[int, int, int, int]

ELLIPSE_SEGMENTS = 20
STAR_POINTS = 8


def rgba(colour: Colour, alpha: int | None = None) -> tuple[int, int, int, int]:
    if len(colour) == 4:
        r, g, b, a = colour  # type: ignore[misc]
    else:
        r, g, b = colour  # type: ignore[misc]
        a = 255
    return r, g, b, a if alpha is None else alpha


class Tris:
    """A growing list of coloured triangles (GL_TRIANGLES layout)."""

    __slots__ = ("colors", "positions")

    def __init__(self) -> None:
        self.positions: list[float] = []
        self.colors: list[int] = []

    def __len__(self) -> int:
        return len(self.positions) // 2

    def triangle(self, a: Point, b: Point, c: Point, colour: Colour) -> None:
        self.positions.extend((a[0], a[1], b[0], b[1], c[0], c[1]))
        self.colors.extend(rgba(colour) * 3)

    def quad(self, a: Point, b: Point, c: Point, d: Point, colour: Colour) -> None:
        self.triangle(a, b, c, colour)
        self.triangle(a, c, d, colour)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: Colour) -> None:
        self.quad((x0, y0), (x1, y0), (x1, y1), (x0, y1), colour)

    def fan(self, centre: Point, ring: Sequence[Point], colour: Colour) -> None:
        """A convex polygon as triangles from its centre."""
        for a, b in itertools.pairwise([*ring, ring[0]]):
            self.triangle(centre, a, b, colour)

    def segment(self, p: Point, q: Point, width: float, colour: Colour) -> None:
        """A thick line from p to q (square ends)."""
        dx, dy = q[0] - p[0], q[1] - p[1]
        length = math.hypot(dx, dy)
        if length == 0:
            nx, ny = width / 2.0, 0.0
        else:
            nx, ny = -dy / length * width / 2.0, dx / length * width / 2.0
        self.quad(
            (p[0] + nx, p[1] + ny),
            (q[0] + nx, q[1] + ny),
            (q[0] - nx, q[1] - ny),
            (p[0] - nx, p[1] - ny),
            colour,
        )

    def polyline(self, points: Sequence[Point], width: float, colour: Colour) -> None:
        for p, q in itertools.pairwise(points):
            self.segment(p, q, width, colour)

    def dashed(
        self, points: Sequence[Point], width: float, dash: float, gap: float, colour: Colour
    ) -> None:
        """A dashed polyline; the dash pattern runs on across vertices."""
        phase = 0.0  # distance into the current dash+gap period
        period = dash + gap
        for p, q in itertools.pairwise(points):
            length = math.hypot(q[0] - p[0], q[1] - p[1])
            pos = 0.0
            while pos < length:
                in_dash = phase < dash
                step = min((dash - phase) if in_dash else (period - phase), length - pos)
                if in_dash and step > 0:
                    t0, t1 = pos / length, (pos + step) / length
                    a = (p[0] + (q[0] - p[0]) * t0, p[1] + (q[1] - p[1]) * t0)
                    b = (p[0] + (q[0] - p[0]) * t1, p[1] + (q[1] - p[1]) * t1)
                    self.segment(a, b, width, colour)
                pos += step
                phase = (phase + step) % period

    def ring(self, points: Sequence[Point], width: float, colour: Colour) -> None:
        """A closed outline of thickness ``width`` centred on the polygon's edges."""
        self.polyline([*points, points[0]], width, colour)
        for p in points:  # fill the notches at corners
            self.fan(p, _disc_points(p, width / 2.0, width / 2.0, 6), colour)

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        colour: Colour,
        segments: int = ELLIPSE_SEGMENTS,
    ) -> None:
        self.fan((cx, cy), _disc_points((cx, cy), rx, ry, segments), colour)

    def ellipse_ring(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        width: float,
        colour: Colour,
        segments: int = ELLIPSE_SEGMENTS,
    ) -> None:
        outer = _disc_points((cx, cy), rx + width / 2, ry + width / 2, segments)
        inner = _disc_points((cx, cy), rx - width / 2, ry - width / 2, segments)
        for i in range(segments):
            j = (i + 1) % segments
            self.quad(outer[i], outer[j], inner[j], inner[i], colour)

    def star(
        self,
        cx: float,
        cy: float,
        outer: float,
        inner: float,
        colour: Colour,
        points: int = STAR_POINTS,
    ) -> None:
        ring = []
        for i in range(points * 2):
            rad = outer if i % 2 == 0 else inner
            a = math.pi / 2 + math.pi * i / points
            ring.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
        self.fan((cx, cy), ring, colour)


def _disc_points(c: Point, rx: float, ry: float, segments: int) -> list[Point]:
    return [
        (
            c[0] + rx * math.cos(2 * math.pi * i / segments),
            c[1] + ry * math.sin(2 * math.pi * i / segments),
        )
        for i in range(segments)
    ]


# -- the map ----------------------------------------------------------------------------------
def hex_fans(ground: Ground, colours: Sequence[Colour]) -> Tris:
    """Every hex as six triangles, in mask index order, coloured per hex (18 vertices each)."""
    tris = Tris()
    for h, colour in zip(ground.hexes(), colours, strict=True):
        tris.fan(ground.centre(h), ground.corners(h), colour)
    return tris


VERTS_PER_HEX = 18


def terrain_colours(ground: Ground) -> list[Colour]:
    names = ground.terrain_names
    return [palette.terrain(names[c] if c < len(names) else "?") for c in ground.data.terrain]


def fog_colours(ground: Ground, visible: bytes | None) -> list[int]:
    """Per-vertex RGBA for the fog layer: dark where the view sees nothing, clear elsewhere."""
    clear = (0, 0, 0, 0) * VERTS_PER_HEX
    dim = palette.FOG * VERTS_PER_HEX
    out: list[int] = []
    n = len(ground)
    if visible is None:
        return list(clear) * n
    for i in range(n):
        byte = i >> 3
        seen = byte < len(visible) and visible[byte] >> (i & 7) & 1
        out.extend(clear if seen else dim)
    return out


CLEAR = (0, 0, 0, 0)


def _per_vertex(colours: Sequence[tuple[int, int, int, int]]) -> list[int]:
    out: list[int] = []
    for c in colours:
        out.extend(c * VERTS_PER_HEX)
    return out


def mode_colours(
    ground: Ground,
    mode: str,
    supply: bytes | None = None,
    weather: dict[str, str] | None = None,
    control: bytes | None = None,
) -> list[int]:
    """Per-vertex RGBA of the map-mode overlay (same layout as the fog layer).

    ``supply``: level bytes (0..255) per hex; ``weather``: ground state by region name;
    ``control``: owner byte per hex (0 nobody, 1 Soviet, 2 Japan). Water stays clear."""
    n = len(ground)
    hexes: list[tuple[int, int, int, int]] = [CLEAR] * n
    if mode == "supply" and supply is not None:
        shades = [palette.supply(v / 255.0) for v in range(256)]
        hexes = [shades[supply[i]] if i < len(supply) else CLEAR for i in range(n)]
    elif mode == "weather" and weather is not None:
        names = ground.data.climates
        tints = [
            palette.GROUND_TINT.get(weather.get(name, ""), CLEAR) for name in names
        ]  # by climate code - 1
        climate = ground.data.climate
        hexes = [
            tints[climate[i] - 1] if i < len(climate) and 1 <= climate[i] <= len(tints) else CLEAR
            for i in range(n)
        ]
    elif mode == "control" and control is not None:
        sides = [
            CLEAR,
            rgba(palette.SIDE_BODY["soviet"], palette.CONTROL_ALPHA),
            rgba(palette.SIDE_BODY["japan"], palette.CONTROL_ALPHA),
        ]
        hexes = [
            sides[control[i]] if i < len(control) and control[i] < len(sides) else CLEAR
            for i in range(n)
        ]
    hexes = [CLEAR if ground.is_water(i) else c for i, c in enumerate(hexes)]
    return _per_vertex(hexes)


def railheads(
    ground: Ground, heads: Sequence[Sequence[int]], lines: Sequence[Sequence[int]] = ()
) -> Tris:
    """The supply network: the rail in use (``supply_lines``), then a black square with a white
    centre on each railhead (``[q, r, tons]``)."""
    k = ground.hex_km
    tris = supply_lines(ground, lines)
    for head in heads:
        pos = (head[0], head[1])
        if not ground.contains(pos):
            continue
        x, y = ground.centre(pos)
        tris.rect(x - 0.2 * k, y - 0.2 * k, x + 0.2 * k, y + 0.2 * k, palette.INK)
        tris.rect(x - 0.11 * k, y - 0.11 * k, x + 0.11 * k, y + 0.11 * k, palette.RAILHEAD)
    return tris


def supply_lines(ground: Ground, lines: Sequence[Sequence[int]]) -> Tris:
    """The rail the side's freight runs on (``[q1, r1, q2, r2, tons]``), thicker and darker
    the more it carries: where the network is strong and where it is a thread."""
    k = ground.hex_km
    tris = Tris()
    most = max((line[4] for line in lines), default=0) or 1
    for line in lines:
        a, b = (line[0], line[1]), (line[2], line[3])
        if not (ground.contains(a) and ground.contains(b)):
            continue
        share = max(0.0, min(1.0, line[4] / most))
        width = (0.06 + 0.22 * share) * k
        shade = round(90 * (1.0 - share))
        tris.segment(ground.centre(a), ground.centre(b), width, (shade, shade, shade))
    return tris


def grid_lines(ground: Ground) -> list[float]:
    """Hex outlines as GL_LINES pairs: one-pixel lines at any zoom."""
    out: list[float] = []
    for h in ground.hexes():
        c = ground.corners(h)
        for i in range(6):
            a, b = c[i], c[(i + 1) % 6]
            out.extend((a[0], a[1], b[0], b[1]))
    return out


def linework(ground: Ground) -> Tris:
    """Roads, railways, rivers and borders, in that order so rivers cover roads and railways
    except at bridges."""
    k = ground.hex_km
    tris = Tris()
    for q1, r1, q2, r2 in ground.data.roads:
        a, b = ground.centre((q1, r1)), ground.centre((q2, r2))
        tris.segment(a, b, 0.07 * k, palette.ROAD)
    for rail in ground.data.rails:
        a, b = ground.centre((rail[0], rail[1])), ground.centre((rail[2], rail[3]))
        tris.segment(a, b, 0.05 * k, palette.RAIL)
    for q1, r1, q2, r2 in ground.data.rivers:
        p, q = ground.edge((q1, r1), (q2, r2))
        tris.segment(p, q, 0.12 * k, palette.RIVER)
        for end in (p, q):  # round the joints between consecutive edges
            tris.ellipse(end[0], end[1], 0.06 * k, 0.06 * k, palette.RIVER, 8)
    for line in ground.data.borders:
        pts = [ground.latlon_to_world(lat, lon) for lat, lon in line]
        tris.dashed(pts, 0.1 * k, 0.5 * k, 0.3 * k, palette.BORDER)
    return tris


def places(ground: Ground) -> Tris:
    """A marker per named place: a square for towns, a triangle for hills, a dot otherwise."""
    k = ground.hex_km
    tris = Tris()
    for place in ground.data.places:
        x, y = ground.centre((place.pos[0], place.pos[1]))
        if place.kind == "town":
            tris.rect(x - 0.14 * k, y - 0.14 * k, x + 0.14 * k, y + 0.14 * k, palette.INK)
            tris.rect(x - 0.09 * k, y - 0.09 * k, x + 0.09 * k, y + 0.09 * k, (235, 230, 220))
        elif place.kind == "hill":
            s = 0.17 * k
            tris.triangle((x - s, y - s * 0.8), (x + s, y - s * 0.8), (x, y + s), palette.INK)
        else:
            tris.ellipse(x, y, 0.09 * k, 0.09 * k, palette.INK, 10)
    return tris


def objective(ground: Ground, pos: tuple[int, int], owner: str | None) -> Tris:
    """An objective: a thick hex outline and a star in its holder's colour."""
    k = ground.hex_km
    cx, cy = ground.centre(pos)
    corners = ground.corners(pos)
    inset = [(cx + (x - cx) * 0.88, cy + (y - cy) * 0.88) for x, y in corners]
    tris = Tris()
    tris.ring(inset, 0.13 * k, palette.INK)
    tris.ring(inset, 0.08 * k, palette.owner(owner))
    sx, sy = cx, cy + 0.4 * k  # at the hex's northern tip, where counters leave it visible
    tris.star(sx, sy, 0.2 * k, 0.09 * k, palette.INK, 5)
    tris.star(sx, sy, 0.145 * k, 0.065 * k, palette.owner(owner), 5)
    return tris


def path(ground: Ground, start: Point, hexes: Sequence[tuple[int, int]], colour: Colour) -> Tris:
    """A planned march: dashes from the unit through each hex to a ring on the destination."""
    k = ground.hex_km
    pts = [start, *(ground.centre(h) for h in hexes)]
    tris = Tris()
    if len(pts) >= 2:
        tris.dashed(pts, 0.08 * k, 0.25 * k, 0.15 * k, colour)
        end = pts[-1]
        tris.ellipse_ring(end[0], end[1], 0.3 * k, 0.3 * k, 0.07 * k, colour, 16)
    return tris


def hex_highlight(ground: Ground, pos: tuple[int, int], colour: Colour) -> Tris:
    tris = Tris()
    tris.ring(ground.corners(pos), 0.07 * ground.hex_km, colour)
    return tris


# -- unit counters ----------------------------------------------------------------------------
COUNTER_W = 0.76  # of hex_km: a counter fills most of a hex's width
COUNTER_H = 0.56
_DESIGN_W = 0.68


def counter(
    kind: str,
    side: str,
    strength: float,
    org: float,
    selected: bool = False,
    combat: bool = False,
    k: float = 1.0,
    supply: float | None = None,
    cut_off: bool = False,
) -> Tris:
    """A NATO-style unit counter centred on (0, 0), ``k`` km per hex.

    Side-coloured body in a black frame; a light symbol box with the kind's mark (infantry X,
    armour ellipse, artillery dot, cavalry slash, engineer bridge, anti-aircraft dome, air
    propeller); a strength
    bar and a thinner organisation bar; a supply pip in the top-left corner (green supplied to
    red unsupplied, a black centre when cut off; own units only); a burst when fighting; a
    yellow halo when selected. Parts that are off are drawn fully transparent so the vertex
    count never changes with state.
    """
    w, h = COUNTER_W * k / 2.0, COUNTER_H * k / 2.0
    k = k * COUNTER_W / _DESIGN_W  # the drawing below is laid out for a counter _DESIGN_W wide
    body = palette.SIDE_BODY.get(side, palette.NEUTRAL)
    light = palette.SIDE_LIGHT.get(side, palette.NEUTRAL)
    tris = Tris()
    halo = 0.07 * k
    tris.rect(
        -w - halo, -h - halo, w + halo, h + halo, rgba(palette.SELECTED, 255 if selected else 0)
    )
    tris.rect(-w, -h, w, h, palette.INK)
    b = 0.03 * k
    tris.rect(-w + b, -h + b, w - b, h - b, body)
    # Symbol box: upper part of the counter, NATO proportions (about 3:2).
    bx0, bx1, by0, by1 = -0.2 * k, 0.2 * k, -0.05 * k, 0.19 * k
    line = 0.022 * k
    tris.rect(bx0 - line, by0 - line, bx1 + line, by1 + line, palette.INK)
    tris.rect(bx0, by0, bx1, by1, light)
    mark = 0.028 * k
    if kind == "infantry":
        tris.segment((bx0, by0), (bx1, by1), mark, palette.INK)
        tris.segment((bx0, by1), (bx1, by0), mark, palette.INK)
    elif kind == "armour":
        tris.ellipse_ring(0.0, (by0 + by1) / 2, 0.13 * k, 0.065 * k, mark, palette.INK)
    elif kind == "artillery":
        tris.ellipse(0.0, (by0 + by1) / 2, 0.05 * k, 0.05 * k, palette.INK, 12)
    elif kind == "cavalry":
        tris.segment((bx0, by0), (bx1, by1), mark, palette.INK)
    elif kind == "engineer":  # the NATO bridge: a bar with three legs
        top, foot = by1 - (by1 - by0) * 0.3, by0 + (by1 - by0) * 0.25
        tris.segment((bx0 + 0.05 * k, top), (bx1 - 0.05 * k, top), mark, palette.INK)
        for x in (bx0 + 0.05 * k, 0.0, bx1 - 0.05 * k):
            tris.segment((x, top), (x, foot), mark, palette.INK)
    elif kind == "anti_air":  # the NATO air-defence dome over the base of the box
        cx, rx, ry = 0.0, (bx1 - bx0) * 0.42, (by1 - by0) * 0.7
        arc = [
            (cx + rx * math.cos(math.pi * i / 8), by0 + ry * math.sin(math.pi * i / 8))
            for i in range(9)
        ]
        for a, b in itertools.pairwise(arc):
            tris.segment(a, b, mark, palette.INK)
    elif kind == "air":  # a propeller: two blades either side of the hub
        cy = (by0 + by1) / 2
        for cx in (-0.06 * k, 0.06 * k):
            tris.ellipse_ring(cx, cy, 0.06 * k, 0.035 * k, mark * 0.8, palette.INK, 16)
    else:
        tris.ellipse(0.0, (by0 + by1) / 2, 0.03 * k, 0.03 * k, palette.INK, 6)
    # Strength (thick) and organisation (thin) bars along the bottom.
    x0, x1 = -0.27 * k, 0.27 * k
    s = max(0.0, min(1.0, strength))
    o = max(0.0, min(1.0, org))
    tris.rect(x0, -0.155 * k, x1, -0.09 * k, (40, 30, 30))
    tris.rect(x0, -0.155 * k, x0 + (x1 - x0) * s, -0.09 * k, palette.strength(s))
    tris.rect(x0, -0.215 * k, x1, -0.18 * k, (40, 30, 30))
    tris.rect(x0, -0.215 * k, x0 + (x1 - x0) * o, -0.18 * k, (110, 170, 255))
    # Supply pip at the top-left corner.
    px, py, pr = -w + 0.09 * k, h - 0.09 * k, 0.055 * k
    shown = 255 if supply is not None else 0
    tris.rect(px - pr, py - pr, px + pr, py + pr, rgba(palette.INK, shown))
    fill = palette.supply(supply if supply is not None else 0.0)
    tris.rect(px - pr * 0.7, py - pr * 0.7, px + pr * 0.7, py + pr * 0.7, rgba(fill[:3], shown))
    hole = 255 if cut_off and supply is not None else 0
    tris.rect(px - pr * 0.3, py - pr * 0.3, px + pr * 0.3, py + pr * 0.3, rgba(palette.INK, hole))
    # Combat burst at the top-right corner.
    alpha = 255 if combat else 0
    tris.star(w, h, 0.16 * k, 0.07 * k, rgba(palette.INK, alpha))
    tris.star(w, h, 0.12 * k, 0.05 * k, rgba(palette.COMBAT, alpha))
    return tris


STACK_STEP = 0.16  # of hex_km: how far each counter in a stack is offset from the one below


def stack_offsets(n: int, k: float) -> list[Point]:
    """Offsets of n counters in one hex: a short diagonal cascade centred on the hex."""
    step = STACK_STEP * k
    mid = (n - 1) / 2.0
    return [((i - mid) * step, -(i - mid) * step) for i in range(n)]
