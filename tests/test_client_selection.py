"""Selecting units and drafting their orders, in plain Python on a mirror of a real match."""

from __future__ import annotations

from client.mirror import Mirror
from client.selection import (
    DOUBLE_TAP_S,
    MAX_VIA,
    Selection,
    can_order,
    chunks,
    order_request,
)
from shared.hexgrid import distance, line
from shared.orders import OrderRequest
from shared.protocol import MAX_ORDERS_PER_MESSAGE, UnitView
from tests.test_client_mirror import joined_mirror


def world_rect(mirror: Mirror, units: list[UnitView], pad: float = 0.1) -> tuple[float, ...]:
    """The world rectangle just round these units' hex centres."""
    assert mirror.ground is not None
    pts = [mirror.ground.centre((u.pos[0], u.pos[1])) for u in units]
    return (
        min(p[0] for p in pts) - pad,
        min(p[1] for p in pts) - pad,
        max(p[0] for p in pts) + pad,
        max(p[1] for p in pts) + pad,
    )


def land_near(mirror: Mirror, h: tuple[int, int], d: int) -> tuple[int, int]:
    ground = mirror.ground
    assert ground is not None
    return next(x for x in ground.hexes() if ground.passable(x) and distance(x, h) == d)


def test_box_selects_own_orderable_units_and_shift_adds() -> None:
    mirror, _ = joined_mirror("soviet")
    own = mirror.own_units()
    assert len(own) >= 3
    everything = world_rect(mirror, list(mirror.units.values()), pad=50.0)
    sel = Selection()
    picked = sel.box(mirror, everything)
    assert set(picked) == {u.id for u in own}, "enemies are never box-selected"
    assert sel.unit == picked[0] and len(sel) == len(own)
    # A box round one unit's hex takes that hex's own units only...
    first = own[0]
    one = sel.box(mirror, world_rect(mirror, [first]))
    assert first.id in one and all(tuple(mirror.units[u].pos) == tuple(first.pos) for u in one)
    # ...shift adds another box to it, and an empty box without shift clears.
    other = next(u for u in own if tuple(u.pos) != tuple(first.pos))
    sel.box(mirror, world_rect(mirror, [other]), add=True)
    assert first.id in sel and other.id in sel
    assert sel.box(mirror, (1e6, 1e6, 1e6 + 1, 1e6 + 1)) == [] and len(sel) == 0


def test_teammates_are_shown_but_not_orderable() -> None:
    mirror, _ = joined_mirror("soviet")
    own = mirror.own_units()
    mirror.seat = "soviet-east"
    mate = own[0]
    mate.command = "soviet-west"  # a teammate's unit
    for u in own[1:]:
        u.command = "soviet-east"
    assert not can_order(mirror, mate) and all(can_order(mirror, u) for u in own[1:])
    sel = Selection()
    picked = sel.box(mirror, world_rect(mirror, own, pad=50.0))
    assert mate.id not in picked and len(picked) == len(own) - 1
    # Clicking it selects it (to look at it); ordering it is refused before anything is sent.
    sel.click(mirror, (mate.pos[0], mate.pos[1]))
    sel.unit = mate.id
    target = land_near(mirror, (mate.pos[0], mate.pos[1]), 2)
    assert sel.move_to(mirror, target, 1.0) == []
    assert mirror.order_errors[mate.id].code == "not_your_command"
    assert sel.all_own(mirror) == [u.id for u in own[1:]]


def test_shift_click_adds_and_removes_and_click_cycles() -> None:
    mirror, _ = joined_mirror("soviet")
    own = mirror.own_units()
    a, b = own[0], next(u for u in own if tuple(u.pos) != tuple(own[0].pos))
    ha, hb = (a.pos[0], a.pos[1]), (b.pos[0], b.pos[1])
    sel = Selection()
    sel.click(mirror, ha)
    sel.click(mirror, hb, add=True)
    assert sel.unit is not None and mirror.units[sel.unit].pos == b.pos  # the last one is primary
    stack_a = {u.id for u in mirror.units_at(ha)}
    assert stack_a & set(sel.units)
    while stack_a - set(sel.units):  # shift-clicking a stack takes its units one by one...
        sel.click(mirror, ha, add=True)
    sel.click(mirror, ha, add=True)  # ...and once all are in, takes them all out
    assert not stack_a & set(sel.units) and len(sel) >= 1
    sel.click(mirror, ha)
    assert len(sel) == 1 and sel.unit in stack_a


