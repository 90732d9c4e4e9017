"""Units and the kinds they come in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from shared.hexgrid import Hex

if TYPE_CHECKING:
    from shared.supply import Stocks

SIDES = ("soviet", "japan")


def enemy_of(side: str) -> str:
    return "japan" if side == "soviet" else "soviet"


class Kind(StrEnum):
    INFANTRY = "infantry"
    ARMOUR = "armour"
    ARTILLERY = "artillery"
    CAVALRY = "cavalry"
    ENGINEER = "engineer"
    ANTI_AIR = "anti_air"  # anti-aircraft guns: spoil enemy sorties around them (shared.air)
    AIR = "air"  # aircraft at an airfield: flies missions (shared.air), never fights on the ground


@dataclass(frozen=True, slots=True)
class KindRules:
    speed_kmh: float  # cross-country marching speed in good order
    attack: float  # combat power per 1,000 men (or equivalent) attacking
    defence: float  # the same defending
    sight_km: float
    armoured: bool  # moves and fights as a tracked/motorised unit
    support_km: float = 0.0  # artillery: range at which it joins fights it is not in


KIND_RULES: dict[Kind, KindRules] = {
    Kind.INFANTRY: KindRules(3.0, 1.0, 1.0, 5.0, False),
    Kind.ARMOUR: KindRules(8.0, 3.0, 1.5, 4.0, True),
    Kind.ARTILLERY: KindRules(2.5, 0.4, 0.5, 4.0, False, support_km=12.0),
    Kind.CAVALRY: KindRules(6.0, 0.8, 0.7, 8.0, False),
    Kind.ENGINEER: KindRules(3.0, 0.6, 0.8, 5.0, False),  # repairs and converts railways
    Kind.ANTI_AIR: KindRules(3.0, 0.3, 0.5, 6.0, False),
    Kind.AIR: KindRules(300.0, 0.0, 0.2, 0.0, False),  # speed: rebasing flight, straight line
}

STACK_LIMIT = 3  # units of one side in one hex
DESTROYED_BELOW = 0.05  # strength under which a unit ceases to exist as a formation


@dataclass(frozen=True, slots=True)
class Order:
    """What a unit is doing: marching (``move``) or fighting its way (``attack``) to a hex
    through the waypoints still ahead (``via``), riding a train there (``rail``), or holding
    where it stands; an air unit may instead fly a ``mission`` over target hex ``to`` (``air``).
    Waypoints are kept so that a march replanned on the way still goes where it was told."""

    kind: str  # "move" | "attack" | "rail" | "hold" | "air"
    to: Hex | None = None
    mission: str | None = None  # "support" | "interdict" | "airdrop" | "recon" (kind "air")
    via: tuple[Hex, ...] = ()  # waypoints not reached yet, in order (move, attack)


HOLD = Order("hold")


# A unit is one formation however its fields change: equal only to itself (a field-by-field
# comparison would also be slow where lists of units are searched).
@dataclass(slots=True, eq=False)
class Unit:
    id: str
    side: str
    kind: Kind
    name: str
    pos: Hex
    men: int  # establishment; power scales with men * strength
    strength: float = 1.0  # fraction of establishment still fighting
    org: float = 1.0  # organisation: cohesion; a unit breaks when it runs out
    order: Order = HOLD
    path: list[Hex] = field(default_factory=list)
    progress: float = 0.0  # km marched towards the next hex of the path
    in_combat: bool = False  # fought in the hour just simulated
    marched: bool = False  # moved in the hour just simulated
    stocks: Stocks | None = None  # days of food, ammunition, fuel (theatre scenarios)
    cut_off_hours: int = 0  # hours with no railhead able to reach it
    surrendered: bool = False
    entrenched: float = 0.0  # 0..1: field works dug while holding still (full after 3 days)
    flown_day: int = -1  # air units: the game day it last flew (daily mission effects done)
    command: str = ""  # the command (seat) that orders it; "" is the side's only command
    # Fixed by the kind, and asked by every rules loop every hour: kept, not looked up.
    rules: KindRules = field(init=False, repr=False, compare=False)
    # Aircraft: based at a hex, but never blocking, stacking, assaulting or defending.
    is_air: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.rules = KIND_RULES[self.kind]
        self.is_air = self.kind == Kind.AIR

    @property
    def power_base(self) -> float:
        """Thousands of men still with the colours."""
        return self.men / 1000.0 * self.strength
