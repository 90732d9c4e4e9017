"""Waypoints, attack orders and strategic rail movement: planning, validation, the march and
the train, determinism, views, and the verdicts a real server sends back for them.

Marching worlds use 1 km hexes (infantry crosses three plain hexes an hour); rail worlds use the
theatre's operational layer on a 20 km strip with a railway along row 2.
"""

from __future__ import annotations

import itertools

import msgspec
import pytest

from shared.hexgrid import DIRECTIONS, Hex, distance, edge_key
from shared.logistics import TRAINS_PER_THOUSAND_MEN, Logistics
from shared.movement import ENTRAINED_DEFENCE, RAIL_KMH
from shared.orders import ORDER_ERRORS, OrderRequest
from shared.scenario import new_world
from shared.supply import TONS_PER_TRAIN, Source
from shared.theatre import Theatre
from shared.units import Kind
from shared.views import unit_view
from shared.world import World
from tests.tiny_world import START, TinyMap, bystander, plain, unit, world
from tests.wsclient import Client, start_match

ROW = 3


def issue(w: World, uid: str, kind: str, to: Hex | None = None, via=()) -> object:
    [result] = w.issue(w.units[uid].side, [OrderRequest(uid, kind, to, via=list(via))])  # type: ignore[arg-type]
    return result


def contiguous(start: Hex, path: list) -> bool:
    steps = [start, *(tuple(h) for h in path)]
    return all(distance(a, b) == 1 for a, b in itertools.pairwise(steps))


# -- waypoints --------------------------------------------------------------------------------
def test_a_waypoint_path_passes_through_the_waypoints_in_order() -> None:
    t = plain(12, 8)
    w = world(t, [unit("a", "soviet", (1, ROW)), bystander(t)])
    via = [(4, 0), (6, 6)]
    result = issue(w, "a", "move", (9, ROW), via)
    assert result.ok, result
    path = [tuple(h) for h in result.path]
    assert contiguous((1, ROW), path) and path[-1] == (9, ROW)
    assert path.index((4, 0)) < path.index((6, 6))
    assert w.units["a"].order.via == ((4, 0), (6, 6))
    left = [w.units["a"].order.via]  # waypoints still ahead, hour by hour
    for _ in range(12):
        w.step()
        if w.units["a"].order.via != left[-1]:
            left.append(w.units["a"].order.via)
    assert left == [((4, 0), (6, 6)), ((6, 6),), ()]
    a = w.units["a"]
    assert a.pos == (9, ROW) and a.order.kind == "hold" and a.order.via == ()


def test_a_replanned_march_still_heads_for_the_next_waypoint() -> None:
    t = plain(14, 8)
    w = world(t, [unit("a", "soviet", (0, ROW)), bystander(t)])
    assert issue(w, "a", "move", (11, ROW), [(6, 0)]).ok
    w.step()
    a = w.units["a"]
    assert a.order.via == ((6, 0),)
    assert distance(a.pos, (6, 0)) == 3
    a.path = []  # as when the ground changes under the plan: replanned next hour
    w.step()
    # To the waypoint (a replan to the goal would have gone straight along the row), struck off.
    assert a.pos == (6, 0) and a.order.via == () and a.path[-1] == (11, ROW)
    for _ in range(8):
        w.step()
    assert a.pos == (11, ROW) and a.order.kind == "hold"


def test_a_waypoint_where_the_unit_stands_is_already_behind_it() -> None:
    t = plain(12, 8)
    w = world(t, [unit("a", "soviet", (1, ROW)), bystander(t)])
    assert issue(w, "a", "move", (5, ROW), [(1, ROW), (3, ROW)]).ok
    assert w.units["a"].order.via == ((3, ROW),)


ISLAND = (6, 2)


@pytest.fixture
def lake_world() -> World:
    """Soviet "s" on a plain with a one-hex island in a ring of water."""
    lake = [(ISLAND[0] + dq, ISLAND[1] + dr) for dq, dr in DIRECTIONS]
    t = TinyMap(12, 8).paint("water", *lake).compile()
    return world(t, [unit("s", "soviet", (1, 3)), unit("j", "japan", (9, 5))])


