"""One game hour of marching: speed over ground, rivers, roads, zones of control, stacking.

The worlds here use 1 km hexes, so an infantry unit (3 km/h) crosses three plain hexes an hour.
"""

from __future__ import annotations

from shared.movement import DETOUR_EVERY_HOURS, SLOW_ORG, speed_kmh
from shared.orders import OrderRequest
from shared.units import KIND_RULES, STACK_LIMIT, Kind
from shared.world import World
from tests.tiny_world import TinyMap, bystander, plain, unit, world

ROW = 3  # marches run east along this row: (q, ROW) -> (q + 1, ROW)


def march(w: World, uid: str, to, hours: int = 1) -> None:
    side = w.units[uid].side
    [result] = w.issue(side, [OrderRequest(uid, "move", to)])
    assert result.ok, result
    for _ in range(hours):
        w.step()


def hexes_marched(theatre, kind: Kind = Kind.INFANTRY, hours: int = 1) -> int:
    w = world(theatre, [unit("a", "soviet", (0, ROW), kind=kind), bystander(theatre)])
    march(w, "a", (10, ROW), hours)
    return w.units["a"].pos[0]


def test_infantry_crosses_three_plain_hexes_an_hour():
    assert KIND_RULES[Kind.INFANTRY].speed_kmh == 3.0
    assert hexes_marched(plain(14, 7)) == 3
    assert hexes_marched(plain(14, 7), hours=2) == 6


def test_armour_outpaces_infantry_on_open_ground():
    assert hexes_marched(plain(14, 7), Kind.ARMOUR) > hexes_marched(plain(14, 7))


def test_marsh_slows_the_march_and_saves_the_remainder_for_the_next_hour():
    marsh = TinyMap(14, 7, base="marsh").compile()
    # 3 km an hour through 2 km-a-hex marsh: one hex in the first hour with 1 km in hand,
    # then two more in the second (1 + 3 = 4 km).
    assert hexes_marched(marsh) == 1
    assert hexes_marched(marsh, hours=2) == 3


def test_a_road_doubles_the_pace_even_through_marsh():
    road = [(q, ROW) for q in range(0, 12)]
    theatre = TinyMap(14, 7, base="marsh").road(*road).compile()
    assert hexes_marched(theatre) == 6


def test_a_river_crossing_costs_part_of_the_hour():
    # The river runs between (2, 3) and (3, 3): 1 + 1 km brings the unit to its bank, and the
    # remaining 1 km is short of the 2.5 km the crossing costs.
    x_river = 2 + ROW / 2 + 0.3
    theatre = TinyMap(14, 7).river_at_x(x_river).compile()
    assert theatre.river_between((2, ROW), (3, ROW))
    assert hexes_marched(theatre) == 2
    assert hexes_marched(plain(14, 7)) == 3


def test_a_bridge_takes_the_crossing_cost_away():
    x_river = 2 + ROW / 2 + 0.3
    bridge = [(2, ROW), (3, ROW)]
    theatre = TinyMap(14, 7).river_at_x(x_river).road(*bridge).compile()
    # Plain (1) + plain (1) + bridge (0.5): three hexes and 0.5 km left, short of the next 1 km.
    assert hexes_marched(theatre) == 3


def test_a_unit_never_stands_in_water():
    lake = [(3, 2), (3, 3), (2, 4), (3, 4)]
    theatre = TinyMap(12, 8).paint("water", *lake).compile()
    w = world(theatre, [unit("a", "soviet", (1, 3)), bystander(theatre)])
    w.issue("soviet", [OrderRequest("a", "move", (6, 3))])
    for _ in range(4):
        w.step()
        assert theatre.passable(w.units["a"].pos)
    assert w.units["a"].pos == (6, 3)


def test_arriving_turns_the_order_into_hold():
    theatre = plain(14, 7)
    w = world(theatre, [unit("a", "soviet", (0, ROW)), bystander(theatre)])
    march(w, "a", (2, ROW))
    a = w.units["a"]
    assert a.pos == (2, ROW)
    assert a.order.kind == "hold"
    assert a.path == []
    assert a.progress == 0.0


def test_an_enemy_zone_of_control_stops_the_march_for_the_hour():
    # The enemy at (2, 4) touches (2, 3) and (3, 3) but not (1, 3) or (4, 3).
    enemy = unit("j", "japan", (2, ROW + 1))
    w = world(plain(14, 7), [unit("a", "soviet", (0, ROW)), enemy])
    march(w, "a", (8, ROW))
    assert w.units["a"].pos == (2, ROW)  # it would have reached (3, 3) on open ground
    w.step()
    assert w.units["a"].pos == (3, ROW)  # zone to zone: one hex an hour
    w.step()
    assert w.units["a"].pos == (6, ROW)  # out of contact: full pace again


def test_a_march_plans_round_enemy_held_hexes():
    blocker = unit("j", "japan", (3, ROW))
    w = world(plain(14, 7), [unit("a", "soviet", (0, ROW)), blocker])
    [result] = w.issue("soviet", [OrderRequest("a", "move", (6, ROW))])
    assert result.ok
    assert (3, ROW) not in result.path


