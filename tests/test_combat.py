"""Assaults: who loses what, when a defender breaks, retreats or is cut down, and what terrain,
rivers and artillery do to the odds.

Fights compared with each other use the same seed and one fight each, so both draw the same
random factors and differ only by the rule under test.
"""

from __future__ import annotations

import pytest

from shared.combat import BREAK_ORG, SURROUNDED_LOSS
from shared.hexgrid import distance, neighbours
from shared.orders import OrderRequest
from shared.terrain import RIVER_ATTACK, RULES, Terrain
from shared.theatre import Theatre
from shared.units import Kind, Unit
from shared.world import Event, World
from tests.tiny_world import TinyMap, plain, unit, world

TARGET = (4, 3)
# Three hexes west of the target, from which a stack of attackers comes on.
WEST, NORTH_WEST, SOUTH_WEST = (3, 3), (4, 2), (3, 4)
EAST_SIDE = [(5, 3), (5, 2), (4, 4)]  # the target's other three neighbours


def fight(
    theatre: Theatre,
    attackers: list[Unit],
    defenders: list[Unit],
    others: list[Unit] = (),
    hours: int = 1,
    seed: int = 7,
) -> tuple[World, list[Event]]:
    w = world(theatre, [*attackers, *defenders, *others], seed=seed)
    side = attackers[0].side
    results = w.issue(side, [OrderRequest(u.id, "move", TARGET) for u in attackers])
    assert all(r.ok for r in results), results
    events: list[Event] = []
    for _ in range(hours):
        events += w.step()
    return w, events


def loss(w: World, uid: str) -> float:
    """Strength a unit lost (1.0 when it was destroyed and removed)."""
    return 1.0 - w.units[uid].strength if uid in w.units else 1.0


def combat_ratio(events: list[Event]) -> float:
    [combat] = [e for e in events if e.kind == "combat"]
    return combat.data["ratio"]


def soviet(uid: str, pos, **kw) -> Unit:
    return unit(uid, "soviet", pos, **kw)


def japan(uid: str, pos, **kw) -> Unit:
    return unit(uid, "japan", pos, **kw)


def three_regiments() -> list[Unit]:
    return [soviet(f"s{i}", p, men=3000) for i, p in enumerate([WEST, NORTH_WEST, SOUTH_WEST])]


def test_at_high_odds_the_defender_loses_more_than_each_attacker():
    w, events = fight(plain(), three_regiments(), [japan("j", TARGET, men=500)])
    assert combat_ratio(events) > 3
    assert all(loss(w, "j") > 3 * loss(w, f"s{i}") for i in range(3))


def test_at_low_odds_the_attacker_is_the_one_ruined():
    w, events = fight(plain(), [soviet("s", WEST, men=500)], [japan("j", TARGET, men=3000)])
    assert combat_ratio(events) < 1 / 3
    assert loss(w, "s") > 3 * loss(w, "j")


def test_at_high_odds_the_defender_breaks_falls_back_and_the_attackers_move_in():
    w, events = fight(plain(), three_regiments(), [japan("j", TARGET, men=500)], hours=8)
    assert [e.unit for e in events if e.kind == "retreat"] == ["j"]
    j = w.units["j"]
    assert j.pos != TARGET
    assert j.pos in neighbours(TARGET)
    # It fell back away from where the attack came from.
    for origin in (WEST, NORTH_WEST, SOUTH_WEST):
        assert distance(j.pos, origin) > distance(TARGET, origin)
    assert {u.id for u in w.units_at(TARGET)} <= {"s0", "s1", "s2"}
    assert w.units_at(TARGET)


def test_a_defender_holds_while_its_organisation_lasts():
    w, _ = fight(plain(), [soviet("s", WEST)], [japan("j", TARGET)])
    assert w.units["j"].org >= BREAK_ORG
    assert w.units["j"].pos == TARGET
    assert w.units["s"].pos == WEST


def test_losses_cost_organisation_faster_than_strength():
    w, _ = fight(plain(), [soviet("s", WEST)], [japan("j", TARGET)])
    for uid in ("s", "j"):
        assert 1.0 - w.units[uid].org > 2 * loss(w, uid) > 0


