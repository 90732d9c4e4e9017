"""The state of one match and ``World.step()``: one game hour of movement, combat and control.

Everything random comes from ``World.rng``, seeded at creation, and every loop runs in a fixed
order (units by id, hexes sorted), so the same scenario, seed and orders always give the same
``state_hash()``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from shared import air, combat, movement, victory
from shared.hexgrid import DIRECTIONS, Hex, line, neighbours
from shared.logistics import Logistics
from shared.orders import ORDER_ERRORS, OrderRequest, OrderResult
from shared.pathfinding import FlowFields
from shared.theatre import Theatre
from shared.units import (
    DESTROYED_BELOW,
    HOLD,
    SIDES,
    STACK_LIMIT,
    Kind,
    Order,
    Unit,
    enemy_of,
)
from shared.victory import Objective
from shared.vision import mark_next_to, mark_seen, visible_hexes, watch_areas, widest_sight
from shared.weather import daylight_span

if TYPE_CHECKING:
    from shared.ai_staff import Memory

ORG_RECOVERY = 0.03  # organisation regained per hour out of combat
ORG_RECOVERY_HOLDING = 0.05  # ...and while holding still
ENTRENCH_PER_HOUR = 1 / 72  # dug in fully after three days of holding
TOWN_SIGHT = 1  # hexes around a held town or city its side sees
# Sunrise and sunset over a row of hexes are only trusted to lie between the first and last
# rows' to within this: far more than rounding can move them, far less than an hour.
ROUNDING_HOURS = 1e-6


@dataclass(slots=True)
class Event:
    """Something that happened in the last hour, for logs and the players' event feeds."""

    hour: int
    kind: str
    pos: Hex
    text: str
    side: str | None = None
    unit: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Reinforcement:
    hour: int
    unit: Unit


