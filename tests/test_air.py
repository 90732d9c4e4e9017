"""Air units: missions flown from an airfield (ground support, interdiction, airdrops,
reconnaissance), grounded at night and in bad weather, blunted by enemy aircraft and guns, and
never part of the fight on the ground."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import msgspec
import pytest

from shared import ai, air
from shared.ai import SeenObjective, SeenUnit
from shared.air import (
    AIR_LOSS,
    AIR_RANGE_KM,
    AIR_SUPPORT,
    AIRDROP_DAYS,
    INTERDICT_MARCH,
    INTERDICT_RAIL_DAYS,
    RECON_HEXES,
)
from shared.hexgrid import distance, edge_key, neighbours, within
from shared.logistics import Logistics
from shared.orders import OrderRequest
from shared.protocol import Orders, Snapshot, UnitView, decode_client, decode_server, encode
from shared.supply import Source, Stocks
from shared.units import Kind
from shared.victory import Objective
from shared.views import unit_view, visible_units
from shared.weather import Sky
from shared.world import World
from tests.tiny_world import START, TinyMap, plain, unit, world

MORNING = START.replace(hour=10)  # daylight at the tiny maps' latitude
ROW = 2


def h(col: int) -> tuple[int, int]:
    """The hex of a column on row 2 of a strip map."""
    return (col - ROW // 2, ROW)


def plane(uid: str, side: str, pos, men: int = 2000, **fields):
    return unit(uid, side, pos, kind=Kind.AIR, men=men, **fields)


def fly(w: World, uid: str, mission: str, target) -> None:
    [result] = w.issue(w.units[uid].side, [OrderRequest(uid, "air", target, mission=mission)])
    assert result.ok, result


def events_of(events, kind: str = "air"):
    return [e for e in events if e.kind == kind]


def fair_weather(w: World) -> None:
    """Clear skies every day, so that a logistics test is about its rule, not the weather."""
    weather = w.logistics.weather
    for region, days in weather.days.items():
        weather.days[region] = [dataclasses.replace(d, sky=Sky.CLEAR) for d in days]


def front_world(units, hex_km: float = 20.0, start: datetime = MORNING) -> World:
    """A west-east strip: Soviet west of column 10, Japanese east of it, with a Japanese railway
    from column 12 to 25; the Soviet railway from column 0 to 8 feeds the west."""
    m = TinyMap(30, 5, hex_km=hex_km)
    m.country("USSR", "soviet", -100, 10.5 * hex_km)
    m.country("Manchukuo", "japan", 10.5 * hex_km, 32 * hex_km)
    m.climate("manchurian plain")
    m.rail(*[h(c) for c in range(0, 9)], capacity=10)
    m.rail(*[h(c) for c in range(12, 26)], capacity=10, gauge="standard", name="Hailar")
    w = world(m.compile(), units, start=start)
    sources = [Source("Chita", "soviet", h(0), 4000), Source("Harbin", "japan", h(25), 4000)]
    w.logistics = Logistics.create(w, sources, start.date(), days=30)
    fair_weather(w)
    return w


# -- orders --------------------------------------------------------------------------------------
def test_ground_units_are_refused_missions() -> None:
    w = world(plain(), [unit("s", "soviet", (1, 1)), unit("j", "japan", (8, 4))], start=MORNING)
    results = w.issue(
        "soviet",
        [
            OrderRequest("s", "air", (5, 3), mission="support"),
            OrderRequest("s", "move", (5, 3), mission="recon"),
        ],
    )
    assert [r.code for r in results] == ["not_air", "not_air"]
    assert w.units["s"].order.kind == "hold"


def test_targets_beyond_range_and_orders_without_a_mission_are_refused() -> None:
    w = front_world(
        [plane("a", "soviet", h(0)), unit("s", "soviet", h(1)), unit("j", "japan", h(29))]
    )
    reach = int(AIR_RANGE_KM // 20.0)
    results = w.issue(
        "soviet",
        [
            OrderRequest("a", "air", h(reach + 1), mission="support"),
            OrderRequest("a", "air", h(reach)),
            OrderRequest("a", "hold", mission="support"),
            OrderRequest("a", "air", h(reach), mission="interdict"),
        ],
    )
    assert [r.code for r in results] == ["out_of_range", "bad_order", "bad_order", None]
    order = w.units["a"].order
    assert (order.kind, order.to, order.mission) == ("air", h(reach), "interdict")


def test_a_move_rebases_an_air_unit_in_a_straight_line_over_anything() -> None:
    w = world(
        plain(12, 8, hex_km=20.0),
        [plane("a", "soviet", (0, 3)), unit("s", "soviet", (0, 4)), unit("j", "japan", (5, 3))],
        start=MORNING,
    )
    [result] = w.issue("soviet", [OrderRequest("a", "move", (10, 3))])
    assert result.ok and result.path[0] == (1, 3) and result.path[-1] == (10, 3)
    events = w.step()  # 200 km: under an hour at 300 km/h, straight over the enemy
    assert w.units["a"].pos == (10, 3) and w.units["a"].order.kind == "hold"
    assert not events_of(events, "combat")
    # An airfield must be clear of enemy troops.
    [refused] = w.issue("soviet", [OrderRequest("a", "move", w.units["j"].pos)])
    assert refused.code == "unreachable"


# -- when aircraft fly -----------------------------------------------------------------------------
def test_aircraft_do_not_fly_at_night() -> None:
    night = START.replace(hour=1)
    units = [plane("a", "soviet", (1, 1)), unit("s", "soviet", (1, 2)), unit("j", "japan", (9, 5))]
    w = world(plain(), units, start=night)
    fly(w, "a", "recon", (8, 5))
    assert not air.flies_mission(w, w.units["a"])
    assert not events_of(w.step())
    while air.flies_mission(w, w.units["a"]) is False:
        w.step()
    assert 4 <= w.now.hour <= 6  # dawn in late July at 43 degrees north
    assert events_of(w.step())


def test_aircraft_do_not_fly_in_rain_or_storms() -> None:
    w = front_world(
        [plane("a", "soviet", h(2)), unit("s", "soviet", h(1)), unit("j", "japan", h(29))],
        start=START,
    )
    w.logistics = Logistics.create(w, [], START.date(), days=120)  # the real weather
    days = w.logistics.weather.days["manchurian plain"]
    wet = next(d for d, day in enumerate(days) if day.sky in (Sky.RAIN, Sky.STORM))
    fair = next(d for d, day in enumerate(days) if day.flying)
    fly(w, "a", "support", h(8))
    for day, flies in ((wet, False), (fair, True)):
        w.hour = day * 24 + 8  # noon on that day
        assert w.logistics.weather.on("manchurian plain", day).flying is flies
        assert air.flies_mission(w, w.units["a"]) is flies


# -- the missions ----------------------------------------------------------------------------------
def duel(with_air: str | None) -> float:
    """One hour of a 1,000-man regiment attacking another on open ground; ``with_air`` names the
    side with 2,000 men's worth of aircraft flying ground support over the fight."""
    units = [unit("s", "soviet", (3, 3)), unit("j", "japan", (4, 3))]
    if with_air:
        units.append(plane("a", with_air, (0, 0) if with_air == "soviet" else (11, 7)))
    w = world(plain(), units, start=MORNING, seed=7)
    if with_air:
        fly(w, "a", "support", (4, 3))
    assert w.issue("soviet", [OrderRequest("s", "move", (4, 3))])[0].ok
    [fight] = events_of(w.step(), "combat")
    return fight.data["ratio"]