def test_a_broken_unit_with_nowhere_to_go_is_cut_down_where_it_stands():
    trapped = TinyMap(12, 8).paint("water", *EAST_SIDE).compile()
    attackers = [soviet(f"s{i}", p) for i, p in enumerate([WEST, NORTH_WEST, SOUTH_WEST])]
    w, events = fight(trapped, attackers, [japan("j", TARGET, strength=0.8, org=0.25)])
    assert [e.unit for e in events if e.kind == "surrounded"] == ["j"]
    assert not [e for e in events if e.kind == "retreat"]
    assert loss(w, "j") > SURROUNDED_LOSS
    if "j" in w.units:
        assert w.units["j"].pos == TARGET


def test_the_same_broken_unit_with_open_ground_behind_it_falls_back_instead():
    attackers = [soviet(f"s{i}", p) for i, p in enumerate([WEST, NORTH_WEST, SOUTH_WEST])]
    w, events = fight(plain(), attackers, [japan("j", TARGET, strength=0.8, org=0.25)])
    assert [e.unit for e in events if e.kind == "retreat"] == ["j"]
    assert w.units["j"].pos in EAST_SIDE
    assert loss(w, "j") < SURROUNDED_LOSS


def test_a_unit_cut_down_below_the_threshold_is_destroyed_and_removed():
    w, events = fight(plain(), three_regiments(), [japan("j", TARGET, strength=0.051)])
    assert "j" not in w.units
    assert not w.units_at(TARGET) or all(u.side == "soviet" for u in w.units_at(TARGET))
    assert [e.unit for e in events if e.kind == "destroyed"] == ["j"]


def test_artillery_in_range_strengthens_the_attack():
    theatre = plain(20, 8)
    base = ([soviet("s", WEST)], [japan("j", TARGET)])
    gun = soviet("gun", (1, 3), kind=Kind.ARTILLERY)
    alone_w, alone_ev = fight(theatre, *base)
    backed_w, backed_ev = fight(theatre, [soviet("s", WEST)], [japan("j", TARGET)], [gun])
    assert combat_ratio(backed_ev) > combat_ratio(alone_ev)
    assert loss(backed_w, "j") > loss(alone_w, "j")
    assert loss(backed_w, "s") < loss(alone_w, "s")
    assert backed_w.units["gun"].strength == 1.0  # support fire costs the guns nothing


def test_artillery_in_range_strengthens_the_defence():
    theatre = plain(20, 8)
    gun = japan("gun", (7, 3), kind=Kind.ARTILLERY)
    _, alone_ev = fight(theatre, [soviet("s", WEST)], [japan("j", TARGET)])
    _, backed_ev = fight(theatre, [soviet("s", WEST)], [japan("j", TARGET)], [gun])
    assert combat_ratio(backed_ev) < combat_ratio(alone_ev)


def test_artillery_out_of_range_changes_nothing():
    theatre = plain(24, 8)
    # 12 km is the support range; 13 hexes of 1 km is out of it.
    far_gun = soviet("gun", (TARGET[0] + 13, TARGET[1]), kind=Kind.ARTILLERY)
    assert distance(far_gun.pos, TARGET) == 13
    alone_w, alone_ev = fight(theatre, [soviet("s", WEST)], [japan("j", TARGET)])
    far_w, far_ev = fight(theatre, [soviet("s", WEST)], [japan("j", TARGET)], [far_gun])
    assert combat_ratio(far_ev) == combat_ratio(alone_ev)
    assert loss(far_w, "j") == loss(alone_w, "j")


def test_attacking_across_a_river_weakens_the_attack():
    x_between = 3 + TARGET[1] / 2 + 0.3  # between the centres of (3, 3) and (4, 3)
    river = TinyMap(12, 8).river_at_x(x_between).compile()
    assert river.river_between(WEST, TARGET)
    _, open_ev = fight(plain(), [soviet("s", WEST)], [japan("j", TARGET)])
    _, river_ev = fight(river, [soviet("s", WEST)], [japan("j", TARGET)])
    assert combat_ratio(river_ev) == pytest.approx(RIVER_ATTACK * combat_ratio(open_ev), rel=0.02)