def test_a_full_hex_holds_back_a_fourth_unit_of_the_side():
    assert STACK_LIMIT == 3
    stack = [unit(f"s{i}", "soviet", (3, ROW)) for i in range(STACK_LIMIT)]
    theatre = plain(14, 7)
    w = world(theatre, [*stack, unit("t", "soviet", (2, ROW)), bystander(theatre)])
    march(w, "t", (3, ROW))
    assert w.units["t"].pos == (2, ROW)
    assert len(w.friendly_units_at((3, ROW), "soviet")) == STACK_LIMIT
    # Once one of the three marches off, the waiting unit gets in.
    march(w, "s0", (6, ROW))
    assert w.units["t"].pos == (3, ROW)


def test_a_full_hex_on_the_way_is_marched_round_not_through():
    stack = [unit(f"s{i}", "soviet", (2, ROW)) for i in range(STACK_LIMIT)]
    theatre = plain(14, 7)
    w = world(theatre, [*stack, unit("t", "soviet", (1, ROW)), bystander(theatre)])
    [result] = w.issue("soviet", [OrderRequest("t", "move", (5, ROW))])
    assert result.ok and result.path[0] == (2, ROW)
    for _ in range(4):
        w.step()
        assert len(w.friendly_units_at((2, ROW), "soviet")) == STACK_LIMIT
    assert w.units["t"].pos == (5, ROW)


def test_a_full_hex_holds_a_march_until_the_next_replan():
    stack = [unit(f"s{i}", "soviet", (2, ROW)) for i in range(STACK_LIMIT)]
    theatre = plain(14, 7)
    w = world(theatre, [*stack, unit("t", "soviet", (1, ROW)), bystander(theatre)])
    w.step()  # hour 0 -> 1: the replan hour has passed
    [result] = w.issue("soviet", [OrderRequest("t", "move", (5, ROW))])
    assert result.ok and result.path[0] == (2, ROW)
    w.step()
    assert w.units["t"].pos == (1, ROW)
    for _ in range(DETOUR_EVERY_HOURS):
        w.step()
    assert w.units["t"].pos not in ((1, ROW), (2, ROW))  # round it, at the replan hour
    march(w, "t", (5, ROW), hours=2)
    assert w.units["t"].pos == (5, ROW)


def test_columns_marching_opposite_ways_through_full_hexes_pass_each_other():
    theatre = plain(14, 7)
    east = [unit(f"e{i}", "soviet", (2, ROW)) for i in range(STACK_LIMIT)]
    west = [unit(f"w{i}", "soviet", (3, ROW)) for i in range(STACK_LIMIT)]
    w = world(theatre, [*east, *west, bystander(theatre)])
    w.step()  # not a replan hour: only passing each other gets them through
    w.issue("soviet", [OrderRequest(u.id, "move", (6, ROW)) for u in east])
    w.issue("soviet", [OrderRequest(u.id, "move", (0, ROW)) for u in west])
    w.step()
    assert all(w.units[u.id].pos[0] > 2 for u in east)
    assert all(w.units[u.id].pos[0] < 3 for u in west)


def test_a_march_into_an_enemy_held_hex_is_an_assault_not_a_move():
    w = world(plain(14, 7), [unit("a", "soviet", (2, ROW)), unit("j", "japan", (3, ROW))])
    march(w, "a", (3, ROW))
    events = [e.kind for e in w.events]
    assert "combat" in events
    assert w.units["a"].in_combat and w.units["j"].in_combat
    assert w.units["j"].pos == (3, ROW)  # one hour at even odds does not break it
    assert w.units["a"].pos == (2, ROW)


def test_disorganised_units_march_slower():
    fresh = unit("a", "soviet", (0, ROW))
    worn = unit("b", "soviet", (0, ROW), org=SLOW_ORG / 2)
    steady = unit("c", "soviet", (0, 0), org=SLOW_ORG)
    w = world(TinyMap(8, 5).compile(), [fresh, worn, steady, unit("j", "japan", (7, 4))])
    assert speed_kmh(w, worn) < speed_kmh(w, fresh)
    assert speed_kmh(w, steady) == speed_kmh(w, fresh)


def test_a_new_destination_discards_the_march_towards_the_old_one():
    marsh = TinyMap(14, 7, base="marsh").compile()
    w = world(marsh, [unit("a", "soviet", (4, ROW)), bystander(marsh)])
    march(w, "a", (10, ROW))  # one hex east, 1 km in hand towards the next
    assert w.units["a"].progress > 0
    w.issue("soviet", [OrderRequest("a", "move", (0, ROW))])
    assert w.units["a"].progress == 0.0


def test_marching_units_move_in_id_order_whatever_the_list_order():
    def final_positions(order: str) -> dict:
        starts = {"a": (0, ROW), "b": (0, ROW + 1), "c": (1, ROW - 1)}
        # All three want the same hex, which has room for only one more unit.
        already = [unit(f"x{i}", "soviet", (2, ROW)) for i in range(STACK_LIMIT - 1)]
        theatre = plain(14, 7)
        units = [unit(k, "soviet", starts[k]) for k in order]
        w = world(theatre, [*units, *already, bystander(theatre)])
        w.issue("soviet", [OrderRequest(k, "move", (2, ROW)) for k in order])
        w.step()
        return {k: w.units[k].pos for k in "abc"}

    first = final_positions("abc")
    assert final_positions("cba") == final_positions("bca") == first
    assert first["a"] == (2, ROW)  # first in id order takes the last place
    assert first["b"] != (2, ROW) and first["c"] != (2, ROW)
