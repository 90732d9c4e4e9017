"""The AI's staff work beyond "go for the nearest objective": where the front runs, which units
stand on it, and where the railway troops are needed.

A side that is not attacking holds a line: a garrison in each objective it holds, and the rest
spread along the front (its ground that touches the enemy's) within reach of those objectives,
one unit to a stretch, so the line has no open door. Engineers go where the side's own railway
is wrecked or of the other gauge, because the lorries can only carry so far from a railhead.

The front and the works come from what a side knows: the control map is common knowledge, and a
side knows its own railways.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from shared.hexgrid import DIRECTIONS, Hex, within
from shared.staff_searches import front_marks, islands, reach, spread_posts
from shared.supply import CAPTURED_RAIL_DAYS, CONTROL_CODES, SIDE_GAUGE

if TYPE_CHECKING:
    from shared.theatre import Theatre
    from shared.world import World

FRONT_REACH = 8  # hexes from a held objective that the line covers
POCKET_HEXES = 60  # an island of enemy ground behind the front no larger than this...
POCKET_SHARE = 0.75  # ...and bordered this much by the side's own ground is a pocket
LINE_SPACING = 2  # hexes between two units on the line (a hex between them is in both zones)


def axial(grid_cols: int, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axial (q, r) of dense grid indices."""
    row, col = np.divmod(indices, grid_cols)
    return col - (row - (row & 1)) // 2, row


# What tells whether a dict of the railway's state has changed since: the dict and its count
# of writes where it keeps one (``logistics.Tracked``: comparing two counts rather than
# hundreds of entries), else None and a copy of its entries.
Written = tuple[dict[Any, Any] | None, object]


