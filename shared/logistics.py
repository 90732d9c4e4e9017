"""The operational layer a theatre scenario switches on: control of ground, weather, supply.

``Logistics`` hangs off a ``World`` and is called by it at fixed points of each hour, so the
small Khasan battle runs without it and the theatre runs with it, on the same rules code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from shared.hexgrid import Hex, distance
from shared.supply import (
    CAPTURED_RAIL_DAYS,
    CONTROL_CODES,
    NEEDS,
    SIDE_GAUGE,
    SURRENDER_AFTER_HOURS,
    TONS_PER_TRAIN,
    TRUCK_RANGE_KM,
    Source,
    SupplyNetwork,
    SupplyState,
    compute,
    full_stocks,
    needs,
)
from shared.units import SIDES, Kind, Unit, enemy_of
from shared.weather import Day, Ground, Weather

if TYPE_CHECKING:
    from shared.theatre import Theatre
    from shared.world import World

RESUPPLY_DAYS_PER_HOUR = 0.25  # stock days regained per hour at full supply
DEMOLITION_DAYS = 5  # days of repair a line needs after the other side blew it on leaving
RELAY_KM_PER_DAY = 12.0  # track an engineer brigade relays to its side's gauge in a day
ENGINEER_REPAIR_PER_DAY = 3  # repair days engineers do a day (railway troops otherwise: 1)
RAID_DAMAGE_DAYS = 3
TRAINS_PER_THOUSAND_MEN = 3.0  # troop trains (or ships) to move a thousand men with their kit
CLAIM_KM = 100.0  # how far behind and around its units a side holds the ground
TRUCK_WEAR_PER_DAY = 0.004  # share of a fully worked fleet that breaks down a day
TRUCK_MUD_WEAR_PER_DAY = 0.02  # ...and more in proportion to the driving done in mud
STARVING_ORG_LOSS = 0.02  # per hour without food
STARVING_STRENGTH_LOSS = 0.0005
NO_AMMO_ATTACK = 0.25
NO_AMMO_DEFENCE = 0.6
NO_FUEL_MOTOR_SPEED = 0.1  # tanks and lorries without fuel barely move
NO_FUEL_FOOT_SPEED = 0.6  # infantry and guns manhandled forward
MUD_SPEED = {True: 0.35, False: 0.6}  # armoured / not
SNOW_SPEED = {True: 0.7, False: 0.75}
NIGHT_SIGHT = 0.5
NIGHT_MARCH = 0.3
BAD_WEATHER_SIGHT = 0.7


class Tracked(dict):  # type: ignore[type-arg]
    """A dict that counts the writes to it (``version``), so that what is worked out from the
    railway's damage and relaying can be kept while the count stays the same, rather than
    comparing hundreds of entries every time it is asked for (``ai_staff``)."""

    # (A class default rather than a slot set in ``__init__``: unpickling writes the entries
    # before it restores the count.)
    version: int = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.version += 1

    def __ior__(self, other: Any) -> Tracked:
        self.update(other)
        return self

    def pop(self, *args: Any) -> Any:
        self.version += 1
        return super().pop(*args)

    def popitem(self) -> Any:
        self.version += 1
        return super().popitem()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.version += 1
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.version += 1
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.version += 1
        super().clear()


@dataclass(frozen=True, slots=True)
class Partisans:
    """Irregulars of ``side`` raiding the enemy's railways in ``country`` from ``start``."""

    side: str
    country: str
    start: datetime
    chance_per_day: float


# What ``end_hour`` asks of a unit every hour, kept while it stands in the same hex the same
# day: the hex; its kind's food, ammunition and fuel days (``KindNeeds``), fuel days burnt
# an hour on the march, ammunition days an hour in combat; the stock days it regains an hour
# there, whether a railhead reaches it, the hex's index, its side's control code, and
# whether it holds ground (aircraft do not).
Standing = tuple[Hex, float, float, float, float, float, float, bool, int, int, bool]


