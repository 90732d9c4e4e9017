"""Supply: the heart of the war. Freight runs by rail from each side's sources to railheads; from
the railheads trucks carry it over road and country within a range that terrain and weather
shrink; units draw on what reaches their hex and live on their own stocks when it does not.

The network is recomputed once per game day for each side:

1. **Sources** (scenario data): the Soviet side's Trans-Siberian entry at the map's west edge and
   Vladivostok, the Japanese side's home ports and Manchurian industry; each has a capacity in
   tons per day.
2. **Rail**: from the sources along rail the side controls, a route carries what its weakest
   link carries (widest path). A line of the other gauge carries a quarter until converted; a
   line taken from the enemy is unusable for ``CAPTURED_RAIL_DAYS``; damaged rail carries nothing.
3. **Trucks**: from every railhead over land, out to ``truck_range_km`` of motor-transport
   distance (roads help; mud, snow and flooded rivers hurt; ground the enemy holds costs
   double). Enemy troops and their zones of control block them unless the side's own troops
   stand there too: a unit is cut off only when enemy troops really surround it, not when
   the enemy merely claims the ground around it. Supply falls off with distance, and each
   railhead's freight is shared by the units it feeds: when they need more than it carries,
   everybody gets a share. The lorries are a finite fleet per side (``TRUCK_TON_KM_PER_DAY``
   each): when the day's tons times the km to carry them exceed what the fleet can drive,
   everything beyond the railheads is cut in proportion. Lorries wear out, faster in mud, and
   replacements trickle in (``Logistics``).

Units hold days of food, ammunition and fuel (``Stocks``): marching burns fuel (motorised and
armoured units most), fighting burns ammunition, everybody eats. Out of a stock a unit slows,
stops attacking, loses organisation and then strength; a unit cut off from every railhead and
starving surrenders after ``SURRENDER_AFTER_HOURS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from shared.hexgrid import DIRECTIONS, Hex, edge_key
from shared.supply_searches import share_out, steps, truck_search, widest_rail
from shared.terrain import RIVER_CROSSING_COST, ROAD_MOVE_COST, RULES, Terrain
from shared.theatre import Theatre
from shared.weather import Ground, Rivers, Weather

TONS_PER_TRAIN = 400.0  # a 1938 freight train on a single-track line
GAUGE_PENALTY = 0.25  # share of capacity across a break of gauge (transloading)
CAPTURED_RAIL_DAYS = 10
TRUCK_TONS = 3.0  # a ZIS-5 or an Isuzu lorry's load
TRUCK_KM_PER_DAY = 200.0  # driven in a day on Manchurian roads, half of it back empty
TRUCK_TON_KM_PER_DAY = TRUCK_TONS * TRUCK_KM_PER_DAY / 2
TRUCK_RANGE_KM = 300.0  # motor-transport radius from a railhead in good weather
GROUND_TRUCK_COST = {Ground.DRY: 1.0, Ground.MUD: 1.8, Ground.FROZEN: 0.9, Ground.SNOW: 1.3}
# Lorries may drive through ground the enemy holds but has no troops in or next to (convoys
# under escort, by back roads): slowly. Only enemy troops and their zones stop them.
HOSTILE_GROUND_TRUCK_COST = 2.0
SURRENDER_AFTER_HOURS = 72

SIDE_GAUGE = {"soviet": "russian", "japan": "standard"}
CONTROL_CODES = {"soviet": 1, "japan": 2}


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    side: str
    hex: Hex
    tons_per_day: float


@dataclass(slots=True)
class Stocks:
    """Days of each kind of supply a unit carries."""

    food: float
    ammo: float
    fuel: float


@dataclass(frozen=True, slots=True)
class KindNeeds:
    """What a kind of unit carries (days) and consumes: tons a day per 1,000 men, fuel days
    burnt per hour on the march, ammunition days per hour of combat."""

    food_days: float
    ammo_days: float
    fuel_days: float
    tons_per_day: float
    fuel_per_march_hour: float
    ammo_per_combat_hour: float


NEEDS: dict[str, KindNeeds] = {
    "infantry": KindNeeds(10, 5, 5, 12.0, 1 / 48, 1 / 8),
    "cavalry": KindNeeds(8, 4, 6, 14.0, 1 / 48, 1 / 10),
    "armour": KindNeeds(7, 4, 3, 40.0, 1 / 12, 1 / 6),
    "artillery": KindNeeds(8, 4, 4, 30.0, 1 / 36, 1 / 5),
    "engineer": KindNeeds(10, 4, 4, 15.0, 1 / 36, 1 / 10),
    "anti_air": KindNeeds(8, 4, 4, 20.0, 1 / 36, 1 / 6),
    "air": KindNeeds(10, 4, 3, 60.0, 1 / 8, 1 / 10),  # fuel-hungry: flying burns it fast
}


def needs(kind: str) -> KindNeeds:
    return NEEDS.get(kind, NEEDS["infantry"])


def full_stocks(kind: str) -> Stocks:
    n = needs(kind)
    return Stocks(n.food_days, n.ammo_days, n.fuel_days)


@dataclass
class SupplyState:
    """One side's supply network after a recomputation."""

    side: str
    level: np.ndarray  # per hex, 0..1: how well a unit there is supplied
    connected: np.ndarray  # per hex: a railhead can reach it at all (else: cut off)
    railheads: dict[Hex, float] = field(default_factory=dict)  # rail hex -> tons/day it gets
    # ...their hex indices, in the same order
    railhead_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sources: list[Source] = field(default_factory=list)
    day: int = -1
    trucks: float | None = None  # the lorry fleet today (None: not counted)
    ton_km: float = 0.0  # lorry driving the day's supply beyond the railheads needs
    truck_load: float = 0.0  # that / what the fleet can drive
    mud_share: float = 0.0  # share of that ton-km driven to hexes in mud
    # The rail in use (``lines``) as the network's edge ends, the edges' numbers and their
    # capacities: only a view of the map shows them, so the list is made when first asked for.
    used_rail: tuple[tuple[list[Hex], list[Hex]], np.ndarray, np.ndarray] | None = field(
        default=None, repr=False
    )

    @cached_property
    def lines(self) -> list[tuple[Hex, Hex, float]]:
        """The rail in use: each edge's ends and the tons a day it carries, in edge order."""
        if self.used_rail is None:
            return []
        (starts, ends), edges, caps = self.used_rail
        at = edges.tolist()
        return list(
            zip(map(starts.__getitem__, at), map(ends.__getitem__, at), caps.tolist(), strict=True)
        )


