"""The spectator delay's feed: frames held back by game hours, folded while nothing changes."""

from __future__ import annotations

from server.delay import DelayedFeed
from shared import protocol as p

UNIT = p.UnitView("u1", "soviet", "infantry", "1st Rifle", (1, 2), 1.0, 1.0, 12000)


def delta(tick: int, base: int, hour: int, **changes: object) -> p.Delta:
    return p.Delta(
        match="m", tick=tick, base=base, hour=hour, time="", speed=1.0, paused=False, **changes
    )


def push(feed: DelayedFeed, d: p.Delta) -> None:
    feed.push_delta(d.hour, d, p.encode(d))


def test_frames_wait_until_the_clock_is_the_delay_past_them() -> None:
    feed = DelayedFeed("m", "spectator", delay=6)
    push(feed, delta(1, 0, hour=0, units=[UNIT]))
    push(feed, delta(2, 1, hour=3, removed=["u1"]))
    assert feed.release(5) == []
    assert [p.decode_server(f).tick for f in feed.release(6)] == [1]  # type: ignore[union-attr]
    assert list(feed.snapshot(1.0, False, None).units) == [UNIT]
    assert len(feed.release(9)) == 1 and feed.units == {}
    push(feed, delta(3, 2, hour=9, units=[UNIT]))
    assert len(feed.release(9, everything=True)) == 1  # the match is over: nothing to hide


def test_ticks_that_change_nothing_fold_into_one_delta_that_still_chains() -> None:
    feed = DelayedFeed("m", "spectator", delay=2)
    push(feed, delta(1, 0, hour=0, units=[UNIT]))
    for tick in range(2, 200):  # a long pause: every tick an empty delta
        push(feed, delta(tick, tick - 1, hour=1))
    assert len(feed.queue) == 2
    frames = [p.decode_server(f) for f in feed.release(3)]
    assert [(d.base, d.tick) for d in frames] == [(0, 1), (1, 199)]  # type: ignore[union-attr]
    assert feed.tick == 199 and feed.units == {"u1": UNIT}
