"""A simple opponent: advance on the objectives, hold what is held, rest when worn out; fly
ground support over the attack, interdict in front of what is held, drop supplies to the cut off.

It decides from a side's view only (its own units and the enemies it can see), so it can drive
an AI seat in the server and a bot over the network alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

import numpy as np

from shared import ai_staff
from shared.ai_staff import spread
from shared.air import AIR_RANGE_KM, COMBAT_MISSIONS
from shared.hexgrid import Hex, distance, line_at, neighbours
from shared.orders import OrderRequest
from shared.staff_searches import fall_backs, nearest_rows
from shared.supply import SupplyState
from shared.terrain import Terrain
from shared.units import KIND_RULES, STACK_LIMIT, Unit
from shared.views import visible_units
from shared.world import World

DECIDE_EVERY_HOURS = 3  # a staff on a battlefield map re-plans every few hours...
THEATRE_DECIDE_EVERY_HOURS = 8  # ...an army's staff on the theatre map three times a day
THEATRE_HEX_KM = 10.0  # hexes this wide or wider make a theatre map
REST_ORG = 0.35  # below this a unit stops to recover
LOW_FOOD_DAYS = 3.0  # below this a unit stops advancing until supply catches up
SUPPLY_FLOOR = 0.25  # ...and where its lorries bring less than this, it goes back to be fed
RESUME_ORG = 0.7  # ...and goes again above this
SUPPORT_KINDS = ("artillery", "anti_air")  # stay behind the line, covering it
NOT_ON_THE_LINE = frozenset(("engineer", *SUPPORT_KINDS))  # nor do engineers man it
ARTILLERY_STANDOFF = 3  # artillery stays this many hexes short of its objective...
SUPPORT_KM = 12.0  # ...or less where hexes are wider than the guns reach (at least one)
ASSAULT_ODDS = 0.5  # the odds (as the staff reckons them) it waits for before an assault
FORT_WEIGHT = 0.5  # what each level of permanent works adds to a defence, in its reckoning
DUG_IN = 1.5  # ...and a defender that has had time to dig in
RAIL_FAR = 20  # hexes from its objective beyond which a unit on the railway takes the train
INTERDICT_AHEAD = 2  # interdiction flies this many hexes in front of a held objective
LEVEL_CAUTION = {"easy": 0.5, "normal": 0.8, "hard": 1.2}  # force ratio it attacks at
GARRISON_PER_POINTS = 4  # a threatened objective gets a unit more for each of these points
LOCAL_HEXES = 3  # how far a unit looks around to judge whether it is about to be overwhelmed
OUTNUMBERED = 2.5  # the local odds against it at which it falls back
HOLD_TO_THE_LAST = 8  # objectives worth this much are not given up by their garrisons
PRESS_ON = 0.75  # ...and the share of that ratio an offensive under way keeps going at
RESERVE_SHARE = 0.3  # of the units not in garrisons, the share a defending side holds back
RESERVE_PER_POST = 2  # reserve units gathered behind each threatened objective
COUNTER_HEXES = 2  # how far from its post a reserve strikes at an enemy who broke in
COUNTER_ODDS = 1.5  # the local odds a reserve wants before it strikes
MOBILE_FIRST = {"armour": 0, "cavalry": 1, "infantry": 2}  # who makes the best reserve
REAR_GARRISON_POINTS = 6  # objectives worth this much keep a garrison however far the front
REAR_GARRISON_HEXES = 10  # ...from the infantry within this many hexes of them
# Infantry holds a city; tanks and horsemen belong in the reserve behind it: in choosing a
# garrison the staff counts them this many hexes further off than they are.
GARRISON_DETOUR = {"armour": 6, "cavalry": 3}
SIEGE_ODDS = 3.0  # an attacking side sends this much against each pocket left behind it
SIEGE_SHARE = 0.35  # ...but no more than this share of its units in all


def decide_every_hours(hex_km: float) -> int:
    """How often the AI re-plans, in game hours: on the theatre's 25 km hexes a column takes
    most of a day to cross a hex, and the armies' staffs worked to orders issued a few times a
    day; on a battlefield of 2 km hexes the fight turns in hours."""
    return THEATRE_DECIDE_EVERY_HOURS if hex_km >= THEATRE_HEX_KM else DECIDE_EVERY_HOURS


def due(world: World) -> bool:
    """Does the AI re-plan this hour of the match?"""
    return world.hour % decide_every_hours(world.theatre.hex_km) == 0


# Not frozen (though never changed once built): the AI builds dozens at every decision, and a
# frozen dataclass takes several times as long to build.
@dataclass(slots=True, unsafe_hash=True)
class SeenUnit:
    """The parts of a unit the AI needs: works from UnitView and from Unit alike."""

    id: str
    side: str
    kind: str
    pos: Hex
    strength: float
    org: float
    men: int
    order: str | None
    to: Hex | None
    mission: str | None = None  # own air units only
    cut_off: bool = False  # own units only
    food: float | None = None  # own units' days of food, theatre scenarios (one decimal)
    supply: float | None = None  # own units: how well their hex is supplied today (0..1)


@dataclass(frozen=True, slots=True)
class SeenObjective:
    name: str
    pos: Hex
    owner: str | None
    value: int = 1


@dataclass(frozen=True, slots=True)
class Staff:
    """What the side's staff knows beyond the units in sight (``shared.ai_staff``)."""

    front: Sequence[Hex]  # own ground touching the enemy's, near the objectives held
    works: Sequence[Hex]  # own railway wrecked or of the other gauge: work for engineers
    railheads: list[Hex] = field(default_factory=list)  # where the side's freight arrives
    # The side's posture (scenario data): a defensive side holds its ground and strikes back
    # with its reserves, but never goes over to the general offensive.
    defensive: bool = False
    land: Callable[[Hex], bool] | None = None  # where a unit can stand (reserves' posts)
    pockets: list[list[Hex]] = field(default_factory=list)  # enemy ground left behind
    ceasefire: bool = False  # a truce holds: nobody attacks, both sides consolidate
    forts: dict[Hex, int] = field(default_factory=dict)  # permanent works: hex -> level
    rail: frozenset[Hex] = frozenset()  # railway the side's trains can run on today
    # What the staff work of this match keeps between decisions (``ai_staff.Memory``).
    memory: ai_staff.Memory = field(default_factory=lambda: ai_staff.COMMON)