@dataclass
class Logistics:
    net: SupplyNetwork
    weather: Weather
    sources: list[Source]
    control: np.ndarray  # per hex: 0 nobody, 1 soviet, 2 japan
    captured_day: np.ndarray  # per hex: the day it last changed hands
    rail_damage: dict  # rail edge -> days of repair it needs (a ``Tracked`` dict)
    converted: dict  # rail edge -> the gauge engineers have relaid it to (``Tracked``)
    supply: dict[str, SupplyState]
    prisoners: dict[str, int]  # men of each side taken prisoner
    partisans: list[Partisans] = field(default_factory=list)
    truck_range_km: dict[str, float] = field(default_factory=dict)  # per side: its lorry fleet
    relaid_km: dict = field(default_factory=dict)  # rail edge -> km relaid to the other gauge
    trucks: dict[str, float] = field(default_factory=dict)  # lorries per side (absent: unlimited)
    truck_replacements: dict[str, float] = field(default_factory=dict)  # lorries a day per side
    troop_trains: dict[str, int] = field(default_factory=dict)  # per source, yesterday
    troop_trains_today: dict[str, int] = field(default_factory=dict)
    trains_day: int = -1  # the game day troop_trains_today counts
    day: int = -1
    # Today's weather per climate region, by the theatre's climate code (0: no region), for
    # the every-unit-every-hour questions: (game day, days).
    _weather_today: tuple[int, list[Day]] = field(
        default_factory=lambda: (-1, []), init=False, repr=False
    )
    # The day, and per climate code the ground's march factor (foot, armoured) that day, and
    # the same at night.
    _march_ground: tuple[int, list[tuple[float, ...]], list[tuple[float, ...]]] = field(
        default_factory=lambda: (-1, [], []), init=False, repr=False
    )
    # The hour, and per climate code the march factor of a unit with fuel that hour, when it
    # is day or night over the whole map (None otherwise).
    _march_hour: tuple[int, list[tuple[float, ...]] | None] = field(
        default_factory=lambda: (-1, None), init=False, repr=False
    )
    # Per unit, what ``end_hour`` asks about where it stands (``Standing``), and the units
    # for which the hour is a no-op until something stirs them (see ``end_hour``): both
    # worked out on the day and under the supply states of ``_standing_under``.
    _standing: dict[Unit, Standing] = field(default_factory=dict, init=False, repr=False)
    _idle: set[Unit] = field(default_factory=set, init=False, repr=False)
    _standing_under: tuple[object, ...] = field(default=(), init=False, repr=False)
    # Per country, its rail edges in order and the index of each one's first hex (for raids).
    _country_rails: dict[str, tuple[list[tuple[Hex, Hex]], np.ndarray]] = field(
        default_factory=dict, init=False, repr=False
    )

    @classmethod
    def create(cls, world: World, sources: list[Source], start: date, days: int) -> Logistics:
        theatre = world.theatre
        net = SupplyNetwork(theatre)
        control = np.zeros(len(theatre.grid), dtype=np.int8)
        if theatre.country:
            codes = [CONTROL_CODES.get(side, 0) for _, side in theatre.countries]
            idx = np.frombuffer(bytes(theatre.country), dtype=np.uint8)
            lut = np.array([0, *codes], dtype=np.int8)
            control = lut[idx]
        weather = Weather(theatre.climates, start, days + 1, world.seed)
        return cls(
            net=net,
            weather=weather,
            sources=sources,
            control=control.copy(),
            captured_day=np.full(len(theatre.grid), -10_000, dtype=np.int32),
            rail_damage=Tracked(),
            converted=Tracked(),
            supply={},
            prisoners=dict.fromkeys(SIDES, 0),
        )

    # -- what the rules ask --------------------------------------------------------------------
    def today(self, world: World, unit: Unit) -> Day:
        theatre = world.theatre
        code = theatre.climate[theatre.grid.index(unit.pos)] if theatre.climate else 0
        return self._weather_on(theatre, world.hour // 24)[code]

    def weather_at(self, world: World, h: Hex) -> Day:
        """Today's weather over hex h (its climate region's)."""
        theatre = world.theatre
        code = theatre.climate[theatre.grid.index(h)] if theatre.climate else 0
        return self._weather_on(theatre, world.hour // 24)[code]

    def _weather_on(self, theatre: Theatre, day: int) -> list[Day]:
        """The day's weather per climate code (0: no region), worked out once a day."""
        if self._weather_today[0] != day:
            regions = [None, *theatre.climates]
            self._weather_today = (day, [self.weather.on(r, day) for r in regions])
        return self._weather_today[1]

    def march_factor(self, world: World, unit: Unit) -> float:
        # Asked for every marching unit every hour: most hours it is day, or night, over the
        # whole map, and a unit with fuel marches at its climate region's factor for its kind
        # of mover, worked out once an hour; the hex's region is looked up inline.
        by_code = self.march_table(world)
        stocks = unit.stocks
        if by_code is None or (stocks is not None and stocks.fuel <= 0):
            return self._march_factor_here(world, unit)
        code = 0
        theatre = world.theatre
        if theatre.climate:
            q, r = unit.pos
            code = theatre.climate[r * theatre.grid.cols + q + (r - (r & 1)) // 2]
        return by_code[code][unit.rules.armoured]

    def march_table(self, world: World) -> list[tuple[float, ...]] | None:
        """Per climate code, the (foot, armoured) march factors of units with fuel this hour,
        when it is day or night over the whole map (None otherwise), kept for the hour: what
        ``march_factor`` gives such a unit in a hex of that region."""
        hour = world.hour
        kept = self._march_hour
        if kept[0] != hour:
            kept = self._march_hour = (hour, self._march_this_hour(world))
        return kept[1]

    def _march_this_hour(self, world: World) -> list[tuple[float, ...]] | None:
        """Per climate code, (foot, armoured) march factors of units with fuel this hour,
        when it is day or night over the whole map: ``_march_factor_here``'s, anywhere."""
        night = world.night_over_map()
        if night is None:
            return None
        self._ground_factors(world.theatre, world.hour // 24)
        return self._march_ground[2 if night else 1]

    def _ground_factors(self, theatre: Theatre, day: int) -> list[tuple[float, ...]]:
        """Per climate code, the ground's march factor (foot, armoured) on the day."""
        grounds = self._march_ground
        if grounds[0] != day:
            grounds = self._march_ground = (day, [], [])
            for code in range(len(theatre.climates or ()) + 1):
                ground = self._weather_on(theatre, day)[code].ground
                by_mover = []
                for armoured in (False, True):
                    factor = 1.0
                    if ground == Ground.MUD:
                        factor *= MUD_SPEED[armoured]
                    elif ground == Ground.SNOW:
                        factor *= SNOW_SPEED[armoured]
                    by_mover.append(factor)
                grounds[1].append(tuple(by_mover))
                grounds[2].append(tuple(factor * NIGHT_MARCH for factor in by_mover))
        return grounds[1]

    def _march_factor_here(self, world: World, unit: Unit) -> float:
        """The march factor where the unit stands: ground, fuel, and night at its hex."""
        theatre = world.theatre
        grounds = self._ground_factors(theatre, world.hour // 24)
        armoured = unit.rules.armoured
        code = 0
        if theatre.climate:
            q, r = unit.pos
            code = theatre.climate[r * theatre.grid.cols + q + (r - (r & 1)) // 2]
        factor = grounds[code][armoured]
        if unit.stocks is not None and unit.stocks.fuel <= 0:
            factor *= NO_FUEL_MOTOR_SPEED if armoured else NO_FUEL_FOOT_SPEED
        if world.night_at(unit.pos):
            factor *= NIGHT_MARCH  # columns halt, close up and rest; some march on in the dark
        return factor

    def combat_factor(self, unit: Unit, attacking: bool) -> float:
        if unit.stocks is None or unit.stocks.ammo > 0:
            return 1.0
        return NO_AMMO_ATTACK if attacking else NO_AMMO_DEFENCE

    def sight_factor(self, world: World, unit: Unit) -> float:
        factor = 1.0
        if world.night_at(unit.pos):
            factor *= NIGHT_SIGHT
        if not self.today(world, unit).flying:
            factor *= BAD_WEATHER_SIGHT
        return factor

    def level_at(self, side: str, index: int) -> float:
        state = self.supply.get(side)
        return float(state.level[index]) if state is not None else 1.0

    # -- the hour ------------------------------------------------------------------------------
    def begin_hour(self, world: World) -> None:
        day = world.hour // 24
        self._roll_trains(day)
        if day != self.day:
            if self.day >= 0:
                self._daily(world, day)
                self._claim_ground(world, day)
            self.day = day
            self.recompute(world)

    def _claim_ground(self, world: World, day: int) -> None:
        """Once a day the ground behind each side's units becomes its own: a hex within
        ``CLAIM_KM`` of some unit goes to the side whose units are nearer (ties keep it).
        So armies that advance take the country and the railways they pass, not just the
        hexes their counters stood on; the front falls between the two."""
        grid = world.theatre.grid
        radius = max(1, round(CLAIM_KM / world.theatre.hex_km))
        dist = {}
        for side in SIDES:
            heads = sorted(
                {grid.index(u.pos) for u in world.units.values() if u.side == side and not u.is_air}
            )
            if not heads:
                dist[side] = np.full(len(grid), np.inf)
                continue
            dist[side] = self.net.hops(heads, radius)
        soviet, japan = dist["soviet"], dist["japan"]
        new = self.control.copy()
        new[(soviet < japan) & np.isfinite(soviet)] = CONTROL_CODES["soviet"]
        new[(japan < soviet) & np.isfinite(japan)] = CONTROL_CODES["japan"]
        changed = np.flatnonzero(new != self.control)
        # Track is wrecked where a side lost rail hexes (in the order of the hexes).
        lost = changed[self.control[changed] != 0]
        self.control[changed] = new[changed]
        self.captured_day[changed] = day
        for i in lost[self.net.on_rail[lost]].tolist():
            for _, key in self.net.rail_adj[i]:
                self.rail_damage[key] = max(self.rail_damage.get(key, 0), DEMOLITION_DAYS)

    def _wear_trucks(self) -> None:
        """Yesterday's driving wore the fleets out: lorries break down in proportion to how hard
        they ran, far more in mud; the factories send replacements."""
        for side in sorted(self.trucks):
            state = self.supply.get(side)
            worked = min(1.0, state.truck_load) if state is not None else 0.0
            mud = state.mud_share if state is not None else 0.0
            lost = self.trucks[side] * worked * (TRUCK_WEAR_PER_DAY + TRUCK_MUD_WEAR_PER_DAY * mud)
            self.trucks[side] += self.truck_replacements.get(side, 0.0) - lost

    def _daily(self, world: World, day: int) -> None:
        """Track repair and gauge conversion, and the partisans' raids, once a day."""
        self._wear_trucks()
        grid = world.theatre.grid
        engineers: dict[int, str] = {}
        for unit in world.sorted_units():
            if unit.kind == Kind.ENGINEER:
                engineers[grid.index(unit.pos)] = unit.side
        states = {CONTROL_CODES[side]: state for side, state in self.supply.items()}
        reach: dict[int, np.ndarray] = {}  # per control code, worked out when first asked
        for key in sorted(self.rail_damage):
            a, b = grid.index(key[0]), grid.index(key[1])
            if self.control[a] != self.control[b] or self.control[a] == 0:
                continue  # nobody repairs a line the front runs across
            code = int(self.control[a])
            if a in engineers or b in engineers:
                crews = ENGINEER_REPAIR_PER_DAY
            else:
                near = reach.get(code)
                if near is None and code in states:
                    near = reach[code] = self._crews_reach(states[code])
                if near is None or not (near[a] or near[b]):
                    continue  # the railway crews work forward from the railheads
                crews = 1
            left = self.rail_damage[key] - crews
            if left > 0:
                self.rail_damage[key] = left
            else:
                del self.rail_damage[key]
        for i, side in sorted(engineers.items()):
            # Relaying track is slow: a brigade does RELAY_KM_PER_DAY, one stretch at a time.
            todo = sorted(
                key
                for _, key in self.net.rail_adj.get(i, ())
                if self.converted.get(key, world.theatre.rails[key].gauge) != SIDE_GAUGE[side]
            )
            if todo:
                key = todo[0]
                done = self.relaid_km.get(key, 0.0) + RELAY_KM_PER_DAY
                if done >= world.theatre.hex_km:
                    self.converted[key] = SIDE_GAUGE[side]
                    self.relaid_km.pop(key, None)
                else:
                    self.relaid_km[key] = done
        for raid in self.partisans:
            self._raid(world, raid, day)

    def _crews_reach(self, state: SupplyState) -> np.ndarray:
        """Per hex, whether the side's railway crews can work there today: its yesterday's
        railheads (``state``) and the next hex along the track from each. A wrecked line is
        mended stretch by stretch from the railhead forward, not everywhere at once."""
        net = self.net
        near = np.zeros(net.size, dtype=bool)
        near[state.railhead_at] = True
        near[net.rail_src[near[net.rail_nbr]]] = True  # next to a railhead along the track
        return near

    def _raid(self, world: World, raid: Partisans, day: int) -> None:
        if world.now < raid.start or world.rng.random() >= raid.chance_per_day:
            return
        enemy = CONTROL_CODES[enemy_of(raid.side)]
        lines = self._country_rails.get(raid.country)
        if lines is None:
            rails, grid = world.theatre.rails, world.theatre.grid
            keys = [key for key in sorted(rails) if rails[key].owner == raid.country]
            at = np.array([grid.index(key[0]) for key in keys], dtype=np.int64)
            lines = self._country_rails[raid.country] = (keys, at)
        keys, at = lines
        held = (self.control[at] == enemy).tolist()
        damaged = self.rail_damage
        targets = [key for key, h in zip(keys, held, strict=True) if h and key not in damaged]
        if not targets:
            return
        key = targets[world.rng.randrange(len(targets))]
        self.rail_damage[key] = RAID_DAMAGE_DAYS
        world.emit(
            "partisans",
            key[0],
            f"Partisans blow the {world.theatre.rails[key].name} line",
            None,
            side=raid.side,
        )

    def _sources_after_troop_trains(self) -> list[Source]:
        """Trains that carried troops yesterday carried no freight."""
        out = []
        for s in self.sources:
            used = self.troop_trains.get(s.name, 0) * TONS_PER_TRAIN
            out.append(replace(s, tons_per_day=max(0.0, s.tons_per_day - used)))
        return out

    def entrain(self, world: World, unit: Unit) -> bool:
        """May a reinforcement arriving at a source come today? It needs trains (or ships) of
        that source's capacity: a division of 14,000 needs about 42. False: it waits."""
        near = [s for s in self.sources if s.side == unit.side and distance(s.hex, unit.pos) <= 1]
        if not near:
            return True  # not coming by the railway or a port we model: on its own schedule
        return self.take_trains(world, near[0], unit)

    def _roll_trains(self, day: int) -> None:
        """Start a new day's troop-train bookings; yesterday's cut today's freight. Bookings
        come between hours (orders, arrivals), so the day turns by the clock, not the step."""
        if day != self.trains_day:
            self.troop_trains = self.troop_trains_today if day == self.trains_day + 1 else {}
            self.troop_trains_today = {}
            self.trains_day = day

    def take_trains(self, world: World, source: Source, unit: Unit) -> bool:
        """Book today's troop trains for a unit out of a source's capacity (reinforcements and
        rail moves alike); tomorrow that source carries as much less freight. False: full."""
        self._roll_trains(world.hour // 24)
        needed = max(1, math.ceil(unit.men / 1000 * TRAINS_PER_THOUSAND_MEN))
        budget = int(source.tons_per_day // TONS_PER_TRAIN)
        used = self.troop_trains_today.get(source.name, 0)
        if used and used + needed > budget:
            return False  # the line is full today; the first booking of a day always fits
        self.troop_trains_today[source.name] = used + needed
        return True

    def rail_open(
        self, world: World, side: str, key: tuple[Hex, Hex], seen: set[Hex] | None = None
    ) -> bool:
        """Can a side's troop trains run over this rail edge today? Freight's test in
        ``supply.compute`` (held at both ends, intact, not taken in the last
        ``CAPTURED_RAIL_DAYS``), but only on the side's own gauge or relaid to it (freight is
        transloaded at a break of gauge; a division is not), and never through enemy troops.
        With ``seen`` (the hexes the side sees), only the enemy troops it sees count: what the
        side can know, for its staff's plans."""
        if self.rail_damage.get(key, 0) > 0:
            return False
        rail = world.theatre.rails.get(key)
        if rail is None or self.converted.get(key, rail.gauge) != SIDE_GAUGE[side]:
            return False
        grid, mine, day = world.theatre.grid, CONTROL_CODES[side], world.hour // 24
        for h in key:
            i = grid.index(h)
            if self.control[i] != mine or day - self.captured_day[i] < CAPTURED_RAIL_DAYS:
                return False
            if (seen is None or h in seen) and world.enemy_in(h, side):
                return False
        return True

    def rail_route(
        self, world: World, side: str, start: Hex, goal: Hex
    ) -> tuple[list[Hex], Source] | None:
        """The shortest train journey (hexes after ``start``) over open rail to ``goal``, and the
        side's source nearest ``start`` on the same open network, whose trains carry it. None
        when ``start`` is on no open railway, the rails do not reach ``goal``, or no source
        of the side feeds that network (no trains to be had)."""
        grid = world.theatre.grid
        if not world.theatre.contains(goal):
            return None
        first = grid.index(start)
        came: dict[int, int] = {first: -1}
        order = [first]  # breadth first: hexes by train distance from start
        for i in order:
            for j, key in self.net.rail_adj.get(i, ()):
                if j not in came and self.rail_open(world, side, key):
                    came[j] = i
                    order.append(j)
        end = grid.index(goal)
        if len(order) == 1 or end not in came:
            return None
        rank = {i: n for n, i in enumerate(order)}
        feeding: list[tuple[int, str, Source]] = []
        for s in self.sources:  # a source feeds the network it stands on or next to
            if s.side != side or not world.theatre.contains(s.hex):
                continue
            near = [
                rank[grid.index(h)]
                for h in (s.hex, *world.theatre.neighbours(s.hex))
                if grid.index(h) in rank
            ]
            if near:
                feeding.append((min(near), s.name, s))
        if not feeding:
            return None
        path: list[Hex] = []
        while end != first:
            path.append(grid.hex_at(end))
            end = came[end]
        path.reverse()
        return path, min(feeding, key=lambda f: f[:2])[2]

    def recompute(self, world: World) -> None:
        n = len(world.theatre.grid)
        index = world.theatre.grid.index
        # Per unit, in the world's order: its hex, side, whether it holds ground (aircraft on
        # their airfield block no lorries), and the tons a day it wants.
        at: list[int] = []
        side_of: list[int] = []
        ground: list[bool] = []
        tons: list[float] = []
        for unit in world.units.values():
            at.append(index(unit.pos))
            side_of.append(CONTROL_CODES[unit.side])
            ground.append(not unit.is_air)
            tons.append(needs(str(unit.kind)).tons_per_day * unit.power_base)
        hexes = np.array(at, dtype=np.int64)
        codes = np.array(side_of, dtype=np.int8)
        holds = np.array(ground, dtype=bool)
        wants = np.array(tons)
        sources = self._sources_after_troop_trains()
        for side in SIDES:
            mine = codes == CONTROL_CODES[side]
            enemy = np.zeros(n, dtype=bool)
            enemy[hexes[~mine & holds]] = True
            own = np.zeros(n, dtype=bool)
            own[hexes[mine & holds]] = True
            # Summed unit by unit in the world's order, as a loop adding to each hex would.
            demand = np.bincount(hexes[mine], weights=wants[mine], minlength=n)
            demand = demand.astype(float, copy=False)  # (no units: counted as integers)
            blocked = self.net.zone_blocked(enemy, own)
            self.supply[side] = compute(
                self.net,
                side,
                self.control,
                blocked,
                sources,
                demand,
                self.rail_damage,
                self.captured_day,
                self.weather,
                self.day,
                self.converted,
                self.truck_range_km.get(side, TRUCK_RANGE_KM),
                self.trucks.get(side),
            )

    def end_hour(self, world: World) -> None:
        """Consume, resupply, starve, surrender; then ground changes hands under the units."""
        # Every unit every hour, but most units, most hours, are full, fed where they stand,
        # supplied, on their side's ground, and idle: the hour changes nothing of theirs. They
        # are kept in ``_idle`` and passed over, without a look at them, until they march,
        # fight or move (``World.stirred``), or a new day brings new supply and claims the
        # ground. Nothing else changes their stocks, their cut-off hours or what their hex
        # gets, and their hex's owner only a unit of the other side there, which drops them
        # from ``_idle`` when it takes the hex.
        supply = self.supply
        under = (self.day, supply.get("soviet"), supply.get("japan"))
        kept = self._standing_under
        standing, idle = self._standing, self._idle
        if not kept or under[0] != kept[0] or under[1] is not kept[1] or under[2] is not kept[2]:
            standing.clear()
            idle.clear()
            self._standing_under = under
        idle.difference_update(world.stirred)
        # For the others: what they need and what they get where they stand are kept in
        # ``_standing`` while they stand there, ``min``/``max`` are written out (the same
        # choices, without a call). Each unit's stocks depend on it alone, so one pass in the
        # world's order also takes the ground, as the rule does after every unit's stocks;
        # surrenders are announced in the units' id order.
        kept_for = standing.get
        hourly_food = 1 / 24
        # The ground's owners read and written through memoryviews of the arrays: an element
        # is a plain int there, not a numpy scalar.
        control, captured_day = memoryview(self.control), memoryview(self.captured_day)
        day = world.hour // 24
        surrendering: list[Unit] = []
        for unit in world.units.values():
            if unit in idle:
                continue
            kept = kept_for(unit)
            if kept is None or kept[0] is not unit.pos:
                kept = self._stand(world, unit)
            _, food_days, ammo_days, fuel_days, burnt, fired, gain, reached, i, code, holds = kept
            s = unit.stocks
            food, ammo, fuel = s.food, s.ammo, s.fuel
            marched, fought = unit.marched, unit.in_combat
            full = food == food_days and ammo == ammo_days and fuel == fuel_days
            if full and not fought and not marched and food - hourly_food + gain >= food:
                # Full, idle, and fed the hour's food at least: the sums below would give the
                # same caps back.
                pass
            else:
                food -= hourly_food
                food = food if food > 0.0 else 0.0
                if marched:
                    fuel -= burnt
                    fuel = fuel if fuel > 0.0 else 0.0
                if fought:
                    ammo -= fired
                    ammo = ammo if ammo > 0.0 else 0.0
                food += gain
                s.food = food = food if food < food_days else food_days
                ammo += gain
                s.ammo = ammo = ammo if ammo < ammo_days else ammo_days
                fuel += gain
                s.fuel = fuel = fuel if fuel < fuel_days else fuel_days
                if food <= 0:
                    org = unit.org - STARVING_ORG_LOSS
                    unit.org = org if org > 0.0 else 0.0
                    strength = unit.strength - STARVING_STRENGTH_LOSS
                    unit.strength = strength if strength > 0.0 else 0.0
                full = food == food_days and ammo == ammo_days and fuel == fuel_days
            if not reached:
                unit.cut_off_hours += 1
                if unit.cut_off_hours >= SURRENDER_AFTER_HOURS and food <= 0:
                    surrendering.append(unit)
            else:
                if unit.cut_off_hours:
                    unit.cut_off_hours = 0
                if full and food - hourly_food + gain >= food:
                    # Next hour the test above passes again, and the hex is its side's (taken
                    # below): unless it marches, fights or moves, the hour changes nothing.
                    idle.add(unit)
            if not holds:
                continue  # aircraft hold no ground
            if control[i] != code:
                lost = control[i] != 0
                control[i] = code
                captured_day[i] = day
                # A unit of the other side found idle there would take it back next hour.
                for other in world.units_at(unit.pos):
                    if other.side != unit.side:
                        idle.discard(other)
                if lost:  # the side falling back wrecks the track as it goes
                    for _, key in self.net.rail_adj.get(i, ()):
                        self.rail_damage[key] = max(self.rail_damage.get(key, 0), DEMOLITION_DAYS)
        if surrendering:
            given = set(map(id, surrendering))
            for unit in world.sorted_units():
                if id(unit) in given:
                    self._surrender(world, unit)

    def _stand(self, world: World, unit: Unit) -> Standing:
        """What ``end_hour`` asks about where the unit stands (its stocks filled if it has
        none yet), kept in ``_standing``."""
        if unit.stocks is None:
            unit.stocks = full_stocks(str(unit.kind))
        i = world.theatre.grid.index(unit.pos)
        state = self.supply.get(unit.side)
        if state is None:  # supplied everywhere
            gain, reached = RESUPPLY_DAYS_PER_HOUR, True
        else:
            gain = float(state.level[i]) * RESUPPLY_DAYS_PER_HOUR
            reached = bool(state.connected[i])
        n = NEEDS.get(unit.kind, NEEDS["infantry"])
        kept = self._standing[unit] = (
            unit.pos,
            n.food_days,
            n.ammo_days,
            n.fuel_days,
            n.fuel_per_march_hour,
            n.ammo_per_combat_hour,
            gain,
            reached,
            i,
            CONTROL_CODES[unit.side],
            not unit.is_air,
        )
        return kept

    def _surrender(self, world: World, unit: Unit) -> None:
        """A unit cut off and starving gives up: off the map, its men counted as prisoners."""
        men = round(unit.men * unit.strength)
        self.prisoners[unit.side] += men
        world.emit(
            "surrender",
            unit.pos,
            f"{unit.name} surrenders: {men:,} prisoners",
            unit,
            prisoners=men,
        )
        unit.strength = 0.0  # off the map with the destroyed, counted as prisoners
        unit.surrendered = True