def test_same_kind_on_screen() -> None:
    mirror, _ = joined_mirror("soviet")
    own = mirror.own_units()
    kind = own[0].kind
    everything = world_rect(mirror, list(mirror.units.values()), pad=50.0)
    sel = Selection()
    picked = sel.same_kind(mirror, own[0].id, everything)
    assert picked[0] == own[0].id
    assert set(picked) == {u.id for u in own if u.kind == kind}
    # Off screen means not taken: a rectangle round the clicked unit alone.
    alone = sel.same_kind(mirror, own[0].id, world_rect(mirror, [own[0]]))
    assert own[0].id in alone and len(alone) <= len(picked)


def test_groups_recall_and_double_tap_centres() -> None:
    mirror, _ = joined_mirror("soviet")
    own = [u.id for u in mirror.own_units()]
    sel = Selection()
    sel.units = own[:2]
    assert sel.set_group(1) == own[:2]
    sel.units = own[2:3]
    sel.set_group(2)
    sel.clear()
    assert sel.recall(mirror, 1, 10.0) is False and sel.units == own[:2]
    assert sel.recall(mirror, 1, 10.0 + DOUBLE_TAP_S / 2) is True, "twice quickly: centre"
    assert sel.recall(mirror, 2, 20.0) is False and sel.units == own[2:3]
    assert sel.recall(mirror, 2, 30.0) is False, "twice slowly: just recall"
    # A unit that left the view leaves its group; an empty selection forgets the group.
    del mirror.units[own[0]]
    sel.recall(mirror, 1, 40.0)
    assert sel.units == own[1:2] and sel.groups[1] == own[1:2]
    sel.clear()
    assert sel.set_group(1) == [] and 1 not in sel.groups
    assert sel.recall(mirror, 7, 50.0) is False and sel.units == []


def test_one_order_per_selected_unit() -> None:
    mirror, _ = joined_mirror("soviet")
    own = mirror.own_units()
    sel = Selection()
    sel.units = [u.id for u in own]
    target = land_near(mirror, (own[0].pos[0], own[0].pos[1]), 3)
    orders = sel.move_to(mirror, target, 1.0)
    assert [o.unit for o in orders] == sel.units
    assert all(o.kind == "move" and o.to == target for o in orders)
    assert set(sel.drafts) == set(sel.units)
    attack = sel.order(mirror, "attack", target, 2.0)
    assert {o.kind for o in attack} == {"attack"} and len(attack) == len(own)
    held = sel.hold(mirror, 3.0)
    assert held == [OrderRequest(u, "hold") for u in sel.units]
    many = [order_request(f"u{i}", "hold", None) for i in range(MAX_ORDERS_PER_MESSAGE * 2 + 1)]
    assert [len(c) for c in chunks(many)] == [MAX_ORDERS_PER_MESSAGE] * 2 + [1]


