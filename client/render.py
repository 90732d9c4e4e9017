"""Drawing the map and the units with pyglet batches.

Static ground (terrain, grid, roads, railways, rivers, borders, place markers) is built once per
map into a world batch; fog is one vertex list whose colours change when visibility does, and so
is the map-mode tint (supply, weather, control), recoloured only when the mode or its data
change; each unit counter is one vertex list whose ``translation`` moves it (gliding between
hexes) and whose geometry is rewritten only when its look changes. Counters use a small shader
of their own with a ``counter_scale`` uniform, so they never shrink below a legible size when
zoomed far out.

World geometry is drawn with ``window.view`` set to the camera matrix; text (place names, order
refusals next to units) is in screen space, repositioned only when the camera moves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyglet
from pyglet.gl import (
    GL_BLEND,
    GL_LINES,
    GL_ONE_MINUS_SRC_ALPHA,
    GL_SRC_ALPHA,
    GL_TRIANGLES,
    glBlendFunc,
    glDisable,
    glEnable,
)
from pyglet.graphics import Batch, Group
from pyglet.graphics.shader import ShaderProgram

from client import labels, meshes, palette
from client.camera import Camera
from client.ground import Ground
from client.meshes import Tris
from client.mirror import Mirror
from client.selection import Selection
from shared.hexgrid import Hex

MIN_COUNTER_PX = 26.0  # a counter is never drawn narrower than this, however far out you zoom
STACK_LEVELS = 3  # counters in one hex draw in this many layers, later ones on top
MAX_PATHS = 48  # marches drawn for a large selection; the rest are left out
GLIDE_PATHS = 4  # up to this many selected units, paths start from the gliding counter
TOP_BAR_PX = 44  # place names keep out from under the top bar
ROUTE_COLOUR = {"move": palette.PATH, "attack": palette.ATTACK, "rail": palette.RAIL_MOVE}

# Map modes, cycled with M: what the per-hex overlay tints the ground by.
MAP_MODES = ("terrain", "supply", "weather", "control")

# Draw order of world layers.
ORDER_TERRAIN, ORDER_MODE, ORDER_GRID, ORDER_LINES, ORDER_FOG, ORDER_PLACES = 0, 1, 2, 3, 4, 5
ORDER_RAILHEADS, ORDER_OBJECTIVES, ORDER_PATH, ORDER_UNITS = 6, 7, 8, 10

_COUNTER_VERTEX = """#version 150 core
    in vec2 position;
    in vec2 translation;
    in vec4 colors;
    out vec4 vertex_colors;
    uniform WindowBlock
    {
        mat4 projection;
        mat4 view;
    } window;
    uniform float counter_scale;
    void main()
    {
        gl_Position = window.projection * window.view
            * vec4(translation + position * counter_scale, 0.0, 1.0);
        vertex_colors = colors;
    }
"""

_COUNTER_FRAGMENT = """#version 150 core
    in vec4 vertex_colors;
    out vec4 final_color;
    void main()
    {
        final_color = vertex_colors;
        if (final_color.a < 0.01) {
            discard;
        }
    }
"""


class MeshGroup(Group):
    """Binds a shader and alpha blending for its vertex lists."""

    def __init__(self, program: ShaderProgram, order: int) -> None:
        super().__init__(order=order)
        self.program = program

    def set_state(self) -> None:
        self.program.bind()
        glEnable(GL_BLEND)
        glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA)

    def unset_state(self) -> None:
        glDisable(GL_BLEND)
        self.program.unbind()

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.order == other.order  # type: ignore[attr-defined]
            and self.program is other.program  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self), self.order, id(self.program)))


class CounterGroup(MeshGroup):
    """Counters: sets ``counter_scale`` from the camera each frame before drawing."""

    def __init__(self, program: ShaderProgram, order: int, scale: Callable[[], float]) -> None:
        super().__init__(program, order)
        self.scale = scale

    def set_state(self) -> None:
        super().set_state()
        self.program["counter_scale"] = self.scale()


def _upload(
    program: ShaderProgram, tris: Tris, batch: Batch, group: Group, mode: int = GL_TRIANGLES
) -> Any:
    n = len(tris)
    return program.vertex_list(
        n,
        mode,
        batch,
        group,
        position=("f", tris.positions),
        colors=("Bn", tris.colors),
        translation=("f", (0.0, 0.0) * n),
    )


class UnitCounter:
    """One unit's counter: a vertex list plus what it was last built from."""

    __slots__ = ("key", "level", "vlist", "xy")

    def __init__(self, vlist: Any, key: tuple[Any, ...], level: int) -> None:
        self.vlist = vlist
        self.key = key
        self.level = level
        self.xy: tuple[float, float] | None = None


