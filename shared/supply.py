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

import heapq
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from shared.hexgrid import DIRECTIONS, Hex, edge_key
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
    lines: list[tuple[Hex, Hex, float]] = field(default_factory=list)  # used rail and capacity
    sources: list[Source] = field(default_factory=list)
    day: int = -1
    trucks: float | None = None  # the lorry fleet today (None: not counted)
    ton_km: float = 0.0  # lorry driving the day's supply beyond the railheads needs
    truck_load: float = 0.0  # that / what the fleet can drive
    mud_share: float = 0.0  # share of that ton-km driven to hexes in mud


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
        # Edges in canonical CSR order (sources, then destinations, ascending): a day's truck
        # graph is then a mask over them, with no sort (and the same graph scipy would build).
        self._order = np.lexsort((self.dst, self.src))
        self._rows = self.src[self._order]
        self._cols = self.dst[self._order]
        self._truck_day: TruckDay | None = None
        self._truck_graph: csr_matrix | None = None  # today's lorry graph (``truck_graph``)
        self._hop_graph: csr_matrix | None = None
        regions = theatre.climates or []
        self.region_of = (
            np.frombuffer(bytes(theatre.climate), dtype=np.uint8).astype(np.int32) - 1
            if theatre.climate
            else np.full(n, -1, dtype=np.int32)
        )
        self.regions = regions
        self._dst_region = self.region_of[self.dst]
        # Canonical positions of the edges each entry of the day's per-region tables (see
        # ``_ground_today``; -1, no region, is the last) applies to.
        self._luts = len(regions) + 1 if regions else 1
        entry = np.where(self._dst_region < 0, self._luts - 1, self._dst_region)[self._order]
        self._by_lut = [np.flatnonzero(entry == k) for k in range(self._luts)]
        # Rail adjacency for the widest-path search: hex index -> [(neighbour, edge key)].
        self.rail_adj: dict[int, list[tuple[int, tuple[Hex, Hex]]]] = {}
        for a, b in theatre.rails:
            ia, ib = grid.index(a), grid.index(b)
            self.rail_adj.setdefault(ia, []).append((ib, (a, b)))
            self.rail_adj.setdefault(ib, []).append((ia, (a, b)))
        # ...and the same with each edge's capacity (tons/day) and gauge, for the search itself.
        self.rail_nodes = np.array(sorted(self.rail_adj), dtype=np.int64)
        self.rail_out: dict[int, list[tuple[int, tuple[Hex, Hex], float, str]]] = {
            i: [
                (j, key, theatre.rails[key].capacity * TONS_PER_TRAIN, theatre.rails[key].gauge)
                for j, key in out
            ]
            for i, out in self.rail_adj.items()
        }

    def hops(self, heads: list[int], limit: int) -> np.ndarray:
        """Steps over land from the nearest of ``heads`` to every hex, up to ``limit``
        (inf beyond)."""
        if self._hop_graph is None:
            self._hop_graph = csr_matrix(
                (np.ones(self.src.shape), (self.src, self.dst)), shape=(self.size, self.size)
            )
        return dijkstra(
            self._hop_graph, directed=True, indices=heads, min_only=True, limit=limit + 0.5
        )

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
        zone = np.zeros(self.size, dtype=bool)
        zone[self.dst[enemy[self.src]]] = True
        return enemy | (zone & ~own)

    def truck_graph(
        self, weather: Weather | None, day: int, control: np.ndarray, mine: int, blocked: np.ndarray
    ) -> tuple[csr_matrix, np.ndarray]:
        """Today's motor-transport graph over the edges into hexes lorries may enter (not
        ``blocked``), ground the enemy holds at ``HOSTILE_GROUND_TRUCK_COST``; and the hexes
        lorries reach through mud. Both sides drive on the same
        ground, so its costs are worked out once a day, and then only in the regions whose
        ground or rivers changed since the day before."""
        today = self._truck_day
        if today is None or today.weather is not weather or today.day != day:
            factor, river = self._ground_today(weather, day)
            if today is None or today.weather is not weather:
                cost, ground = self._edge_costs(factor, river, self._order)
            else:
                cost, ground = today.cost, today.ground  # updated in place, region by region
                for k, was in enumerate(zip(today.factor, today.river, strict=True)):
                    if was != (factor[k], river[k]):
                        at = self._by_lut[k]
                        cost[at], ground[at] = self._edge_costs(factor, river, self._order[at])
            mud = np.zeros(self.size, dtype=bool)
            mud[self._cols[ground > 1.5]] = True  # mud (snow is slow going, not ruin)
            today = self._truck_day = TruckDay(weather, day, factor, river, cost, ground, mud)
        into = self._cols
        hostile = np.where(control[into] == mine, 1.0, HOSTILE_GROUND_TRUCK_COST)
        # Every edge stays in the graph (built once, in canonical order); one a lorry may not
        # take costs infinity, which no search ever relaxes: the same as leaving it out.
        cost = np.where(blocked[into], np.inf, today.cost * hostile)
        if self._truck_graph is None:
            indptr = np.zeros(self.size + 1, dtype=np.int32)
            np.cumsum(np.bincount(self._rows, minlength=self.size), out=indptr[1:])
            self._truck_graph = csr_matrix((cost, into, indptr), shape=(self.size,) * 2)
        graph = self._truck_graph
        graph.data = cost  # the graph is the caller's until the next call
        return graph, today.mud