def test_bad_waypoints_are_refused_and_change_nothing(lake_world: World) -> None:
    w = lake_world
    cases = [
        ("move", [(40, 3)], "off_map"),
        ("attack", [(3, 3), (-5, 0)], "off_map"),
        ("move", [(7, 2)], "impassable"),  # in the lake
        ("move", [ISLAND], "unreachable"),
        ("attack", [ISLAND], "unreachable"),
    ]
    for kind, via, code in cases:
        result = issue(w, "s", kind, (4, 5), via)
        assert (result.ok, result.code) == (False, code), (kind, via)
        assert result.message == ORDER_ERRORS[code]
    assert issue(w, "s", "hold", None, [(3, 3)]).code == "bad_order"
    assert w.units["s"].order.kind == "hold" and not w.order_log


def test_more_than_sixteen_waypoints_do_not_decode() -> None:
    raw = {"unit": "s", "kind": "move", "to": [1, 1], "via": [[1, 1]] * 17}
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(raw, OrderRequest)
    raw["via"] = [[1, 1]] * 16
    assert len(msgspec.convert(raw, OrderRequest).via) == 16
    # Left out when empty: old clients and logs look exactly as before.
    plain_move = msgspec.msgpack.encode(OrderRequest("s", "move", (1, 1)))
    assert b"via" not in plain_move


# -- attack -----------------------------------------------------------------------------------
def blocked_world() -> World:
    t = plain(12, 8)
    return world(
        t,
        [unit("s", "soviet", (1, ROW)), unit("j", "japan", (4, ROW), men=300, org=0.3)],
    )


def test_an_attack_goes_through_enemy_held_hexes_a_move_goes_around() -> None:
    w = blocked_world()
    moved = issue(w, "s", "move", (7, ROW))
    assert moved.ok and (4, ROW) not in [tuple(h) for h in moved.path]
    attacked = issue(w, "s", "attack", (7, ROW))
    assert attacked.ok and [tuple(h) for h in attacked.path] == [(q, ROW) for q in range(2, 8)]
    assert w.units["s"].order.kind == "attack"


def test_an_attack_assaults_on_the_way_and_keeps_at_it_until_through() -> None:
    w = blocked_world()
    assert issue(w, "s", "attack", (7, ROW)).ok
    fights = 0
    for _ in range(60):
        fights += sum(e.kind == "combat" for e in w.step())
        s = w.units["s"]
        if s.pos[0] > 4 or "j" not in w.units:
            break
        assert s.order.kind == "attack"  # not dropped after a fight
    assert fights >= 1
    for _ in range(10):
        w.step()
    assert w.units["s"].pos == (7, ROW) and w.units["s"].order.kind == "hold"


# -- rail -------------------------------------------------------------------------------------
RAIL_ROW = 2
HEX_KM = 20.0