class MapRenderer:
    """Everything drawn for one map; ``update`` syncs it with the mirror once per frame."""

    def __init__(self, ground: Ground, camera: Camera) -> None:
        self.ground = ground
        self.camera = camera
        # Drawn in this order: the ground (world), place names (pixels), units and paths (world),
        # then refusals next to units (pixels) -- so names never hide a counter.
        self.world = Batch()
        self.names = Batch()
        self.units = Batch()
        self.overlay = Batch()
        self.shapes_program = pyglet.shapes.get_default_shader()
        self.counter_program = ShaderProgram(
            pyglet.graphics.shader.Shader(_COUNTER_VERTEX, "vertex"),
            pyglet.graphics.shader.Shader(_COUNTER_FRAGMENT, "fragment"),
        )
        prog = self.shapes_program
        k = ground.hex_km

        def group(order: int) -> MeshGroup:
            return MeshGroup(prog, order)

        # The mode tint and the fog are skipped while wholly clear (terrain mode, a spectator of
        # everything): each would otherwise blend a transparent layer over the whole screen.
        self._mode_group, self._fog_group = group(ORDER_MODE), group(ORDER_FOG)
        self._mode_group.visible = self._fog_group.visible = False
        # Static ground, built once.
        self.terrain = _upload(
            prog,
            meshes.hex_fans(ground, meshes.terrain_colours(ground)),
            self.world,
            group(ORDER_TERRAIN),
        )
        # The map-mode tint: one vertex list whose colours change with the mode or the data.
        self.mode = MAP_MODES[0]
        self.mode_layer = _upload(
            prog,
            meshes.hex_fans(ground, [(0, 0, 0, 0)] * len(ground)),
            self.world,
            self._mode_group,
        )
        self._mode_key: tuple[Any, ...] | None = (MAP_MODES[0], None)
        self._railhead_group = group(ORDER_RAILHEADS)
        self._railheads: Any = None
        lines = meshes.grid_lines(ground)
        n = len(lines) // 2
        self.grid = prog.vertex_list(
            n,
            GL_LINES,
            self.world,
            group(ORDER_GRID),
            position=("f", lines),
            colors=("Bn", palette.GRID * n),
            translation=("f", (0.0, 0.0) * n),
        )
        self.lines = _upload(prog, meshes.linework(ground), self.world, group(ORDER_LINES))
        self.fog = _upload(
            prog,
            meshes.hex_fans(ground, [(0, 0, 0, 0)] * len(ground)),
            self.world,
            self._fog_group,
        )
        self.place_marks = _upload(prog, meshes.places(ground), self.world, group(ORDER_PLACES))
        self._fog_mask: bytes | bool | None = False  # False: never set
        # Things that change.
        self._objective_group = group(ORDER_OBJECTIVES)
        self._objectives: list[Any] = []
        self._objective_key: list[tuple[Any, ...]] | None = None
        self._path_group = group(ORDER_PATH)
        self._path: Any = None
        self._path_key: Any = None
        self._counter_groups = [
            CounterGroup(self.counter_program, ORDER_UNITS + i, self.counter_scale)
            for i in range(STACK_LEVELS)
        ]
        self.counters: dict[str, UnitCounter] = {}
        self._unit_state: tuple[int, str | None] | None = None
        self._glided = False
        self._k = k
        # Screen-space text.
        self._label_bg = Group(order=0)
        self._label_fg = Group(order=1)
        self._place_labels: list[tuple[tuple[float, float], Any, Any]] = []
        self._place_ranks = [labels.rank(p.victory, p.industry, p.port) for p in ground.data.places]
        for place in ground.data.places:
            pos = ground.centre((place.pos[0], place.pos[1]))
            label, bg = self._boxed_label(
                place.name, palette.PLACE_TEXT, palette.PLACE_HALO, self.names, "center", "top",
                pad=(6, 2),
            )  # fmt: skip
            self._place_labels.append((pos, label, bg))
        self._error_labels: dict[str, tuple[Any, Any]] = {}
        self._camera_version = -1
        # Set by the app each frame: the hex a right-click would order the selection to (and
        # whether shift queues it), and the rubber band of a box selection (screen pixels).
        self.preview: tuple[Hex, bool] | None = None
        self.box: tuple[float, float, float, float] | None = None
        self._box_fill = pyglet.shapes.Rectangle(
            0, 0, 1, 1, color=palette.BOX_FILL, batch=self.overlay, group=self._label_bg
        )
        self._box_edge = pyglet.shapes.Box(
            0, 0, 1, 1, thickness=1.5, color=palette.BOX_EDGE, batch=self.overlay,
            group=self._label_fg,
        )  # fmt: skip
        self._box_fill.visible = self._box_edge.visible = False

    # -- per frame --------------------------------------------------------------------------
    def _boxed_label(
        self,
        text: str,
        colour: Any,
        box: Any,
        batch: Any,
        anchor_x: str,
        anchor_y: str,
        pad: tuple[int, int],
    ) -> tuple[Any, Any]:
        """A bold 10-point label on a box of ``box`` colour, ``pad`` pixels wider and taller;
        the caller positions both."""
        label = pyglet.text.Label(
            text,
            font_size=10,
            weight="bold",
            color=colour,
            anchor_x=anchor_x,
            anchor_y=anchor_y,
            batch=batch,
            group=self._label_fg,
        )
        bg = pyglet.shapes.Rectangle(
            0,
            0,
            label.content_width + pad[0],
            label.content_height + pad[1],
            color=box,
            batch=batch,
            group=self._label_bg,
        )
        return label, bg

    def counter_scale(self) -> float:
        """Blow counters up when zoomed out so they stay at least MIN_COUNTER_PX wide."""
        px = meshes.COUNTER_W * self._k * self.camera.scale
        return max(1.0, MIN_COUNTER_PX / px) if px > 0 else 1.0

    def update(self, mirror: Mirror, selection: Selection, now: float) -> None:
        if mirror.visible is not self._fog_mask:
            self._fog_mask = mirror.visible
            self._fog_group.visible = mirror.visible is not None
            self.fog.colors[:] = meshes.fog_colours(self.ground, mirror.visible)
        self._update_mode(mirror)
        self._update_objectives(mirror)
        # Counters change only with the mirror or the selection, and move only while gliding
        # (plus one last frame to land exactly on the hex); otherwise the frame costs nothing.
        gliding = bool(mirror.gliding(now))
        state = (mirror.version, tuple(selection.units))
        if state != self._unit_state or gliding or self._glided:
            self._unit_state = state
            self._update_units(mirror, selection, now)
        self._glided = gliding
        self._update_path(mirror, selection, now)
        self._update_box()
        self._update_errors(mirror, now)
        if self.camera.version != self._camera_version:
            self._camera_version = self.camera.version
            self._place_text()

    def draw(self, window: pyglet.window.Window) -> None:
        view = self.camera.view_matrix()
        window.view = view
        self.world.draw()
        window.view = _IDENTITY
        self.names.draw()
        window.view = view
        self.units.draw()
        window.view = _IDENTITY
        self.overlay.draw()

    @property
    def unit_count(self) -> int:
        return len(self.counters)

    # -- layers -----------------------------------------------------------------------------
    def _update_mode(self, mirror: Mirror) -> None:
        """Recolour the map-mode overlay, only when the mode or its data changed."""
        mode = self.mode if self.mode in MAP_MODES else MAP_MODES[0]
        key = (mode, None if mode == "terrain" else mirror.overlay_version)
        if key == self._mode_key:
            return
        self._mode_key = key
        self._mode_group.visible = mode != "terrain"
        supply = mirror.shown_supply() if mode == "supply" else None
        weather = (
            {r.region: r.ground for r in mirror.weather.regions}
            if mode == "weather" and mirror.weather is not None
            else None
        )
        self.mode_layer.colors[:] = meshes.mode_colours(
            self.ground,
            mode,
            supply=supply.level if supply is not None else None,
            weather=weather,
            control=mirror.control if mode == "control" else None,
        )
        if self._railheads is not None:
            self._railheads.delete()
            self._railheads = None
        if supply is not None and supply.railheads:
            self._railheads = _upload(
                self.shapes_program,
                meshes.railheads(self.ground, supply.railheads, supply.lines),
                self.world,
                self._railhead_group,
            )

    def _update_objectives(self, mirror: Mirror) -> None:
        key = [(tuple(o.pos), o.owner) for o in mirror.objectives]
        if key == self._objective_key:
            return
        self._objective_key = key
        for vl in self._objectives:
            vl.delete()
        self._objectives = [
            _upload(
                self.shapes_program,
                meshes.objective(self.ground, pos, owner),
                self.world,
                self._objective_group,
            )
            for pos, owner in key
            if self.ground.contains(pos)
        ]

    def _update_units(self, mirror: Mirror, selection: Selection, now: float) -> None:
        for uid in [u for u in self.counters if u not in mirror.units]:
            self.counters.pop(uid).vlist.delete()
        stacks: dict[tuple[int, int], list[str]] = {}
        for uid in sorted(mirror.units):
            unit = mirror.units[uid]
            stacks.setdefault((unit.pos[0], unit.pos[1]), []).append(uid)
        k = self._k
        chosen = set(selection.units)
        for members in stacks.values():
            offsets = meshes.stack_offsets(len(members), k)
            for depth, (uid, off) in enumerate(zip(members, offsets, strict=True)):
                unit = mirror.units[uid]
                # A stale marker (an enemy last seen there) is drawn in neutral grey.
                side = "stale" if unit.stale else unit.side
                key = (
                    unit.kind,
                    side,
                    round(unit.strength, 2),
                    round(unit.org, 2),
                    uid in chosen,
                    unit.combat,
                    off,
                    None if unit.supply is None else round(unit.supply, 1),
                    unit.cut_off,
                )
                counter = self.counters.get(uid)
                level = min(depth, STACK_LEVELS - 1)
                if counter is None or counter.key != key:
                    tris = meshes.counter(
                        unit.kind,
                        side,
                        unit.strength,
                        unit.org,
                        uid in chosen,
                        unit.combat,
                        k,
                        None if unit.supply is None else round(unit.supply, 1),
                        unit.cut_off,
                    )
                    ox, oy = off
                    positions = [
                        v + (ox if i % 2 == 0 else oy) for i, v in enumerate(tris.positions)
                    ]
                    if counter is None or len(counter.vlist.position) != len(positions):
                        if counter is not None:
                            counter.vlist.delete()
                        tris.positions = positions
                        counter = UnitCounter(
                            _upload(
                                self.counter_program, tris, self.units, self._counter_groups[level]
                            ),
                            key,
                            level,
                        )
                        self.counters[uid] = counter
                    else:
                        counter.vlist.position[:] = positions
                        counter.vlist.colors[:] = tris.colors
                        counter.key = key
                if counter.level != level:
                    self.units.migrate(
                        counter.vlist, GL_TRIANGLES, self._counter_groups[level], self.units
                    )
                    counter.level = level
                xy = self.ground.centre(mirror.display_axial(uid, now))
                if xy != counter.xy:
                    counter.xy = xy
                    counter.vlist.translation[:] = xy * (len(counter.vlist.translation) // 2)

    def _update_path(self, mirror: Mirror, selection: Selection, now: float) -> None:
        """The selected units' marches (the server's paths, or straight legs while a draft is
        unanswered), their waypoints, and the preview of the order under the pointer."""
        chosen = [u for u in selection.units if u in mirror.units][:MAX_PATHS]
        glide = len(chosen) <= GLIDE_PATHS
        marches = []
        for uid in chosen:
            unit = mirror.units[uid]
            start = mirror.display_axial(uid, now) if glide else (unit.pos[0], unit.pos[1])
            draft = selection.drafts.get(uid)
            hexes: tuple[Hex, ...] = ()
            waypoints: tuple[Hex, ...] = ()
            colour: Any = palette.PATH
            if draft is not None and draft.to is not None:
                hexes, waypoints, colour = (*draft.via, draft.to), draft.via, palette.DRAFT
            elif unit.order == "air" and unit.to is not None:
                hexes, colour = ((unit.to[0], unit.to[1]),), palette.AIR_MISSION
            elif unit.path:
                hexes = tuple((p[0], p[1]) for p in unit.path)
                waypoints = tuple((p[0], p[1]) for p in getattr(unit, "via", None) or ())
                colour = ROUTE_COLOUR.get(unit.order or "", palette.PATH)
            marches.append((start, hexes, waypoints, colour))
        preview: tuple[Any, ...] = ()
        if self.preview is not None and chosen:
            target, queue = self.preview
            preview = tuple(tuple(hexes) for _, hexes in selection.preview(mirror, target, queue))
        primary = mirror.units[chosen[0]] if chosen else None
        ring = (primary.pos[0], primary.pos[1]) if primary is not None else None
        key = (tuple(marches), preview, ring)
        if key == self._path_key:
            return
        self._path_key = key
        if self._path is not None:
            self._path.delete()
            self._path = None
        if not chosen:
            return
        k = self._k
        tris = meshes.Tris()
        for hexes in preview:
            sub = meshes.path(self.ground, self.ground.centre(hexes[0]), hexes[1:], palette.PREVIEW)
            tris.positions += sub.positions
            tris.colors += sub.colors
        for start, hexes, waypoints, colour in marches:
            if not hexes:
                continue
            sub = meshes.path(self.ground, self.ground.centre(start), hexes, colour)
            for h in waypoints:
                x, y = self.ground.centre(h)
                sub.ellipse(x, y, 0.16 * k, 0.16 * k, palette.INK, 12)
                sub.ellipse(x, y, 0.11 * k, 0.11 * k, palette.WAYPOINT, 12)
            tris.positions += sub.positions
            tris.colors += sub.colors
        if ring is not None:
            tris.ring(self.ground.corners(ring), 0.07 * k, palette.SELECTED)
        if len(tris):
            self._path = _upload(self.shapes_program, tris, self.units, self._path_group)

    def _update_box(self) -> None:
        box = self.box
        shown = box is not None
        if shown != self._box_edge.visible:
            self._box_fill.visible = self._box_edge.visible = shown
        if box is None:
            return
        x0, y0, x1, y1 = box
        x, y, w, h = min(x0, x1), min(y0, y1), max(abs(x1 - x0), 1.0), max(abs(y1 - y0), 1.0)
        for shape in (self._box_fill, self._box_edge):
            if (shape.x, shape.y, shape.width, shape.height) != (x, y, w, h):
                shape.position = (x, y)
                shape.width, shape.height = w, h

    def _update_errors(self, mirror: Mirror, now: float) -> None:
        errors = mirror.current_errors(now)
        for uid in [u for u in self._error_labels if u not in errors or u not in mirror.units]:
            label, bg = self._error_labels.pop(uid)
            label.delete()
            bg.delete()
        stacked: dict[tuple[int, int], int] = {}  # refusals already placed in each hex
        for uid in sorted(errors):
            err = errors[uid]
            unit = mirror.units.get(uid)
            if unit is None:
                continue
            entry = self._error_labels.get(uid)
            text = f"{err.message} ({err.code})"
            if entry is None or entry[0].text != text:
                if entry is not None:
                    entry[0].delete()
                    entry[1].delete()
                entry = self._boxed_label(
                    text, palette.ERROR_TEXT, palette.HUD_BG, self.overlay, "left", "center",
                    pad=(8, 4),
                )  # fmt: skip
                self._error_labels[uid] = entry
            wx, wy = self.ground.centre(mirror.display_axial(uid, now))
            sx, sy = self.camera.world_to_screen(wx, wy)
            half = meshes.COUNTER_W * self._k * self.camera.scale * self.counter_scale() / 2
            label, bg = entry
            # Several refused units in one hex (an order to a whole stack): one line each.
            h = (unit.pos[0], unit.pos[1])
            sy -= stacked.get(h, 0) * (bg.height + 2)
            stacked[h] = stacked.get(h, 0) + 1
            if label.position[:2] != (sx + half + 8, sy):
                label.position = (sx + half + 8, sy, 0)
                bg.position = (sx + half + 4, sy - bg.height / 2)

    def _place_text(self) -> None:
        """Place names by importance as the zoom allows, never one on top of another."""
        cam = self.camera
        drop = 0.3 * self._k * cam.scale
        boxes = []
        for (wx, wy), label, bg in self._place_labels:
            sx, sy = cam.world_to_screen(wx, wy)
            label.position = (sx, sy - drop, 0)
            bg.position = (sx - bg.width / 2, sy - drop - bg.height + 1)
            boxes.append((bg.x, bg.y, bg.width, bg.height))
        hex_px = self._k * cam.scale
        for (_, label, bg), show in zip(
            self._place_labels,
            labels.shown(boxes, self._place_ranks, hex_px, cam.width, cam.height - TOP_BAR_PX),
            strict=True,
        ):
            label.visible = bg.visible = show

    def delete(self) -> None:
        """Free GPU memory when the map changes (a new match)."""
        for vl in (
            self.terrain,
            self.mode_layer,
            self.grid,
            self.lines,
            self.fog,
            self.place_marks,
            *self._objectives,
        ):
            vl.delete()
        if self._path is not None:
            self._path.delete()
        if self._railheads is not None:
            self._railheads.delete()
        for counter in self.counters.values():
            counter.vlist.delete()
        self.counters.clear()
        for _, label, bg in self._place_labels:
            label.delete()
            bg.delete()
        for label, bg in self._error_labels.values():
            label.delete()
            bg.delete()
        self._box_fill.delete()
        self._box_edge.delete()


_IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
