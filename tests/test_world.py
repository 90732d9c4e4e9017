"""World.step() and World.issue(): determinism, victory, reinforcements and order validation."""

from __future__ import annotations

import pytest

from shared import ai
from shared.hexgrid import DIRECTIONS
from shared.orders import ORDER_ERRORS, OrderRequest
from shared.scenario import new_world
from shared.units import DESTROYED_BELOW, SIDES, STACK_LIMIT
from shared.victory import Objective
from shared.world import Reinforcement, World
from tests.tiny_world import TinyMap, bystander, plain, unit, world

SCENARIO = "lake-khasan"


def play(w: World, hours: int) -> list[str]:
    """Both sides played by the AI for ``hours``; the state hash after every hour."""
    hashes = []
    for _ in range(hours):
        if w.finished:
            break
        for side in SIDES:
            orders = ai.from_world(w, side)
            if orders:
                w.issue(side, orders)
        w.step()
        hashes.append(w.state_hash())
    return hashes


# -- determinism ------------------------------------------------------------------------------
def test_same_scenario_seed_and_orders_give_the_same_hash_every_hour():
    assert play(new_world(SCENARIO, 5), 96) == play(new_world(SCENARIO, 5), 96)


def test_different_seeds_lead_to_different_battles():
    finals = {play(new_world(SCENARIO, seed), 48)[-1] for seed in range(1, 5)}
    assert len(finals) > 1


def test_replaying_the_order_log_reproduces_the_match():
    original = new_world(SCENARIO, 9)
    play(original, 72)
    assert original.order_log

    replay = new_world(SCENARIO, 9)
    log = list(original.order_log)
    while replay.hour < original.hour:
        for hour, side, orders in log:
            if hour == replay.hour:
                results = replay.issue(side, orders)
                assert all(r.ok for r in results)
        replay.step()
    assert replay.state_hash() == original.state_hash()


def test_the_hash_does_not_depend_on_the_order_units_are_listed_in():
    t = plain(14, 8)

    def build(reverse: bool) -> World:
        units = [
            unit("a", "soviet", (1, 3)),
            unit("b", "soviet", (1, 4)),
            unit("j", "japan", (5, 3)),
            unit("k", "japan", (5, 4)),
        ]
        w = world(t, units[::-1] if reverse else units, seed=4)
        w.issue("soviet", [OrderRequest("a", "move", (5, 3)), OrderRequest("b", "move", (5, 4))])
        return w

    forward, backward = build(False), build(True)
    for _ in range(4):
        assert forward.state_hash() == backward.state_hash()
        forward.step()
        backward.step()
    assert forward.state_hash() == backward.state_hash()


def test_the_hash_changes_when_a_unit_moves():
    t = plain(14, 8)
    w = world(t, [unit("a", "soviet", (1, 3)), bystander(t)])
    other = world(t, [unit("a", "soviet", (1, 3)), bystander(t)])
    assert w.state_hash() == other.state_hash()
    w.issue("soviet", [OrderRequest("a", "move", (6, 3))])
    assert w.state_hash() != other.state_hash()  # an order is part of the future
    w.step()
    other.step()
    assert w.state_hash() != other.state_hash()


def test_the_hash_covers_the_planned_route():
    t = plain(14, 8)
    one = world(t, [unit("a", "soviet", (1, 3)), bystander(t)])
    two = world(t, [unit("a", "soviet", (1, 3)), bystander(t)])
    for w in (one, two):
        w.issue("soviet", [OrderRequest("a", "move", (3, 4))])
    # Two routes of the same length to the same hex: they differ in the hexes they cross.
    one.units["a"].path = [(2, 3), (3, 3), (3, 4)]
    two.units["a"].path = [(1, 4), (2, 4), (3, 4)]
    assert one.state_hash() != two.state_hash()


def test_the_hash_covers_the_random_generator():
    t = plain(14, 8)
    one = world(t, [unit("a", "soviet", (1, 3)), bystander(t)], seed=1)
    two = world(t, [unit("a", "soviet", (1, 3)), bystander(t)], seed=2)
    assert one.state_hash() != two.state_hash()


def test_the_rules_hold_every_hour_of_a_whole_scenario():
    w = new_world(SCENARIO, 2)
    while not w.finished:
        play(w, 1)
        by_hex: dict = {}
        for u in w.units.values():
            by_hex.setdefault(u.pos, []).append(u)
            assert w.theatre.passable(u.pos), u
            assert DESTROYED_BELOW <= u.strength <= 1.0
            assert 0.0 <= u.org <= 1.0
        for h, here in by_hex.items():
            assert len({u.side for u in here}) == 1, f"both sides in {h}"
            assert len(here) <= STACK_LIMIT
            assert sorted(u.id for u in w.units_at(h)) == sorted(u.id for u in here)
    assert w.hour == w.end_hour or w.result == "destroyed"


