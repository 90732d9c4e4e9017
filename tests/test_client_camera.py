"""Camera, hex picking, selection, order drafts, geometry and texts: everything short of GL."""

from __future__ import annotations

import math

import pytest

from client import meshes, palette, texts
from client.camera import MAX_SCALE, MIN_SCALE, Camera
from client.ground import Ground
from client.selection import Selection
from shared.hexgrid import distance, neighbours, to_plane
from shared.orders import OrderRequest
from shared.protocol import UnitView
from tests.test_client_mirror import joined_mirror, khasan_map, theatre_mirror


@pytest.fixture(scope="module")
def ground() -> Ground:
    return Ground(khasan_map())


def test_world_screen_round_trip() -> None:
    cam = Camera(800, 600)
    cam.centre_on(10.0, -20.0)
    for sx, sy in [(0, 0), (400, 300), (799, 1), (123.5, 456.25)]:
        wx, wy = cam.screen_to_world(sx, sy)
        assert cam.world_to_screen(wx, wy) == pytest.approx((sx, sy))
    assert cam.world_to_screen(10.0, -20.0) == pytest.approx((400, 300))


def test_view_matrix_agrees_with_world_to_screen() -> None:
    cam = Camera(1024, 768, scale=13.0)
    cam.centre_on(5.0, 7.0)
    m = cam.view_matrix()
    for wx, wy in [(0.0, 0.0), (5.0, 7.0), (-3.0, 12.5)]:
        sx = m[0] * wx + m[4] * wy + m[12]
        sy = m[1] * wx + m[5] * wy + m[13]
        assert (sx, sy) == pytest.approx(cam.world_to_screen(wx, wy))


def test_zoom_keeps_the_point_under_the_cursor() -> None:
    cam = Camera(800, 600)
    before = cam.screen_to_world(650, 120)
    cam.zoom_at(650, 120, 1.7)
    assert cam.screen_to_world(650, 120) == pytest.approx(before)
    cam.zoom_at(650, 120, 1e6)
    assert cam.scale == MAX_SCALE
    cam.zoom_at(10, 10, 1e-9)
    assert cam.scale == MIN_SCALE


def test_pan_follows_the_drag_and_stays_over_the_map() -> None:
    cam = Camera(800, 600, scale=10.0)
    cam.limits = (0.0, -50.0, 40.0, 0.0)
    cam.centre_on(20.0, -25.0)
    cam.pan(100, 50)  # dragging right/up moves the view left/down
    assert (cam.cx, cam.cy) == pytest.approx((10.0, -30.0))
    cam.pan(-1e6, 1e6)
    assert (cam.cx, cam.cy) == (40.0, -50.0)


def test_fit_shows_the_whole_rectangle() -> None:
    cam = Camera(800, 600)
    cam.fit(-10.0, -70.0, 50.0, 0.0, margin_px=0)
    x0, y0, x1, y1 = cam.visible_world()
    assert x0 <= -10.0 + 1e-9 and x1 >= 50.0 - 1e-9
    assert y0 == pytest.approx(-70.0) and y1 == pytest.approx(0.0)


def test_screen_to_hex_picks_the_hex_under_the_pointer(ground: Ground) -> None:
    cam = Camera(900, 700, scale=30.0)
    cam.centre_on(*ground.centre((3, 20)))
    for h in [(3, 20), (4, 20), (2, 21), (-5, 30), (0, 0)]:
        sx, sy = cam.world_to_screen(*ground.centre(h))
        assert cam.screen_to_hex(sx, sy, ground.hex_km) == h
        # Anywhere well inside the hex counts, not only the centre.
        inner = ground.circumradius * 0.7 * cam.scale
        for a in range(0, 360, 45):
            px = sx + inner * math.cos(math.radians(a))
            py = sy + inner * math.sin(math.radians(a))
            assert cam.screen_to_hex(px, py, ground.hex_km) == h