def decide(
    side: str,
    units: list[SeenUnit],
    objectives: list[SeenObjective],
    level: str = "normal",
    hex_km: float | None = None,
    staff: Staff | None = None,
) -> list[OrderRequest]:
    """Orders for ``side`` that differ from what its units are already doing.

    ``hex_km`` lets it keep air missions within range (without it the server judges); with a
    ``staff``, a side on the defensive holds a line and engineers mend the railways."""
    mine = sorted((u for u in units if u.side == side), key=lambda u: u.id)
    own = [u for u in mine if u.kind != "air"]
    flyers = [u for u in mine if u.kind == "air"]
    enemies = [u for u in units if u.side != side and u.kind != "air"]
    if not own or not objectives:
        return []
    targets = [o for o in objectives if o.owner != side]
    held = [o for o in objectives if o.owner == side]
    own_power = sum(_strength(u) for u in own)
    enemy_power = sum(_strength(u) for u in enemies)
    # An offensive under way is not called off at the first sight of more enemies than
    # expected: that see-saw is what made fronts swing back and forth.
    advancing = 2 * len([u for u in own if u.order in ("move", "attack")]) > len(own)
    caution = LEVEL_CAUTION.get(level, 0.8) * (PRESS_ON if advancing else 1.0)
    attacking = bool(targets) and own_power >= enemy_power * caution
    truce = staff is not None and staff.ceasefire
    if staff is not None and (staff.defensive or truce):
        attacking = False  # in a ceasefire both sides man their lines and hold their reserves
    posts, reserves = _posts(own, held, attacking, staff)
    strikes = {} if truce else _counter_strikes(own, enemies, reserves)
    if attacking and staff is not None and staff.pockets:
        strikes.update(_sieges(own, enemies, staff.pockets, posts))

    orders: list[OrderRequest] = []
    where = _xy(own)  # where the own units stand, for every table of distances below
    pressure = None if attacking else _Pressure(own, enemies, held, where)
    railheads: list[_Railheads] = []  # the staff's railheads, once a unit asks

    def nearest_railhead(pos: Hex) -> Hex:
        assert staff is not None
        if not railheads:
            railheads.append(_Railheads.of(staff.railheads, staff.memory))
        return railheads[0].nearest(pos)

    nearest_target = _nearest(own, targets, where) if attacking else []
    ring = (
        _massing(own, enemies, targets, nearest_target, staff)
        if attacking and staff is not None
        else {}
    )
    nearest_held = [] if attacking else _nearest(own, held, where)  # only a defence asks
    stops: dict[Hex, Hex | None] = {}  # where the trains go for each objective
    # The garrisons of great cities stand a siege rather than break out (Yamashita at Harbin).
    great = {o.pos for o in held if o.value >= HOLD_TO_THE_LAST}
    for k, unit in enumerate(own):
        want: tuple[str, Hex | None]
        resting = unit.order == "hold" and unit.org < RESUME_ORG
        # A unit living on its last days of food waits for the railheads to catch up rather
        # than march further from them (unless it is cut off: then only breaking out helps).
        hungry = unit.food is not None and unit.food < LOW_FOOD_DAYS and not unit.cut_off
        fallback = pressure.fall_back(k) if pressure is not None else None
        if (
            unit.cut_off
            and staff is not None
            and staff.railheads
            and unit.kind != "air"
            and unit.pos not in great
        ):
            # Encircled: fight through to the nearest railhead before hunger ends it.
            want = ("move" if truce else "attack", nearest_railhead(unit.pos))
        elif fallback is not None:
            want = ("move", fallback)
        elif (
            hungry
            and unit.kind != "air"
            and unit.id not in posts
            and unit.supply is not None
            and unit.supply < SUPPLY_FLOOR
            and staff is not None
            and staff.railheads
        ):
            # Waiting where the lorries barely reach is starving slowly: back to the railhead.
            want = ("move", nearest_railhead(unit.pos))
        elif unit.org < REST_ORG or resting or (hungry and unit.kind != "air"):
            want = ("hold", None)
        elif unit.id in strikes:
            want = ("attack", strikes[unit.id])
        elif unit.id in posts:
            post = posts[unit.id]
            want = ("hold", None) if unit.pos == post else ("move", post)
        elif attacking and unit.id in ring:
            # Around a stronghold too strong for those at hand: close the ring and mass.
            want = ("hold", None) if unit.pos == ring[unit.id] else ("move", ring[unit.id])
        elif unit.order == "rail":
            want = ("rail", unit.to)  # on its trains: let it arrive
        elif attacking and (ride := _train_to(unit, nearest_target[k], staff, stops)) is not None:
            want = ("rail", ride)
        elif attacking:
            want = _approach(unit, nearest_target[k], hex_km)
        elif held and unit.kind not in SUPPORT_KINDS:
            # Defend: stand on or next to the nearest objective we hold.
            goal = nearest_held[k]
            want = ("hold", None) if distance(unit.pos, goal) <= 1 else ("move", goal)
        else:
            want = ("hold", None)
        if want[0] == "hold" and unit.order != "hold":
            orders.append(OrderRequest(unit.id, "hold"))
        elif want[0] in ("move", "attack", "rail") and (
            unit.order != want[0] or unit.to != want[1]
        ):
            orders.append(OrderRequest(unit.id, want[0], want[1]))  # type: ignore[arg-type]
    if not flyers:
        return orders
    picture = _AirPicture.of(own, enemies, targets, held, attacking)
    for unit in flyers:
        if unit.order == "move":
            continue  # rebasing: let it land first
        mission = picture.mission_for(unit, hex_km)
        if truce and mission is not None and mission[0] in COMBAT_MISSIONS:
            mission = None
        if mission is None:
            if unit.order != "hold":
                orders.append(OrderRequest(unit.id, "hold"))
            continue
        kind, goal = mission
        if (unit.order, unit.to, unit.mission) != ("air", goal, kind):
            orders.append(OrderRequest(unit.id, "air", goal, mission=kind))  # type: ignore[arg-type]
    return orders