# -- victory --------------------------------------------------------------------------------
def test_destroying_the_enemy_wins_at_once():
    t = plain(12, 8)
    attackers = [unit(f"s{i}", "soviet", p, men=3000) for i, p in enumerate([(3, 3), (4, 2)])]
    w = world(t, [*attackers, unit("j", "japan", (4, 3), strength=0.051)], end_hour=100)
    w.issue("soviet", [OrderRequest(u.id, "move", (4, 3)) for u in attackers])
    events = w.step()
    assert w.finished
    assert (w.winner, w.result) == ("soviet", "destroyed")
    assert events[-1].kind == "end"
    assert w.hour == 1 < w.end_hour


def test_a_side_with_reinforcements_still_to_come_is_not_yet_beaten():
    t = plain(12, 8)
    late = Reinforcement(5, unit("j", "japan", (8, 3)))
    w = world(t, [unit("s", "soviet", (1, 3))], reinforcements=[late])
    for _ in range(5):
        w.step()
        assert not w.finished
    w.step()
    assert "j" in w.units
    assert not w.finished


def test_holding_every_objective_at_the_end_wins():
    t = plain(12, 8)
    objectives = [Objective("Zaozernaya", (3, 3), "japan"), Objective("Bezymyannaya", (3, 4), None)]
    units = [unit("a", "soviet", (3, 3)), unit("b", "soviet", (3, 4)), bystander(t)]
    w = world(t, units, objectives, end_hour=3)
    for _ in range(2):
        w.step()
        assert not w.finished  # holding everything early does not end the battle
    w.step()
    assert (w.finished, w.winner, w.result) == (True, "soviet", "objectives")


def test_sharing_the_objectives_at_the_end_is_a_draw():
    t = plain(12, 8)
    objectives = [Objective("Zaozernaya", (3, 3), None), Objective("Bezymyannaya", (8, 4), None)]
    units = [unit("a", "soviet", (3, 3)), unit("j", "japan", (8, 4))]
    w = world(t, units, objectives, end_hour=2)
    w.step()
    w.step()
    assert (w.finished, w.winner, w.result) == (True, None, "draw")
    assert [o.owner for o in w.objectives] == ["soviet", "japan"]


def test_marching_onto_an_empty_objective_captures_it():
    t = plain(12, 8)
    hill = Objective("Zaozernaya", (4, 3), "soviet")
    w = world(t, [unit("j", "japan", (2, 3)), unit("s", "soviet", (8, 6))], [hill])
    w.issue("japan", [OrderRequest("j", "move", (4, 3))])
    events = w.step()
    assert hill.owner == "japan"
    [capture] = [e for e in events if e.kind == "capture"]
    assert (capture.pos, capture.side) == ((4, 3), "japan")


def test_an_objective_left_empty_keeps_its_owner():
    t = plain(12, 8)
    hill = Objective("Zaozernaya", (4, 3), None)
    w = world(t, [unit("j", "japan", (4, 3)), unit("s", "soviet", (8, 6))], [hill])
    assert hill.owner == "japan"  # control is settled when the world is made
    assert not w.events
    w.issue("japan", [OrderRequest("j", "move", (1, 3))])
    w.step()
    assert w.units["j"].pos != (4, 3)
    assert hill.owner == "japan"


def test_a_finished_match_stands_still_and_refuses_orders():
    t = plain(12, 8)
    w = world(t, [unit("s", "soviet", (1, 3)), unit("j", "japan", (8, 3))], end_hour=1)
    w.step()
    assert w.finished
    state = w.state_hash()
    assert w.step() == []
    assert w.hour == 1
    assert w.state_hash() == state
    [result] = w.issue("soviet", [OrderRequest("s", "move", (3, 3))])
    assert (result.ok, result.code) == (False, "match_over")


# -- reinforcements -----------------------------------------------------------------------------
def test_reinforcements_arrive_in_the_hour_they_are_due_and_not_before():
    t = plain(12, 8)
    due = Reinforcement(3, unit("r", "soviet", (2, 3)))
    w = world(t, [unit("s", "soviet", (1, 1)), bystander(t)], reinforcements=[due])
    assert w.has_pending_reinforcements("soviet")
    while w.hour < 2:
        w.step()
        assert "r" not in w.units
    events = w.step()
    # The step that begins hour 3 brings it: it is on the map for all of that hour.
    assert w.hour == 3
    assert w.units["r"].pos == (2, 3)
    assert [e.unit for e in events if e.kind == "reinforcement"] == ["r"]
    assert not w.has_pending_reinforcements("soviet")


