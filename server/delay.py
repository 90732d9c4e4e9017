"""Spectator delay: one view's frames held back a number of game hours.

A spectator who sees the match live can tell a player what the enemy is doing; a delay of some
game hours takes the value out of it. The feed receives every frame its view's tracker makes, in
order, keeps them until the game clock is ``delay`` hours past them, and then releases them to
the delayed spectators. It also keeps the view's state as of the last released delta, so that a
spectator joining late gets a snapshot the next released delta applies to.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import msgspec

from shared import protocol as p
from shared.views import snapshot_of


@dataclass(slots=True)
class _Entry:
    hour: int
    frames: list[bytes]
    delta: p.Delta | None = None
    daily: bool = False  # supply / weather / control: the latest batch is sent to joiners


def _empty(d: p.Delta) -> bool:
    return not (d.units or d.removed or d.events) and d.objectives is None and d.visible is None


@dataclass(slots=True)
class DelayedFeed:
    match_id: str
    view: str
    delay: int  # game hours
    queue: deque[_Entry] = field(default_factory=deque)
    units: dict[str, p.UnitView] = field(default_factory=dict)
    objectives: list[p.ObjectiveView] = field(default_factory=list)
    visible: bytes | None = None
    tick: int = -1
    hour: int = 0
    time: str = ""
    finished: bool = False
    winner: str | None = None
    result: str | None = None
    ceasefire: bool = False
    daily: list[bytes] = field(default_factory=list)
    ended: bytes | None = None  # the match.end frame, once released

    def push_delta(self, hour: int, delta: p.Delta, frame: bytes) -> None:
        last = self.queue[-1] if self.queue else None
        if (
            _empty(delta)
            and last is not None
            and last.delta is not None
            and _empty(last.delta)
            and last.hour == hour
        ):
            # Most network ticks change nothing (between game hours, or paused): fold them into
            # one delta from the last one's base, so a paused match does not pile up frames.
            merged = msgspec.structs.replace(delta, base=last.delta.base)
            self.queue[-1] = _Entry(hour, [p.encode(merged)], merged)
            return
        self.queue.append(_Entry(hour, [frame], delta))

    def push_daily(self, hour: int, frames: list[bytes]) -> None:
        if frames:
            self.queue.append(_Entry(hour, list(frames), daily=True))

    def push_end(self, hour: int, frame: bytes) -> None:
        self.queue.append(_Entry(hour, [frame]))

    def release(self, now_hour: int, everything: bool = False) -> list[bytes]:
        """The frames now due, in order; the feed's state moves past them."""
        out: list[bytes] = []
        while self.queue and (everything or self.queue[0].hour <= now_hour - self.delay):
            entry = self.queue.popleft()
            if entry.delta is not None:
                self._apply(entry.delta)
            elif entry.daily:
                self.daily = entry.frames
            else:
                self.ended = entry.frames[0]
            out.extend(entry.frames)
        return out

    def _apply(self, d: p.Delta) -> None:
        for uv in d.units:
            self.units[uv.id] = uv
        for uid in d.removed:
            self.units.pop(uid, None)
        if d.objectives is not None:
            self.objectives = d.objectives
        if d.visible is not None:
            self.visible = d.visible
        self.tick, self.hour, self.time = d.tick, d.hour, d.time
        self.finished, self.winner, self.result = d.finished, d.winner, d.result
        self.ceasefire = d.ceasefire

    def snapshot(self, speed: float, paused: bool, paused_by: str | None) -> p.Snapshot:
        return snapshot_of(self, speed, paused, paused_by)
