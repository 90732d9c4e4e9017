"""Supply: rail from sources to railheads, trucks from railheads, stocks, starvation, surrender."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest

from shared.hexgrid import edge_key
from shared.logistics import (
    DEMOLITION_DAYS,
    ENGINEER_REPAIR_PER_DAY,
    RELAY_KM_PER_DAY,
    Logistics,
    Partisans,
)
from shared.orders import OrderRequest
from shared.supply import (
    GAUGE_PENALTY,
    GROUND_TRUCK_COST,
    HOSTILE_GROUND_TRUCK_COST,
    TONS_PER_TRAIN,
    TRUCK_RANGE_KM,
    TRUCK_TON_KM_PER_DAY,
    Source,
    Stocks,
    SupplyNetwork,
    compute,
)
from shared.terrain import Terrain
from shared.theatre import Theatre
from shared.weather import Ground, Rivers, Weather
from shared.world import Reinforcement
from tests.tiny_world import START, TinyMap, unit, world

ROW = 2
HEX_KM = 20.0


def line_map(cols: int = 30, rail_to: int = 20, gauge: str = "russian") -> Theatre:
    """A west-east strip, all Soviet, with a railway along row 2 from column 0."""
    m = TinyMap(cols, 5, hex_km=HEX_KM)
    m.country("USSR", "soviet", -100, (cols + 2) * HEX_KM)
    m.climate("manchurian plain")
    m.rail(*[(q - ROW // 2, ROW) for q in range(0, rail_to + 1)], capacity=10, gauge=gauge)
    return m.compile()


def h(col: int) -> tuple[int, int]:
    """The hex of a column on row 2 (axial q is offset by the row)."""
    return (col - ROW // 2, ROW)


def trace(
    theatre: Theatre,
    demand_at: dict | None = None,
    damage: dict | None = None,
    weather: Weather | None = None,
    day: int = 0,
    tons: float = 4000.0,
    trucks: float | None = None,
):
    net = SupplyNetwork(theatre)
    n = len(theatre.grid)
    control = np.ones(n, dtype=np.int8)
    demand = np.zeros(n)
    for hx, t in (demand_at or {}).items():
        demand[theatre.grid.index(hx)] = t
    return compute(
        net,
        "soviet",
        control,
        np.zeros(n, dtype=bool),
        [Source("Irkutsk", "soviet", h(0), tons)],
        demand,
        damage or {},
        np.full(n, -10_000, dtype=np.int32),
        weather,
        day,
        {},
        trucks=trucks,
    )


def level(state, theatre: Theatre, hx) -> float:
    return float(state.level[theatre.grid.index(hx)])


def test_supply_is_full_at_the_railhead_and_falls_off_with_truck_distance() -> None:
    t = line_map()
    s = trace(t)
    assert h(20) in s.railheads
    assert level(s, t, h(20)) == pytest.approx(1.0)
    near, far = level(s, t, h(23)), level(s, t, h(28))
    assert 1.0 > near > far > 0.0
    assert near == pytest.approx(1 - (3 * HEX_KM / TRUCK_RANGE_KM) ** 2, abs=0.02)


def test_a_route_carries_what_its_weakest_link_carries() -> None:
    t = line_map()
    s = trace(t, tons=100_000)
    assert s.railheads[h(20)] == pytest.approx(10 * TONS_PER_TRAIN)
    s = trace(t, tons=1000)
    assert s.railheads[h(20)] == pytest.approx(1000)


def test_a_cut_rail_line_starves_the_units_beyond_it() -> None:
    t = line_map()
    whole = trace(t)
    cut = trace(t, damage={edge_key(h(5), h(6)): 3})
    assert h(20) not in cut.railheads and h(5) in cut.railheads
    assert level(whole, t, h(22)) > 0.8
    assert level(cut, t, h(22)) == 0.0


def test_a_break_of_gauge_cuts_the_capacity_until_converted() -> None:
    t = line_map(gauge="standard")
    s = trace(t, tons=100_000)
    assert s.railheads[h(20)] == pytest.approx(10 * TONS_PER_TRAIN * GAUGE_PENALTY)


def test_units_share_a_railhead_that_cannot_feed_them_all() -> None:
    t = line_map(rail_to=10)
    light = trace(t, demand_at={h(12): 500.0}, tons=1000)
    heavy = trace(t, demand_at={h(12): 4000.0}, tons=1000)
    assert level(heavy, t, h(12)) == pytest.approx(level(light, t, h(12)) / 4, rel=0.01)


def test_a_lorry_fleet_too_small_shorts_everything_beyond_the_railheads() -> None:
    t = line_map(rail_to=10)
    demand = {h(10): 200.0, h(14): 100.0, h(18): 100.0}
    plenty = trace(t, demand_at=demand)
    needed_trucks = plenty.ton_km / TRUCK_TON_KM_PER_DAY
    assert plenty.ton_km == pytest.approx(
        sum(level(plenty, t, x) * tons * (x[0] - h(10)[0]) * HEX_KM for x, tons in demand.items()),
        rel=0.05,
    )
    half = trace(t, demand_at=demand, trucks=needed_trucks / 2)
    assert half.truck_load == pytest.approx(2.0, rel=0.01)
    for far in (h(14), h(18)):
        assert level(half, t, far) == pytest.approx(level(plenty, t, far) / 2, rel=0.01)
    # At the railhead nothing needs a lorry.
    assert level(half, t, h(10)) == pytest.approx(level(plenty, t, h(10)))
    enough = trace(t, demand_at=demand, trucks=needed_trucks * 1.5)
    assert level(enough, t, h(18)) == pytest.approx(level(plenty, t, h(18)))
    assert enough.truck_load == pytest.approx(1 / 1.5, rel=0.01)


def test_lorries_wear_out_fastest_in_the_mud_and_replacements_arrive() -> None:
    fleet = {}
    for ground in (Ground.DRY, Ground.MUD):
        w = logistic_world([unit("far", "soviet", h(13)), unit("j", "japan", (27, 4))], rail_to=10)
        w.logistics.trucks = {"soviet": 1000.0}
        w.logistics.truck_replacements = {"soviet": 0.0}
        w.logistics.weather.days["manchurian plain"] = [
            dataclasses.replace(d, ground=ground)
            for d in w.logistics.weather.days["manchurian plain"]
        ]
        for _ in range(24 * 5 + 1):
            w.step()
        assert not w.finished
        fleet[ground] = w.logistics.trucks["soviet"]
    assert fleet[Ground.MUD] < fleet[Ground.DRY] < 1000.0
    w = logistic_world([unit("idle", "soviet", h(5)), unit("j", "japan", (27, 4))], rail_to=10)
    w.logistics.trucks = {"soviet": 100.0}
    w.logistics.truck_replacements = {"soviet": 10.0}
    for _ in range(24 * 3 + 1):
        w.step()
    assert w.logistics.trucks["soviet"] == pytest.approx(130.0)  # no driving, no wear


def _find_day(weather: Weather, region: str, pred) -> int:
    for day, d in enumerate(weather.days[region]):
        if pred(d):
            return day
    raise AssertionError("no such day in the series")


def test_mud_stops_trucks() -> None:
    t = line_map(rail_to=10)
    weather = Weather(["manchurian plain"], date(1938, 7, 1), 120, seed=3)
    dry = _find_day(weather, "manchurian plain", lambda d: d.ground == Ground.DRY)
    mud = _find_day(weather, "manchurian plain", lambda d: d.ground == Ground.MUD)
    # 220 km of lorry driving from the railhead: possible on dry roads, not through the mud.
    on_dry = level(trace(t, weather=weather, day=dry), t, h(21))
    on_mud = level(trace(t, weather=weather, day=mud), t, h(21))
    assert on_dry > 0.3
    assert on_mud == 0.0
    nearer = (level(trace(t, weather=weather, day=d), t, h(15)) for d in (dry, mud))
    assert next(nearer) > next(nearer) > 0.0


def test_frozen_rivers_cost_trucks_nothing_to_cross() -> None:
    m = TinyMap(30, 5, hex_km=HEX_KM)
    m.country("USSR", "soviet", -100, 40 * HEX_KM).climate("manchurian plain")
    m.rail(*[h(q) for q in range(0, 6)], capacity=10)
    m.river_at_x(8.5 * HEX_KM)
    t = m.compile()
    weather = Weather(["manchurian plain"], date(1938, 7, 1), 300, seed=3)
    frozen = _find_day(weather, "manchurian plain", lambda d: d.rivers == Rivers.FROZEN)
    summer = _find_day(
        weather, "manchurian plain", lambda d: d.rivers == Rivers.NORMAL and d.ground == Ground.DRY
    )
    net = SupplyNetwork(t)
    cross = np.flatnonzero(net.river)
    assert cross.size > 0
    summer_cost, _ = net.truck_costs(weather, summer)
    frozen_cost, _ = net.truck_costs(weather, frozen)
    # Frozen: only the going of the ground itself; in summer the crossing costs extra.
    ground = weather.on("manchurian plain", frozen).ground
    assert frozen_cost[cross] == pytest.approx(net.base[cross] * GROUND_TRUCK_COST[ground])
    assert np.all(summer_cost[cross] > net.base[cross] * GROUND_TRUCK_COST[Ground.DRY])


def logistic_world(units, *, tons: float = 4000.0, rail_to: int = 20):
    t = line_map(rail_to=rail_to)
    w = world(t, units)
    w.logistics = Logistics.create(
        w, [Source("Irkutsk", "soviet", h(0), tons)], START.date(), days=30
    )
    return w


def test_units_in_supply_keep_their_stocks_and_units_beyond_it_use_them_up() -> None:
    fed = unit("fed", "soviet", h(20))
    far = unit("far", "soviet", h(29))
    w = logistic_world([fed, far, unit("j", "japan", (27, 4))], rail_to=10)
    for _ in range(48):
        w.step()
    assert w.units["fed"].stocks.food == pytest.approx(10.0)
    assert w.units["far"].stocks.food < 9.0


def test_a_unit_out_of_fuel_crawls_and_out_of_ammunition_cannot_attack() -> None:
    tank = unit("t", "soviet", h(3), kind="armour")
    w = logistic_world([tank, unit("j", "japan", (27, 4))])
    w.step()
    full = w.march_factor(tank)
    tank.stocks = Stocks(5, 0, 0)
    assert w.march_factor(tank) < full * 0.2
    assert w.combat_factor(tank, attacking=True) < 0.5


def test_encircled_units_that_starve_surrender_and_are_counted_as_prisoners() -> None:
    trapped = unit("trapped", "soviet", h(15))
    # A line of Japanese regiments across the strip, west of the pocket: no truck gets through.
    wall = [unit(f"j{row}", "japan", (13 - row // 2, row), men=3000) for row in range(5)]
    w = logistic_world([trapped, *wall])
    for _ in range(25):  # a day for the wall to take its ground and cut the railway
        w.step()
    assert not w.logistics.supply["soviet"].connected[w.theatre.grid.index(trapped.pos)]
    trapped.stocks = Stocks(food=0.5, ammo=5, fuel=5)
    events = []
    for _ in range(80):
        events += w.step()
    assert "trapped" not in w.units
    assert any(e.kind == "surrender" and e.unit == "trapped" for e in events)
    assert not any(e.kind == "destroyed" and e.unit == "trapped" for e in events)
    (surrender,) = [e for e in events if e.kind == "surrender"]
    assert 0 < w.logistics.prisoners["soviet"] == surrender.data["prisoners"] <= 1000


def test_units_take_the_ground_they_stand_on() -> None:
    raider = unit("r", "soviet", h(15))
    w = logistic_world([raider, unit("j", "japan", (27, 4))])
    w.logistics.control[w.theatre.grid.index(h(15))] = 2
    w.step()
    assert w.logistics.control[w.theatre.grid.index(h(15))] == 1


def test_logistics_are_part_of_the_state_hash() -> None:
    a = logistic_world([unit("s", "soviet", h(5)), unit("j", "japan", (27, 4))])
    b = logistic_world([unit("s", "soviet", h(5)), unit("j", "japan", (27, 4))])
    for _ in range(30):
        a.step()
        b.step()
    assert a.state_hash() == b.state_hash()
    b.logistics.control[0] = 0
    assert a.state_hash() != b.state_hash()


def test_ground_lost_has_its_track_wrecked_and_crews_repair_it_day_by_day() -> None:
    w = logistic_world([unit("s", "soviet", h(3)), unit("j", "japan", (27, 4))])
    grid = w.theatre.grid
    w.logistics.control[grid.index(h(8))] = 2  # Japan held it...
    w.units["s"].pos = h(3)
    w.issue("soviet", [OrderRequest("s", "move", h(8))])
    while w.units["s"].pos != h(8):
        w.step()
    wrecked = edge_key(h(8), h(9))
    assert w.logistics.rail_damage[wrecked] == DEMOLITION_DAYS  # ...and blew it on leaving
    days = 0
    while wrecked in w.logistics.rail_damage:
        for _ in range(24):
            w.step()
        days += 1
    assert days == DEMOLITION_DAYS


def test_engineers_repair_faster_and_relay_the_other_gauge() -> None:
    t = line_map(gauge="standard")
    w = world(t, [unit("e", "soviet", h(10), kind="engineer"), unit("j", "japan", (27, 4))])
    w.logistics = Logistics.create(
        w, [Source("Irkutsk", "soviet", h(0), 100_000)], START.date(), days=30
    )
    w.logistics.rail_damage[edge_key(h(10), h(11))] = 6
    for _ in range(25):
        w.step()
    assert w.logistics.rail_damage[edge_key(h(10), h(11))] == 6 - ENGINEER_REPAIR_PER_DAY
    # Relaying is slow: RELAY_KM_PER_DAY a day, one stretch at a time.
    first, second = edge_key(h(9), h(10)), edge_key(h(10), h(11))
    assert RELAY_KM_PER_DAY < HEX_KM <= 2 * RELAY_KM_PER_DAY
    assert first not in w.logistics.converted and second not in w.logistics.converted
    assert w.logistics.relaid_km[first] == pytest.approx(RELAY_KM_PER_DAY)
    for _ in range(24):
        w.step()
    assert w.logistics.converted[first] == "russian" and second not in w.logistics.converted
    for _ in range(24 * 2):
        w.step()
    assert w.logistics.converted[second] == "russian"


def test_partisans_raid_the_enemy_s_railways_once_their_war_begins() -> None:
    m = TinyMap(30, 5, hex_km=HEX_KM)
    m.country("Korea", "japan", -100, (32) * HEX_KM).climate("korea north")
    m.rail(*[h(q) for q in range(0, 20)], capacity=10, gauge="standard")
    t = m.compile()
    for rail_key in list(t.rails):
        t.rails[rail_key] = type(t.rails[rail_key])("Keijo line", 10, "standard", "Korea")
    w = world(t, [unit("s", "soviet", h(25)), unit("j", "japan", h(2))])
    w.logistics = Logistics.create(w, [Source("Fusan", "japan", h(0), 5000)], START.date(), days=30)
    w.logistics.partisans = [
        Partisans("soviet", "Korea", START + timedelta(days=2), chance_per_day=1.0)
    ]
    events = []
    for _ in range(24 * 2):
        events += w.step()
    assert not any(e.kind == "partisans" for e in events)
    for _ in range(24 * 3):
        events += w.step()
    raids = [e for e in events if e.kind == "partisans"]
    assert len(raids) >= 2 and all(e.side == "soviet" for e in raids)
    assert w.logistics.rail_damage


def test_a_held_town_watches_its_surroundings() -> None:
    m = TinyMap(30, 5, hex_km=HEX_KM)
    m.country("USSR", "soviet", -100, 14.5 * HEX_KM).country(
        "Manchukuo", "japan", 14.5 * HEX_KM, 40 * HEX_KM
    )
    m.climate("manchurian plain").place("Harbin", h(20), kind="city")
    t = m.compile()
    w = world(t, [unit("s", "soviet", h(2)), unit("j", "japan", h(27))])
    w.logistics = Logistics.create(w, [], START.date(), days=5)
    town = t.places["Harbin"].hex
    assert town in w.visible("japan") and town not in w.visible("soviet")
    # The unit far away sees only its own neighbourhood; the town sees its neighbours.
    assert all(n in w.visible("japan") for n in t.neighbours(town))


def test_reinforcements_by_rail_wait_for_trains_and_take_them_from_the_freight() -> None:
    t = line_map()
    divisions = [Reinforcement(2, unit(f"d{i}", "soviet", h(0), men=14000)) for i in range(3)]
    w = world(t, [unit("s", "soviet", h(5)), unit("j", "japan", (27, 4))], reinforcements=divisions)
    # 24 trains a day: one division of 14,000 (42 trains) a day at most.
    w.logistics = Logistics.create(
        w, [Source("Irkutsk", "soviet", h(0), 24 * TONS_PER_TRAIN)], START.date(), days=10
    )
    arrived: dict[str, int] = {}
    for _ in range(24 * 4):
        for e in w.step():
            if e.kind == "reinforcement":
                arrived[e.unit] = w.hour
    assert sorted(arrived) == ["d0", "d1", "d2"]
    hours = sorted(arrived.values())
    assert hours[1] - hours[0] >= 24 and hours[2] - hours[1] >= 24
    # The day after troops went up the line, it carried less freight.
    assert w.logistics.troop_trains or w.logistics.troop_trains_today


def test_a_unit_behind_a_mere_claim_is_not_cut_off_but_one_surrounded_by_troops_is() -> None:
    # Enemy ground all around the unit (a claim, no troops): the lorries still get through,
    # slowly; a ring of enemy troops whose zones of control close every gap cuts it off.
    t = line_map(rail_to=10)
    n = len(t.grid)
    net = SupplyNetwork(t)
    pos = t.grid.index(h(15))
    control = np.full(n, 2, dtype=np.int8)
    control[[t.grid.index(h(c)) for c in range(11)]] = 1
    control[pos] = 1
    own = np.zeros(n, dtype=bool)
    own[pos] = True

    def state(enemy: np.ndarray):
        return compute(
            net, "soviet", control, net.zone_blocked(enemy, own),
            [Source("Irkutsk", "soviet", h(0), 4000.0)], np.zeros(n), {},
            np.full(n, -10_000, dtype=np.int32), None, 0, {},
        )  # fmt: skip

    claimed = state(np.zeros(n, dtype=bool))
    assert claimed.connected[pos]
    assert 0 < claimed.level[pos] < 1
    ring = np.zeros(n, dtype=bool)
    for col, row in [(13, 0), (13, 2), (13, 4)]:  # a wall of troops two hexes west, every other row
        ring[t.grid.index((col - row // 2, row))] = True
    assert not state(ring).connected[pos]


def test_a_zone_of_control_blocks_lorries_unless_own_troops_stand_there() -> None:
    t = line_map()
    net = SupplyNetwork(t)
    n = len(t.grid)
    enemy = np.zeros(n, dtype=bool)
    enemy[t.grid.index(h(10))] = True
    own = np.zeros(n, dtype=bool)
    own[t.grid.index(h(11))] = True
    blocked = net.zone_blocked(enemy, own)
    assert blocked[t.grid.index(h(10))]  # the enemy's own hex
    assert blocked[t.grid.index(h(9))]  # its zone
    assert not blocked[t.grid.index(h(11))]  # its zone, but our troops hold it
    assert not blocked[t.grid.index(h(12))]


def test_the_cheap_searches_agree_with_searches_of_the_whole_map() -> None:
    # The lorry search works out its costs as it goes from the day's costs per kind of edge,
    # stops at the lorries' range, and walks reach beyond it on from where it stopped; the
    # claims' steps are counted breadth first. On a map of lakes, hills, marsh and rivers with
    # troops scattered about, over days of every weather, each must give what scipy's search
    # of the whole graph of the costs edge by edge gives (distances and railheads within the
    # range, the same railhead where two are equally near, reach and steps everywhere).
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(7)
    m = TinyMap(24, 18, hex_km=HEX_KM)
    m.country("USSR", "soviet", -100, 30 * HEX_KM).climate("manchurian plain")
    cells = [(c - r // 2, r) for r in range(18) for c in range(24)]
    for terrain in ("water", "hills", "marsh", "forest"):
        m.paint(terrain, *[cells[k] for k in rng.choice(len(cells), 60, replace=False)])
    m.river_at_x(8.5 * HEX_KM)
    t = m.compile()
    weather = Weather(["manchurian plain"], date(1938, 7, 1), 300, seed=3)
    net = SupplyNetwork(t)
    n = len(t.grid)
    control = np.where(rng.random(n) < 0.7, 1, 2).astype(np.int8)
    steps = csr_matrix((np.ones(len(net.src)), (net.src, net.dst)), shape=(n, n))
    land = np.frombuffer(bytes(t.terrain), dtype=np.uint8) != Terrain.WATER
    beyond = cut_off = 0
    grounds = set()
    for trial in range(20):
        day = trial * 15
        grounds.add(weather.on("manchurian plain", day).ground)
        enemy = rng.random(n) < 0.04
        own = rng.random(n) < 0.04
        blocked = net.zone_blocked(enemy, own)
        heads = np.sort(rng.choice(n, int(rng.integers(1, 12)), replace=False))
        control[rng.random(n) < 0.05] ^= 3  # some ground changes hands (1 <-> 2)
        cost, ground = net.truck_costs(weather, day)
        hostile = np.where(control == 1, 1.0, HOSTILE_GROUND_TRUCK_COST)
        hostile[blocked] = np.inf
        graph = csr_matrix((cost * hostile[net.dst], (net.src, net.dst)), shape=(n, n))
        whole, _, origin = dijkstra(graph, indices=heads, min_only=True, return_predecessors=True)
        near, _, near_origin = dijkstra(
            graph, indices=heads, min_only=True, return_predecessors=True, limit=TRUCK_RANGE_KM
        )
        inside = whole <= TRUCK_RANGE_KM
        assert np.array_equal(near[inside], whole[inside])
        assert np.array_equal(near_origin[inside], origin[inside])
        today = net.truck_day(weather, day)
        dist, head, joined = net.truck_search(today, control, 1, blocked, heads, TRUCK_RANGE_KM)
        assert np.array_equal(dist, near) and np.array_equal(head, near_origin)
        assert np.array_equal(joined, np.isfinite(whole))
        mud = np.zeros(n, dtype=bool)
        mud[net.dst[ground > 1.5]] = True
        assert np.array_equal(today.mud, mud)
        beyond += int(np.sum(np.isfinite(whole) & ~inside))
        cut_off += int(np.sum(~np.isfinite(whole) & ~blocked & land))
        limit = int(rng.integers(0, 6))
        hops = dijkstra(steps, indices=heads, min_only=True, limit=limit + 0.5)
        assert np.array_equal(net.hops(heads.tolist(), limit), hops)
    assert len(grounds) > 2  # dry, mud, frozen or snow
    assert beyond and cut_off  # the map had both


def test_the_lorry_search_answers_as_scipy_does_on_graphs_full_of_ties() -> None:
    # Small random graphs whose costs tie everywhere, heads given twice, edges never taken,
    # limits or none, and buckets of any width (only the search's speed depends on it): the
    # same costs, the same head where several are equally near, and the same reach.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from shared.supply_searches import truck_search

    rng = np.random.default_rng(11)
    for _ in range(400):
        n = int(rng.integers(2, 60))
        edges = sorted({(int(a), int(b)) for a, b in rng.integers(0, n, (4 * n, 2)) if a != b})
        src, dst = np.array(edges).T
        cost = rng.choice([0.1, 0.2, 0.3, 0.5, 1.0, 1.5, np.inf], len(edges))
        graph = csr_matrix((cost, (src, dst)), shape=(n, n))
        heads = rng.choice(n, size=int(rng.integers(1, n)))
        limit = float(rng.choice([np.inf, 0.6, 1.0, 2.5]))
        near, _, head = dijkstra(
            graph, indices=heads, min_only=True, return_predecessors=True, limit=limit
        )
        steps = csr_matrix((np.ones(len(edges)), (src, dst)), shape=(n, n))
        joined = np.isfinite(dijkstra(steps, indices=heads, min_only=True))
        kind = np.arange(len(edges), dtype=np.uint16)  # each edge a kind of its own
        width = float(rng.choice([0.05, 0.1, 1.0, 7.0]))
        dist, origin, reach = truck_search(
            graph.indptr.astype(np.int32), graph.indices.astype(np.int32), kind, graph.data,
            np.ones(n), heads, limit, np.ones(n, dtype=bool), width,
        )  # fmt: skip
        assert np.array_equal(dist, near) and np.array_equal(origin, head)
        assert np.array_equal(reach, joined)


def test_the_units_the_hours_supply_pass_passes_over_are_those_it_would_leave_as_they_are(
    monkeypatch,
) -> None:
    """``Logistics.end_hour`` passes over units it found idle (full, fed where they stand,
    supplied, on their side's ground) until they march, fight or move: over weeks of a theatre
    war, every unit passed over is one whose hour the rule would change nothing of."""
    from shared import sim
    from shared.logistics import RESUPPLY_DAYS_PER_HOUR, Logistics
    from shared.supply import CONTROL_CODES, NEEDS

    end_hour = Logistics.end_hour
    passed_over: list[str] = []
    wrong: list[tuple[int, str]] = []

    def checked(self: Logistics, world) -> None:  # type: ignore[no-untyped-def]
        under = (self.day, self.supply.get("soviet"), self.supply.get("japan"))
        kept = self._standing_under  # (day, each side's supply state) the idle were found under
        fresh = (
            not kept
            or under[0] != kept[0]
            or any(a is not b for a, b in zip(under[1:], kept[1:], strict=True))
        )
        idle = set() if fresh else set(self._idle) - set(world.stirred)
        for u in world.units.values():
            if u not in idle:
                continue
            passed_over.append(u.id)
            n, s = NEEDS.get(u.kind, NEEDS["infantry"]), u.stocks
            state, i = self.supply.get(u.side), world.theatre.grid.index(u.pos)
            gain = RESUPPLY_DAYS_PER_HOUR * (float(state.level[i]) if state is not None else 1.0)
            reached = bool(state.connected[i]) if state is not None else True
            if not (
                (s.food, s.ammo, s.fuel) == (n.food_days, n.ammo_days, n.fuel_days)
                and not u.marched
                and not u.in_combat
                and reached
                and u.cut_off_hours == 0
                and s.food - 1 / 24 + gain >= s.food
                and (u.is_air or self.control[i] == CONTROL_CODES[u.side])
            ):
                wrong.append((world.hour, u.id))
        end_hour(self, world)

    monkeypatch.setattr(Logistics, "end_hour", checked)
    sim.run("korea-1939", 30 * 24, 2, {"soviet": "normal", "japan": "normal"})
    assert len(passed_over) > 10_000  # most units, most hours
    assert wrong == []