def test_reinforcements_never_arrive_on_top_of_the_enemy():
    t = plain(12, 8)
    due = Reinforcement(0, unit("r", "soviet", (4, 3)))
    w = world(t, [unit("j", "japan", (4, 3)), unit("s", "soviet", (8, 6))], reinforcements=[due])
    w.step()
    r = w.units["r"]
    assert r.pos != (4, 3)
    assert r.pos in t.neighbours((4, 3))


def test_reinforcements_arriving_at_a_full_hex_take_the_next_one():
    t = TinyMap(12, 8).paint("water", (5, 3)).compile()
    stack = [unit(f"s{i}", "soviet", (4, 3)) for i in range(STACK_LIMIT)]
    due = Reinforcement(0, unit("r", "soviet", (4, 3)))
    w = world(t, [*stack, bystander(t)], reinforcements=[due])
    w.step()
    r = w.units["r"]
    assert r.pos in t.neighbours((4, 3))
    assert t.passable(r.pos)


# -- orders ------------------------------------------------------------------------------------
ISLAND = (6, 2)


@pytest.fixture
def order_world() -> World:
    """Soviet "s" and Japanese "j" on a plain with a one-hex island in a ring of water."""
    lake = [(ISLAND[0] + dq, ISLAND[1] + dr) for dq, dr in DIRECTIONS]
    t = TinyMap(12, 8).paint("water", *lake).compile()
    return world(t, [unit("s", "soviet", (1, 3)), unit("j", "japan", (9, 5))])


def verdict(w: World, side: str, order: OrderRequest) -> str | None:
    [result] = w.issue(side, [order])
    return result.code


def test_a_good_move_is_accepted_with_its_path():
    w = world(plain(12, 8), [unit("s", "soviet", (1, 3)), unit("j", "japan", (9, 5))])
    [result] = w.issue("soviet", [OrderRequest("s", "move", (4, 3))])
    assert result.ok and result.code is None
    assert result.path == [(2, 3), (3, 3), (4, 3)]
    assert w.units["s"].order.to == (4, 3)


def test_orders_for_the_other_sides_units_are_refused(order_world):
    j, s = order_world.units["j"], order_world.units["s"]
    # Out of sight, an enemy unit is not even confirmed to exist.
    assert j.pos not in order_world.visible("soviet")
    assert verdict(order_world, "soviet", OrderRequest("j", "hold")) == "unknown_unit"
    order_world.relocate(j, (s.pos[0] + 1, s.pos[1]))
    order_world.version += 1  # the world changed outside a step: drop cached sight
    assert verdict(order_world, "soviet", OrderRequest("j", "move", (8, 5))) == "not_your_unit"
    assert verdict(order_world, "soviet", OrderRequest("j", "hold")) == "not_your_unit"
    assert order_world.units["j"].order.kind == "hold"


def test_orders_for_units_that_do_not_exist_are_refused(order_world):
    assert verdict(order_world, "soviet", OrderRequest("nobody", "hold")) == "unknown_unit"


def test_a_move_off_the_map_is_refused(order_world):
    assert verdict(order_world, "soviet", OrderRequest("s", "move", (40, 3))) == "off_map"
    assert verdict(order_world, "soviet", OrderRequest("s", "move", (-3, 0))) == "off_map"


def test_a_move_into_water_is_refused(order_world):
    assert verdict(order_world, "soviet", OrderRequest("s", "move", (7, 2))) == "impassable"


def test_a_move_to_an_island_is_refused_as_unreachable(order_world):
    assert order_world.theatre.passable(ISLAND)
    assert verdict(order_world, "soviet", OrderRequest("s", "move", ISLAND)) == "unreachable"


def test_a_move_without_a_destination_is_refused(order_world):
    assert verdict(order_world, "soviet", OrderRequest("s", "move")) == "bad_order"


def test_every_refusal_carries_its_documented_message(order_world):
    [result] = order_world.issue("soviet", [OrderRequest("j", "hold")])
    assert result.message == ORDER_ERRORS[result.code]


def test_each_order_gets_its_own_verdict_in_the_order_sent(order_world):
    results = order_world.issue(
        "soviet",
        [
            OrderRequest("s", "move", (3, 3)),
            OrderRequest("j", "hold"),
            OrderRequest("ghost", "hold"),
        ],
    )
    assert [(r.unit, r.ok, r.code) for r in results] == [
        ("s", True, None),
        ("j", False, "unknown_unit"),  # out of sight
        ("ghost", False, "unknown_unit"),
    ]


def test_only_accepted_orders_are_logged(order_world):
    order_world.issue("soviet", [OrderRequest("s", "move", (3, 3)), OrderRequest("j", "hold")])
    order_world.issue("soviet", [OrderRequest("ghost", "hold")])
    assert order_world.order_log == [(0, "soviet", [OrderRequest("s", "move", (3, 3))])]