# Where interdiction flies between an objective and its nearest enemy: asked for every objective
# held at every decision, and the objectives and most enemies stay where they were.
_line_at = lru_cache(maxsize=4096)(line_at)


@dataclass(frozen=True, slots=True)
class _AirPicture:
    """What every air unit's choice of mission starts from, worked out once per decision."""

    cut_off: list[SeenUnit]  # own ground units cut off: airdrops first
    attacking: bool
    targets: list[SeenObjective]
    heading: dict[Hex, int]  # per target: own units bound there
    fronts: list[Hex]  # on the defensive: interdiction targets, most urgent first

    @classmethod
    def of(
        cls,
        own: list[SeenUnit],
        enemies: list[SeenUnit],
        targets: list[SeenObjective],
        held: list[SeenObjective],
        attacking: bool,
        flying: bool = True,
    ) -> _AirPicture:
        """``flying``: the side has air units to task (else the defensive picture is not
        worth drawing)."""
        heading: dict[Hex, int] = {}
        fronts: list[Hex] = []
        if attacking:
            heading = dict.fromkeys((o.pos for o in targets), 0)
            for u in own:
                if u.to in heading:
                    heading[u.to] += 1
        elif held and flying:
            ranked: list[tuple[int, str, Hex]] = []
            if enemies:
                # Each objective's nearest enemy (the first by id among the nearest), at once.
                foes = sorted(enemies, key=lambda e: e.id)
                which, far = _nearest_rows(_xy(held), _xy(foes))
                for o, j, d in zip(held, which.tolist(), far.tolist(), strict=True):
                    ahead = _line_at(o.pos, foes[j].pos, min(INTERDICT_AHEAD, d))
                    ranked.append((d, o.name, ahead))
            else:
                ranked = [(0, o.name, o.pos) for o in held]
            fronts = [h for _, _, h in sorted(ranked)]
        return cls([u for u in own if u.cut_off], attacking, targets, heading, fronts)

    def mission_for(self, unit: SeenUnit, hex_km: float | None) -> tuple[str, Hex] | None:
        """(mission, target) for an air unit: supplies for the cut off first, then support
        over the objective the attack is heading for, or interdiction in front of what is
        held; only within its range (``hex_km`` None: the server judges)."""

        def reach(h: Hex) -> bool:
            return hex_km is None or distance(unit.pos, h) * hex_km <= AIR_RANGE_KM

        cut_off = [u for u in self.cut_off if reach(u.pos)]
        if cut_off:
            return "airdrop", min(cut_off, key=lambda u: (distance(unit.pos, u.pos), u.id)).pos
        if self.attacking:
            # The target most of the attack is heading for, then the nearest, then by name.
            best: tuple[tuple[int, int, str], Hex] | None = None
            for o in self.targets:
                d = distance(unit.pos, o.pos)
                if hex_km is not None and d * hex_km > AIR_RANGE_KM:
                    continue
                key = (-self.heading[o.pos], d, o.name)
                if best is None or key < best[0]:
                    best = (key, o.pos)
            return ("support", best[1]) if best is not None else None
        goal = next((h for h in self.fronts if reach(h)), None)
        return ("interdict", goal) if goal is not None else None