def h(col: int) -> Hex:
    """The hex of a column on the railway's row (axial q is offset by the row)."""
    return (col - RAIL_ROW // 2, RAIL_ROW)


def rail_map(gauge: str = "russian") -> Theatre:
    """A west-east strip, all Soviet, railway along row 2 from column 0 to 20."""
    m = TinyMap(30, 5, hex_km=HEX_KM)
    m.country("USSR", "soviet", -100, 32 * HEX_KM).climate("manchurian plain")
    m.rail(*[h(c) for c in range(0, 21)], capacity=10, gauge=gauge)
    return m.compile()


def rail_world(units, tons: float = 4000.0, gauge: str = "russian") -> World:
    w = world(rail_map(gauge), [*units, unit("j", "japan", (27, 4))])
    w.logistics = Logistics.create(
        w, [Source("Irkutsk", "soviet", h(0), tons)], START.date(), days=30
    )
    return w


def test_a_rail_move_arrives_far_sooner_than_a_march_and_arrives_holding() -> None:
    w = rail_world([unit("r", "soviet", h(2)), unit("m", "soviet", h(2))])
    result = issue(w, "r", "rail", h(18))
    assert result.ok, result
    assert [tuple(x) for x in result.path] == [h(c) for c in range(3, 19)]
    assert issue(w, "m", "move", h(18)).ok
    hours = 0
    while w.units["r"].pos != h(18):
        assert w.units["r"].order.kind == "rail"
        w.step()
        hours += 1
    assert hours == 16 * HEX_KM / RAIL_KMH  # 320 km at 20 km/h
    assert w.units["r"].order.kind == "hold" and not w.units["r"].path
    assert distance(w.units["m"].pos, h(2)) <= 3  # the marchers have covered 60 km at most


def test_a_rail_move_books_troop_trains_that_carry_no_freight_the_next_day() -> None:
    tons = 5 * TONS_PER_TRAIN
    w = rail_world([unit("r", "soviet", h(2))], tons=tons)
    w.step()
    assert w.logistics.supply["soviet"].railheads[h(0)] == pytest.approx(tons)
    assert issue(w, "r", "rail", h(15)).ok
    trains = round(1000 / 1000 * TRAINS_PER_THOUSAND_MEN)
    assert w.logistics.troop_trains_today == {"Irkutsk": trains}
    while w.hour < 25:
        w.step()
    railhead = w.logistics.supply["soviet"].railheads[h(0)]
    assert railhead == pytest.approx(tons - trains * TONS_PER_TRAIN)


def test_a_full_line_refuses_more_rail_moves_until_tomorrow() -> None:
    # 10 trains a day: a 14,000-man division (42 trains) takes the whole day, as the first
    # booking of the day always fits; nothing else goes by rail until tomorrow.
    w = rail_world(
        [unit("d", "soviet", h(2), men=14000), unit("r", "soviet", h(3))], tons=10 * TONS_PER_TRAIN
    )
    assert issue(w, "d", "rail", h(18)).ok
    refused = issue(w, "r", "rail", h(18))
    assert (refused.ok, refused.code) == (False, "no_trains")
    assert w.units["r"].order.kind == "hold"
    while w.hour < 24:
        w.step()
    assert issue(w, "r", "rail", h(19)).ok  # a new day, new trains (at midnight already)


def test_rail_moves_need_a_usable_railway_from_where_the_unit_stands() -> None:
    w = rail_world([unit("off", "soviet", (3, 0)), unit("on", "soviet", h(5))])
    assert issue(w, "off", "rail", h(15)).code == "no_rail"  # not on the railway
    assert issue(w, "on", "rail", (8, 0)).code == "no_rail"  # destination off the railway
    assert issue(w, "on", "rail", h(25)).code == "no_rail"  # beyond the railhead
    assert issue(w, "on", "rail", (99, 2)).code == "off_map"
    assert issue(w, "on", "rail", h(15), [h(10)]).code == "bad_order"
    # Wrecked track, ground the enemy holds, ground only just taken: the line ends there.
    w.logistics.rail_damage[edge_key(h(10), h(11))] = 3
    assert issue(w, "on", "rail", h(15)).code == "no_rail"
    assert issue(w, "on", "rail", h(9)).ok
    del w.logistics.rail_damage[edge_key(h(10), h(11))]
    grid = w.theatre.grid
    w.logistics.control[grid.index(h(12))] = 2
    assert issue(w, "on", "rail", h(15)).code == "no_rail"
    w.logistics.control[grid.index(h(12))] = 1
    w.logistics.captured_day[grid.index(h(12))] = 0
    assert issue(w, "on", "rail", h(15)).code == "no_rail"
    w.logistics.captured_day[grid.index(h(12))] = -10_000
    assert issue(w, "on", "rail", h(15)).ok


def test_rail_moves_need_the_side_s_gauge_or_track_relaid_to_it() -> None:
    w = rail_world([unit("on", "soviet", h(5))], gauge="standard")
    assert issue(w, "on", "rail", h(8)).code == "no_rail"
    for c in range(0, 20):
        w.logistics.converted[edge_key(h(c), h(c + 1))] = "russian"
    assert issue(w, "on", "rail", h(8)).ok


def test_a_railway_cut_off_from_every_source_has_no_trains() -> None:
    w = rail_world([unit("on", "soviet", h(15))])
    w.logistics.rail_damage[edge_key(h(10), h(11))] = 3
    assert issue(w, "on", "rail", h(18)).code == "no_rail"


def test_there_is_no_strategic_rail_without_the_operational_layer() -> None:
    t = TinyMap(12, 8).rail(*[(q, ROW) for q in range(0, 10)]).compile()
    w = world(t, [unit("s", "soviet", (1, ROW)), bystander(t)])
    assert issue(w, "s", "rail", (8, ROW)).code == "no_rail"


def test_a_train_stops_where_the_line_is_cut_and_the_unit_detrains() -> None:
    w = rail_world([unit("r", "soviet", h(2))])
    assert issue(w, "r", "rail", h(18)).ok
    for _ in range(3):
        w.step()
    assert w.units["r"].pos == h(5)
    w.logistics.rail_damage[edge_key(h(8), h(9))] = 3
    events = []
    for _ in range(5):
        events += w.step()
    r = w.units["r"]
    assert r.pos == h(8) and r.order.kind == "hold" and not r.path
    assert any(e.kind == "order_failed" and e.unit == "r" for e in events)


def test_an_entrained_unit_defends_badly_and_air_units_do_not_take_the_train() -> None:
    w = rail_world([unit("r", "soviet", h(2)), unit("air", "soviet", h(3), kind=Kind.AIR, men=500)])
    assert issue(w, "r", "rail", h(18)).ok
    r = w.units["r"]
    assert w.combat_factor(r, attacking=False) == pytest.approx(ENTRAINED_DEFENCE)
    assert w.combat_factor(r, attacking=True) == pytest.approx(1.0)
    assert issue(w, "air", "rail", h(18)).code == "bad_order"
    assert issue(w, "air", "attack", h(6)).code == "bad_order"
    assert issue(w, "air", "move", h(6), [h(4)]).code == "bad_order"


# -- determinism and views ----------------------------------------------------------------------
def test_waypoints_and_order_kinds_are_part_of_the_state_hash() -> None:
    def two() -> tuple[World, World]:
        t = plain(12, 8)
        return tuple(  # type: ignore[return-value]
            world(t, [unit("s", "soviet", (1, ROW)), unit("j", "japan", (9, 6))]) for _ in range(2)
        )

    a, b = two()
    issue(a, "s", "move", (8, ROW), [(4, 0)])
    issue(b, "s", "move", (8, ROW), [(4, 0)])
    assert a.state_hash() == b.state_hash()
    a.units["s"].order = a.units["s"].order.__class__("move", (8, ROW), via=())
    assert a.state_hash() != b.state_hash()
    a, b = two()
    issue(a, "s", "move", (8, ROW))
    issue(b, "s", "attack", (8, ROW))
    assert a.units["s"].path == b.units["s"].path
    assert a.state_hash() != b.state_hash()


def test_replaying_the_order_log_with_new_kinds_reproduces_the_match() -> None:
    def fresh() -> World:
        return rail_world(
            [unit("r", "soviet", h(2)), unit("m", "soviet", (3, 0)), unit("a", "soviet", h(4))]
        )

    original = fresh()
    orders = {
        0: [OrderRequest("r", "rail", h(16)), OrderRequest("m", "move", (8, 4), via=[(6, 0)])],
        5: [OrderRequest("a", "attack", (20, 4), via=[h(8)])],
    }
    for _ in range(30):
        if original.hour in orders:
            assert all(r.ok for r in original.issue("soviet", orders[original.hour]))
        original.step()
    replay = fresh()
    while replay.hour < original.hour:
        for hour, side, logged in original.order_log:
            if hour == replay.hour:
                assert all(r.ok for r in replay.issue(side, logged))
        replay.step()
    assert replay.state_hash() == original.state_hash()


def test_own_units_show_their_waypoints_and_order_kind() -> None:
    t = plain(12, 8)
    w = world(t, [unit("s", "soviet", (1, ROW)), bystander(t)])
    assert issue(w, "s", "attack", (8, ROW), [(4, 0), (6, 6)]).ok
    own = unit_view(w.units["s"], own=True)
    assert own.order == "attack" and own.via == [(4, 0), (6, 6)] and own.to == (8, ROW)
    assert unit_view(w.units["s"], own=False).via is None
    assert issue(w, "s", "move", (8, ROW)).ok
    assert unit_view(w.units["s"], own=True).via is None
    r = rail_world([unit("r", "soviet", h(2))])
    assert issue(r, "r", "rail", h(10)).ok
    assert unit_view(r.units["r"], own=True).order == "rail"


# -- over the wire ----------------------------------------------------------------------------
async def test_the_server_answers_waypoint_attack_and_rail_orders(server_url: str) -> None:
    player, snap = await start_match(server_url, speed=0.5)
    unit_ = next(u for u in snap["units"] if u["id"] == "sov-40rd-118rr")
    q, r = unit_["pos"]
    via, to = [q + 2, r - 3], [q + 4, r - 6]
    reply = await player.request(
        {
            "t": "orders",
            "orders": [
                {"unit": unit_["id"], "kind": "move", "to": to, "via": [via]},
                {"unit": unit_["id"], "kind": "rail", "to": to},
                {"unit": unit_["id"], "kind": "move", "to": to, "via": [[9999, 0]]},
                {"unit": unit_["id"], "kind": "attack", "to": to, "via": [via]},
            ],
        }
    )
    moved, railed, off, attacked = reply["results"]
    assert moved["ok"] and via in moved["path"] and moved["path"][-1] == to
    assert (railed["ok"], railed["code"]) == (False, "no_rail")  # no railways at Khasan
    assert railed["message"] == ORDER_ERRORS["no_rail"]
    assert off["code"] == "off_map"
    assert attacked["ok"] and via in attacked["path"]
    for _ in range(40):
        delta = await player.next("delta")
        mine = [u for u in delta.get("units", []) if u["id"] == unit_["id"]]
        if mine and mine[0].get("order") == "attack":
            assert mine[0]["via"] in ([via], None) and mine[0]["to"] == to
            break
    else:
        pytest.fail("the attack order never showed in a delta")
    await player.close()


async def test_the_server_moves_a_theatre_unit_by_rail(server_url: str) -> None:
    scenario, seed = "manchuria-1938", 7
    local = new_world(scenario, seed)  # the match's world at its first hour, to pick a journey
    assert local.logistics is not None
    rail_hexes = sorted({h for edge in local.theatre.rails for h in edge})
    orders = []
    for u in local.sorted_units():
        if u.side != "soviet" or u.is_air:
            continue
        for goal in sorted(rail_hexes, key=lambda x: (-distance(x, u.pos), x))[:40]:
            if local.logistics.rail_route(local, "soviet", u.pos, goal):
                orders.append({"unit": u.id, "kind": "rail", "to": list(goal)})
                break
    assert orders
    players = await theatre_match(server_url, scenario, seed)
    verdicts: dict[str, dict] = {}
    for player in players:  # each commander answers for his own command's units
        reply = await player.request({"t": "orders", "orders": orders})
        for result in reply["results"]:
            if result["ok"] or result["unit"] not in verdicts:
                verdicts[result["unit"]] = result
    codes = {r.get("code") for r in verdicts.values()}
    assert codes <= {None, "no_trains", "no_rail", "not_your_command"}, verdicts
    ok = [(o, verdicts[o["unit"]]) for o in orders if verdicts[o["unit"]]["ok"]]
    assert ok, verdicts
    assert all(r["path"][-1] == o["to"] for o, r in ok)
    for player in players:
        await player.close()


async def theatre_match(url: str, scenario: str, seed: int) -> list[Client]:
    """Soviet players against the Japanese AI on a theatre scenario, joined to the match: one
    for each Soviet seat (a side may be split into commands), the first the host."""
    host = await Client.connect(url, "player-0")
    state = await host.request(
        {
            "t": "lobby.create",
            "name": "rail",
            "scenario": scenario,
            "ai": {"japan": "easy"},
            "speed": 0.5,
            "seed": seed,
        }
    )
    lobby = state["lobby"]["id"]
    seats = sum(seat["side"] == "soviet" for seat in state["lobby"]["seats"])
    players = [host] + [await Client.connect(url, f"player-{i}") for i in range(1, seats)]
    for player in players:
        joined = await player.request({"t": "lobby.join", "lobby": lobby, "side": "soviet"})
        assert joined["t"] == "lobby.state", joined
        await player.request({"t": "lobby.ready"})
    assert (await host.request({"t": "lobby.start"}))["t"] == "ok"
    for player in players:
        start = await player.next("match.start")
        joined = await player.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert joined["t"] == "joined", joined
        await player.next("map")
        await player.next("snapshot")
    return players