def test_hold_stops_a_march_where_it_is(order_world):
    order_world.issue("soviet", [OrderRequest("s", "move", (4, 4))])
    assert order_world.units["s"].path
    order_world.issue("soviet", [OrderRequest("s", "hold")])
    s = order_world.units["s"]
    assert (s.order.kind, s.path) == ("hold", [])
    order_world.step()
    assert s.pos == (1, 3)


def test_a_destroyed_unit_can_no_longer_be_ordered():
    t = plain(12, 8)
    attackers = [unit(f"s{i}", "soviet", p, men=3000) for i, p in enumerate([(3, 3), (4, 2)])]
    late = Reinforcement(50, unit("k", "japan", (8, 6)))
    w = world(t, [*attackers, unit("j", "japan", (4, 3), strength=0.051)], reinforcements=[late])
    w.issue("soviet", [OrderRequest(u.id, "move", (4, 3)) for u in attackers])
    w.step()
    assert not w.finished
    assert verdict(w, "japan", OrderRequest("j", "hold")) == "unknown_unit"


def test_holding_units_recover_organisation_faster_than_marching_ones():
    t = plain(20, 8)
    w = world(
        t,
        [unit("rest", "soviet", (1, 2), org=0.5), unit("walk", "soviet", (1, 4), org=0.5)],
        reinforcements=[Reinforcement(99, unit("j", "japan", (15, 6)))],
    )
    w.issue("soviet", [OrderRequest("walk", "move", (14, 4))])
    w.step()
    assert w.units["rest"].org > w.units["walk"].org > 0.5


# -- victory points --------------------------------------------------------------------------
def test_points_win_when_a_side_reaches_its_threshold_and_draw_otherwise():
    from shared.victory import Objective

    t = plain(12, 8)
    objectives = [Objective("A", (2, 2), "soviet", 10), Objective("B", (6, 2), "japan", 5)]
    w = world(
        t,
        [unit("s", "soviet", (2, 2)), unit("j", "japan", (6, 2))],
        objectives=objectives,
        end_hour=1,
    )
    w.points_to_win = {"soviet": 10, "japan": 12}
    w.step()
    assert (w.winner, w.result) == ("soviet", "points")

    w = world(
        t,
        [unit("s", "soviet", (2, 2)), unit("j", "japan", (6, 2))],
        objectives=[Objective("A", (2, 2), "soviet", 10), Objective("B", (6, 2), "japan", 5)],
        end_hour=1,
    )
    w.points_to_win = {"soviet": 11, "japan": 12}
    w.step()
    assert (w.winner, w.result) == (None, "draw")


def test_the_full_hexes_kept_as_units_march_die_and_arrive_match_a_count():
    """Each side's full hexes, and the hexes its ground units hold, are kept up to date as
    units move, fall and arrive, not counted when asked: after weeks of a war they are exactly
    the hexes holding ``STACK_LIMIT`` of the side's ground units, and those holding any."""
    w = new_world("korea-1939", seed=3)
    for _ in range(24 * 20):
        if ai.due(w):
            for side in SIDES:
                w.issue(side, ai.from_world(w, side))
        w.step()
    for side in SIDES:
        counted: dict = {}
        for u in w.units.values():
            if u.side == side and not u.is_air:
                counted[u.pos] = counted.get(u.pos, 0) + 1
        full = {h for h, n in counted.items() if n >= STACK_LIMIT}
        assert w.full_hexes(side) == full
        assert all(w.is_full(h, side) for h in full)
        foe = next(s for s in SIDES if s != side)
        assert w.occupied_by_enemy_of(foe) == set(counted)
        assert all(w.enemy_in(h, foe) for h in counted)
        for near in {n for h in counted for n in w.theatre.neighbours(h)} - set(counted):
            assert not w.enemy_in(near, foe)
            assert w.in_enemy_zone(near, foe)
    side = next(s for s in SIDES if w.full_hexes(s))
    packed = min(w.full_hexes(side))
    w.destroy(w.friendly_units_at(packed, side)[0])
    assert not w.is_full(packed, side)


def test_a_unit_is_one_formation_equal_only_to_itself():
    """Two formations are never the same one, however alike: lists of units are searched and
    trimmed by identity (a march leaving a hex, the guns left out of a fight they are in)."""
    one = unit("a", "soviet", (1, 1))
    twin = unit("a", "soviet", (1, 1))
    assert one == one and one != twin
    assert len({one, twin}) == 2
    stack = [twin, one]
    stack.remove(one)
    assert stack == [twin] and stack[0] is twin