@dataclass
class Memory:
    """What a side's staff work keeps between decisions, side by side: a world keeps its own
    (``World.staff_memory``), so that the matches of one server never evict each other's.
    Everything in it is checked against what it was worked out from, so that it only ever
    saves work, but for the railway works, which are the day's by rule (``works``)."""

    # Per side: the map the front was last found on and its hex indices; the answer too, while
    # the anchors (the objectives held) stay the same as well; and the map the line was last
    # drawn on ((cols, rows, land), control, front marks), to redraw only where it changed.
    front: dict[str, tuple[tuple[int, int, bytes, bytes], np.ndarray]] = field(default_factory=dict)
    line: dict[str, tuple[tuple[int, int, bytes, bytes], tuple[Hex, ...], Line, np.ndarray]] = (
        field(default_factory=dict)
    )
    marks: dict[str, tuple[tuple[int, int, bytes], np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )
    # Per side: the game day the railway works were drawn up, and the works.
    works: dict[str, tuple[int, tuple[Hex, ...]]] = field(default_factory=dict)
    # The railway's condition (``rail_condition``): the edges, the relaying and damage it was
    # worked out from (``written``), the gauge and wrecks per edge, and per gauge the edges a
    # side of that gauge cannot run on (``rail_todo``).
    condition: (
        tuple[Any, Written, Written, tuple[np.ndarray, np.ndarray], dict[str, np.ndarray]] | None
    ) = None
    # Per side: (game day, the railway its trains can use that day); and the sources it was
    # worked out from, as (side, hex), with the railway's nodes they start from.
    rail: dict[str, tuple[int, frozenset[Hex]]] = field(default_factory=dict)
    rail_starts: dict[str, tuple[list[tuple[str, Hex]], np.ndarray]] = field(default_factory=dict)
    pockets: dict[str, tuple[tuple[int, int, bytes, bytes], list[list[Hex]]]] = field(
        default_factory=dict
    )
    # The posts ``posts_array`` last worked on, by identity (kept, so no other takes their id).
    posts: list[tuple[Sequence[Hex], np.ndarray]] = field(default_factory=list)
    # What ``spread`` last worked out: the posts (kept, as above), the units' hexes in order,
    # and the pairs (unit, post) by their positions in the lists.
    spread: list[tuple[Sequence[Hex], list[Hex], list[tuple[int, int]]]] = field(
        default_factory=list
    )
    # The AI's own (``shared.ai``), keyed as there.
    near_front: dict[Any, Any] = field(default_factory=dict)
    objectives: list[Any] = field(default_factory=list)
    railheads: dict[Any, Any] = field(default_factory=dict)
    railhead_tables: dict[Any, Any] = field(default_factory=dict)
    rounded: dict[float, float] = field(default_factory=dict)
    rounded_food: dict[float, float] = field(default_factory=dict)  # days of food, one decimal
    supply_levels: dict[Any, Any] = field(default_factory=dict)


# For callers with no world of their own (a bot plays one match per process).
COMMON = Memory()


def memory_of(world: World) -> Memory:
    """The world's own ``Memory``, made the first time it is asked for."""
    if world.staff_memory is None:
        world.staff_memory = Memory()
    return world.staff_memory


@lru_cache(maxsize=8)
def neighbour_table(cols: int, rows: int) -> np.ndarray:
    """Dense indices of every hex's six neighbours (``DIRECTIONS`` order), n where off the map:
    one gather answers "does it touch ..." for the whole map."""
    n = cols * rows
    q, r = axial(cols, np.arange(n))
    table = np.empty((n, len(DIRECTIONS)), dtype=np.int64)
    for k, (dq, dr) in enumerate(DIRECTIONS):
        nq, nr = q + dq, r + dr
        col = nq + (nr - (nr & 1)) // 2
        inside = (nr >= 0) & (nr < rows) & (col >= 0) & (col < cols)
        table[:, k] = np.where(inside, nr * cols + col, n)
    return table


def hex_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hex distances between every row of ``a`` and every row of ``b`` (both n x 2 axial)."""
    dq = a[:, None, 0] - b[None, :, 0]
    dr = a[:, None, 1] - b[None, :, 1]
    return (np.abs(dq) + np.abs(dr) + np.abs(dq + dr)) // 2


def front_hexes(
    control: np.ndarray,
    land: np.ndarray,
    cols: int,
    rows: int,
    side: str,
    anchors: list[Hex],
    memory: Memory = COMMON,
) -> Sequence[Hex]:
    """The side's land hexes next to the enemy's ground, within ``FRONT_REACH`` of an anchor
    (a ``Line``): the very same one as last time while the line is the same (``spread`` and
    the AI keep what they work out from it by that).

    ``control`` is the owner code per hex (the control map every client gets, row by row over
    ``cols`` x ``rows`` in odd-r offset layout) and ``land`` marks the hexes a unit can stand
    on, so a bot builds the same front from its maps as the server from the world."""
    if not anchors:
        return ()
    mine = CONTROL_CODES[side]
    theirs = CONTROL_CODES["japan" if side == "soviet" else "soviet"]
    # The control map changes in few hours of most: keep each side's last front line.
    key = (cols, rows, control.tobytes(), land.tobytes())
    line = memory.line.get(side)
    if line is not None and line[0] == key and line[1] == tuple(anchors):
        return line[2]
    last = memory.front.get(side)
    if last is not None and last[0] == key:
        coords = last[1]
    else:
        before = memory.marks.get(side)
        fresh = before is None or before[0] != key[:2] + key[3:]
        if fresh:
            was, front = control.copy(), np.zeros(len(control), dtype=bool)
        else:
            _, was, front = before
        # Only hexes that changed hands, and their neighbours, can join or leave the line.
        front_marks(neighbour_table(cols, rows), control, was, land, front, mine, theirs, fresh)
        memory.marks[side] = (key[:2] + key[3:], was, front)
        coords = np.flatnonzero(front)
        memory.front[side] = (key, coords)
    on = coords[within_reach(cols, rows, tuple(anchors))[coords]] if len(coords) else coords
    if line is not None and np.array_equal(line[3], on):
        out = line[2]  # the same line drawn again: the same one
    else:
        q, r = axial(cols, on)
        out = Line(np.stack([q, r], axis=1))
    memory.line[side] = (key, tuple(anchors), out, on)
    return out


class Line(Sequence[Hex]):
    """Hexes in order, kept as the n x 2 array of their axial coordinates they were found as
    (``posts_array`` reads it as it is) and made hexes only when one is asked for: a side on
    the attack only ever measures distances to its front."""

    __slots__ = ("_hexes", "where")

    def __init__(self, where: np.ndarray) -> None:
        self.where = where
        self._hexes: tuple[Hex, ...] | None = None

    @property
    def hexes(self) -> tuple[Hex, ...]:
        """The line's hexes as a tuple, made when first asked for."""
        if self._hexes is None:
            q, r = self.where[:, 0].tolist(), self.where[:, 1].tolist()
            self._hexes = tuple(zip(q, r, strict=True))
        return self._hexes

    def __len__(self) -> int:
        return len(self.where)

    def __getitem__(self, k: Any) -> Any:
        return self.hexes[k]

    def __iter__(self) -> Iterator[Hex]:
        return iter(self.hexes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Line):
            other = other.hexes
        return self.hexes == other

    def __hash__(self) -> int:
        return hash(self.hexes)

    def __repr__(self) -> str:
        return f"Line({self.hexes!r})"


@lru_cache(maxsize=16)
def within_reach(cols: int, rows: int, anchors: tuple[Hex, ...]) -> np.ndarray:
    """Per hex: within ``FRONT_REACH`` of an anchor. The anchors (the objectives a side
    holds) change far less often than the front moves."""
    disc = np.array(list(within((0, 0), FRONT_REACH)))  # offsets of a hex's surroundings
    spots = (np.array(anchors)[:, None, :] + disc[None, :, :]).reshape(-1, 2)
    q, r = spots[:, 0], spots[:, 1]
    col = q + (r - (r & 1)) // 2
    inside = (r >= 0) & (r < rows) & (col >= 0) & (col < cols)
    reach = np.zeros(cols * rows, dtype=bool)
    reach[(r * cols + col)[inside]] = True
    return reach


def land_of(terrain: bytes | bytearray, water: int) -> np.ndarray:
    """Per hex: not water (``water`` is the water terrain's code)."""
    return np.frombuffer(bytes(terrain), dtype=np.uint8) != water


def works(world: World, side: str, memory: Memory = COMMON) -> tuple[Hex, ...]:
    """Hexes of the side's own railway (held at both ends) that engineers should be at: the
    track is wrecked, or still of the other gauge. Drawn up once a game day, as the railway
    crews mend it a day at a time: the day's works are those the side's supply map carries
    (the same tuple while they are the same)."""
    logistics = world.logistics
    if logistics is None:
        return ()
    day = world.hour // 24
    last = memory.works.get(side)
    if last is not None and last[0] == day:
        return last[1]
    # Every edge at once (hundreds of them).
    rails = rail_edges(world.theatre)
    mine, gauge = CONTROL_CODES[side], SIDE_GAUGE[side]
    control = logistics.control
    held = (control[rails.a] == mine) & (control[rails.b] == mine)
    todo = rail_todo(rails, logistics.converted, logistics.rail_damage, gauge, memory)
    out = tuple(sorted({rails.low[k] for k in np.flatnonzero(held & todo).tolist()}))
    if last is not None and last[1] == out:
        out = last[1]  # the same works as before: the same tuple
    memory.works[side] = (day, out)
    return out


class RailEdges:
    """The theatre's railway edges as arrays: hex indices of both ends, gauge as built, the
    lower end's hex, and each edge's position by its key."""

    def __init__(self, theatre: Theatre) -> None:
        keys = list(theatre.rails)
        self.at = {key: k for k, key in enumerate(keys)}
        self.a = np.array([theatre.grid.index(a) for a, _ in keys], dtype=np.int64)
        self.b = np.array([theatre.grid.index(b) for _, b in keys], dtype=np.int64)
        self.gauge = np.array([theatre.rails[key].gauge for key in keys], dtype=str)
        self.low = [min(key) for key in keys]
        # The hexes on the railway, and both ends of each edge numbered among them.
        self.nodes = np.unique(np.concatenate([self.a, self.b]))
        self.node_list: list[Hex] = [theatre.hexes[i] for i in self.nodes.tolist()]
        self.node_of = {h: k for k, h in enumerate(self.node_list)}  # hex -> its node
        self.ca = np.searchsorted(self.nodes, self.a)
        self.cb = np.searchsorted(self.nodes, self.b)
        # Both ways along every edge, by node, each entry naming its edge: the railway as a
        # graph whose edges can be closed by a mask.
        ends = np.concatenate([self.ca, self.cb])
        order = np.argsort(ends, kind="stable")
        self.cols = np.concatenate([self.cb, self.ca])[order]
        self.edge = np.concatenate([np.arange(len(keys))] * 2)[order].astype(np.int64)
        self.indptr = np.zeros(len(self.nodes) + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=len(self.nodes)), out=self.indptr[1:])

    def condition(
        self, converted: dict[tuple[Hex, Hex], str], damage: dict[tuple[Hex, Hex], int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per edge: its gauge now (as built, or as relaid), and whether it is wrecked."""
        at = self.at
        gauge = self.gauge.copy()
        # (Written at once: the keys are distinct, so the order of the writes cannot matter.)
        relaid = [(at[key], now) for key, now in converted.items() if key in at]
        if relaid:
            edges, now = zip(*relaid, strict=True)
            gauge[list(edges)] = now
        wrecked = np.zeros(len(gauge), dtype=bool)
        wrecked[[at[key] for key, days in damage.items() if days > 0 and key in at]] = True
        return gauge, wrecked


def rail_condition(
    rails: RailEdges,
    converted: dict[tuple[Hex, Hex], str],
    damage: dict[tuple[Hex, Hex], int],
    memory: Memory,
) -> tuple[np.ndarray, np.ndarray]:
    """``rails.condition``, kept while the relaying and the damage stay the same: both sides'
    works and open railways ask, and the tracks change a few times a day at most. The arrays
    are shared: not to be written to."""
    last = memory.condition
    if (
        last is not None
        and last[0] is rails
        and unchanged(last[1], converted)
        and unchanged(last[2], damage)
    ):
        return last[3]
    now = rails.condition(converted, damage)
    memory.condition = (rails, written(converted), written(damage), now, {})
    return now


def rail_todo(
    rails: RailEdges,
    converted: dict[tuple[Hex, Hex], str],
    damage: dict[tuple[Hex, Hex], int],
    gauge: str,
    memory: Memory,
) -> np.ndarray:
    """Per edge: still of another gauge than ``gauge``, or wrecked (``rail_condition``):
    worked out once per gauge and condition. Shared: not to be written to."""
    now, wrecked = rail_condition(rails, converted, damage, memory)
    assert memory.condition is not None
    kept = memory.condition[4]
    todo = kept.get(gauge)
    if todo is None:
        todo = kept[gauge] = (now != gauge) | wrecked
    return todo


def written(entries: dict[Any, Any]) -> Written:
    """What ``unchanged`` later compares ``entries`` with."""
    version = getattr(entries, "version", None)
    return (entries, version) if version is not None else (None, dict(entries))


def unchanged(mark: Written, entries: dict[Any, Any]) -> bool:
    """Are ``entries`` what they were when ``written`` made ``mark``?"""
    kept, what = mark
    if kept is not None:
        return kept is entries and what == getattr(entries, "version", None)
    return what == entries


def rail_edges(theatre: Theatre) -> RailEdges:
    """The theatre's ``RailEdges``, built once per map."""
    return theatre.derive("rail_edges", RailEdges)


def posts_array(posts: Sequence[Hex], memory: Memory = COMMON) -> np.ndarray:
    """``posts`` as an n x 2 array, worked out once for the same tuple (the front and the
    works are the same tuple while they stand; a list may change, so it is worked out
    afresh)."""
    if isinstance(posts, Line):
        return posts.where
    for kept, where in memory.posts:
        if kept is posts:
            return where
    where = np.array(posts, dtype=np.int64).reshape(-1, 2)
    if isinstance(posts, tuple):
        keep_posts(posts, where, memory)
    return where


def keep_posts(posts: tuple[Hex, ...], where: np.ndarray, memory: Memory) -> None:
    """Remember ``where`` as the array of ``posts`` (their maker has it at hand)."""
    memory.posts.insert(0, (posts, where))
    del memory.posts[8:]


def spread(
    units: list[tuple[str, Hex]], posts: Sequence[Hex], memory: Memory = COMMON
) -> dict[str, Hex]:
    """Assign units to posts, nearest pairs first; a post taken closes the posts within
    ``LINE_SPACING - 1`` of it, so that the units spread along the line rather than bunch.

    Pairs go by distance, then unit, then post (their order in the lists); compiled, as
    both sides spread their line and their engineers at every decision."""
    if not units or not posts:
        return {}
    hexes = [h for _, h in units]
    # The same units where they stood on the same posts (kept posts only: a list may change):
    # the same pairs (engineers at their works stay for days).
    kept = isinstance(posts, (tuple, Line))
    pairs = None
    if kept:
        for was, stood, found in memory.spread:
            if was is posts and stood == hexes:
                pairs = found
                break
    if pairs is None:
        where = posts_array(posts, memory)
        order, took = spread_posts(np.array(hexes, dtype=np.int64), where, LINE_SPACING - 1)
        pairs = list(zip(order.tolist(), took.tolist(), strict=True))
        if kept:
            memory.spread.insert(0, (posts, hexes, pairs))
            del memory.spread[8:]
    return {units[u][0]: posts[k] for u, k in pairs}


def pockets(
    control: np.ndarray,
    land: np.ndarray,
    cols: int,
    rows: int,
    side: str,
    memory: Memory = COMMON,
) -> list[list[Hex]]:
    """Islands of enemy ground left behind the side's advance: each a list of hexes, a
    connected patch of the enemy's land of at most ``POCKET_HEXES`` whose border is at least
    ``POCKET_SHARE`` the side's ground (water and the map's edge count against it, so a coast,
    an island or the enemy's hinterland is no pocket). Whoever holds one sits astride the
    side's railways and roads until it is reduced. From the control map, which both sides
    know."""
    key = (cols, rows, control.tobytes(), land.tobytes())
    last = memory.pockets.get(side)
    if last is not None and last[0] == key:
        return [list(p) for p in last[1]]
    mine = CONTROL_CODES[side]
    theirs = CONTROL_CODES["japan" if side == "soviet" else "soviet"]
    # Patches of enemy land, each walked once over the neighbour table (compiled).
    inside, label = islands(
        neighbour_table(cols, rows),
        (control == theirs) & land,
        control == mine,
        POCKET_HEXES,
        POCKET_SHARE,
    )
    members = np.flatnonzero(inside)
    out: list[list[Hex]] = []
    if len(members):
        # Each island's hexes by its label (a few islands of a few dozen hexes at most).
        q, r = axial(cols, members)
        groups: dict[int, list[Hex]] = {}
        hexes = zip(q.tolist(), r.tolist(), strict=True)
        for which, h in zip(label[members].tolist(), hexes, strict=True):
            groups.setdefault(which, []).append(h)
        out = sorted(sorted(group) for group in groups.values())
    memory.pockets[side] = (key, out)
    return [list(p) for p in out]


def open_rail(world: World, side: str) -> frozenset[Hex]:
    """Hexes of the railway a side's troop trains can run on today, linked to one of its
    sources (``Logistics.rail_open``), as far as the side can tell (enemy troops it does not
    see are not in its plans); worked out once a game day per side. Each side is sent it in
    its supply map."""
    logistics = world.logistics
    if logistics is None:
        return frozenset()
    day = world.hour // 24
    memory = memory_of(world)
    last = memory.rail.get(side)
    if last is not None and last[0] == day:
        return last[1]
    rails = rail_edges(world.theatre)
    first = _rail_starts(world, side, rails, memory)
    out: frozenset[Hex] = frozenset()
    if len(first):
        # ``Logistics.rail_open`` for every edge at once, then what the sources reach.
        # Per node of the railway: held long enough to run trains on.
        mine, at = CONTROL_CODES[side], rails.nodes
        ours = (logistics.control[at] == mine) & (
            day - logistics.captured_day[at] >= CAPTURED_RAIL_DAYS
        )
        # Enemy troops seen on the line close it (only those on a railway hex can).
        node_of = rails.node_of
        enemy = [h for h in world.occupied_by_enemy_of(side) if h in node_of]
        for h, seen in zip(enemy, world.sees(side, enemy), strict=True):
            if seen:
                ours[node_of[h]] = False
        todo = rail_todo(
            rails, logistics.converted, logistics.rail_damage, SIDE_GAUGE[side], memory
        )
        usable = ours[rails.ca] & ours[rails.cb] & ~todo
        # Over the railway's own hexes, numbered compactly: what the sources reach.
        linked = reach(rails.indptr, rails.cols, rails.edge, usable, first)
        hexes = rails.node_list
        out = frozenset([hexes[k] for k in np.flatnonzero(linked).tolist()])
    memory.rail[side] = (day, out)
    return out


def _rail_starts(world: World, side: str, rails: RailEdges, memory: Memory) -> np.ndarray:
    """The railway's nodes (``rails.nodes`` positions, in order) that the side's sources stand
    on or next to: found again only when the sources change (they never do in a war)."""
    assert world.logistics is not None
    sources = [(s.side, s.hex) for s in world.logistics.sources]
    kept = memory.rail_starts.get(side)
    if kept is not None and kept[0] == sources:
        return kept[1]
    grid, adj = world.theatre.grid, world.logistics.net.rail_adj
    start = set()
    for owner, at in sources:
        if owner == side and world.theatre.contains(at):
            for h in (at, *world.theatre.neighbours(at)):
                if grid.index(h) in adj:
                    start.add(grid.index(h))
    first = np.searchsorted(rails.nodes, sorted(start)).astype(np.int64)
    memory.rail_starts[side] = (sources, first)
    return first
