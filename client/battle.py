"""Where the biggest fight is, so the camera can jump to it (B) or keep following it (Shift+B).

A battle is scored by the men in combat in a hex and the hexes around it (attacker and
defender stand in neighbouring hexes), each unit weighted by its remaining strength. Plain
Python on the mirror: works the same for a player and a spectator.
"""

from __future__ import annotations

from client.mirror import Mirror
from shared.hexgrid import Hex, neighbours

FOLLOW_RATE = 4.0  # per second: how fast the camera closes on a followed battle
RESCORE_S = 1.0  # a followed battle is looked for again at most this often


def battle_scores(mirror: Mirror) -> dict[Hex, float]:
    """Men in combat (weighted by strength) in each fighting hex and its neighbours."""
    here: dict[Hex, float] = {}
    for unit in mirror.units.values():
        if unit.combat and not unit.stale:
            h = (unit.pos[0], unit.pos[1])
            here[h] = here.get(h, 0.0) + unit.men * max(unit.strength, 0.05)
    return {h: w + sum(here.get(n, 0.0) for n in neighbours(h)) for h, w in here.items()}


def largest_battle(mirror: Mirror) -> Hex | None:
    """The hex at the heart of the biggest battle in view, None when nobody is fighting."""
    scores = battle_scores(mirror)
    if not scores:
        return None
    return max(scores, key=lambda h: (scores[h], -h[1], -h[0]))


class BattleFollower:
    """Shift+B: keep the camera over the largest battle until toggled off or panned away."""

    def __init__(self) -> None:
        self.following = False
        self.target: Hex | None = None
        self._version = -1
        self._looked = -RESCORE_S

    def toggle(self) -> bool:
        self.following = not self.following
        self._version = -1
        return self.following

    def stop(self) -> None:
        self.following = False

    def update(self, mirror: Mirror, now: float) -> Hex | None:
        """The hex to head for now (None: stay), rescored when the mirror changed."""
        if not self.following:
            return None
        if mirror.version != self._version and now - self._looked >= RESCORE_S:
            self._version, self._looked = mirror.version, now
            self.target = largest_battle(mirror) or self.target
        return self.target
