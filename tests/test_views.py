"""What a side may see, and snapshot + deltas that rebuild it exactly.

Delta semantics, as docs/protocol.md states them: ``units`` replaces units by id (new or
changed), ``removed`` deletes ids, ``objectives`` and ``visible`` replace the old ones when
present and leave them alone when absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from shared import ai
from shared.orders import OrderRequest
from shared.protocol import Delta, ObjectiveView, Snapshot, UnitView
from shared.scenario import new_world
from shared.units import SIDES, Kind
from shared.victory import Objective
from shared.views import SPECTATOR, VIEWS, ViewTracker, visibility_mask, visible_units
from shared.world import Reinforcement, World
from tests.tiny_world import plain, unit, world


@dataclass
class Mirror:
    """A client's copy of one view, built only from the messages it is sent."""

    units: dict[str, UnitView] = field(default_factory=dict)
    objectives: list[ObjectiveView] = field(default_factory=list)
    visible: bytes | None = None
    tick: int = -1

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> Mirror:
        return cls({u.id: u for u in snap.units}, list(snap.objectives), snap.visible, snap.tick)

    def apply(self, delta: Delta) -> None:
        assert delta.base == self.tick, "a delta applies to the tick it names"
        assert not {u.id for u in delta.units} & set(delta.removed)
        for uv in delta.units:
            self.units[uv.id] = uv
        for uid in delta.removed:
            del self.units[uid]  # a delta only removes what the client has
        if delta.objectives is not None:
            self.objectives = list(delta.objectives)
        if delta.visible is not None:
            self.visible = delta.visible
        self.tick = delta.tick


def truth(w: World, view: str) -> Mirror:
    """The view of the world now, from a tracker that has never sent anything."""
    fresh = ViewTracker("m", view)
    delta = fresh.delta(w, 0, 1.0, False, [])
    assert delta.removed == []
    return Mirror(dict(fresh.units), list(fresh.objectives), fresh.visible, 0)


def mask_hexes(w: World, mask: bytes) -> set:
    grid = w.theatre.grid
    return {grid.hex_at(i) for i in range(len(grid)) if mask[i >> 3] >> (i & 7) & 1}


def play_hour(w: World) -> list:
    for side in SIDES:
        orders = ai.from_world(w, side)
        if orders:
            w.issue(side, orders)
    return w.step()


# -- what a side may see -----------------------------------------------------------------------
@pytest.fixture
def patrol() -> World:
    """A Soviet unit with a Japanese unit in sight (3 hexes) and another far out of it."""
    t = plain(24, 13)
    return world(
        t,
        [
            unit("s", "soviet", (1, 6)),
            unit("near", "japan", (4, 6)),
            unit("far", "japan", (18, 6)),
        ],
        [Objective("Zaozernaya", (10, 6), "soviet")],
    )


def test_a_side_sees_its_own_units_and_enemies_in_sight_only(patrol):
    assert {u.id for u in visible_units(patrol, "soviet")} == {"s", "near"}
    assert {u.id for u in visible_units(patrol, "japan")} == {"s", "near", "far"}


def test_a_spectator_sees_every_unit(patrol):
    assert {u.id for u in visible_units(patrol, SPECTATOR)} == {"s", "near", "far"}


def test_orders_and_paths_are_shown_for_own_units_only(patrol):
    patrol.issue("soviet", [OrderRequest("s", "move", (2, 6))])
    patrol.issue("japan", [OrderRequest("near", "move", (6, 6))])
    tracker = ViewTracker("m", "soviet")
    tracker.delta(patrol, 0, 1.0, False, [])
    own, enemy = tracker.units["s"], tracker.units["near"]
    assert (own.order, own.to, own.path) == ("move", (2, 6), [(2, 6)])
    assert (enemy.order, enemy.to, enemy.path) == (None, None, None)
    spectator = ViewTracker("m", SPECTATOR)
    spectator.delta(patrol, 0, 1.0, False, [])
    assert spectator.units["near"].to == (6, 6)


def test_the_visibility_mask_holds_exactly_the_hexes_the_side_sees(patrol):
    for side in SIDES:
        mask = visibility_mask(patrol.theatre, patrol.visible(side))
        assert len(mask) == (len(patrol.theatre.grid) + 7) // 8
        assert mask_hexes(patrol, mask) == patrol.visible(side)


def test_a_spectator_view_has_no_mask(patrol):
    tracker = ViewTracker("m", SPECTATOR)
    delta = tracker.delta(patrol, 0, 1.0, False, [])
    assert delta.visible is None
    assert tracker.snapshot(1.0, False).visible is None


def test_an_enemy_leaving_sight_is_removed_and_one_entering_is_added():
    t = plain(24, 13)
    w = world(t, [unit("s", "soviet", (1, 6)), unit("j", "japan", (4, 6), kind=Kind.CAVALRY)])
    tracker = ViewTracker("m", "soviet")
    tracker.delta(w, 0, 1.0, False, [])
    assert "j" in tracker.units

    w.issue("japan", [OrderRequest("j", "move", (14, 6))])
    w.step()
    w.step()
    assert w.units["j"].pos not in w.visible("soviet")
    gone = tracker.delta(w, 1, 1.0, False, [])
    assert gone.removed == ["j"]
    assert "j" not in {u.id for u in gone.units}

    w.issue("japan", [OrderRequest("j", "move", (3, 6))])
    w.step()
    w.step()
    assert w.units["j"].pos in w.visible("soviet")
    back = tracker.delta(w, 2, 1.0, False, [])
    assert "j" in {u.id for u in back.units}
    assert back.removed == []