def test_ground_support_adds_its_power_to_the_attack() -> None:
    assert duel(None) == pytest.approx(1.0)
    assert duel("soviet") == pytest.approx(1.0 + AIR_SUPPORT * 2.0)


def test_ground_support_adds_its_power_to_the_defence() -> None:
    assert duel("japan") == pytest.approx(1.0 / (1.0 + AIR_SUPPORT * 2.0), abs=0.01)


def test_interdiction_slows_enemy_marches_near_the_target() -> None:
    def march(interdicted: bool) -> float:
        w = world(
            plain(12, 8, hex_km=10.0),
            [plane("a", "soviet", (0, 0)), unit("s", "soviet", (0, 7)), unit("j", "japan", (8, 3))],
            start=MORNING,
        )
        if interdicted:
            fly(w, "a", "interdict", (7, 3))
        assert w.issue("japan", [OrderRequest("j", "move", (2, 3))])[0].ok
        w.step()
        return w.units["j"].progress

    assert march(False) == pytest.approx(3.0)
    assert march(True) == pytest.approx(3.0 * INTERDICT_MARCH)


def test_interdiction_wrecks_the_enemy_railway_near_the_target() -> None:
    w = front_world(
        [plane("a", "soviet", h(2)), unit("s", "soviet", h(1)), unit("j", "japan", h(29))]
    )
    fly(w, "a", "interdict", h(15))
    events = w.step()
    [(hit, days)] = w.logistics.rail_damage.items()
    assert days == INTERDICT_RAIL_DAYS
    assert hit in {edge_key(h(c), h(c + 1)) for c in range(13, 17)}  # at or next to the target
    [event] = events_of(events)
    assert event.side == "soviet" and "Hailar line" in event.text
    # Once a day: the next hour does not hit it again.
    assert not events_of(w.step())
    assert len(w.logistics.rail_damage) == 1