class _Pressure:
    """Where each own unit about to be overwhelmed falls back to, worked out for all of them
    at once (compiled) per decision: every unit on the defensive asks."""

    def __init__(
        self,
        own: list[SeenUnit],
        enemies: list[SeenUnit],
        held: list[SeenObjective],
        where: np.ndarray | None = None,
    ) -> None:
        """``where``: the own units' hexes as an array already."""
        self.answers: list[Hex | None] = [None] * len(own)
        if not enemies or not held:
            return
        # The first of the nearest is the least by (name, hex), as ``min`` would take it.
        ranked = sorted(held, key=lambda o: (o.name, o.pos))
        last_stands = {o.pos for o in held if o.value >= HOLD_TO_THE_LAST}
        found = fall_backs(
            _xy(own) if where is None else where,
            _xy(enemies),
            _xy(ranked),
            np.array([_strength(u) for u in own], dtype=np.float64),
            np.array([_strength(e) for e in enemies], dtype=np.float64),
            np.array([u.pos in last_stands for u in own], dtype=np.bool_),
            LOCAL_HEXES,
            OUTNUMBERED,
        )
        self.answers = [ranked[i].pos if i >= 0 else None for i in found.tolist()]

    def fall_back(self, k: int) -> Hex | None:
        """Where own unit ``k`` about to be overwhelmed falls back to, if it should: an
        objective held further from the enemy than it stands (more than a hex beyond the
        nearest of the enemies around it, from each of them), the nearest such. Great cities
        are held to the last; the rest of the ground is traded for time, as the Kwantung Army
        gave up Qiqihar to escape the trap."""
        return self.answers[k]


