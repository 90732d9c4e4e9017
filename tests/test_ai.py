"""The AI: attack when strong enough, defend what is held, rest when worn out, and decide only
from what its side can see."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from shared import ai
from shared.ai import ARTILLERY_STANDOFF, LEVEL_CAUTION, REST_ORG, RESUME_ORG, SeenObjective
from shared.ai import SeenUnit as Seen
from shared.orders import OrderRequest
from shared.scenario import new_world
from shared.units import SIDES
from shared.victory import Objective
from tests.tiny_world import plain, unit, world

HILL = SeenObjective("Zaozernaya", (10, 0), "japan")
OTHER_HILL = SeenObjective("Bezymyannaya", (10, -6), "japan")
OURS = SeenObjective("Kraskino", (0, 5), "soviet")


def seen(uid: str, side: str = "soviet", pos=(0, 0), **fields) -> Seen:
    values = dict(kind="infantry", strength=1.0, org=1.0, men=1000, order="hold", to=None)
    values.update(fields)
    return Seen(uid, side, values["kind"], pos, values["strength"], values["org"],
                values["men"], values["order"], values["to"])  # fmt: skip


def test_a_strong_side_marches_each_unit_on_the_nearest_objective_it_lacks():
    units = [seen("a", pos=(9, 1)), seen("b", pos=(9, -5)), seen("j", "japan", pos=(20, 0))]
    orders = ai.decide("soviet", units, [HILL, OTHER_HILL])
    assert orders == [
        OrderRequest("a", "move", HILL.pos),
        OrderRequest("b", "move", OTHER_HILL.pos),
    ]


def test_objectives_already_held_are_not_attacked():
    units = [seen("a", pos=(1, 5)), seen("j", "japan", pos=(20, 0))]  # next to Kraskino
    assert ai.decide("soviet", units, [HILL, OURS]) == [OrderRequest("a", "move", HILL.pos)]


def test_units_already_doing_the_right_thing_get_no_new_orders():
    units = [seen("a", pos=(5, 0), order="move", to=HILL.pos)]
    assert ai.decide("soviet", units, [HILL]) == []


def test_a_unit_marching_somewhere_else_is_redirected():
    units = [seen("a", pos=(5, 0), order="move", to=(0, 0))]
    assert ai.decide("soviet", units, [HILL]) == [OrderRequest("a", "move", HILL.pos)]


def test_enemy_units_are_never_given_orders():
    units = [seen("a", pos=(5, 0)), seen("j", "japan", pos=(20, 0), men=100)]
    assert {o.unit for o in ai.decide("soviet", units, [HILL])} == {"a"}


def test_a_worn_out_unit_stops_to_recover():
    units = [seen("a", pos=(5, 0), org=REST_ORG - 0.05, order="move", to=HILL.pos)]
    assert ai.decide("soviet", units, [HILL]) == [OrderRequest("a", "hold")]


def test_a_resting_unit_waits_until_it_has_recovered_enough():
    between = (REST_ORG + RESUME_ORG) / 2
    assert ai.decide("soviet", [seen("a", pos=(5, 0), org=between)], [HILL]) == []
    rested = ai.decide("soviet", [seen("a", pos=(5, 0), org=RESUME_ORG + 0.05)], [HILL])
    assert rested == [OrderRequest("a", "move", HILL.pos)]


def test_artillery_stops_short_of_the_objective_within_supporting_range():
    near = (HILL.pos[0] - ARTILLERY_STANDOFF, 0)
    far = (HILL.pos[0] - ARTILLERY_STANDOFF - 1, 0)
    moving = {"order": "move", "to": HILL.pos, "kind": "artillery"}
    assert ai.decide("soviet", [seen("g", pos=near, **moving)], [HILL]) == [
        OrderRequest("g", "hold")
    ]
    assert ai.decide("soviet", [seen("g", pos=far, **moving)], [HILL]) == []


def test_an_outnumbered_side_falls_back_on_the_objective_it_holds():
    units = [
        seen("a", pos=(6, 0), order="move", to=HILL.pos),
        seen("b", pos=(0, 4)),  # next to Kraskino already
        seen("j", "japan", pos=(12, 0), men=5000),
    ]
    orders = ai.decide("soviet", units, [HILL, OURS])
    assert orders == [OrderRequest("a", "move", OURS.pos)]


def test_an_outnumbered_side_with_nothing_to_defend_holds_where_it_is():
    units = [seen("a", pos=(6, 0), order="move", to=HILL.pos), seen("j", "japan", men=5000)]
    assert ai.decide("soviet", units, [HILL]) == [OrderRequest("a", "hold")]


def test_a_side_holding_every_objective_defends_them():
    units = [seen("a", pos=(5, 5)), seen("j", "japan", pos=(20, 0))]
    assert ai.decide("soviet", units, [OURS]) == [OrderRequest("a", "move", OURS.pos)]


@pytest.mark.parametrize(("level", "attacks"), [("easy", True), ("normal", True), ("hard", False)])
def test_the_level_sets_the_force_ratio_it_attacks_at(level, attacks):
    # Even odds: 1,000 men against 1,000.
    assert LEVEL_CAUTION["easy"] < 1.0 < LEVEL_CAUTION["hard"]
    units = [seen("a", pos=(5, 0)), seen("j", "japan", pos=(20, 0))]
    orders = ai.decide("soviet", units, [HILL], level)
    assert (orders == [OrderRequest("a", "move", HILL.pos)]) is attacks


def test_worn_enemy_formations_count_for_less():
    fresh = [seen("a", pos=(5, 0)), seen("j", "japan", pos=(20, 0), men=2000)]
    worn = [seen("a", pos=(5, 0)), seen("j", "japan", pos=(20, 0), men=2000, org=0.3)]
    assert ai.decide("soviet", fresh, [HILL]) == []
    assert ai.decide("soviet", worn, [HILL]) == [OrderRequest("a", "move", HILL.pos)]


def test_no_orders_without_units_or_objectives():
    assert ai.decide("soviet", [seen("j", "japan")], [HILL]) == []
    assert ai.decide("soviet", [seen("a")], []) == []


# -- from a world ---------------------------------------------------------------------------
def test_the_ai_cannot_be_deterred_by_enemies_it_cannot_see():
    t = plain(30, 10)
    hill = [Objective("Zaozernaya", (12, 4), "japan")]
    hidden = [unit(f"j{i}", "japan", (22, 4), men=5000) for i in range(3)]
    w = world(t, [unit("a", "soviet", (1, 4)), *hidden], hill)
    assert not any(u.pos in w.visible("soviet") for u in hidden)
    assert ai.from_world(w, "soviet") == [OrderRequest("a", "move", (12, 4))]


def test_the_ai_is_deterred_by_a_stronger_enemy_it_can_see():
    t = plain(30, 10)
    hill = [Objective("Zaozernaya", (12, 4), "japan")]
    in_sight = [unit(f"j{i}", "japan", (4, 4), men=5000) for i in range(3)]
    w = world(t, [unit("a", "soviet", (1, 4)), *in_sight], hill)
    assert all(u.pos in w.visible("soviet") for u in in_sight)
    assert ai.from_world(w, "soviet") == []  # it holds, as it already does


def test_the_ai_orders_are_always_legal_over_a_whole_battle():
    w = new_world("lake-khasan", 8)
    verdicts = []
    while not w.finished:
        for side in SIDES:
            orders = ai.from_world(w, side)
            if orders:
                verdicts += w.issue(side, orders)
        w.step()
    assert verdicts
    assert [v for v in verdicts if not v.ok] == []


def test_the_ai_takes_the_hills_in_the_opening_days():
    # The scenario's premise: the 19th Division attacks the border guards on the hills. The
    # Japanese AI should take at least one of them within three days.
    w = new_world("lake-khasan", 1)
    taken = False
    while w.hour < 72 and not taken:
        for side in SIDES:
            orders = ai.from_world(w, side)
            if orders:
                w.issue(side, orders)
        w.step()
        taken = any(o.owner == "japan" for o in w.objectives)
    assert taken


def test_a_hungry_unit_waits_for_supply_unless_it_is_cut_off() -> None:
    from dataclasses import replace

    enemy = seen("j", "japan", pos=(20, 0))
    fed = replace(seen("a", pos=(9, 1)), food=8.0)
    hungry = replace(seen("b", pos=(9, 1), order="move", to=HILL.pos), food=1.5)
    trapped = replace(seen("c", pos=(9, 1)), food=1.5, cut_off=True)
    orders = ai.decide("soviet", [fed, hungry, trapped, enemy], [HILL])
    assert OrderRequest("a", "move", HILL.pos) in orders
    assert OrderRequest("b", "hold") in orders  # stops outrunning its lorries
    assert OrderRequest("c", "move", HILL.pos) in orders  # only breaking out helps


# -- the staff: posture, reserves, pockets ---------------------------------------------------
CITY = SeenObjective("Harbin", (10, 0), "japan", value=10)


def test_a_defensive_side_never_goes_over_to_the_general_offensive():
    units = [seen("j", "japan", pos=(5, 0), men=9000), seen("s", "soviet", pos=(25, 0))]
    target = SeenObjective("Blagoveshchensk", (20, 0), "soviet")
    town = SeenObjective("Hailar", (10, 0), "japan", value=3)
    attacking = ai.decide("japan", units, [target, town], staff=ai.Staff([(12, 0)], []))
    assert attacking[0] == OrderRequest("j", "move", target.pos)
    staff = ai.Staff([(12, 0)], [], defensive=True)
    assert all(o.to != target.pos for o in ai.decide("japan", units, [target, town], staff=staff))


def test_a_defending_side_holds_back_a_reserve_behind_its_most_valuable_city():
    line = [seen(f"i{k}", "japan", pos=(9, k - 4)) for k in range(9)]
    tank = seen("t", "japan", pos=(8, 0), kind="armour")
    enemy = seen("s", "soviet", pos=(20, 0), men=50_000)
    front = [(13, r) for r in range(-6, 7)]
    _, reserves = ai._posts([*line, tank], [CITY], False, ai.Staff(front, []))
    assert "t" in reserves  # armour first
    assert len(reserves) == int((len(line) + 1 - 3) * ai.RESERVE_SHARE)
    post = reserves["t"]
    assert ai.distance(post, CITY.pos) == 1 and post[0] < CITY.pos[0]  # behind, away from the front
    assert ai._counter_strikes([*line, tank], [enemy], reserves) == {}


def test_a_reserve_strikes_an_enemy_who_breaks_in_when_it_has_the_odds():
    reserve = {"t": (9, 0), "u": (9, 0)}
    own = [seen("t", "japan", pos=(9, 0), kind="armour", men=5000), seen("u", "japan", pos=(9, 0))]
    weak = seen("s", "soviet", pos=(11, 0), men=2000)
    strong = seen("s", "soviet", pos=(11, 0), men=9000)
    far = seen("s", "soviet", pos=(9 + ai.COUNTER_HEXES + 1, 0), men=100)
    assert ai._counter_strikes(own, [weak], reserve) == {"t": (11, 0), "u": (11, 0)}
    assert ai._counter_strikes(own, [strong], reserve) == {}
    assert ai._counter_strikes(own, [far], reserve) == {}


def test_an_attacking_side_turns_back_on_a_pocket_left_behind_it():
    pocket = [(3, 0), (4, 0)]
    units = [
        seen("near", pos=(2, 0)),
        seen("far", pos=(9, 0)),
        seen("gun", pos=(2, 1), kind="artillery"),
        seen("j", "japan", pos=(4, 0), men=200),
    ]
    staff = ai.Staff([], [], pockets=[pocket])
    orders = ai.decide("soviet", units, [HILL], staff=staff)
    assert OrderRequest("near", "attack", (4, 0)) in orders  # at the enemy seen in it
    assert OrderRequest("far", "move", HILL.pos) in orders


def test_pockets_are_islands_of_enemy_ground_behind_the_front_not_coasts():
    from shared import ai_staff
    from shared.supply import CONTROL_CODES

    cols, rows = 12, 8
    control = np.full(cols * rows, CONTROL_CODES["soviet"], dtype=np.int8)
    land = np.ones(cols * rows, dtype=bool)
    island = np.array([3 * cols + 4, 3 * cols + 5])
    control[island] = CONTROL_CODES["japan"]  # left behind the front
    for r in range(rows):
        control[r * cols + 10 : (r + 1) * cols] = CONTROL_CODES["japan"]  # the enemy's country
    q, r = ai_staff.axial(cols, island)
    assert ai_staff.pockets(control, land, cols, rows, "soviet") == [
        sorted(zip(q.tolist(), r.tolist(), strict=True))
    ]
    assert ai_staff.pockets(control, land, cols, rows, "japan") == []


def test_in_a_ceasefire_the_ai_attacks_nobody_and_mans_its_lines():
    from dataclasses import replace

    units = [
        seen("a", pos=(9, 1)),
        replace(seen("c", pos=(3, 1)), cut_off=True),
        seen("j", "japan", pos=(11, 0), men=100),
    ]
    staff = ai.Staff([(8, 0)], [], railheads=[(0, 0)], pockets=[[(11, 0)]], ceasefire=True)
    orders = ai.decide("soviet", units, [HILL, OURS], staff=staff)
    assert orders and all(o.kind in ("move", "hold") for o in orders)
    assert all(o.to != HILL.pos for o in orders)
    assert OrderRequest("c", "move", (0, 0)) in orders  # it makes for the railhead, unfought


def test_the_war_has_the_winter_ceasefire_of_december_1938():
    from datetime import datetime

    w = new_world("the-war", 1)
    assert w.ceasefire(datetime(1938, 12, 25))
    assert not w.ceasefire(datetime(1938, 12, 5)) and not w.ceasefire(datetime(1939, 1, 2))
    assert w.postures == {"japan": "defensive"}


def test_an_attack_on_a_strongly_held_objective_closes_a_ring_and_masses_first():
    town = SeenObjective("Heijo", (10, 0), "japan", value=6)
    garrison = [seen(f"j{k}", "japan", pos=town.pos, men=18000) for k in range(2)]
    army = [seen(f"s{k}", pos=(4, k % 3), men=14000) for k in range(8)]
    staff = ai.Staff([], [], forts={town.pos: 3})
    orders = ai.decide("soviet", [*army, *garrison], [town], staff=staff)
    ring = {o.to for o in orders}
    assert town.pos not in ring  # nobody assaults yet
    assert all(ai.distance(h, town.pos) == 1 for h in ring) and len(ring) >= 3
    # Massed all round with the guns at hand, the odds are there: the assault goes in.
    massed = [seen(f"s{k}", pos=ai.neighbours(town.pos)[k % 6], men=30000) for k in range(12)]
    orders = ai.decide("soviet", [*massed, *garrison], [town], staff=staff)
    assert orders and all(o.to == town.pos for o in orders)


def test_artillery_supports_fights_in_the_next_hex_where_hexes_are_wider_than_its_range():
    from shared.units import KIND_RULES, Kind

    assert KIND_RULES[Kind.ARTILLERY].support_km < 25.0
    assert ai._approach(seen("g", pos=(9, 0), kind="artillery"), (10, 0), hex_km=25.0) == (
        "hold",
        None,
    )
    assert ai._approach(seen("g", pos=(8, 0), kind="artillery"), (10, 0), hex_km=25.0) == (
        "move",
        (10, 0),
    )


def test_a_cut_off_garrison_of_a_great_city_stands_the_siege_others_break_out():
    from dataclasses import replace

    garrison = replace(seen("g", "japan", pos=CITY.pos), cut_off=True)
    outpost = replace(seen("o", "japan", pos=(12, 3)), cut_off=True)
    ring = [seen(f"s{k}", "soviet", pos=n, men=3000) for k, n in enumerate(ai.neighbours(CITY.pos))]
    staff = ai.Staff([], [], railheads=[(0, 0)], defensive=True)
    orders = ai.decide("japan", [garrison, outpost, *ring], [CITY], staff=staff)
    assert orders == [OrderRequest("o", "attack", (0, 0))]


def test_an_offensive_leaves_a_division_in_each_great_city_near_the_front():
    units = [seen(f"s{k}", pos=(9, k), men=14000) for k in range(3)]
    units.append(seen("j", "japan", pos=(20, 0), men=5000))
    taken = SeenObjective("Mukden", (10, 0), "soviet", value=8)
    ahead = SeenObjective("Antung", (25, 0), "japan", value=3)
    orders = ai.decide("soviet", units, [taken, ahead], staff=ai.Staff([(11, 0)], []))
    assert OrderRequest("s0", "move", taken.pos) in orders
    assert [o.to for o in orders if o.unit != "s0"] == [ahead.pos, ahead.pos]


def test_a_unit_far_from_the_front_on_an_open_railway_takes_the_train():
    track = frozenset((q, 0) for q in range(0, 31))
    far = seen("r", pos=(0, 0), men=14000)
    near = seen("n", pos=(28, 0), men=14000)
    enemy = seen("j", "japan", pos=(40, 0), men=100)
    target = SeenObjective("Keijo", (32, 0), "japan")
    orders = ai.decide("soviet", [far, near, enemy], [target], staff=ai.Staff([], [], rail=track))
    assert OrderRequest("r", "rail", (30, 0)) in orders  # the stop nearest, not next to it
    assert OrderRequest("n", "move", target.pos) in orders
    riding = replace(far, order="rail", to=(30, 0))
    assert ai.decide("soviet", [riding, enemy], [target], staff=ai.Staff([], [], rail=track)) == []


def test_the_railway_a_side_can_use_runs_from_its_sources() -> None:
    from shared import ai_staff

    w = new_world("manchuria-1938", 1)
    line = ai_staff.open_rail(w, "soviet")
    assert line and all(w.logistics.control[w.theatre.grid.index(h)] == 1 for h in line)
    assert ai_staff.open_rail(w, "soviet") is line  # once a day


def test_the_railway_works_are_drawn_up_once_a_day_as_the_supply_map_carries_them() -> None:
    """Engineers are given the day's work sites: track wrecked during the day waits for the
    next day's works, and the works the AI plans with are those its side's supply map shows."""
    from shared import ai_staff, views
    from shared.supply import SIDE_GAUGE

    w = new_world("manchuria-1938", 1)
    memory = ai_staff.memory_of(w)
    first = ai_staff.works(w, "soviet", memory)
    control, index = w.logistics.control, w.theatre.grid.index
    # A stretch of the Soviets' own line, of their gauge, far behind their front, unwrecked.
    sound = [
        key
        for key, rail in sorted(w.theatre.rails.items())
        if rail.gauge == SIDE_GAUGE["soviet"]
        and all(control[index(h)] == 1 for h in key)
        and min(key) not in first
        and key not in w.logistics.rail_damage
    ]
    assert sound
    wreck = sound[len(sound) // 2]
    w.logistics.rail_damage[wreck] = 20
    assert ai_staff.works(w, "soviet", memory) == first  # the same day: the same works
    day = w.hour // 24
    while w.hour // 24 == day:
        w.step()
    assert all(control[index(h)] == 1 for h in wreck) and w.logistics.rail_damage.get(wreck)
    today = ai_staff.works(w, "soviet", memory)
    assert min(wreck) in today
    assert list(views.supply_map(w, "m", "soviet").works) == list(today)


def test_the_railway_a_side_can_use_is_what_the_trains_rule_allows_edge_by_edge() -> None:
    """``open_rail`` works the whole railway out at once; in a war under way (track wrecked,
    relaid, taken, enemy troops on it) it is what a walk from the sources over the edges
    ``Logistics.rail_open`` lets the side's trains use gives."""
    from shared import ai_staff

    w = new_world("manchuria-1938", 2)
    for _ in range(24 * 30):
        if ai.due(w):
            for side in ("soviet", "japan"):
                w.issue(side, ai.from_world(w, side))
        w.step()
    assert w.logistics.converted
    # And a wreck on the side's own line, where only the damage can stop its trains.
    line = ai_staff.open_rail(w, "soviet")
    wreck = min(k for k in w.theatre.rails if k[0] in line and k[1] in line)
    w.logistics.rail_damage[wreck] = 3
    grid, adj = w.theatre.grid, w.logistics.net.rail_adj
    for side in ("soviet", "japan"):
        sight = w.visible(side)
        todo = sorted(
            {
                grid.index(h)
                for s in w.logistics.sources
                if s.side == side and w.theatre.contains(s.hex)
                for h in (s.hex, *w.theatre.neighbours(s.hex))
                if grid.index(h) in adj
            }
        )
        reached = set(todo)
        while todo:
            for j, key in adj.get(todo.pop(), ()):
                if j not in reached and w.logistics.rail_open(w, side, key, sight):
                    reached.add(j)
                    todo.append(j)
        ai_staff.memory_of(w).rail.clear()
        assert ai_staff.open_rail(w, side) == frozenset(grid.hex_at(i) for i in reached)