class World:
    """One match's whole state. Mutated only by ``issue`` (orders) and ``step`` (time)."""

    def __init__(
        self,
        theatre: Theatre,
        scenario: str,
        start: datetime,
        end_hour: int,
        seed: int,
        units: list[Unit],
        objectives: list[Objective],
        reinforcements: list[Reinforcement] | None = None,
    ) -> None:
        self.theatre = theatre
        self.scenario = scenario
        self.start = start
        self.end_hour = end_hour
        self.seed = seed
        self.rng = random.Random(seed)
        self.hour = 0
        self.units: dict[str, Unit] = {}
        self._at: dict[Hex, list[Unit]] = {}
        # Caches of queries asked many times an hour, dropped when units come, go or move
        # (``_place``, ``destroy``, ``relocate``): see ``_moved``.
        self._sorted: list[Unit] | None = None
        self._sorted_air: list[Unit] = []
        self._sorted_guns: dict[str, list[Unit]] = {}
        self._moves = dict.fromkeys(SIDES, 0)  # per side: units placed, destroyed or moved
        # Units that came, moved, marched or fought since the hour's supply pass last looked
        # at them (``Logistics.end_hour``), some maybe more than once.
        self.stirred: list[Unit] = []
        self.control_checked = -1  # ``moves_made`` when objectives' holders were last checked
        # Per side: the hexes its ground units fill (``STACK_LIMIT``), kept as they move.
        # Per side: how many of its ground units stand in each hex they stand in, kept as they
        # move; and for each side, its enemy's (what a march asks of every hex it steps to).
        self._ground: dict[str, dict[Hex, int]] = {side: {} for side in SIDES}
        self._enemy_ground = {side: self._ground[enemy_of(side)] for side in SIDES}
        self._enemy_hexes: dict[str, tuple[tuple[int, ...], frozenset[Hex]]] = {}
        self._vision: dict[str, tuple[int, set[Hex]]] = {}
        self._town_seen: dict[str, tuple[bytes, set[Hex]]] = {}
        self._clock: tuple[int, datetime] = (-1, start)
        # The hour whose time of day ``_hour_of_day`` holds, and whether it is night over the
        # whole map then (None: day in some rows of hexes, night in others); per row of hexes
        # (latitude follows the row) its sunrise and sunset on the day ``_daylight`` was kept
        # for, and the earliest and latest sunrise and sunset over the map's rows that day.
        self._night_hour = -1
        self._hour_of_day = 0.0
        self._dark: bool | None = None
        self._daylight: tuple[date | None, dict[int, tuple[float, float]]] = (None, {})
        self._daylight_bounds = (0.0, 0.0, 0.0, 0.0)
        self._truce = False  # a ceasefire held last hour
        # What the AI's staff work keeps between decisions (``ai_staff.Memory``), per match.
        self.staff_memory: Memory | None = None
        # Per unit: the last way round a jam it searched for in vain (``movement``).
        self.detours_failed: dict[str, tuple[object, ...]] = {}
        self.men_entered = dict.fromkeys(SIDES, 0.0)  # men brought into play, for losses
        for unit in units:
            self._place(unit)
        self.objectives = objectives
        self.reinforcements = sorted(reinforcements or [], key=lambda r: (r.hour, r.unit.id))
        self.events: list[Event] = []
        self.logistics: Logistics | None = None  # the operational layer, if the scenario has it
        self._arrivals()
        self.winner: str | None = None
        self.result: str | None = None  # "destroyed" | "objectives" | "draw" once finished
        self.finished = False
        self.version = 0  # bumped on every change, for caches of derived state
        self.order_log: list[tuple[int, str, list[OrderRequest]]] = []
        self.points_to_win: dict[str, float] = {}  # empty: hold every objective to win
        self.postures: dict[str, str] = {}  # side -> "defensive" (scenario data, for its AI)
        # Scripted truces (scenario data): [start, end) during which nobody fights.
        self.ceasefires: list[tuple[datetime, datetime]] = []
        # The hour and the ceasefires whether one holds then was worked out for, and that.
        self._truce_now: tuple[int, list[tuple[datetime, datetime]], bool] = (-1, [], False)
        self.forts: dict[Hex, int] = {}  # permanent fortifications: hex -> level (1-3)
        self.sorties: list[air.Sortie] = []  # air missions flown in the hour being simulated
        # Per side, the hexes the enemy's sorties interdict this hour and their march factor.
        self._interdicted: dict[str, dict[Hex, float]] = {}
        self._flagged: list[Unit] = []  # units that marched or fought in the last hour
        victory.update_control(self)
        self.events.clear()

    # -- time -------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        if self._clock[0] != self.hour:
            self._clock = (self.hour, self.start + timedelta(hours=self.hour))
        return self._clock[1]

    def night_at(self, h: Hex) -> bool:
        """Night now at hex h (``weather.is_night`` at its latitude): every marching, looking
        and flying unit asks every hour, and most hours it is day, or night, over the whole
        map, so the hex is only looked at around dawn and dusk."""
        if self._night_hour != self.hour:
            self._new_hour_of_day()
        dark = self._dark
        row = h[1]
        if dark is not None and 0 <= row < self.theatre.grid.rows:
            return dark
        rise, sets = self._daylight_of_row(row)
        return not (rise <= self._hour_of_day < sets)

    def night_everywhere(self) -> bool:
        """Night now over every hex of the map (so nothing flies)."""
        return self.night_over_map() is True

    def night_over_map(self) -> bool | None:
        """Night (True) or day (False) now over every hex of the map; None around dawn and
        dusk, when it is night in some rows of hexes and day in others."""
        if self._night_hour != self.hour:
            self._new_hour_of_day()
        return self._dark

    def _new_hour_of_day(self) -> None:
        now = self.now
        self._night_hour = self.hour
        hour = self._hour_of_day = now.hour + now.minute / 60.0
        if self._daylight[0] != now.date():
            self._daylight = (now.date(), {})
            # Latitude, and with it sunrise and sunset, changes steadily from the first row of
            # the map to the last: their times there bound every row's, give or take rounding.
            ends = (self._daylight_of_row(0), self._daylight_of_row(self.theatre.grid.rows - 1))
            rises, sets = [rise for rise, _ in ends], [end for _, end in ends]
            self._daylight_bounds = (
                min(rises) - ROUNDING_HOURS,
                max(rises) + ROUNDING_HOURS,
                min(sets) - ROUNDING_HOURS,
                max(sets) + ROUNDING_HOURS,
            )
        first_rise, last_rise, first_set, last_set = self._daylight_bounds
        if hour < first_rise or hour >= last_set:
            self._dark = True  # before the sun is up anywhere, or after it has set everywhere
        elif last_rise <= hour < first_set:
            self._dark = False
        else:
            self._dark = None

    def _daylight_of_row(self, row: int) -> tuple[float, float]:
        """Sunrise and sunset today in a row of hexes (its hexes share a latitude)."""
        when, spans = self._daylight
        span = spans.get(row)
        if span is None:
            assert when is not None
            span = spans[row] = daylight_span(when, self.theatre.latlon_of((0, row))[0])
        return span

    def ceasefire(self, at: datetime | None = None) -> bool:
        """Does a ceasefire hold now (or at ``at``)? Then nobody attacks."""
        if at is None:
            kept = self._truce_now  # asked every hour, and by every attack order
            if kept[0] != self.hour or kept[1] is not self.ceasefires:
                now = self.now
                truce = any(start <= now < end for start, end in self.ceasefires)
                kept = self._truce_now = (self.hour, self.ceasefires, truce)
            return kept[2]
        return any(start <= at < end for start, end in self.ceasefires)

    def step(self) -> list[Event]:
        """Advance one game hour and return what happened in it."""
        self.events = []
        if self.finished:
            return self.events
        for unit in self._flagged:  # the flags say what a unit did in the hour just simulated
            unit.in_combat = unit.marched = False
        if self.logistics is not None:
            self.logistics.begin_hour(self)
        truce = self.ceasefire()
        if truce != self._truce:
            self._truce = truce
            text = "A ceasefire: both sides hold their lines" if truce else "The ceasefire ends"
            self.emit("ceasefire", (0, 0), text, None, active=truce)
        self.sorties = air.begin_hour(self)
        self._interdicted = air.interdiction(self.sorties)
        assaults = movement.move_units(self)
        if not truce:  # a march into the enemy stops at his line, and nobody fights
            combat.resolve(self, assaults)
        if self.logistics is not None:
            self.logistics.end_hour(self)
        self.stirred.clear()
        self._remove_destroyed()
        air.end_hour(self)
        self.sorties = []
        self._interdicted = {}
        self._recover()
        victory.update_control(self)
        self.hour += 1
        self._arrivals()  # units due at the hour that now begins are on the map during it
        winner, reason = victory.decide_winner(self, at_end=self.hour >= self.end_hour)
        if reason is not None:
            self.finished = True
            self.winner = winner
            self.result = reason
            text = f"{winner.title()} wins ({reason})" if winner else "The battle ends in a draw"
            self.emit("end", (0, 0), text, None, winner=winner)
        self.version += 1
        return self.events

    def _arrivals(self) -> None:
        delayed: list[Reinforcement] = []
        while self.reinforcements and self.reinforcements[0].hour <= self.hour:
            due = self.reinforcements.pop(0)
            unit = due.unit
            if self.logistics is not None and not self.logistics.entrain(self, unit):
                delayed.append(Reinforcement(self.hour + 24, unit))  # the line is full today
                continue
            unit.pos = self._free_hex_near(unit.pos, unit.side, unit.is_air)
            self._place(unit)
            self.emit("reinforcement", unit.pos, f"{unit.name} arrives", unit)
        if delayed:
            self.reinforcements = sorted(
                self.reinforcements + delayed, key=lambda r: (r.hour, r.unit.id)
            )

    def _free_hex_near(self, h: Hex, side: str, flying: bool = False) -> Hex:
        frontier = [h]
        seen = {h}
        while frontier:
            nxt: list[Hex] = []
            for c in frontier:
                if (
                    self.theatre.passable(c)
                    and not self.enemy_in(c, side)
                    and (flying or not self.is_full(c, side))
                ):
                    return c
                for n in neighbours(c):
                    if n not in seen and self.theatre.contains(n):
                        seen.add(n)
                        nxt.append(n)
            frontier = sorted(nxt)
        return h

    def _remove_destroyed(self) -> None:
        for unit in self.sorted_units():
            if unit.strength < DESTROYED_BELOW:
                self.destroy(unit)

    def destroy(self, unit: Unit) -> None:
        """Take a unit that has ceased to exist as a formation off the map."""
        if not unit.surrendered:
            self.emit("destroyed", unit.pos, f"{unit.name} is destroyed", unit)
        self._moved(unit)
        self._sorted = None
        self._at[unit.pos].remove(unit)
        if not self._at[unit.pos]:
            del self._at[unit.pos]
        del self.units[unit.id]
        if not unit.is_air:
            self._count_stack(unit.pos, unit.side)

    def _recover(self) -> None:
        # Most units, most hours, are dug in and whole already: they are passed over. Those
        # that marched or fought are noted, for the next hour to clear their flags.
        self._flagged = flagged = []
        for unit in self.units.values():
            if unit.marched:
                flagged.append(unit)
                unit.entrenched = 0.0  # field works are left behind
            elif unit.entrenched < 1.0 and not unit.is_air and unit.order.kind == "hold":
                entrenched = unit.entrenched + ENTRENCH_PER_HOUR
                unit.entrenched = entrenched if entrenched < 1.0 else 1.0
            if unit.in_combat:
                if not unit.marched:
                    flagged.append(unit)
                continue
            if unit.org >= 1.0:
                continue
            holding = unit.order.kind == "hold"
            org = unit.org + (ORG_RECOVERY_HOLDING if holding else ORG_RECOVERY)
            unit.org = org if org < 1.0 else 1.0

    def fort_level(self, h: Hex) -> int:
        return self.forts.get(h, 0)

    # -- orders -----------------------------------------------------------------------------
    def issue(
        self, side: str, orders: list[OrderRequest], command: str | None = None
    ) -> list[OrderResult]:
        """Apply a side's orders now; each gets a verdict. Accepted ones go in the order log.

        With ``command``, only units of that command (a player's seat) may be ordered."""
        results = [
            self._refuse_teammate(o)
            if command is not None and self._teammates(side, o.unit, command)
            else self._issue_one(side, o)
            for o in orders
        ]
        accepted = [o for o, r in zip(orders, results, strict=True) if r.ok]
        if accepted:
            self.order_log.append((self.hour, side, accepted))
            self.version += 1
        return results

    def _teammates(self, side: str, unit_id: str, command: str) -> bool:
        unit = self.units.get(unit_id)
        return unit is not None and unit.side == side and unit.command not in ("", command)

    @staticmethod
    def _refuse_teammate(o: OrderRequest) -> OrderResult:
        code = "not_your_command"
        return OrderResult(o.unit, False, code, ORDER_ERRORS[code])

    def _issue_one(self, side: str, o: OrderRequest) -> OrderResult:
        def refuse(code: str) -> OrderResult:
            return OrderResult(o.unit, False, code, ORDER_ERRORS[code])

        if self.finished:
            return refuse("match_over")
        unit = self.units.get(o.unit)
        if unit is None:
            return refuse("unknown_unit")
        if unit.side != side:
            # An enemy the side cannot see is as unknown as one that does not exist: the verdict
            # must not tell a player whether an unseen unit is still there.
            return refuse("not_your_unit" if unit.pos in self.visible(side) else "unknown_unit")
        if unit.is_air:
            return self._issue_air(unit, o, refuse)
        if o.kind == "air" or o.mission is not None:
            return refuse("not_air")
        if o.kind == "attack" and self.ceasefire():
            return refuse("ceasefire")
        if o.via and o.kind not in ("move", "attack"):
            return refuse("bad_order")
        if o.kind == "hold":
            unit.order = HOLD
            unit.path = []
            unit.progress = 0.0
            return OrderResult(o.unit, True)
        if o.to is None:
            return refuse("bad_order")
        goal: Hex = (o.to[0], o.to[1])
        if o.kind == "rail":
            return self._issue_rail(unit, goal, refuse)
        via: tuple[Hex, ...] = tuple((w[0], w[1]) for w in o.via)
        for h in (*via, goal):
            if not self.theatre.contains(h):
                return refuse("off_map")
            if not self.theatre.passable(h):
                return refuse("impassable")
        path = movement.plan_route(self, unit, via, goal, attack=o.kind == "attack")
        if path is None:
            return refuse("unreachable")
        if unit.order.kind == "rail" or not (unit.path and path and unit.path[0] == path[0]):
            unit.progress = 0.0  # a new first step: the march so far was towards another hex
        unit.order = Order(o.kind, goal, via=via)
        unit.path = path
        movement.pass_waypoints(unit)  # waypoints where it stands are behind it already
        return OrderResult(o.unit, True, path=list(path))

    def _issue_rail(
        self, unit: Unit, goal: Hex, refuse: Callable[[str], OrderResult]
    ) -> OrderResult:
        """Strategic rail movement, on the operational layer's railways only: the route and the
        trains (booked at once out of the nearest source's capacity) or a refusal."""
        if not self.theatre.contains(goal):
            return refuse("off_map")
        if self.logistics is None:
            return refuse("no_rail")
        route = self.logistics.rail_route(self, unit.side, unit.pos, goal)
        if route is None:
            return refuse("no_rail")
        path, source = route
        if path and not self.logistics.take_trains(self, source, unit):
            return refuse("no_trains")
        unit.order = Order("rail", goal) if path else HOLD
        unit.path = path
        unit.progress = 0.0
        return OrderResult(unit.id, True, path=list(path))

    def _issue_air(
        self, unit: Unit, o: OrderRequest, refuse: Callable[[str], OrderResult]
    ) -> OrderResult:
        """An air unit: ``air`` flies a mission, ``move`` rebases, ``hold`` stands down; it
        flies over everything, so waypoints, attacks and trains mean nothing to it."""
        if o.kind in ("attack", "rail") or o.via:
            return refuse("bad_order")
        if o.kind == "hold" and o.mission is None:
            unit.order = HOLD
            unit.path = []
            unit.progress = 0.0
            return OrderResult(o.unit, True)
        if o.to is None or (o.kind == "air") != (o.mission is not None):
            return refuse("bad_order")
        goal: Hex = (o.to[0], o.to[1])
        if not self.theatre.contains(goal):
            return refuse("off_map")
        if o.kind == "air":
            if not air.in_range(self, unit.pos, goal):
                return refuse("out_of_range")
            if o.mission in air.COMBAT_MISSIONS and self.ceasefire():
                return refuse("ceasefire")
            unit.order = Order("air", goal, o.mission)
            unit.path = []
            unit.progress = 0.0
            return OrderResult(o.unit, True)
        if not self.theatre.passable(goal):
            return refuse("impassable")
        if not air.can_base(self, unit.side, goal):
            return refuse("unreachable")
        path = line(unit.pos, goal)[1:]
        if not (unit.path and path and unit.path[0] == path[0]):
            unit.progress = 0.0
        unit.order = Order("move", goal) if path else HOLD
        unit.path = path
        return OrderResult(o.unit, True, path=list(path))

    # -- queries ----------------------------------------------------------------------------
    def sorted_units(self) -> list[Unit]:
        """Every unit, by id: the order every rules loop runs in (kept until one comes or
        goes; the list returned is the caller's own)."""
        if self._sorted is None:
            self._sorted = [self.units[k] for k in sorted(self.units)]
            self._sorted_air = [u for u in self._sorted if u.is_air]
            guns = (Kind.ANTI_AIR, Kind.ARTILLERY)
            self._sorted_guns = {
                side: [u for u in self._sorted if u.side == side and u.kind in guns]
                for side in SIDES
            }
        return list(self._sorted)

    def sorted_air_units(self) -> list[Unit]:
        """The air units, by id (the air rules ask every hour; they are few)."""
        if self._sorted is None:
            self.sorted_units()
        return list(self._sorted_air)

    def sorted_guns(self, side: str) -> list[Unit]:
        """A side's artillery and anti-aircraft units, by id (combat and the air rules ask
        every hour; they are few)."""
        if self._sorted is None:
            self.sorted_units()
        return list(self._sorted_guns[side])

    def units_at(self, h: Hex) -> list[Unit]:
        return self._at.get(h, [])

    def friendly_units_at(self, h: Hex, side: str) -> list[Unit]:
        """A side's ground units in h: what stacks, defends and holds it (aircraft do not)."""
        return [u for u in self._at.get(h, ()) if u.side == side and not u.is_air]

    def is_full(self, h: Hex, side: str) -> bool:
        """A side's ground units fill h (``STACK_LIMIT``): no more of its units may enter."""
        return self._ground[side].get(h, 0) >= STACK_LIMIT

    def ground_stacks(self, side: str) -> dict[Hex, int]:
        """How many of a side's ground units stand in each hex they stand in (kept as they
        move: the caller must not change it)."""
        return self._ground[side]

    def has_ground_units(self, side: str) -> bool:
        """Any ground unit of the side on the map (aircraft hold nothing)."""
        return bool(self._ground[side])

    def full_hexes(self, side: str) -> set[Hex]:
        """The hexes a side's ground units fill."""
        return {h for h, n in self._ground[side].items() if n >= STACK_LIMIT}

    def _count_stack(self, h: Hex, side: str) -> None:
        """How many of ``side``'s ground units stand in h, again, after one of them came or
        went."""
        here = self._at.get(h, ())
        count = sum(1 for u in here if u.side == side and not u.is_air)
        if count:
            self._ground[side][h] = count
        else:
            self._ground[side].pop(h, None)

    def enemy_in(self, h: Hex, side: str) -> bool:
        """Any enemy ground unit in h: ``enemy_units_at`` without building the list, for the
        questions asked every hour (a march of its next hex, a retreat of its way out)."""
        return h in self._enemy_ground[side]

    def enemy_units_at(self, h: Hex, side: str) -> list[Unit]:
        """Enemy ground units in h: what blocks a march and is assaulted (never aircraft)."""
        return [u for u in self._at.get(h, ()) if u.side != side and not u.is_air]

    def occupied_by_enemy_of(self, side: str) -> frozenset[Hex]:
        """Hexes enemy ground units stand in; the same object until an enemy unit moves,
        comes or goes, so that path fields keyed by it are found again."""
        stamp = tuple(n for s, n in self._moves.items() if s != side)
        cached = self._enemy_hexes.get(side)
        if cached is None or cached[0] != stamp:
            cached = self._enemy_hexes[side] = (stamp, frozenset(self._enemy_ground[side]))
        return cached[1]

    def in_enemy_zone(self, h: Hex, side: str) -> bool:
        """True when an enemy unit stands next to h: its zone of control halts a march."""
        enemy = self._enemy_ground[side]
        q, r = h
        # ``neighbours``, without the list or a generator: every step of a march asks.
        for dq, dr in DIRECTIONS:  # noqa: SIM110 - any() over a generator costs twice as much
            if (q + dq, r + dr) in enemy:
                return True
        return False

    def flow_fields(self) -> FlowFields:
        """Path fields over this world's ground, shared by every world on the same theatre."""
        return self.theatre.derive("flow_fields", FlowFields)

    def march_factor(self, unit: Unit) -> float:
        factor = self.logistics.march_factor(self, unit) if self.logistics is not None else 1.0
        # Enemy interdiction near the unit slows its march (``air.interdiction``).
        slowed = self._interdicted.get(unit.side)
        return factor * slowed.get(unit.pos, 1.0) if slowed is not None else factor

    def combat_factor(self, unit: Unit, attacking: bool) -> float:
        factor = 1.0 if self.logistics is None else self.logistics.combat_factor(unit, attacking)
        if not attacking and unit.order.kind == "rail":
            factor *= movement.ENTRAINED_DEFENCE  # caught on its trains
        return factor

    def has_pending_reinforcements(self, side: str) -> bool:
        return any(r.unit.side == side for r in self.reinforcements)

    def visible(self, side: str) -> set[Hex]:
        """Hexes a side sees now (cached, per side, until the world changes)."""
        cached = self._vision.get(side)
        if cached is None or cached[0] != self.version:
            seen = visible_hexes(
                self.theatre,
                [u for u in self.sorted_units() if u.side == side and not u.is_air],
                self._sight_factor if self.logistics is not None else None,
            )
            seen |= air.recon_hexes(self, side)
            seen |= self._town_sight(side)
            cached = self._vision[side] = (self.version, seen)
        return cached[1]

    def sees(self, side: str, hexes: Sequence[Hex]) -> list[bool]:
        """Per hex: is it among those the side sees now (``visible``)? Without building that
        set when it is not at hand: the AI asks about the few hexes enemies stand in."""
        cached = self._vision.get(side)
        if cached is not None and cached[0] == self.version:
            return [h in cached[1] for h in hexes]
        town = self._town_sight(side)
        seen = [h in town for h in hexes]
        if widest_sight(self.theatre) == 1:
            # Nobody sees beyond the next hex: is one of the side's units in or next to it?
            mark_next_to(self.theatre, self.occupied_by_enemy_of(enemy_of(side)), hexes, seen)
        else:
            mark_seen(
                self.theatre,
                [u for u in self.sorted_units() if u.side == side and not u.is_air],
                hexes,
                seen,
                self._sight_factor if self.logistics is not None else None,
            )
        if not all(seen) and any(  # (reconnaissance is flown by the few air units)
            u.side == side and u.order.mission == "recon" for u in self.sorted_air_units()
        ):
            recon = air.recon_hexes(self, side)
            if recon:
                seen = [known or h in recon for h, known in zip(hexes, seen, strict=True)]
        return seen

    def _town_sight(self, side: str) -> set[Hex]:
        """Towns and cities a side holds watch their surroundings: police, railwaymen,
        informers. Only with the operational layer, which knows who holds the ground."""
        if self.logistics is None:
            return set()
        code = 1 if side == "soviet" else 2
        index, areas = watch_areas(self.theatre, ("city", "town", "port"), TOWN_SIGHT)
        held = self.logistics.control[index] == code
        key = held.tobytes()  # the same towns held: the same sight
        cached = self._town_seen.get(side)
        if cached is None or cached[0] != key:
            seen: set[Hex] = set().union(*(areas[k] for k in np.flatnonzero(held)))
            cached = self._town_seen[side] = (key, seen)
        return cached[1]

    def _sight_factor(self, unit: Unit) -> float:
        assert self.logistics is not None
        return self.logistics.sight_factor(self, unit)

    # -- mutation helpers used by the rules modules -----------------------------------------
    def moves_made(self) -> int:
        """Units placed, destroyed or moved so far, both sides: while it stays the same, every
        unit stands where it stood."""
        return sum(self._moves.values())

    def _moved(self, unit: Unit) -> None:
        """A unit came, went or moved: drop the caches that depend on where units are."""
        self._moves[unit.side] = self._moves.get(unit.side, 0) + 1

    def _place(self, unit: Unit) -> None:
        self._moved(unit)
        self.stirred.append(unit)
        self._sorted = None
        self.men_entered[unit.side] += unit.men * unit.strength
        self.units[unit.id] = unit
        self._at.setdefault(unit.pos, []).append(unit)
        if not unit.is_air:
            self._count_stack(unit.pos, unit.side)

    def relocate(self, unit: Unit, dest: Hex) -> None:
        self._moved(unit)
        self.stirred.append(unit)
        left = unit.pos
        here = self._at[left]
        here.remove(unit)
        if not here:
            del self._at[left]
        unit.pos = dest
        self._at.setdefault(dest, []).append(unit)
        if not unit.is_air:  # one ground unit fewer in the hex it left, one more in dest
            stacks = self._ground[unit.side]
            if stacks[left] > 1:
                stacks[left] -= 1
            else:
                del stacks[left]
            stacks[dest] = stacks.get(dest, 0) + 1

    def emit(self, kind: str, pos: Hex, text: str, unit: Unit | None, **data: Any) -> None:
        side = unit.side if unit is not None else data.pop("side", None)
        self.events.append(Event(self.hour, kind, pos, text, side, unit.id if unit else None, data))

    # -- determinism ------------------------------------------------------------------------
    def state_hash(self) -> str:
        """SHA-256 of everything that decides the future: units, control, clock and RNG."""
        units = [
            (
                u.id,
                u.side,
                u.pos,
                round(u.strength, 9),
                round(u.org, 9),
                u.order.kind,
                u.order.to,
                u.order.mission,
                u.order.via,
                u.path,
                round(u.progress, 9),
                round(u.entrenched, 9),
                (round(u.stocks.food, 9), round(u.stocks.ammo, 9), round(u.stocks.fuel, 9))
                if u.stocks is not None
                else None,
                u.cut_off_hours,
                u.flown_day,
            )
            for u in self.sorted_units()
        ]
        logistics = (
            None
            if self.logistics is None
            else (
                hashlib.sha256(self.logistics.control.tobytes()).hexdigest(),
                sorted(self.logistics.prisoners.items()),
                sorted(self.logistics.rail_damage.items()),
                sorted(self.logistics.converted.items()),
                sorted(self.logistics.relaid_km.items()),
                sorted(self.logistics.troop_trains.items()),
                sorted(self.logistics.troop_trains_today.items()),
                sorted((k, round(v, 3)) for k, v in self.logistics.trucks.items()),
            )
        )
        state = [
            self.scenario,
            self.hour,
            units,
            [(o.name, o.owner) for o in self.objectives],
            [(r.hour, r.unit.id) for r in self.reinforcements],
            self.winner,
            self.result,
            repr(self.rng.getstate()),
            logistics,
        ]
        return hashlib.sha256(msgspec.msgpack.encode(state)).hexdigest()

    def losses_by_side(self) -> dict[str, int]:
        """Men lost so far (killed, wounded, missing and prisoners), per side."""
        present = dict.fromkeys(SIDES, 0.0)
        for unit in self.units.values():
            present[unit.side] += unit.men * unit.strength
        return {s: round(self.men_entered[s] - present[s]) for s in SIDES}