def _posts(
    own: list[SeenUnit], held: list[SeenObjective], attacking: bool, staff: Staff | None
) -> tuple[dict[str, Hex], dict[str, Hex]]:
    """Unit id -> the hex it should stand on: engineers at the railway works; on the defensive,
    a garrison in every objective held (the most valuable first), a reserve behind the most
    valuable ones, and the rest on the line. Also the reserve: unit id -> its post. ``own``
    is in order of id, as ``decide`` has it."""
    if staff is None:
        return {}, {}
    posts = spread([(u.id, u.pos) for u in own if u.kind == "engineer"], staff.works, staff.memory)
    if not held:
        return posts, {}
    free = [u for u in own if u.kind not in NOT_ON_THE_LINE and u.id not in posts]
    # Garrisons for the objectives the enemy can reach soon; the rear's towns wait.
    near = _near_front(tuple(o.pos for o in held), staff.front, staff.memory)
    threatened = [o for o, close in zip(held, near, strict=True) if close]
    if attacking:
        # An offensive leaves a division in each great city it has taken near the front, or
        # the enemy's reserves walk back into Mukden behind it.
        # (``free`` is in order of id, as ``own``: the first of the nearest is the least by
        # (distance, id).)
        for obj in sorted(threatened, key=lambda o: (-o.value, o.name)):
            if obj.value >= HOLD_TO_THE_LAST and free:
                which, _ = _nearest_rows(np.array([obj.pos], dtype=np.int64), _xy(free))
                nearest = free.pop(int(which[0]))
                posts[nearest.id] = obj.pos
        return posts, {}
    if threatened and free:
        # The nearest free unit (the first by id among the nearest) for each garrison place,
        # the most valuable objectives first, from one table of distances.
        free = sorted(free, key=lambda u: u.id)
        far = (
            ai_staff.hex_distances(_xy(free), _xy(threatened))
            + np.array([GARRISON_DETOUR.get(u.kind, 0) for u in free])[:, None]
        ).T.copy()  # per objective, per unit
        gone = _INT64_MAX if far.dtype == np.int64 else int(np.iinfo(far.dtype).max)
        taken = [False] * len(free)
        left = len(free)
        ranked = sorted(
            range(len(threatened)), key=lambda j: (-threatened[j].value, threatened[j].name)
        )
        for j in ranked:
            obj = threatened[j]
            for _ in range(min(STACK_LIMIT, 1 + obj.value // GARRISON_PER_POINTS)):
                if not left:
                    break
                i = int(far[j].argmin())  # the first of the nearest not taken
                posts[free[i].id] = obj.pos
                taken[i] = True
                far[:, i] = gone
                left -= 1
        free = [u for u, gone in zip(free, taken, strict=True) if not gone]
    # (Equal objectives stand on the same hex, so are both near the front or both not.)
    rear = _rear_garrisons(free, [o for o, close in zip(held, near, strict=True) if not close])
    free = [u for u in free if u.id not in rear]
    posts.update(rear)
    reserves = _reserves(free, threatened, staff)
    free = [u for u in free if u.id not in reserves]
    posts.update(reserves)
    posts.update(spread([(u.id, u.pos) for u in free], staff.front, staff.memory))
    return posts, reserves


# Further than any distance in a table (a garrison taken is no longer the nearest to anything).
_INT64_MAX = int(np.iinfo(np.int64).max)


# Per set of objectives held: the front last weighed against them, and which were near it.
def _near_front(held: tuple[Hex, ...], front: Sequence[Hex], memory: ai_staff.Memory) -> list[bool]:
    """Per objective held: within ``FRONT_REACH`` of the front. Kept while neither changes
    (the front is the same sequence while it stands): the table is objectives by front
    hexes."""
    kept = memory.near_front  # per set of objectives held: the front weighed, the answer
    last = kept.get(held)
    if last is not None and last[0] is front and isinstance(front, (tuple, ai_staff.Line)):
        return last[1]
    if front:
        where = ai_staff.posts_array(front, memory)
        _, reach = _nearest_rows(np.array(held, dtype=np.int64).reshape(-1, 2), where)
        near = (reach <= ai_staff.FRONT_REACH).tolist()
    else:
        near = [False] * len(held)
    if len(kept) > 64:
        kept.clear()
    kept[held] = (front, near)
    return near


def _reserves(
    free: list[SeenUnit], threatened: list[SeenObjective], staff: Staff
) -> dict[str, Hex]:
    """A share of the free units held back a hex behind the most valuable threatened
    objectives, mobile units first: a line one unit deep breaks wherever it is hit, and a
    reserve at hand is what seals the break (``_counter_strikes``)."""
    count = int(len(free) * RESERVE_SHARE)
    if not count or not threatened:
        return {}
    pool = sorted(
        (u for u in free if u.kind in MOBILE_FIRST),
        key=lambda u: (MOBILE_FIRST[u.kind], -u.men * u.strength, u.id),
    )[:count]
    ranked = sorted(threatened, key=lambda o: (-o.value, o.name))
    front = ai_staff.posts_array(staff.front, staff.memory) if staff.front else None
    slots = [_behind(o.pos, staff, front) for o in ranked[: -(-len(pool) // RESERVE_PER_POST)]]
    if not pool:
        return {}
    far = ai_staff.hex_distances(_xy(pool), np.array(slots, dtype=np.int64)).tolist()
    pairs = sorted(
        (d, u.id, k) for u, row in zip(pool, far, strict=True) for k, d in enumerate(row)
    )
    room = dict.fromkeys(range(len(slots)), RESERVE_PER_POST)
    out: dict[str, Hex] = {}
    for _, uid, k in pairs:
        if uid not in out and room[k]:
            out[uid] = slots[k]
            room[k] -= 1
    return out


def _behind(pos: Hex, staff: Staff, front: np.ndarray | None) -> Hex:
    """The hex next to an objective furthest from the front (``staff.front`` as an array),
    where its reserve waits."""
    if front is None:
        return pos
    around = [n for n in neighbours(pos) if staff.land is None or staff.land(n)]
    if not around:
        return pos
    _, depth = _nearest_rows(np.array(around, dtype=np.int64), front)
    depth = depth.tolist()
    return max(zip(depth, around, strict=True), key=lambda d: (d[0], d[1]))[1]


def _rear_garrisons(free: list[SeenUnit], rear: list[SeenObjective]) -> dict[str, Hex]:
    """Unit id -> the great city behind the front it garrisons: each objective worth
    ``REAR_GARRISON_POINTS`` or more that the enemy cannot reach soon keeps the nearest
    infantry within ``REAR_GARRISON_HEXES`` (the most valuable first), rather than see it
    march off to a line hundreds of kilometres away and leave the city to the first enemy
    column that finds it empty (the Korea Army stays in Korea)."""
    out: dict[str, Hex] = {}
    foot = [u for u in free if u.kind == "infantry"]
    for obj in sorted(rear, key=lambda o: (-o.value, o.name)):
        if obj.value < REAR_GARRISON_POINTS:
            break
        near = [
            (distance(u.pos, obj.pos), u.id)
            for u in foot
            if u.id not in out and distance(u.pos, obj.pos) <= REAR_GARRISON_HEXES
        ]
        if near:
            out[min(near)[1]] = obj.pos
    return out


def _counter_strikes(
    own: list[SeenUnit], enemies: list[SeenUnit], reserves: dict[str, Hex]
) -> dict[str, Hex]:
    """Reserve unit id -> the enemy hex it strikes: the enemy nearest its post within
    ``COUNTER_HEXES``, when the reserve there outweighs what stands around it by
    ``COUNTER_ODDS``. Otherwise the reserve waits."""
    if not reserves or not enemies:
        return {}
    by_id = {u.id: u for u in own}
    groups: dict[Hex, list[SeenUnit]] = {}
    for uid, post in reserves.items():
        groups.setdefault(post, []).append(by_id[uid])
    out: dict[str, Hex] = {}
    for post, group in sorted(groups.items()):
        near = [e for e in enemies if distance(e.pos, post) <= COUNTER_HEXES]
        if not near:
            continue
        foe = min(near, key=lambda e: (distance(e.pos, post), e.id))
        theirs = sum(_strength(e) for e in enemies if distance(e.pos, foe.pos) <= 1)
        ours = sum(_strength(u) for u in group if u.org >= RESUME_ORG)
        if ours >= theirs * COUNTER_ODDS:
            out.update((u.id, foe.pos) for u in group if u.org >= RESUME_ORG)
    return out


def _sieges(
    own: list[SeenUnit], enemies: list[SeenUnit], pockets: list[list[Hex]], posts: dict[str, Hex]
) -> dict[str, Hex]:
    """Unit id -> the pocket hex it attacks. An advance that leaves enemy ground behind it finds
    the enemy astride its railways and roads: the nearest units turn back on each pocket, with
    ``SIEGE_ODDS`` to one against the enemies seen in it (one unit if none are seen), up to
    ``SIEGE_SHARE`` of the side's units in all. ``own`` is in order of id, as ``decide`` has
    it."""
    able = [
        u
        for u in own
        if u.kind in MOBILE_FIRST and u.id not in posts and u.org >= REST_ORG and not u.cut_off
    ]
    budget = int(len(own) * SIEGE_SHARE)
    out: dict[str, Hex] = {}
    where = _xy(able)
    for pocket in pockets:
        area = set(pocket)
        inside = [e for e in enemies if e.pos in area]
        theirs = sum(_strength(e) for e in inside)
        goals = sorted({e.pos for e in inside}) or sorted(pocket)
        ours = 0.0
        if not able:
            continue
        # Each able unit's distance to the pocket, and its nearest goal (the least hex among
        # the nearest: goals are sorted, argmin takes the first), from one table.
        which, far = _nearest_rows(where, np.array(goals, dtype=np.int64))
        aim = which.tolist()
        # By distance, then id: ``able`` is in order of id (as ``own``), so a stable sort.
        for k in np.argsort(far, kind="stable").tolist():
            u = able[k]
            if (ours and ours >= theirs * SIEGE_ODDS) or len(out) >= budget:
                break
            if u.id not in out:
                out[u.id] = goals[aim[k]]
                ours += _strength(u)
    return out


def _strength(u: SeenUnit) -> float:
    return u.men * u.strength * u.org


def _nearest(
    units: list[SeenUnit], objectives: list[SeenObjective], where: np.ndarray | None = None
) -> list[Hex]:
    """For each unit, the objective nearest it, the first by name among the nearest (what
    ``min`` by (distance, name) picks): for every unit at once, since a theatre AI weighs
    dozens of units against dozens of objectives every few hours (``where``: the units'
    hexes as an array already)."""
    if not units or not objectives:
        return []
    ranked = sorted(objectives, key=lambda o: o.name)  # the first of equals is taken
    which, _ = _nearest_rows(_xy(units) if where is None else where, _xy(ranked))
    return [ranked[i].pos for i in which.tolist()]


def _xy(items: Sequence[SeenUnit] | Sequence[SeenObjective]) -> np.ndarray:
    """The hexes of units or objectives as an n x 2 array."""
    # (Read off one flat run of numbers: faster than from a list of pairs.)
    flat = chain.from_iterable([i.pos for i in items])
    return np.fromiter(flat, dtype=np.int64, count=2 * len(items)).reshape(-1, 2)


def _nearest_rows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``shared.staff_searches.nearest_rows``: per row of ``a``, the first nearest row of ``b`` and
    its distance (compiled: the AI asks a dozen times at each decision, of small tables)."""
    return nearest_rows(a, b)


class _Railheads:
    """A side's railheads, with the nearest of them to each hex asked about: they change
    once a day, and the units that ask (cut off, starving) ask again at every decision."""

    def __init__(self, hexes: tuple[Hex, ...]) -> None:
        # In order, so that the first of the nearest is the least (``_nearest_hex``).
        self.hexes = sorted(hexes)
        self.where = np.array(self.hexes, dtype=np.int64).reshape(-1, 2)
        self.answers: dict[Hex, Hex] = {}

    @classmethod
    def of(cls, hexes: list[Hex], memory: ai_staff.Memory) -> _Railheads:
        tables = memory.railhead_tables
        key = tuple(hexes)
        kept = tables.get(key)
        if kept is None:
            if len(tables) > 8:
                tables.clear()
            kept = tables[key] = cls(key)
        return kept

    def nearest(self, pos: Hex) -> Hex:
        found = self.answers.get(pos)
        if found is None:
            which, _ = _nearest_rows(np.array([pos], dtype=np.int64), self.where)
            found = self.answers[pos] = self.hexes[int(which[0])]
        return found


def _approach(unit: SeenUnit, goal: Hex, hex_km: float | None = None) -> tuple[str, Hex | None]:
    """Infantry and armour go for the objective; artillery stops within supporting range."""
    standoff = ARTILLERY_STANDOFF
    if hex_km is not None:
        standoff = min(standoff, max(1, int(SUPPORT_KM // hex_km)))
    if unit.kind in SUPPORT_KINDS and distance(unit.pos, goal) <= standoff:
        return ("hold", None)
    return ("move", goal)


def _train_to(
    unit: SeenUnit, goal: Hex, staff: Staff | None, stops: dict[Hex, Hex | None]
) -> Hex | None:
    """Where a unit far from its objective takes the train to: the open railway hex nearest
    the objective (not next to it), when the unit stands on the railway more than
    ``RAIL_FAR`` hexes away and the train saves it at least half the march. A division
    marching from Irkutsk would arrive for the next war. ``stops`` keeps the answer per
    objective for the decision."""
    if staff is None or not staff.rail or unit.kind == "air" or unit.pos not in staff.rail:
        return None
    far = distance(unit.pos, goal)
    if far <= RAIL_FAR:
        return None
    if goal not in stops:
        line = sorted(staff.rail)
        dist = ai_staff.hex_distances(np.array([goal]), np.array(line))[0]
        ok = np.flatnonzero(dist >= 2)
        stops[goal] = line[int(ok[dist[ok].argmin()])] if len(ok) else None
    stop = stops[goal]
    return stop if stop is not None and distance(stop, goal) * 2 < far else None


KIND_ATTACK = {k.value: r.attack for k, r in KIND_RULES.items()}
KIND_DEFENCE = {k.value: r.defence for k, r in KIND_RULES.items()}


def _massing(
    own: list[SeenUnit],
    enemies: list[SeenUnit],
    targets: list[SeenObjective],
    heading: list[Hex],
    staff: Staff,
) -> dict[str, Hex]:
    """Unit id -> the hex next to its objective where it waits, when the enemy holds the
    objective in strength: the staff reckons the assault (the units around it, the guns
    within reach) against the garrison (dug in, behind its permanent works) and until it has
    ``ASSAULT_ODDS`` it closes a ring around the place instead, every side of it, a full stack
    to a hex, rather than feed divisions one by one into the Taedong forts. The ring also
    cuts the garrison off. ``own`` is in order of id, as ``decide`` has it."""
    out: dict[str, Hex] = {}
    held_by_enemy: dict[Hex, list[SeenUnit]] = {}
    for e in enemies:
        held_by_enemy.setdefault(e.pos, []).append(e)
    own_at: dict[Hex, list[int]] = {}
    for k, u in enumerate(own):
        own_at.setdefault(u.pos, []).append(k)
    # Per objective, the units bound there that may close a ring (in the order of ``own``).
    bound_for: dict[Hex, list[SeenUnit]] = {}
    for u, goal in zip(own, heading, strict=True):
        if u.kind not in SUPPORT_KINDS and u.kind != "air":
            bound_for.setdefault(goal, []).append(u)
    for obj in targets:
        there = held_by_enemy.get(obj.pos)
        if not there:
            continue
        works = 1.0 + FORT_WEIGHT * staff.forts.get(obj.pos, 0)
        defence = sum(_strength(e) * KIND_DEFENCE.get(e.kind, 1.0) for e in there) * works * DUG_IN
        # Those on or next to it, in the order of ``own``.
        close = sorted(k for h in (obj.pos, *neighbours(obj.pos)) for k in own_at.get(h, ()))
        near = [own[k] for k in close]
        attack = sum(
            _strength(u) * (1.25 if u.kind == "artillery" else KIND_ATTACK.get(u.kind, 1.0))
            for u in near
            if u.kind != "air"
        )
        if attack >= defence * ASSAULT_ODDS:
            continue
        ring = [
            n
            for n in sorted(neighbours(obj.pos))
            if n not in held_by_enemy and (staff.land is None or staff.land(n))
        ]
        room = {n: STACK_LIMIT for n in ring}
        bound = bound_for.get(obj.pos, [])
        if not bound or not ring:
            continue
        far = ai_staff.hex_distances(_xy(bound), np.array(ring, dtype=np.int64))
        # The nearest pairs first, then by unit, then by hex: the units are in the order of
        # ``own`` (by id), the ring in order, so a stable sort of the table row by row.
        width = len(ring)
        unplaced, space = len(bound), STACK_LIMIT * width
        for p in np.argsort(far, axis=None, kind="stable").tolist():
            uid, n = bound[p // width].id, ring[p % width]
            if uid not in out and room[n]:
                out[uid] = n
                room[n] -= 1
                unplaced -= 1
                space -= 1
                if not unplaced or not space:
                    break
    return out


def supply_level(world: World, unit: Unit) -> float | None:
    """How well a unit's hex is supplied today, as its side's view shows it (two decimals)."""
    if world.logistics is None:
        return None
    return round(world.logistics.level_at(unit.side, world.theatre.grid.index(unit.pos)), 2)


def _seen_objectives(world: World, memory: ai_staff.Memory) -> list[SeenObjective]:
    """The world's objectives as the AI sees them: the list built last time for this world
    while no objective has changed hands (they are dozens, and change hands seldom). The
    memory keeps the list it was built from (so never another's by a reused id), its
    owners, and what was built."""
    owners: list[object] = [o.owner for o in world.objectives]
    last = memory.objectives
    if last:
        source, was, seen = last[0]
        if source is world.objectives and was == owners:
            return list(seen)
    seen = [SeenObjective(o.name, o.hex, o.owner, o.value) for o in world.objectives]
    last[:] = [(world.objectives, owners, seen)]
    return list(seen)


def _sorted_railheads(side: str, supply: SupplyState | None, memory: ai_staff.Memory) -> list[Hex]:
    """The side's railheads in order, sorted once per day's supply state (hundreds of hexes
    on the theatre, asked for at every decision): the memory keeps the state they were
    sorted from, the sorted list, and the railheads as a set. A new state with the same
    railheads keeps the same list (most days the railheads stay where they were)."""
    if supply is None:
        return []
    last = memory.railheads.get(side)
    if last is not None and last[0] is supply:
        return last[1]
    if last is not None and last[2] == supply.railheads.keys():
        ordered = last[1]
    else:
        ordered = sorted(supply.railheads)
    memory.railheads[side] = (supply, ordered, set(ordered))
    return ordered


def _supply_levels(
    world: World, side: str, visible: list[Unit], memory: ai_staff.Memory
) -> list[float | None]:
    """``supply_level`` of each of the side's own units among ``visible``, in order: rounded
    once per hex and day's supply state (the memory keeps the state and its rounded levels)."""
    assert world.logistics is not None
    state = world.logistics.supply.get(side)
    index = world.theatre.grid.index
    at = [index(u.pos) for u in visible if u.side == side]
    if state is None:
        return [1.0] * len(at)
    last = memory.supply_levels.get(side)
    if last is None or last[0] is not state:
        last = memory.supply_levels[side] = (state, {})
    known = last[1]
    out: list[float | None] = []
    for i in at:
        level = known.get(i)
        if level is None:
            level = known[i] = round(float(state.level[i]), 2)
        out.append(level)
    return out


def from_world(world: World, side: str, level: str = "normal") -> list[OrderRequest]:
    """Orders for a side's AI, decided from exactly what that side's view shows (the side plans
    as one; with several commands, each AI seat issues its own units' share)."""
    memory = ai_staff.memory_of(world)
    visible = visible_units(world, side)
    # ``supply_level`` of every own unit, read off the side's supply map at once.
    supplies: list[float | None] = []
    if world.logistics is not None:
        supplies = _supply_levels(world, side, visible, memory)
    # Strength and organisation rounded as ``views.unit_view`` rounds them, once per value:
    # most units' stay the same from one decision to the next.
    rounded, rounded_food = memory.rounded, memory.rounded_food
    if len(rounded) > 100_000:
        rounded.clear()
    if len(rounded_food) > 100_000:
        rounded_food.clear()
    units: list[SeenUnit] = []
    mine = 0
    for u in visible:
        strength = rounded.get(u.strength)
        if strength is None:
            strength = rounded[u.strength] = round(u.strength, 3)
        org = rounded.get(u.org)
        if org is None:
            org = rounded[u.org] = round(u.org, 3)
        if u.side == side:
            order = u.order
            stocks = u.stocks
            food = None
            if stocks is not None:
                food = rounded_food.get(stocks.food)
                if food is None:
                    food = rounded_food[stocks.food] = round(stocks.food, 1)
            seen = SeenUnit(
                u.id,
                side,
                str(u.kind),
                u.pos,
                strength,
                org,
                u.men,
                order.kind,
                order.to,
                order.mission,
                u.cut_off_hours > 0,
                food,
                supplies[mine] if supplies else None,
            )
            mine += 1
        else:  # an enemy's orders are not in the side's view
            seen = SeenUnit(u.id, u.side, str(u.kind), u.pos, strength, org, u.men, None, None)
        units.append(seen)
    objectives = _seen_objectives(world, memory)
    staff = None
    if world.logistics is not None:
        held = [o.hex for o in world.objectives if o.owner == side]
        supply = world.logistics.supply.get(side)
        grid = world.theatre.grid
        land = world.theatre.derive("land", lambda t: ai_staff.land_of(t.terrain, Terrain.WATER))
        defensive = world.postures.get(side) == "defensive"
        truce = world.ceasefire()
        staff = Staff(
            ai_staff.front_hexes(
                world.logistics.control,
                land,
                grid.cols,
                grid.rows,
                side,
                held,
                memory,
            ),
            ai_staff.works(world, side, memory),
            _sorted_railheads(side, supply, memory),
            defensive,
            world.theatre.passable,
            # Only a side that may attack goes after pockets.
            []
            if defensive or truce
            else ai_staff.pockets(
                world.logistics.control, land, grid.cols, grid.rows, side, memory
            ),
            truce,
            world.forts,
            ai_staff.open_rail(world, side),
            memory,
        )
    return decide(side, units, objectives, level, world.theatre.hex_km, staff)