@dataclass(slots=True)
class TruckDay:
    """A day's lorry costs over the edges, in ``SupplyNetwork``'s canonical edge order."""

    weather: Weather | None
    day: int
    factor: list[float]  # the ground per region (see ``SupplyNetwork._ground_today``)
    river: list[float]
    cost: np.ndarray
    ground: np.ndarray
    mud: np.ndarray  # per hex: lorries get there through mud


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
    gauge = SIDE_GAUGE[side]

    # 1. Rail: widest path from the sources over usable rail (max-bottleneck Dijkstra).
    best: dict[int, float] = {}
    heap: list[tuple[float, int]] = []
    live_sources = [s for s in sources if s.side == side and control[grid.index(s.hex)] == mine]
    for s in live_sources:
        i = grid.index(s.hex)
        if s.tons_per_day > best.get(i, 0.0):
            best[i] = s.tons_per_day
            heapq.heappush(heap, (-s.tons_per_day, i))
    used: dict[tuple[Hex, Hex], float] = {}
    # Rail hexes trains may enter: held, and not taken in the last CAPTURED_RAIL_DAYS.
    nodes = net.rail_nodes
    usable = set(
        nodes[(control[nodes] == mine) & (day - captured_day[nodes] >= CAPTURED_RAIL_DAYS)].tolist()
    )
    damaged = {key for key, days in rail_damage.items() if days > 0}
    rail_out, pop, push = net.rail_out, heapq.heappop, heapq.heappush
    while heap:
        neg, i = pop(heap)
        flow = -neg
        if flow < best.get(i, 0.0):
            continue
        for j, key, cap, built in rail_out.get(i, ()):
            if j not in usable or key in damaged:
                continue
            if converted.get(key, built) != gauge:
                cap *= GAUGE_PENALTY
            f = min(flow, cap)
            if f > best.get(j, 0.0):
                best[j] = f
                used[key] = cap
                push(heap, (-f, j))
    hexes = net.theatre.hexes
    railheads = {hexes[i]: tons for i, tons in best.items()}

    # 2. Trucks: multi-source Dijkstra from the railheads over land this side holds.
    level = np.zeros(net.size)
    connected = np.zeros(net.size, dtype=bool)
    truck_load = mud_share = needed = 0.0
    if best:
        graph, mud = net.truck_graph(weather, day, control, mine, blocked)
        heads = np.fromiter(best.keys(), dtype=np.int32)
        dist, _, origin = dijkstra(
            graph, directed=True, indices=heads, min_only=True, return_predecessors=True
        )
        reach = np.isfinite(dist)
        connected = reach
        # Lorries deliver nearly all near the railhead and fall off fast towards their limit.
        level = np.clip(1.0 - (dist / truck_range_km) ** 2, 0.0, 1.0)
        level[~reach] = 0.0
        # 3. Share each railhead's freight among the units it feeds.
        served = level > 0
        by_head = np.bincount(origin[served], weights=demand[served], minlength=net.size)
        tons = np.zeros(net.size)
        tons[heads] = list(best.values())
        share = np.ones(net.size)
        wanted = by_head > 0
        share[wanted] = np.minimum(1.0, tons[wanted] / by_head[wanted])
        level[served] *= share[origin[served]]
        # 4. The lorry fleet: every ton delivered beyond a railhead costs its km in ton-km.
        ton_km = np.where(served, level * demand * np.where(reach, dist, 0.0), 0.0)
        needed = float(ton_km.sum())
        if needed > 0:
            mud_share = float(ton_km[mud].sum()) / needed
        if trucks is not None:
            capacity = max(0.0, trucks) * TRUCK_TON_KM_PER_DAY
            truck_load = needed / capacity if capacity > 0 else (np.inf if needed else 0.0)
            if needed > capacity:
                far = served & (dist > 0)
                level[far] *= capacity / needed
    return SupplyState(
        side=side,
        level=level,
        connected=connected,
        railheads=railheads,
        lines=[(a, b, cap) for (a, b), cap in sorted(used.items())],
        sources=live_sources,
        day=day,
        trucks=trucks,
        ton_km=needed,
        truck_load=float(truck_load),
        mud_share=mud_share,
    )