def test_ground_geometry(ground: Ground) -> None:
    k = ground.hex_km
    assert ground.centre((2, 4)) == pytest.approx((to_plane((2, 4), k)[0], -to_plane((2, 4), k)[1]))
    corners = ground.corners((2, 4))
    cx, cy = ground.centre((2, 4))
    assert all(math.dist(c, (cx, cy)) == pytest.approx(ground.circumradius) for c in corners)
    # Every neighbour shares exactly two corners with the hex, and edge() names them.
    for n in neighbours((2, 4)):
        a, b = ground.edge((2, 4), n)
        shared = [c for c in corners if min(math.dist(c, a), math.dist(c, b)) < 1e-9]
        assert len(shared) == 2
    assert ground.hex_at(cx + 0.3, cy - 0.2) == (2, 4)
    x0, y0, x1, y1 = ground.bounds()
    for h in ground.hexes()[::50]:
        x, y = ground.centre(h)
        assert x0 < x < x1 and y0 < y < y1
    assert len(ground.hexes()) == len(ground) == ground.grid.cols * ground.grid.rows
    assert [ground.index(h) for h in ground.hexes()[:5]] == [0, 1, 2, 3, 4]


def test_selection_picks_own_units_first_and_cycles_stacks() -> None:
    mirror, _ = joined_mirror("spectator")
    sel = Selection()
    unit = mirror.own_units()[0] if mirror.own_units() else next(iter(mirror.units.values()))
    h = (unit.pos[0], unit.pos[1])
    stack = [u.id for u in mirror.units_at(h)]
    assert sel.click(mirror, h) == stack[0]
    if len(stack) > 1:
        assert sel.click(mirror, h) == stack[1]
    empty = next(x for x in mirror.ground.hexes() if not mirror.units_at(x))  # type: ignore[union-attr]
    assert sel.click(mirror, empty) is None and sel.unit is None


def test_move_orders_are_checked_before_sending() -> None:
    mirror, _ = joined_mirror("soviet")
    ground = mirror.ground
    assert ground is not None
    sel = Selection()
    assert sel.move_to(mirror, (0, 0), 0.0) == [], "nothing selected"
    own = mirror.own_units()[0]
    sel.unit = own.id
    water = next(h for h in ground.hexes() if ground.terrain_name(h) == "water")
    assert sel.move_to(mirror, water, 1.0) == []
    assert mirror.order_errors[own.id].code == "impassable"
    assert sel.move_to(mirror, (500, 500), 1.0) == []
    assert mirror.order_errors[own.id].code == "off_map"
    land = next(
        h for h in ground.hexes() if ground.passable(h) and distance(h, tuple(own.pos)) == 2
    )
    order = sel.move_to(mirror, land, 2.0)
    assert order == [OrderRequest(own.id, "move", land)]
    assert own.id not in mirror.order_errors and own.id in sel.drafts
    assert sel.hold(mirror, 3.0) == [OrderRequest(own.id, "hold")]
    enemy = next((u for u in mirror.units.values() if u.side != "soviet"), None)
    if enemy is not None:
        sel.unit = enemy.id
        assert sel.move_to(mirror, land, 4.0) == []
        assert mirror.order_errors[enemy.id].code == "not_your_unit"


def test_spectators_cannot_order() -> None:
    mirror, _ = joined_mirror("spectator")
    sel = Selection()
    sel.unit = next(iter(mirror.units))
    assert sel.move_to(mirror, (0, 20), 0.0) == []
    assert mirror.order_errors[sel.unit].code == "spectator"


def test_drafts_are_dropped_once_the_server_confirms() -> None:
    mirror, feed = joined_mirror("soviet")
    own = mirror.own_units()[0]
    sel = Selection()
    sel.unit = own.id
    ground = mirror.ground
    assert ground is not None
    target = next(
        h for h in ground.hexes() if ground.passable(h) and distance(h, tuple(own.pos)) == 3
    )
    orders = sel.move_to(mirror, target, 0.0)
    assert len(orders) == 1
    sel.prune(mirror)
    assert own.id in sel.drafts
    feed.world.issue("soviet", orders)
    mirror.apply(feed.hours(0, with_ai=False), 1.0)
    sel.prune(mirror)
    assert own.id not in sel.drafts


def test_tab_cycles_own_units() -> None:
    mirror, _ = joined_mirror("soviet")
    sel = Selection()
    own = [u.id for u in mirror.own_units()]
    seen = [sel.cycle_own(mirror) for _ in own]
    assert seen == own
    assert sel.cycle_own(mirror, -1) == own[-2]