def test_a_quiet_hour_sends_an_empty_delta(patrol):
    for u in patrol.units.values():
        u.entrenched = 1.0  # dug in already: digging would change the view
    tracker = ViewTracker("m", "soviet")
    first = tracker.delta(patrol, 0, 1.0, False, [])
    assert first.units and first.objectives is not None and first.visible is not None
    patrol.step()  # nobody moves, nobody fights, organisation is full, trenches are dug
    quiet = tracker.delta(patrol, 1, 1.0, False, [])
    assert (quiet.units, quiet.removed, quiet.objectives, quiet.visible) == ([], [], None, None)
    assert (quiet.tick, quiet.base, quiet.hour) == (1, 0, 1)


def test_events_out_of_sight_are_kept_from_the_other_side():
    t = plain(24, 13)
    w = world(
        t,
        [unit("s", "soviet", (1, 6)), unit("j", "japan", (18, 6))],
        reinforcements=[Reinforcement(1, unit("r", "japan", (19, 6)))],
    )
    events = w.step()  # brings the unit due at hour 1
    assert [e.kind for e in events] == ["reinforcement"]
    seen = {}
    for view in VIEWS:
        tracker = ViewTracker("m", view)
        seen[view] = [e.kind for e in tracker.delta(w, 0, 1.0, False, events).events]
    assert seen == {"soviet": [], "japan": ["reinforcement"], "spectator": ["reinforcement"]}


def test_the_end_of_the_battle_is_told_to_everyone():
    t = plain(24, 13)
    w = world(t, [unit("s", "soviet", (1, 6)), unit("j", "japan", (18, 6))], end_hour=1)
    events = w.step()
    for view in VIEWS:
        delta = ViewTracker("m", view).delta(w, 0, 1.0, False, events)
        assert [e.kind for e in delta.events] == ["end"]
        assert (delta.finished, delta.result) == (True, "draw")


# -- snapshot + deltas rebuild the view exactly, over a whole battle ------------------------------
@pytest.mark.parametrize("view", VIEWS)
def test_snapshot_then_deltas_reproduce_every_state_of_the_view(view):
    saw_removal = False
    # Battles until one exercises ``removed`` for this view (units destroyed or lost to sight).
    for seed in range(1, 40):
        w = new_world("lake-khasan", seed)
        tracker = ViewTracker("m", view)
        tracker.delta(w, 0, 1.0, False, [])
        mirror = Mirror.from_snapshot(tracker.snapshot(1.0, False))
        assert mirror == truth(w, view)
        for tick in range(1, 400):
            if w.finished:
                break
            events = play_hour(w)
            if tick == 100 and not saw_removal:
                # Battles where nobody is destroyed or lost to sight still must shed a unit.
                w.destroy(w.units[min(u for u in w.units if w.units[u].side == "japan")])
            delta = tracker.delta(w, tick, 1.0, False, events)
            saw_removal |= bool(delta.removed)
            mirror.apply(delta)
            expected = truth(w, view)
            live = {uid: uv for uid, uv in mirror.units.items() if not uv.stale}
            assert live == expected.units, f"seed {seed} tick {tick}"
            for uid, uv in mirror.units.items():
                if uv.stale:  # a marker of an enemy out of sight, where it was last seen
                    assert view != "spectator" and uv.side != view
                    assert uid not in expected.units and uv.pos not in w.visible(view)
            assert mirror.objectives == expected.objectives
            assert mirror.visible == expected.visible
            # A connection joining now gets a snapshot of the same state.
            assert Mirror.from_snapshot(tracker.snapshot(1.0, False)).units == mirror.units
        if saw_removal:
            break
    assert saw_removal  # some battle did exercise ``removed``


@pytest.mark.parametrize("side", SIDES)
def test_no_enemy_outside_the_sides_sight_ever_enters_its_view(side):
    w = new_world("lake-khasan", 6)
    tracker = ViewTracker("m", side)
    enemies_seen = 0
    last_seen: dict[str, tuple[int, int]] = {}
    for tick in range(200):
        if w.finished:
            break
        tracker.delta(w, tick, 1.0, False, [])
        seen = w.visible(side)
        assert mask_hexes(w, tracker.visible) == seen
        own = {u.id for u in w.units.values() if u.side == side}
        assert own <= set(tracker.units)
        live = set()
        for uid, uv in tracker.units.items():
            if uv.side == side:
                continue
            assert (uv.order, uv.to, uv.path) == (None, None, None)
            if uv.stale:
                # Only memory: where it was last seen, in a hex out of sight now.
                assert uv.pos == last_seen[uid] and uv.pos not in seen
            else:
                enemies_seen += 1
                live.add(uid)
                assert uv.pos in seen
                last_seen[uid] = uv.pos
        hidden = {u.id for u in w.units.values() if u.side != side and u.pos not in seen}
        assert not hidden & live
        play_hour(w)
    assert enemies_seen  # the two sides did meet