def test_attacking_over_a_bridge_is_not_weakened():
    x_between = 3 + TARGET[1] / 2 + 0.3
    bridged = TinyMap(12, 8).river_at_x(x_between).road(WEST, TARGET).compile()
    _, open_ev = fight(plain(), [soviet("s", WEST)], [japan("j", TARGET)])
    _, bridge_ev = fight(bridged, [soviet("s", WEST)], [japan("j", TARGET)])
    assert combat_ratio(bridge_ev) == combat_ratio(open_ev)


def test_a_defender_on_hills_is_harder_to_shift():
    hills = TinyMap(12, 8).paint("hills", TARGET).compile()
    _, open_ev = fight(plain(), [soviet("s", WEST)], [japan("j", TARGET)])
    _, hill_ev = fight(hills, [soviet("s", WEST)], [japan("j", TARGET)])
    expected = combat_ratio(open_ev) / RULES[Terrain.HILLS].defence
    assert combat_ratio(hill_ev) == pytest.approx(expected, rel=0.02)


def test_armour_loses_more_of_its_punch_in_marsh_than_infantry_does():
    marsh = TinyMap(12, 8).paint("marsh", TARGET).compile()

    def ratio(theatre: Theatre, kind: Kind) -> float:
        _, events = fight(theatre, [soviet("s", WEST, kind=kind)], [japan("j", TARGET)])
        return combat_ratio(events)

    infantry_drop = ratio(marsh, Kind.INFANTRY) / ratio(plain(), Kind.INFANTRY)
    armour_drop = ratio(marsh, Kind.ARMOUR) / ratio(plain(), Kind.ARMOUR)
    assert armour_drop < infantry_drop < 1
    assert armour_drop == pytest.approx(
        infantry_drop * RULES[Terrain.MARSH].armour_attack, rel=0.02
    )


def test_artillery_that_joins_an_assault_does_not_advance_into_the_hex():
    attackers = [
        soviet("s0", WEST, men=3000),
        soviet("s1", NORTH_WEST, men=3000),
        soviet("gun", SOUTH_WEST, kind=Kind.ARTILLERY, men=3000),
    ]
    w, events = fight(plain(), attackers, [japan("j", TARGET, strength=0.5, org=0.21)])
    assert any(e.kind == "retreat" for e in events)
    assert {u.id for u in w.units_at(TARGET)} == {"s0", "s1"}
    assert w.units["gun"].pos == SOUTH_WEST


def test_fewer_men_fight_with_less_power():
    _, full_ev = fight(plain(), [soviet("s", WEST)], [japan("j", TARGET)])
    _, weak_ev = fight(plain(), [soviet("s", WEST, strength=0.5)], [japan("j", TARGET)])
    assert combat_ratio(weak_ev) == pytest.approx(combat_ratio(full_ev) / 2, rel=0.02)


def test_holding_units_dig_in_and_dug_in_defenders_lose_less() -> None:
    def battle(entrench_hours: int, fort: int = 0) -> float:
        t = plain(12, 8)
        attacker = unit("a", "soviet", (2, 3), men=3000)
        defender = unit("d", "japan", (3, 3), men=1000)
        w = world(t, [attacker, defender], seed=5)
        if fort:
            w.forts[(3, 3)] = fort
        for _ in range(entrench_hours):
            w.step()
        assert defender.entrenched == pytest.approx(min(1.0, entrench_hours / 72))
        w.issue("soviet", [OrderRequest("a", "move", (3, 3))])
        before = defender.strength
        w.step()
        return before - defender.strength

    fresh, dug_in, fortified = battle(0), battle(72), battle(72, fort=2)
    assert dug_in < fresh
    assert fortified < dug_in