class SupplyNetwork:
    """Static structure of the theatre for supply tracing, built once per theatre."""

    def __init__(self, theatre: Theatre) -> None:
        self.theatre = theatre
        grid = theatre.grid
        n = len(grid)
        src: list[int] = []
        dst: list[int] = []
        base: list[float] = []
        river: list[bool] = []
        road: list[bool] = []
        for i in range(n):
            h = grid.hex_at(i)
            for dq, dr in DIRECTIONS:
                nb = (h[0] + dq, h[1] + dr)
                if not grid.contains(nb):
                    continue
                j = grid.index(nb)
                t = Terrain(theatre.terrain[j])
                if t == Terrain.WATER or theatre.terrain[i] == Terrain.WATER:
                    continue
                key = edge_key(h, nb)
                on_road = key in theatre.roads  # lorries don't drive along the permanent way
                cost = ROAD_MOVE_COST if on_road else RULES[t].armour_move_cost
                src.append(i)
                dst.append(j)
                base.append(cost * theatre.hex_km)
                river.append(key in theatre.rivers and not on_road)
                road.append(on_road)
        self.src = np.array(src, dtype=np.int32)
        self.dst = np.array(dst, dtype=np.int32)
        self.base = np.array(base)
        self.river = np.array(river)
        self.road = np.array(road)
        self.size = n
        # Edges in canonical CSR order (sources, then destinations, ascending), as scipy would
        # build the graph.
        self._order = np.lexsort((self.dst, self.src))
        self._rows = self.src[self._order]
        self._cols = self.dst[self._order]
        self._truck_day: TruckDay | None = None
        regions = theatre.climates or []
        self.region_of = (
            np.frombuffer(bytes(theatre.climate), dtype=np.uint8).astype(np.int32) - 1
            if theatre.climate
            else np.full(n, -1, dtype=np.int32)
        )
        self.regions = regions
        self._dst_region = self.region_of[self.dst]
        # The lorries' graph for the compiled search: its edges' km in good going, and each
        # edge's class (see ``truck_day``): the entry of the day's per-region tables it takes,
        # by the region of the hex it enters (-1, no region, is the last), times four, plus
        # two for a road, plus one for a river crossed.
        self._luts = len(regions) + 1 if regions else 1
        entry = np.where(self._dst_region < 0, self._luts - 1, self._dst_region)[self._order]
        km = self.base[self._order]
        road, river = self.road[self._order], self.river[self._order]
        classes = (entry * 4 + road * 2 + river).astype(np.int64)
        self._shortest = float(km.min()) if len(km) else 1.0
        # The edges come in few kinds (88 in the-war), a km and a class each: the search reads an
        # edge's kind (two bytes) and a day's table of their costs, not its km and class.
        kinds, self._kind = np.unique(np.stack([km, classes]), axis=1, return_inverse=True)
        self._kind = self._kind.astype(np.uint16)
        self._kind_km, self._kind_class = kinds[0], kinds[1].astype(np.int64)
        # ...and per hex, the classes of edges that enter it, a bit each (for the hexes in mud).
        self._enters = np.zeros(n, dtype=np.uint8)
        np.bitwise_or.at(self._enters, self._cols, (1 << (classes % 4)).astype(np.uint8))
        self._entry_of = np.zeros(n, dtype=np.int64)
        self._entry_of[self._cols] = entry
        # Each hex's neighbours over land, as a table padded with ``size`` (a sentinel entry
        # one past the map in arrays of ``size + 1``): the hexes next to a few cost a few rows.
        self._indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self._rows, minlength=n), out=self._indptr[1:])
        self._indptr32 = self._indptr.astype(np.int32)
        self.neighbour_table = np.full((n, len(DIRECTIONS)), n, dtype=np.int64)
        slot = np.arange(len(self._rows)) - self._indptr[self._rows]
        self.neighbour_table[self._rows, slot] = self._cols
        # Rail adjacency for the widest-path search: hex index -> [(neighbour, edge key)].
        self.rail_adj: dict[int, list[tuple[int, tuple[Hex, Hex]]]] = {}
        for a, b in theatre.rails:
            ia, ib = grid.index(a), grid.index(b)
            self.rail_adj.setdefault(ia, []).append((ib, (a, b)))
            self.rail_adj.setdefault(ib, []).append((ia, (a, b)))
        self.rail_nodes = np.array(sorted(self.rail_adj), dtype=np.int64)
        self.on_rail = np.zeros(n, dtype=bool)
        self.on_rail[self.rail_nodes] = True
        # The rail edges numbered in the order of their keys, so that the lines in use come out
        # sorted by sorting small integers; per side, each edge's capacity for that side's
        # trains (``rail_caps``), kept while no line is relaid.
        self.rail_keys: list[tuple[Hex, Hex]] = sorted(theatre.rails)
        self.rail_edge: dict[tuple[Hex, Hex], int] = {k: e for e, k in enumerate(self.rail_keys)}
        self.rail_ends: tuple[list[Hex], list[Hex]] = (
            [a for a, _ in self.rail_keys],
            [b for _, b in self.rail_keys],
        )
        self._rail_side: dict[str, tuple[dict[tuple[Hex, Hex], str], np.ndarray]] = {}
        # The rail adjacency in CSR form for the compiled search: per hex, its neighbours along
        # the track and the edges' numbers, in ``rail_adj``'s order.
        self.rail_indptr = np.zeros(n + 1, dtype=np.int64)
        for i, out in self.rail_adj.items():
            self.rail_indptr[i + 1] = len(out)
        np.cumsum(self.rail_indptr, out=self.rail_indptr)
        self.rail_nbr = np.array(
            [j for i in sorted(self.rail_adj) for j, _ in self.rail_adj[i]], dtype=np.int64
        )
        self.rail_src = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.rail_indptr))
        self.rail_edge_at = np.array(
            [self.rail_edge[key] for i in sorted(self.rail_adj) for _, key in self.rail_adj[i]],
            dtype=np.int64,
        )

    def hops(self, heads: list[int], limit: int) -> np.ndarray:
        """Steps over land from the nearest of ``heads`` to every hex, up to ``limit``
        (inf beyond)."""
        return steps(self._indptr, self._cols, np.asarray(heads, dtype=np.int64), limit)

    def rail_caps(self, side: str, converted: dict[tuple[Hex, Hex], str]) -> np.ndarray:
        """Per rail edge number, the tons a day it carries for a side's freight, a line of the
        other gauge (not relaid to the side's) at ``GAUGE_PENALTY``. Kept per side, and only the
        lines relaid since the last call are brought up to date."""
        kept = self._rail_side.get(side)
        if kept is not None and kept[0] == converted:
            return kept[1]
        if kept is None:
            was: dict[tuple[Hex, Hex], str] = {}
            caps = np.zeros(len(self.rail_keys))
            changed = set(self.rail_keys)
        else:
            was, caps = kept
            changed = {k for k in was.keys() | converted.keys() if was.get(k) != converted.get(k)}
        gauge = SIDE_GAUGE[side]
        for key in changed & self.rail_edge.keys():
            rail = self.theatre.rails[key]
            cap = rail.capacity * TONS_PER_TRAIN
            if converted.get(key, rail.gauge) != gauge:
                cap *= GAUGE_PENALTY
            caps[self.rail_edge[key]] = cap
        self._rail_side[side] = (dict(converted), caps)
        return caps

    def truck_costs(self, weather: Weather | None, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-edge motor-transport km today, and the ground's cost factor on each edge."""
        factor, river = self._ground_today(weather, day)
        return self._edge_costs(factor, river, slice(None))

    def _ground_today(self, weather: Weather | None, day: int) -> tuple[list[float], list[float]]:
        """Lorry cost factor and river-crossing km today per climate region, looked up by the
        region of the hex an edge enters; the last entry is for hexes of no region (index -1):
        dry ground, normal rivers."""
        crossing = RIVER_CROSSING_COST * self.theatre.hex_km
        if weather is None:
            return [1.0] * self._luts, [crossing] * self._luts
        days = [weather.on(name, day) for name in self.regions or [None]]
        factor = [GROUND_TRUCK_COST[d.ground] for d in days]
        river = [
            0.0
            if d.rivers == Rivers.FROZEN
            else crossing * 3.0
            if d.rivers == Rivers.FLOOD
            else crossing
            for d in days
        ]
        if self.regions:
            factor.append(1.0)
            river.append(crossing)
        return factor, river

    def _edge_costs(
        self, factor: list[float], river: list[float], pick: slice | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        region = self._dst_region[pick]
        f = np.array(factor)[region]
        # Roads keep lorries moving in mud far better than open country does.
        f = np.where(self.road[pick], 1.0 + (f - 1.0) * 0.35, f)
        cost = self.base[pick] * f + np.where(self.river[pick], np.array(river)[region], 0.0)
        return cost, f

    def zone_blocked(self, enemy: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Hexes a side's lorries cannot enter: those holding enemy troops (``enemy``), and
        those next to them unless the side's own troops (``own``) stand there as well."""
        zone = np.zeros(self.size + 1, dtype=bool)
        zone[self.neighbour_table[enemy]] = True
        return enemy | (zone[: self.size] & ~own)

    def truck_day(self, weather: Weather | None, day: int) -> TruckDay:
        """Today's lorry costs by class of edge (see ``__init__``), and the hexes lorries reach
        through mud. Both sides drive on the same ground, so they are worked out once a day;
        an edge costs its km times its class's factor, plus its river's km. Laid out per
        region from the day's weather, they are the same sums as per edge would be."""
        today = self._truck_day
        if today is not None and today.weather is weather and today.day == day:
            return today
        factor, river = self._ground_today(weather, day)
        step = np.ones(self._luts * 4)
        ford = np.zeros(self._luts * 4)
        for k in range(self._luts):
            # Roads keep lorries moving in mud far better than open country does.
            on_road = 1.0 + (factor[k] - 1.0) * 0.35
            step[4 * k : 4 * k + 4] = (factor[k], factor[k], on_road, on_road)
            ford[4 * k + 1] = ford[4 * k + 3] = river[k]
        if today is not None and np.array_equal(today.step, step):
            mud = today.mud  # the ground is as it was yesterday
        else:
            # Mud: an edge into the hex at a factor above 1.5 (snow is slow going, not ruin).
            deep = (step > 1.5).reshape(self._luts, 4) @ np.array([1, 2, 4, 8], dtype=np.uint8)
            mud = (self._enters & deep.astype(np.uint8)[self._entry_of]) != 0
        # No edge is cheaper than the shortest km at the lowest factor (hostile ground and
        # rivers only add): the search's buckets are that wide.
        cheapest = self._shortest * float(step.min())
        cost = self._kind_km * step[self._kind_class] + ford[self._kind_class]
        today = self._truck_day = TruckDay(weather, day, step, ford, cost, mud, cheapest)
        return today

    def truck_search(
        self,
        today: TruckDay,
        control: np.ndarray,
        mine: int,
        blocked: np.ndarray,
        heads: np.ndarray,
        limit: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The lorries' search (``supply_searches.truck_search``) from ``heads`` over today's costs
        for the side of control code ``mine``: ground the enemy holds at
        ``HOSTILE_GROUND_TRUCK_COST``, ``blocked`` hexes never entered."""
        blocked = np.asarray(blocked, dtype=bool)
        hostile = np.where(control == mine, 1.0, HOSTILE_GROUND_TRUCK_COST)
        hostile[blocked] = np.inf
        return truck_search(
            self._indptr32, self._cols, self._kind, today.cost, hostile, heads, limit, ~blocked,
            today.cheapest,
        )  # fmt: skip


@dataclass(slots=True)
class TruckDay:
    """A day's lorry costs per class of edge (see ``SupplyNetwork.truck_day``)."""

    weather: Weather | None
    day: int
    step: np.ndarray  # per class, the factor on an edge's km
    ford: np.ndarray  # per class, km added for the river it crosses
    cost: np.ndarray  # per kind of edge (km and class), the two together
    mud: np.ndarray  # per hex: lorries get there through mud
    cheapest: float  # no edge costs less


def compute(
    net: SupplyNetwork,
    side: str,
    control: np.ndarray,
    blocked: np.ndarray,
    sources: list[Source],
    demand: np.ndarray,
    rail_damage: dict[tuple[Hex, Hex], int],
    captured_day: np.ndarray,
    weather: Weather | None,
    day: int,
    converted: dict[tuple[Hex, Hex], str],
    truck_range_km: float = TRUCK_RANGE_KM,
    trucks: float | None = None,
) -> SupplyState:
    """One side's supply for one day.

    ``control`` is the owner code per hex, ``blocked`` marks hexes trucks cannot enter (enemy
    units and their zones: ``SupplyNetwork.zone_blocked``), ``demand`` is tons/day wanted per
    hex by this side's units,
    ``captured_day`` the day each hex last changed hands (-inf if never), ``trucks`` the
    side's lorry fleet (None: as many as it takes).
    """
    grid = net.theatre.grid
    mine = CONTROL_CODES[side]

    # 1. Rail: widest path from the sources over usable rail (max-bottleneck Dijkstra), into rail
    # hexes trains may enter: held, and not taken in the last CAPTURED_RAIL_DAYS.
    live_sources = [s for s in sources if s.side == side and control[grid.index(s.hex)] == mine]
    nodes = net.rail_nodes
    held = (control[nodes] == mine) & (day - captured_day[nodes] >= CAPTURED_RAIL_DAYS)
    usable = np.zeros(net.size, dtype=bool)
    usable[nodes[held]] = True
    edge = net.rail_edge
    damaged = np.zeros(len(net.rail_keys), dtype=bool)
    for key, days in rail_damage.items():
        if days > 0 and key in edge:
            damaged[edge[key]] = True
    caps = net.rail_caps(side, converted)
    best, reached_at, used = widest_rail(
        net.rail_indptr,
        net.rail_nbr,
        net.rail_edge_at,
        caps,
        usable,
        damaged,
        np.array([grid.index(s.hex) for s in live_sources], dtype=np.int64),
        np.array([s.tons_per_day for s in live_sources], dtype=float),
    )
    reached = reached_at.tolist()
    tons_at = best[reached_at]
    railheads = dict(
        zip(map(net.theatre.hexes.__getitem__, reached), tons_at.tolist(), strict=True)
    )

    # 2. Trucks: multi-source Dijkstra from the railheads over land this side holds.
    level = np.zeros(net.size)
    connected = np.zeros(net.size, dtype=bool)
    truck_load = mud_share = needed = 0.0
    if reached:
        today = net.truck_day(weather, day)
        mud = today.mud
        heads = reached_at
        # Distances matter only within the lorries' range (supply is nil beyond it), so the
        # search stops there; beyond it only whether the lorries get there at all.
        dist, origin, connected = net.truck_search(
            today, control, mine, blocked, heads, float(truck_range_km)
        )
        # 3. Lorries deliver nearly all near the railhead and fall off fast towards their
        # limit; each railhead's freight is shared among the units it feeds.
        level, ton_km, served = share_out(
            dist, origin, demand, heads, tons_at, float(truck_range_km)
        )
        # 4. The lorry fleet: every ton delivered beyond a railhead costs its km in ton-km
        # (summed over the whole map, in its order, for the same rounding).
        needed = float(ton_km.sum())
        if needed > 0:
            mud_share = float(ton_km[mud].sum()) / needed
        if trucks is not None:
            capacity = max(0.0, trucks) * TRUCK_TON_KM_PER_DAY
            truck_load = needed / capacity if capacity > 0 else (np.inf if needed else 0.0)
            if needed > capacity:
                far = served[dist[served] > 0]
                level[far] *= capacity / needed
    lines = np.flatnonzero(used)
    return SupplyState(
        side=side,
        level=level,
        connected=connected,
        railheads=railheads,
        railhead_at=reached_at,
        sources=live_sources,
        day=day,
        trucks=trucks,
        ton_km=needed,
        truck_load=float(truck_load),
        mud_share=mud_share,
        used_rail=(net.rail_ends, lines, caps[lines]),
    )