def test_terrain_and_fog_meshes(ground: Ground) -> None:
    colours = meshes.terrain_colours(ground)
    tris = meshes.hex_fans(ground, colours)
    assert len(tris) == meshes.VERTS_PER_HEX * len(ground)
    assert len(tris.colors) == 4 * len(tris)
    water = ground.terrain_names.index("water")
    i = ground.data.terrain.index(water)
    assert tuple(tris.colors[i * 72 : i * 72 + 3]) == palette.TERRAIN["water"]
    assert set(meshes.fog_colours(ground, None)[3::4]) == {0}
    mask = bytearray((len(ground) + 7) // 8)
    mask[0] = 0b00000001  # only hex 0 visible
    fog = meshes.fog_colours(ground, bytes(mask))
    assert fog[3] == 0 and fog[72 + 3] == palette.FOG[3]


def test_linework_covers_rivers_roads_and_borders(ground: Ground) -> None:
    tris = meshes.linework(ground)
    cols = {tuple(tris.colors[i : i + 3]) for i in range(0, len(tris.colors), 4)}
    assert {palette.RIVER, palette.ROAD, palette.BORDER} <= cols


@pytest.mark.parametrize(
    "kind", ["infantry", "armour", "artillery", "cavalry", "engineer", "anti_air", "air"]
)
def test_counter_vertex_count_depends_only_on_kind(kind: str) -> None:
    a = meshes.counter(kind, "soviet", 1.0, 1.0, False, False, 2.0)
    b = meshes.counter(kind, "japan", 0.1, 0.3, True, True, 2.0, supply=0.2, cut_off=True)
    assert len(a) == len(b) > 0
    body = palette.SIDE_BODY["japan"]
    assert body in {tuple(b.colors[i : i + 3]) for i in range(0, len(b.colors), 4)}
    xs = a.positions[0::2]
    assert max(xs) - min(xs) <= (meshes.COUNTER_W + 0.4) * 2.0


def test_own_counters_show_their_supply_and_others_do_not() -> None:
    def opaque(t: meshes.Tris) -> set[tuple[int, ...]]:
        return {tuple(t.colors[i : i + 3]) for i in range(0, len(t.colors), 4) if t.colors[i + 3]}

    full = palette.supply(1.0)[:3]
    starving = palette.supply(0.0)[:3]
    fed = opaque(meshes.counter("infantry", "soviet", 1.0, 1.0, k=2.0, supply=1.0))
    hungry = opaque(meshes.counter("infantry", "soviet", 1.0, 1.0, k=2.0, supply=0.0))
    unknown = opaque(meshes.counter("infantry", "japan", 1.0, 1.0, k=2.0))
    assert full in fed and starving not in fed
    assert starving in hungry
    assert full not in unknown and starving not in unknown


def test_the_supply_map_draws_busy_rail_thicker_than_a_thread(ground: Ground) -> None:
    a, b, c = (5, 5), (6, 5), (7, 5)
    busy = meshes.supply_lines(ground, [(*a, *b, 4000)])
    thread = meshes.supply_lines(ground, [(*a, *b, 4000), (*b, *c, 400)])

    def width(t: meshes.Tris, first: int) -> float:
        ys = t.positions[first * 12 + 1 : first * 12 + 12 : 2]
        return max(ys) - min(ys)

    assert len(busy) == 6 and len(thread) == 12  # one quad per edge
    assert width(thread, 0) > width(thread, 1) > 0
    heads = meshes.railheads(ground, [(*b, 4000)], [(*a, *b, 4000)])
    assert len(heads) == len(busy) + 12  # the line under the railhead's two squares


def test_dashes_cover_about_their_share_of_a_line() -> None:
    tris = meshes.Tris()
    tris.dashed([(0.0, 0.0), (10.0, 0.0)], 0.1, 1.0, 1.0, (0, 0, 0))
    assert len(tris) == 5 * 6  # five dashes of two triangles each


def test_texts() -> None:
    assert texts.game_time("1938-07-29T04:00") == "29 Jul 1938 04:00"
    assert texts.game_time("garbage") == "garbage"
    mirror, _ = joined_mirror("soviet")
    line = texts.top_line(mirror)
    assert "Lake Khasan" in line and "29 Jul 1938" in line and "Soviet view" in line
    mirror.paused, mirror.paused_by = True, "Ivan"
    assert "PAUSED by Ivan" in texts.top_line(mirror)
    unit = mirror.own_units()[0]
    lines = texts.unit_lines(unit, mirror)
    assert lines[0] == unit.name and any("strength" in x for x in lines)
    assert texts.result_line(mirror) is None
    mirror.finished, mirror.winner, mirror.result = True, "japan", "objectives"
    assert "Japanese victory" in (texts.result_line(mirror) or "")
    keys = texts.key_lines(texts.MATCH_KEYS)
    assert any(k.startswith("F1") for k in keys) and any("Space" in k for k in keys)


def test_map_mode_texts_and_supply_lines_of_a_unit() -> None:
    mirror = theatre_mirror("soviet")
    assert any(k == "M" and "map mode" in v for k, v in texts.MATCH_KEYS)
    assert texts.mode_lines(mirror, "terrain") == []
    supply = mirror.shown_supply()
    assert supply is not None
    head = (supply.railheads[0][0], supply.railheads[0][1])
    lines = texts.mode_lines(mirror, "supply", head)
    assert "Soviet supply" in lines[0] and lines[-1].startswith("supply here")
    assert supply.trucks is not None and f"lorries {supply.trucks:,}" in lines[1]
    weather = texts.mode_lines(mirror, "weather")
    first = mirror.weather.regions[0] if mirror.weather else None
    assert first is not None and first.region in weather[0] and first.ground in weather[0]
    assert "forecast" in weather[-1]
    assert "here: Soviet" in texts.mode_lines(mirror, "control", head)[0]
    unit = UnitView(
        "u1", "soviet", "infantry", "1st Rifle", head, 0.9, 0.8, 12000,
        food=4.5, ammo=2.0, fuel=7.25, supply=0.6, cut_off=True, entrenched=0.4,
    )  # fmt: skip
    text = "\n".join(texts.unit_lines(unit, mirror))
    for part in ("food 4.5 d", "ammo 2.0 d", "fuel 7.2 d", "supply 60%"):
        assert part in text
    assert "entrenched 40%" in text and "CUT OFF" in text
    plain = "\n".join(texts.unit_lines(UnitView("u2", "japan", "tank", "x", head, 1, 1, 9), mirror))
    assert "food" not in plain and "CUT OFF" not in plain


def test_map_mode_colours_tint_by_supply_weather_and_control() -> None:
    mirror = theatre_mirror("spectator")
    ground = mirror.ground
    assert ground is not None and mirror.weather is not None and mirror.control is not None
    n = len(ground) * meshes.VERTS_PER_HEX * 4
    clear = meshes.mode_colours(ground, "terrain")
    assert len(clear) == n and not any(clear)
    supply = mirror.shown_supply()
    assert supply is not None
    tinted = meshes.mode_colours(ground, "supply", supply=supply.level)
    land = [i for i in range(len(ground)) if not ground.is_water(i)]

    def hex_rgba(colours: list[int], i: int) -> tuple[int, ...]:
        at = i * meshes.VERTS_PER_HEX * 4
        return tuple(colours[at : at + 4])

    full = next(i for i in land if supply.level[i] == 255)
    none = next(i for i in land if supply.level[i] == 0)
    assert hex_rgba(tinted, full) == (*palette.SUPPLY_FULL, palette.SUPPLY_ALPHA)
    assert hex_rgba(tinted, none) == (*palette.SUPPLY_NONE, palette.SUPPLY_ALPHA)
    water = next(i for i in range(len(ground)) if ground.is_water(i))
    assert hex_rgba(tinted, water) == (0, 0, 0, 0)
    grounds = {r.region: r.ground for r in mirror.weather.regions}
    wet = meshes.mode_colours(ground, "weather", weather=grounds)
    i = next(i for i in land if ground.data.climate[i])
    region = ground.data.climates[ground.data.climate[i] - 1]
    assert hex_rgba(wet, i) == palette.GROUND_TINT[grounds[region]]
    held = meshes.mode_colours(ground, "control", control=mirror.control)
    i = next(i for i in land if mirror.control[i] == 2)
    assert hex_rgba(held, i)[:3] == palette.SIDE_BODY["japan"]
    marks = meshes.railheads(ground, supply.railheads)
    assert len(marks) == 12 * len(supply.railheads)