def test_marching_leaves_the_trenches_behind() -> None:
    t = plain(12, 8)
    u = unit("a", "soviet", (2, 3), entrenched=1.0)
    w = world(t, [u, unit("j", "japan", (10, 6))])
    w.issue("soviet", [OrderRequest("a", "move", (9, 3))])
    for _ in range(2):
        w.step()
    assert u.pos != (2, 3) and u.order.kind == "move"
    assert u.entrenched == 0.0


# -- the ceasefire ------------------------------------------------------------------------------
def test_no_combat_during_a_ceasefire_and_attacks_are_refused() -> None:
    from datetime import timedelta

    from tests.tiny_world import START

    attackers, defender = three_regiments(), japan("j", TARGET, men=1000)
    w = world(plain(10, 8), [*attackers, defender])
    w.ceasefires = [(START, START + timedelta(hours=48))]
    refused = w.issue("soviet", [OrderRequest("s0", "attack", TARGET)])
    assert [r.code for r in refused] == ["ceasefire"]
    assert all(r.ok for r in w.issue("soviet", [OrderRequest("s1", "move", TARGET)]))
    events = [e for _ in range(24) for e in w.step()]
    assert [e.kind for e in events if e.kind in ("ceasefire", "combat")] == ["ceasefire"]
    assert w.units["j"].strength == 1.0 and w.units["s1"].pos != TARGET
    while w.ceasefire():
        w.step()
    events = [e for _ in range(3) for e in w.step()]
    assert any(e.kind == "combat" for e in events)  # the march goes on into the assault
    assert w.issue("soviet", [OrderRequest("s0", "attack", TARGET)])[0].ok


def test_a_ceasefire_grounds_ground_support_and_interdiction() -> None:
    from datetime import timedelta

    from shared import air
    from tests.tiny_world import START

    w = world(plain(10, 8), [soviet("s", WEST), japan("j", TARGET)])
    w.ceasefires = [(START, START + timedelta(days=2))]
    flyer = soviet("a", (1, 3), kind=Kind.AIR)
    w._place(flyer)
    for mission in air.COMBAT_MISSIONS:
        verdict = w.issue("soviet", [OrderRequest("a", "air", TARGET, mission=mission)])
        assert verdict[0].code == "ceasefire"
    assert w.issue("soviet", [OrderRequest("a", "air", TARGET, mission="recon")])[0].ok


def test_both_sides_hear_of_the_ceasefire() -> None:
    from datetime import timedelta

    from shared.views import event_visible
    from tests.tiny_world import START

    w = world(plain(10, 8), [soviet("s", WEST), japan("j", TARGET)])
    w.ceasefires = [(START, START + timedelta(hours=5))]
    [truce] = [e for e in w.step() if e.kind == "ceasefire"]
    assert all(event_visible(truce, side, set()) for side in ("soviet", "japan"))


def test_in_wide_hexes_artillery_supports_a_fight_from_the_next_hex() -> None:
    wide = TinyMap(10, 8, hex_km=25.0).compile()
    gun = soviet("g", NORTH_WEST, kind=Kind.ARTILLERY)  # next to the target
    far_gun = soviet("g", (2, 3), kind=Kind.ARTILLERY)  # two hexes off: 50 km
    _, with_guns = fight(wide, [soviet("a", WEST)], [japan("j", TARGET)], [gun])
    _, beyond = fight(wide, [soviet("a", WEST)], [japan("j", TARGET)], [far_gun])
    _, alone = fight(wide, [soviet("a", WEST)], [japan("j", TARGET)])
    assert combat_ratio(with_guns) > combat_ratio(alone) == combat_ratio(beyond)


def test_a_garrison_in_a_town_behind_works_keeps_its_cohesion_longer() -> None:
    def cohesion_after(town: bool, works: int) -> float:
        m = TinyMap(10, 8)
        if town:
            m.paint("town", TARGET)
        w, _ = fight(m.compile(), three_regiments(), [japan("j", TARGET, men=3000)], hours=0)
        if works:
            w.forts[TARGET] = works
        w.step()
        return w.units["j"].org

    open_ground, town, fortress = (
        cohesion_after(False, 0),
        cohesion_after(True, 0),
        cohesion_after(True, 2),
    )
    assert open_ground < town < fortress < 1.0