def test_shift_queues_waypoints_and_sends_the_whole_list() -> None:
    mirror, _ = joined_mirror("soviet")
    unit = mirror.own_units()[0]
    here = (unit.pos[0], unit.pos[1])
    a, b, c = (land_near(mirror, here, d) for d in (2, 4, 6))
    sel = Selection()
    sel.unit = unit.id
    assert sel.move_to(mirror, a, 1.0, queue=True) == [order_request(unit.id, "move", a)]
    assert sel.move_to(mirror, b, 2.0, queue=True) == [order_request(unit.id, "move", b, [a])]
    third = sel.move_to(mirror, c, 3.0, queue=True)
    assert third == [order_request(unit.id, "move", c, [a, b])]
    assert third[0].via == [a, b]
    assert sel.route(mirror, unit.id) == ("move", [a, b, c])
    # An attack queued on a march keeps the earlier legs; a plain click starts afresh.
    sel.order(mirror, "attack", a, 4.0, queue=True)
    assert sel.drafts[unit.id].via == (a, b, c) and sel.drafts[unit.id].kind == "attack"
    assert sel.move_to(mirror, b, 5.0) == [order_request(unit.id, "move", b)]
    # Once the server confirms (the draft is gone), the queue continues from its view.
    del sel.drafts[unit.id]
    unit.order, unit.to, unit.via = "move", b, [a]
    assert sel.route(mirror, unit.id) == ("move", [a, b])
    assert sel.move_to(mirror, c, 6.0, queue=True) == [order_request(unit.id, "move", c, [a, b])]
    # Too many waypoints are refused here.
    sel.drafts.clear()
    unit.via = [a] * MAX_VIA
    assert sel.move_to(mirror, c, 7.0, queue=True) == []
    assert mirror.order_errors[unit.id].code == "bad_order"


def test_preview_is_a_hex_line_from_the_unit_or_its_last_waypoint() -> None:
    mirror, _ = joined_mirror("soviet")
    unit = mirror.own_units()[0]
    here = (unit.pos[0], unit.pos[1])
    a, b = land_near(mirror, here, 3), land_near(mirror, here, 5)
    sel = Selection()
    sel.unit = unit.id
    assert sel.preview(mirror, a) == [(unit.id, line(here, a))]
    sel.move_to(mirror, a, 1.0)
    queued = sel.preview(mirror, b, queue=True)[0][1]
    assert queued[:2] == [here, a] and queued[-1] == b
    assert Selection().preview(mirror, a) == []


def test_air_missions_go_to_aircraft_and_marches_to_the_ground() -> None:
    mirror, _ = joined_mirror("soviet")
    own = mirror.own_units()
    ground_unit = own[0]
    plane = own[1]
    plane.kind = "air"
    sel = Selection()
    sel.units = [ground_unit.id, plane.id]
    target = land_near(mirror, (ground_unit.pos[0], ground_unit.pos[1]), 3)
    marches = sel.move_to(mirror, target, 1.0)
    assert [o.unit for o in marches] == [ground_unit.id]
    missions = sel.order(mirror, "air", target, 2.0, mission="support")
    assert missions == [order_request(plane.id, "air", target, mission="support")]
    sel.unit = ground_unit.id
    assert sel.order(mirror, "air", target, 3.0, mission="recon") == []
    assert mirror.order_errors[ground_unit.id].code == "not_air"
    sel.unit = plane.id
    assert sel.move_to(mirror, target, 4.0) == [order_request(plane.id, "move", target)], (
        "aircraft alone: move rebases them"
    )


def test_rail_needs_a_railway_under_the_unit() -> None:
    mirror, _ = joined_mirror("soviet")  # Lake Khasan has no railway on its map
    unit = mirror.own_units()[0]
    sel = Selection()
    sel.unit = unit.id
    target = land_near(mirror, (unit.pos[0], unit.pos[1]), 3)
    assert sel.order(mirror, "rail", target, 1.0) == []
    assert mirror.order_errors[unit.id].code == "no_rail"


def test_prune_forgets_units_gone_from_view() -> None:
    mirror, _ = joined_mirror("soviet")
    own = [u.id for u in mirror.own_units()]
    sel = Selection()
    sel.units = own[:3]
    del mirror.units[own[1]]
    sel.prune(mirror)
    assert sel.units == [own[0], own[2]]


def test_a_draft_nobody_answers_is_dropped_after_a_while() -> None:
    from client.selection import DRAFT_TIMEOUT_S

    mirror, _ = joined_mirror("soviet")
    unit = mirror.own_units()[0]
    sel = Selection()
    sel.unit = unit.id
    sel.move_to(mirror, land_near(mirror, (unit.pos[0], unit.pos[1]), 2), 1.0)
    sel.prune(mirror, 1.0 + DRAFT_TIMEOUT_S / 2)
    assert unit.id in sel.drafts
    sel.prune(mirror, 2.0 + DRAFT_TIMEOUT_S)
    assert unit.id not in sel.drafts
