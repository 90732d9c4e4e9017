"""The client's mirror, fed genuine protocol messages built by the game core's ViewTracker."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from client.mirror import EVENT_LOG, GLIDE_MAX_S, ORDER_ERROR_SECONDS, Mirror
from server.match import map_data
from shared import ai
from shared.orders import OrderResult
from shared.protocol import (
    ChatLine,
    ControlMap,
    Delta,
    Joined,
    MapData,
    MatchEnd,
    OrdersResult,
    Snapshot,
    SupplyMap,
    WeatherReport,
    decode_server,
    encode,
)
from shared.scenario import load, new_world
from shared.views import ViewTracker, control_map, supply_map, weather_report
from shared.world import World

SCENARIO = "lake-khasan"


def wire(msg: object) -> object:
    """Round-trip through the codec, so tests see exactly what a client would decode."""
    return decode_server(encode(msg))  # type: ignore[arg-type]


_MAP: MapData | None = None


def khasan_map() -> MapData:
    global _MAP
    if _MAP is None:
        _MAP = wire(map_data(load(SCENARIO)))  # type: ignore[assignment]
    assert _MAP is not None
    return _MAP


@dataclass
class Feed:
    """A world, a view of it, and the messages a client of that view would receive."""

    view: str
    world: World = field(default_factory=lambda: new_world(SCENARIO, 1))
    match: str = "m-test"
    tick: int = 0
    tracker: ViewTracker = field(init=False)

    def __post_init__(self) -> None:
        self.tracker = ViewTracker(self.match, self.view)

    def join(self) -> list[object]:
        """joined, map, snapshot: as the server sends them."""
        self.tick += 1
        self.tracker.delta(self.world, self.tick, 1.0, False, [])
        return [
            wire(Joined(match=self.match, view=self.view)),  # type: ignore[arg-type]
            khasan_map(),
            wire(self.tracker.snapshot(1.0, False)),
        ]

    def hours(self, n: int, with_ai: bool = True) -> Delta:
        """Advance n game hours (both sides on the AI) and return the next delta."""
        events = []
        for _ in range(n):
            if with_ai:
                for side in ("soviet", "japan"):
                    orders = ai.from_world(self.world, side)
                    if orders:
                        self.world.issue(side, orders)
            events.extend(self.world.step())
        self.tick += 1
        return wire(self.tracker.delta(self.world, self.tick, 1.0, False, events))  # type: ignore[return-value]

    def snapshot(self) -> Snapshot:
        return wire(self.tracker.snapshot(1.0, False))  # type: ignore[return-value]


def joined_mirror(view: str = "soviet", now: float = 0.0) -> tuple[Mirror, Feed]:
    feed = Feed(view)
    mirror = Mirror()
    for msg in feed.join():
        assert mirror.apply(msg, now) is False
    return mirror, feed


def assert_matches_world(mirror: Mirror, feed: Feed) -> None:
    """The mirror holds exactly what a fresh snapshot of the view holds."""
    snap = feed.snapshot()
    assert mirror.units == {u.id: u for u in snap.units}
    assert mirror.objectives == snap.objectives
    assert mirror.visible == snap.visible
    assert mirror.hour == snap.hour and mirror.tick == snap.tick


def test_join_builds_ground_units_and_fog() -> None:
    mirror, feed = joined_mirror("soviet")
    assert mirror.in_match and mirror.view == "soviet" and mirror.match == "m-test"
    ground = mirror.ground
    assert ground is not None
    theatre = feed.world.theatre
    assert (ground.grid.cols, ground.grid.rows) == (theatre.grid.cols, theatre.grid.rows)
    # The client's reading of the terrain bytes agrees with the theatre, hex by hex.
    for h in list(theatre.grid)[::37]:
        assert ground.terrain_name(h) == theatre.terrain_at(h).name.lower()
        assert ground.passable(h) == theatre.passable(h)
    assert_matches_world(mirror, feed)
    assert all(u.side == "soviet" or mirror.is_visible(tuple(u.pos)) for u in mirror.units.values())
    seen = feed.world.visible("soviet")
    for h in list(theatre.grid)[::11]:
        assert mirror.is_visible(h) == (h in seen)


def test_spectator_sees_everything() -> None:
    mirror, feed = joined_mirror("spectator")
    assert mirror.visible is None
    assert mirror.is_visible((0, 0)) and mirror.is_visible((5, 20))
    assert set(mirror.units) == set(feed.world.units)


def test_deltas_keep_the_mirror_equal_to_the_world() -> None:
    mirror, feed = joined_mirror("soviet")
    events = 0
    for step in range(40):
        delta = feed.hours(3)
        events += len(delta.events)
        assert mirror.apply(delta, float(step)) is False
        assert_matches_world(mirror, feed)
    assert events > 0
    assert len(mirror.log) == min(events, EVENT_LOG), "every event of the view reaches the log"


def test_unchanged_objectives_and_fog_are_kept() -> None:
    mirror, feed = joined_mirror("soviet")
    objectives, visible = mirror.objectives, mirror.visible
    delta = feed.hours(0)
    assert delta.objectives is None and delta.visible is None
    mirror.apply(delta, 1.0)
    assert mirror.objectives == objectives and mirror.visible == visible


def test_a_gap_asks_for_resync_and_a_snapshot_heals_it() -> None:
    mirror, feed = joined_mirror("soviet")
    mirror.apply(feed.hours(2), 1.0)
    lost = feed.hours(2)  # never arrives
    later = feed.hours(2)
    assert lost.tick < later.tick
    assert mirror.apply(later, 2.0) is True, "a delta on another base is a gap"
    assert mirror.awaiting_snapshot
    # Further deltas are ignored (no repeated resync) until the snapshot comes.
    assert mirror.apply(feed.hours(2), 2.1) is False
    mirror.apply(feed.snapshot(), 2.2)
    assert not mirror.awaiting_snapshot
    assert_matches_world(mirror, feed)
    assert mirror.apply(feed.hours(2), 2.3) is False
    assert_matches_world(mirror, feed)


def test_stale_and_foreign_deltas_are_ignored() -> None:
    mirror, feed = joined_mirror("soviet")
    old = feed.hours(1)
    mirror.apply(old, 1.0)
    assert mirror.apply(old, 1.1) is False, "a repeated delta is not a gap"
    other = Feed("soviet", match="m-other")
    other.join()
    assert mirror.apply(other.hours(1), 1.2) is False
    assert_matches_world(mirror, feed)


def test_deltas_before_the_snapshot_are_ignored() -> None:
    feed = Feed("soviet")
    joined, ground, _snap = feed.join()
    mirror = Mirror()
    mirror.apply(joined, 0.0)
    mirror.apply(ground, 0.0)
    assert mirror.apply(feed.hours(1), 0.0) is False
    assert not mirror.in_match


def test_units_glide_between_hexes() -> None:
    mirror, feed = joined_mirror("soviet", now=0.0)
    start = {uid: tuple(u.pos) for uid, u in mirror.units.items()}
    moved = None
    t = 10.0
    for _ in range(30):
        mirror.apply(feed.hours(1), t)
        moved = next(
            (u for u, p in start.items() if u in mirror.units and tuple(mirror.units[u].pos) != p),
            None,
        )
        if moved:
            break
        t += 10.0
    assert moved is not None, "some unit should have marched within 30 hours"
    track = mirror.tracks[moved]
    glide = mirror.glide_seconds()
    q0, r0 = track.start
    q1, r1 = track.pos
    assert mirror.display_axial(moved, t) == (q0, r0)
    mid = mirror.display_axial(moved, t + glide / 2)
    assert mid == pytest.approx(((q0 + q1) / 2, (r0 + r1) / 2))
    assert mirror.display_axial(moved, t + glide) == (float(q1), float(r1))
    assert moved in mirror.gliding(t + glide / 2)
    assert moved not in mirror.gliding(t + glide + 0.01)


def test_glide_time_follows_game_speed() -> None:
    mirror = Mirror()
    mirror.speed = 0.5
    assert mirror.glide_seconds() == GLIDE_MAX_S
    mirror.speed = 200.0
    assert mirror.glide_seconds() == pytest.approx(0.1)


def test_order_results_record_refusals_next_to_units_and_paths() -> None:
    mirror, _ = joined_mirror("soviet")
    uid = mirror.own_units()[0].id
    other = mirror.own_units()[1].id
    here = tuple(mirror.units[other].pos)
    path = [(here[0] + 1, here[1]), (here[0] + 2, here[1])]
    mirror.apply(
        OrdersResult(
            results=[
                OrderResult(uid, False, "impassable", "the destination is water"),
                OrderResult(other, True, path=path),
            ]
        ),
        5.0,
    )
    err = mirror.current_errors(6.0)[uid]
    assert (err.code, err.message) == ("impassable", "the destination is water")
    assert mirror.units[other].path == path and mirror.units[other].order == "move"
    assert mirror.current_errors(5.0 + ORDER_ERROR_SECONDS + 1) == {}
    # An accepted order clears an earlier refusal.
    mirror.refuse(other, "unreachable", "no path", 7.0)
    mirror.apply(OrdersResult(results=[OrderResult(other, True)]), 7.5)
    assert other not in mirror.order_errors


def test_chat_and_match_end() -> None:
    mirror, feed = joined_mirror("soviet")
    mirror.apply(ChatLine(player="p-1", name="Ivan", text="forward!", side="soviet"), 1.0)
    assert mirror.log[-1].kind == "chat" and "forward!" in mirror.log[-1].text
    mirror.apply(MatchEnd(match="m-other", winner="japan", result="objectives", time="x"), 1.0)
    assert not mirror.finished
    mirror.apply(
        MatchEnd(match=feed.match, winner="soviet", result="objectives", time="1938-08-11T13:00"),
        1.0,
    )
    assert mirror.finished and mirror.winner == "soviet" and mirror.result == "objectives"


def test_a_played_out_match_ends_in_the_mirror() -> None:
    mirror, feed = joined_mirror("japan")
    while not feed.world.finished:
        mirror.apply(feed.hours(25), 0.0)
    assert mirror.finished and mirror.result is not None
    assert_matches_world(mirror, feed)


def test_leaving_forgets_the_match() -> None:
    mirror, _ = joined_mirror("soviet")
    version = mirror.map_version
    mirror.leave_match()
    assert not mirror.in_match and mirror.ground is None and not mirror.units
    assert mirror.map_version > version


# -- theatre scenarios: supply, weather and control maps --------------------------------------
THEATRE = "manchuria-1938"
_THEATRE: dict[str, object] = {}


def theatre_messages(match: str = "m-theatre") -> dict[str, object]:
    """The map and the daily messages of manchuria-1938 after one hour, decoded off the wire
    (built once per test session: the theatre takes seconds to load)."""
    if not _THEATRE:
        world = new_world(THEATRE, 1)
        world.step()
        _THEATRE["map"] = wire(map_data(load(THEATRE)))
        for side in ("soviet", "japan"):
            _THEATRE[side] = wire(supply_map(world, match, side))
        _THEATRE["weather"] = wire(weather_report(world, match))
        _THEATRE["control"] = wire(control_map(world, match))
    return _THEATRE


def theatre_mirror(view: str, match: str = "m-theatre") -> Mirror:
    """A mirror that joined a manchuria-1938 match and got what the server sends that view."""
    msgs = theatre_messages(match)
    mirror = Mirror()
    mirror.apply(wire(Joined(match=match, view=view)), 0.0)  # type: ignore[arg-type]
    mirror.apply(msgs["map"], 0.0)
    sides = ("soviet", "japan") if view == "spectator" else (view,)
    for msg in [msgs["weather"], msgs["control"], *(msgs[s] for s in sides)]:
        mirror.apply(msg, 0.0)
    return mirror


def test_a_side_keeps_its_own_supply_map_weather_and_control() -> None:
    msgs = theatre_messages()
    mirror = theatre_mirror("soviet")
    own = msgs["soviet"]
    assert isinstance(own, SupplyMap)
    assert mirror.supply_side == "soviet" and mirror.shown_supply() == own
    mirror.apply(msgs["japan"], 0.0)  # not for this view: ignored
    assert set(mirror.supply) == {"soviet"}
    ground = mirror.ground
    assert ground is not None and len(own.level) == len(ground)
    head = own.railheads[0]
    h = (head[0], head[1])
    assert mirror.supply_level(h) == own.level[ground.index(h)] / 255.0
    # The map keeps its railways and weather regions; every hex's region has a report.
    assert ground.data.rails and ground.data.climates
    weather = msgs["weather"]
    assert isinstance(weather, WeatherReport) and mirror.weather == weather
    named = {r.region: r for r in weather.regions}
    for h in ground.hexes()[::97]:
        region = ground.climate_name(h)
        if region is not None:
            assert mirror.weather_at(h) == named[region]
    assert mirror.weather_at(None) == weather.regions[0]
    control = msgs["control"]
    assert isinstance(control, ControlMap) and mirror.control == control.control
    held = {s: 0 for s in ("soviet", "japan")}
    for h in ground.hexes()[::13]:
        owner = mirror.controller(h)
        code = control.control[ground.index(h)]
        assert owner == {0: None, 1: "soviet", 2: "japan"}[code]
        if owner is not None:
            held[owner] += 1
    assert held["soviet"] > 0 and held["japan"] > 0


def test_a_spectator_keeps_both_supply_maps_and_shows_the_chosen_one() -> None:
    msgs = theatre_messages()
    mirror = theatre_mirror("spectator")
    assert set(mirror.supply) == {"soviet", "japan"}
    assert mirror.shown_supply() == msgs["soviet"]
    version = mirror.overlay_version
    mirror.show_supply("japan")
    assert mirror.shown_supply() == msgs["japan"] and mirror.overlay_version > version


def test_daily_maps_of_another_match_are_ignored_and_a_new_match_forgets_them() -> None:
    msgs = theatre_messages()
    mirror = theatre_mirror("soviet", match="m-other")
    assert mirror.supply == {} and mirror.weather is None and mirror.control is None
    mirror = theatre_mirror("soviet")
    assert mirror.supply and mirror.weather is not None
    mirror.apply(wire(Joined(match="m-next", view="japan")), 0.0)  # type: ignore[arg-type]
    assert mirror.supply == {} and mirror.weather is None and mirror.control is None
    assert mirror.supply_side == "japan"
    assert msgs["japan"] is not None


def test_the_ceasefire_shows_on_the_top_line_while_it_holds_and_for_late_joiners() -> None:
    """The scenario's ceasefire reaches the client on every frame: who joins in the middle of
    it sees it as well as who heard it begin."""
    from datetime import timedelta

    from client import texts

    mirror, feed = joined_mirror("soviet")
    assert not mirror.ceasefire and "CEASEFIRE" not in texts.top_line(mirror)
    start = feed.world.now + timedelta(hours=1)
    feed.world.ceasefires = [(start, start + timedelta(hours=3))]
    mirror.apply(feed.hours(1, with_ai=False), 1.0)
    assert mirror.ceasefire and "CEASEFIRE" in texts.top_line(mirror)
    late = Mirror()
    for msg in Feed("japan", world=feed.world).join():
        late.apply(msg, 1.0)
    assert late.ceasefire
    mirror.apply(feed.hours(3, with_ai=False), 2.0)
    assert not mirror.ceasefire and "CEASEFIRE" not in texts.top_line(mirror)