def encircled(stocks: Stocks) -> list:
    """A Soviet regiment deep in Manchukuo with a Japanese regiment on every side of it, and a
    Soviet air unit on a supplied airfield 260 km away."""
    ring = [unit(f"j{i}", "japan", n) for i, n in enumerate(neighbours(h(15)))]
    return [plane("a", "soviet", h(2)), unit("pocket", "soviet", h(15), stocks=stocks), *ring]


def test_airdrops_refill_a_cut_off_units_stocks_once_a_day() -> None:
    w = front_world(encircled(Stocks(food=0.5, ammo=0.0, fuel=0.0)))
    fly(w, "a", "airdrop", h(15))
    [event] = events_of(w.step())
    assert "drop supplies" in event.text and event.side == "soviet"
    s = w.units["pocket"].stocks
    assert w.units["pocket"].cut_off_hours == 1
    assert s.food == pytest.approx(0.5 + AIRDROP_DAYS - 1 / 24)
    assert (s.ammo, s.fuel) == (pytest.approx(AIRDROP_DAYS), pytest.approx(AIRDROP_DAYS))
    w.step()
    assert s.food == pytest.approx(0.5 + AIRDROP_DAYS - 2 / 24)


def test_airdrops_keep_a_pocket_from_starving_into_surrender() -> None:
    def pocket_survives(airdrop: bool) -> bool:
        w = front_world(encircled(Stocks(food=0.5, ammo=1.0, fuel=1.0)))
        if airdrop:
            fly(w, "a", "airdrop", h(15))
        for _ in range(24 * 5):
            w.step()
        return "pocket" in w.units

    assert not pocket_survives(False)
    assert pocket_survives(True)


def test_reconnaissance_reveals_the_hexes_around_its_target() -> None:
    w = world(
        plain(12, 8, hex_km=5.0),
        [plane("a", "soviet", (0, 0)), unit("s", "soviet", (0, 1)), unit("j", "japan", (6, 4))],
        start=MORNING,
    )
    assert "j" not in {u.id for u in visible_units(w, "soviet")}
    fly(w, "a", "recon", (7, 4))
    seen = w.visible("soviet")
    assert {x for x in within((7, 4), RECON_HEXES) if w.theatre.contains(x)} <= seen
    assert "j" in {u.id for u in visible_units(w, "soviet")}


# -- the air battle --------------------------------------------------------------------------------
def test_enemy_air_power_in_range_cuts_effectiveness() -> None:
    def eff(japanese_men: int, far: bool = False) -> float:
        t = plain(30, 5, hex_km=20.0)
        japanese = plane("ja", "japan", h(29) if far else h(20), men=japanese_men)
        w = world(
            t,
            [plane("sa", "soviet", h(0), men=1000), japanese, unit("j", "japan", h(28))],
            start=MORNING,
        )
        return air.effectiveness(w, "soviet", h(8))  # 420 km from h(29), 240 km from h(20)

    assert eff(1000, far=True) == pytest.approx(1.0)  # out of range: no contest
    assert eff(1000) == pytest.approx(0.5)
    assert eff(9000) == pytest.approx(air.MIN_EFFECTIVENESS)


def test_anti_aircraft_guns_halve_effectiveness_and_cost_aircraft() -> None:
    w = world(
        plain(),
        [
            plane("a", "soviet", (0, 0)),
            unit("s", "soviet", (0, 1)),
            unit("guns", "japan", (6, 3), kind=Kind.ARTILLERY),
        ],
        start=MORNING,
    )
    assert air.effectiveness(w, "soviet", (5, 3)) == pytest.approx(air.ANTI_AIR)
    fly(w, "a", "support", (5, 3))
    w.step()
    assert w.units["a"].strength == pytest.approx(1.0 - AIR_LOSS * 2 * (1 - air.ANTI_AIR))
    w.step()  # attrition once per flying day
    assert w.units["a"].strength == pytest.approx(1.0 - AIR_LOSS * 2 * (1 - air.ANTI_AIR))