def test_matches_in_one_process_keep_their_staff_work_apart():
    """A server runs several matches: each world keeps its own staff memory, and two wars
    played hour by hour side by side end exactly as each does alone."""

    def hour(w):
        if ai.due(w):
            for side in SIDES:
                w.issue(side, ai.from_world(w, side))
        w.step()

    alone = []
    for seed in (1, 2):
        w = new_world("korea-1939", seed=seed)
        for _ in range(24 * 4):
            hour(w)
        alone.append(w.state_hash())
    together = [new_world("korea-1939", seed=seed) for seed in (1, 2)]
    for _ in range(24 * 4):
        for w in together:
            hour(w)
    assert [w.state_hash() for w in together] == alone
    assert alone[0] != alone[1]
    first, second = (w.staff_memory for w in together)
    assert first is not None and second is not None and first is not second
    assert first.front and second.front  # each drew its own front line


def test_the_ai_knows_of_each_unit_what_its_sides_view_carries_and_no_more(monkeypatch):
    """The server's AI decides from the side's view: strengths as rounded for the wire, and of
    an enemy in sight no orders. A bot playing from the messages decides the same way."""
    from shared import views
    from shared.sim import play_hour

    w = new_world("manchuria-1938", seed=2)
    while not any(u.strength < 1.0 for u in w.units.values()):  # until there has been fighting
        play_hour(w)
    seen: list[list[Seen]] = []
    real_decide = ai.decide

    def keep(side, units, *args, **kwargs):
        seen.append(units)
        return real_decide(side, units, *args, **kwargs)

    monkeypatch.setattr(ai, "decide", keep)
    ai.from_world(w, "japan")
    shown = {v.id: v for v in views.visible_units(w, "japan")}
    assert {u.side for u in seen[0]} == set(SIDES)
    for u in seen[0]:
        view = views.unit_view(shown[u.id], own=u.side == "japan")
        assert (u.strength, u.org) == (view.strength, view.org)
        if u.side != "japan":
            assert u.order is None and u.to is None and view.order is None
    assert any(w.units[u.id].strength != u.strength for u in seen[0])