def test_an_anti_aircraft_brigade_spreads_a_wider_and_deadlier_umbrella() -> None:
    w = world(
        plain(),
        [
            plane("a", "soviet", (0, 0)),
            unit("s", "soviet", (0, 1)),
            unit("flak", "japan", (9, 3), kind=Kind.ANTI_AIR),
        ],
        start=MORNING,
    )
    reach = max(air.ANTI_AIR_HEXES, round(air.ANTI_AIRCRAFT_KM / w.theatre.hex_km))
    assert reach > air.ANTI_AIR_HEXES  # it covers more than the guns of an artillery unit
    assert air.effectiveness(w, "soviet", (9 - reach, 3)) == pytest.approx(air.ANTI_AIRCRAFT)
    assert air.ANTI_AIRCRAFT < air.ANTI_AIR
    assert air.effectiveness(w, "soviet", (9 - reach - 1, 3)) == pytest.approx(1.0)
    # Its own side's sorties fly under it untouched.
    assert air.effectiveness(w, "japan", (9, 3)) == pytest.approx(air.MIN_EFFECTIVENESS)


# -- aircraft and the ground war -------------------------------------------------------------------
def test_an_air_unit_never_blocks_a_march_and_is_never_assaulted() -> None:
    w = world(
        plain(),
        [plane("a", "soviet", (5, 3)), unit("s", "soviet", (0, 7)), unit("j", "japan", (8, 3))],
        start=MORNING,
    )
    assert (5, 3) not in w.occupied_by_enemy_of("japan")
    [result] = w.issue("japan", [OrderRequest("j", "move", (5, 3))])
    assert result.ok
    events = w.step()
    events += w.step()
    assert w.units["j"].pos == (5, 3)  # marched in: no zone of control, no assault
    assert not events_of(events, "combat")
    assert not w.units["a"].in_combat and w.units["a"].strength == 1.0


def test_aircraft_do_not_stack_take_ground_or_keep_a_side_alive() -> None:
    here = (3, 3)
    w = world(
        plain(),
        [plane("a", "soviet", here), plane("b", "soviet", (6, 6))]
        + [unit(f"s{i}", "soviet", here) for i in range(3)] + [unit("j", "japan", (9, 5))],
        objectives=[Objective("Airfield", (6, 6), "japan")],
        start=MORNING,
    )  # fmt: skip
    assert len(w.friendly_units_at(here, "soviet")) == 3  # three regiments and an air unit
    w.step()
    assert w.objectives[0].owner == "japan"  # not the Soviet aircraft's to take
    for i in range(3):
        w.destroy(w.units[f"s{i}"])
    w.step()
    assert w.finished and w.winner == "japan" and w.result == "destroyed"


def test_air_units_fly_off_an_overrun_airfield_to_the_nearest_free_hex() -> None:
    w = world(
        plain(),
        [plane("a", "soviet", (5, 3)), unit("s", "soviet", (0, 7)), unit("j", "japan", (6, 3))],
        start=MORNING,
    )
    w.issue("japan", [OrderRequest("j", "move", (5, 3))])
    events = []
    while w.units["j"].pos != (5, 3):
        events += w.step()
    a = w.units["a"]
    assert a.pos != (5, 3) and distance(a.pos, (5, 3)) == 1
    assert a.strength == 1.0 and events_of(events, "rebase")


def test_air_units_fly_off_an_overrun_airfield_to_ground_their_side_holds() -> None:
    w = front_world(
        [plane("a", "soviet", h(9)), unit("s", "soviet", h(1)), unit("j", "japan", h(11))]
    )
    w.issue("japan", [OrderRequest("j", "move", h(9))])
    while w.units["j"].pos != h(9):
        w.step()
    a, grid = w.units["a"], w.theatre.grid
    assert w.logistics.control[grid.index(h(10))] == 2  # the way the enemy came is his now
    assert w.logistics.control[grid.index(a.pos)] == 1
    assert distance(a.pos, h(9)) == 1 and a.pos != h(10)


# -- views, state and the wire ---------------------------------------------------------------------
def test_missions_are_shown_to_their_own_side_only_and_aircraft_in_transit_to_nobody() -> None:
    w = world(
        plain(12, 8, hex_km=5.0),
        [plane("a", "soviet", (4, 3)), unit("s", "soviet", (0, 7)), unit("j", "japan", (5, 3))],
        start=MORNING,
    )
    fly(w, "a", "recon", (8, 3))
    assert unit_view(w.units["a"], own=True).mission == "recon"
    assert unit_view(w.units["a"], own=False).mission is None
    assert "a" in {u.id for u in visible_units(w, "japan")}  # on its airfield, in sight
    w.issue("soviet", [OrderRequest("a", "move", (0, 0))])  # in the air now
    assert "a" not in {u.id for u in visible_units(w, "japan")}


def test_the_state_hash_covers_missions() -> None:
    def hashed(mission: str) -> str:
        units = [
            plane("a", "soviet", (0, 0)),
            unit("s", "soviet", (0, 1)),
            unit("j", "japan", (9, 5)),
        ]
        w = world(plain(), units, start=MORNING)
        fly(w, "a", mission, (5, 3))
        return w.state_hash()

    assert hashed("support") != hashed("interdict")
    assert hashed("recon") == hashed("recon")


def test_air_orders_and_missions_round_trip_on_the_wire() -> None:
    order = OrderRequest("a", "air", (-3, 7), mission="airdrop")
    message = Orders(orders=[order], id=3)
    assert decode_client(encode(message)) == message
    bad = msgspec.msgpack.encode(
        {"t": "orders", "orders": [{"unit": "a", "kind": "air", "to": [1, 2], "mission": "nuke"}]}
    )
    with pytest.raises(ValueError, match=r"\$\.orders\[0\]"):
        decode_client(bad)
    view = UnitView("a", "soviet", "air", "1st Air Brigade", (1, 2), 1.0, 1.0, 2000)
    view.order, view.to, view.mission = "air", (5, 5), "interdict"
    snap = Snapshot(
        match="m", view="soviet", tick=1, hour=1, time="t", speed=1.0, paused=False,
        units=[view], objectives=[],
    )  # fmt: skip
    assert decode_server(encode(snap)) == snap
    # Old clients and old servers: no mission field unless there is a mission.
    assert b"mission" not in encode(OrderRequest("u", "move", (1, 2)))


# -- the AI ----------------------------------------------------------------------------------------
HILL = SeenObjective("Zaozernaya", (10, 0), "japan")
OURS = SeenObjective("Kraskino", (0, 5), "soviet")


def seen(uid: str, side: str = "soviet", pos=(0, 0), kind: str = "infantry", **fields):
    values = dict(strength=1.0, org=1.0, men=1000, order="hold", to=None)
    values.update(fields)
    return SeenUnit(uid, side, kind, pos, values.pop("strength"), values.pop("org"),
                    values.pop("men"), values.pop("order"), values.pop("to"), **values)  # fmt: skip


def test_the_ai_flies_ground_support_over_the_objective_its_attack_is_heading_for() -> None:
    units = [seen("a", pos=(2, 2), kind="air"), seen("i", pos=(8, 0)), seen("j", "japan", (20, 0))]
    orders = ai.decide("soviet", units, [HILL, OURS], hex_km=2.0)
    assert OrderRequest("a", "air", HILL.pos, mission="support") in orders
    assert OrderRequest("i", "move", HILL.pos) in orders


def test_the_ai_interdicts_in_front_of_what_it_holds_when_outnumbered() -> None:
    units = [
        seen("a", pos=(0, 0), kind="air"),
        seen("i", pos=(0, 5)),
        seen("j", "japan", (6, 5), men=10_000),
    ]
    orders = ai.decide("soviet", units, [HILL, OURS], hex_km=2.0)
    assert orders == [OrderRequest("a", "air", (2, 5), mission="interdict")]


def test_the_ai_drops_supplies_to_a_cut_off_unit_first() -> None:
    units = [
        seen("a", pos=(0, 0), kind="air", order="air", to=HILL.pos, mission="support"),
        seen("i", pos=(8, 0)),
        seen("pocket", pos=(6, 3), cut_off=True),
        seen("j", "japan", (20, 0)),
    ]
    orders = ai.decide("soviet", units, [HILL], hex_km=2.0)
    assert OrderRequest("a", "air", (6, 3), mission="airdrop") in orders


def test_the_ai_stands_aircraft_down_with_nothing_in_range_and_repeats_no_orders() -> None:
    far = [seen("a", pos=(-400, 0), kind="air", order="air", to=HILL.pos, mission="support")]
    units = [*far, seen("i", pos=(8, 0), order="move", to=HILL.pos), seen("j", "japan", (20, 0))]
    assert ai.decide("soviet", units, [HILL], hex_km=2.0) == [OrderRequest("a", "hold")]
    near = [seen("a", pos=(0, 0), kind="air", order="air", to=HILL.pos, mission="support")]
    assert ai.decide("soviet", [*near, *units[1:]], [HILL], hex_km=2.0) == []


def test_an_ai_seat_gives_its_aircraft_missions_the_server_accepts() -> None:
    w = world(
        plain(),
        [plane("a", "soviet", (0, 0)), unit("s", "soviet", (1, 3)), unit("j", "japan", (9, 5))],
        objectives=[Objective("Hill", (9, 5), "japan")],
        start=MORNING,
    )
    orders = ai.from_world(w, "soviet")
    assert OrderRequest("a", "air", (9, 5), mission="support") in orders
    assert all(r.ok for r in w.issue("soviet", orders))
    w.step()
    assert w.units["a"].flown_day == 0  # it flew
