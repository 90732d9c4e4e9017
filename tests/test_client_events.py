"""The events log (game time, refusals, weather, scrolling) and finding the largest battle."""

from __future__ import annotations

from client.battle import BattleFollower, battle_scores, largest_battle
from client.events import EventLog, clock
from shared.protocol import ChatLine, RegionWeather, WeatherReport
from tests.test_client_mirror import joined_mirror


def test_clock_counts_back_from_the_current_hour() -> None:
    assert clock("1938-07-29T10:00:00", 6, 6) == "29 Jul 10:00"
    assert clock("1938-07-29T10:00:00", 6, 0) == "29 Jul 04:00"
    assert clock("1938-07-30T02:00:00", 22, 18) == "29 Jul 22:00"
    assert clock("not a time", 3, 2) == "h2"


def test_log_takes_events_chat_refusals_and_weather_with_their_time() -> None:
    mirror, feed = joined_mirror("soviet")
    log = EventLog()
    assert log.sync(mirror) == 0
    events = 0
    for _ in range(12):
        delta = feed.hours(6)
        events += len(delta.events)
        mirror.apply(delta, 0.0)
        if events:
            break
    assert events, "twelve half-days of Khasan without a single event"
    assert log.sync(mirror) == events
    first = log.entries[0]
    assert first.hour is not None and first.when == clock(mirror.time, mirror.hour, first.hour)
    assert first.pos is not None, "events carry a place to go to"
    assert log.sync(mirror) == 0, "nothing new, nothing added"
    mirror.apply(ChatLine(player="p2", name="Ivan", text="urra", side="soviet"), 0.0)
    assert log.sync(mirror) == 1 and log.entries[-1].kind == "chat"
    assert "urra" in log.entries[-1].text and log.entries[-1].hour == mirror.hour
    # Two units refused for the same reason make one line; a repeat of it is new again.
    own = mirror.own_units()
    mirror.refuse(own[0].id, "unreachable", "no path", 1.0)
    mirror.refuse(own[1].id, "unreachable", "no path", 1.0)
    assert log.sync(mirror) == 1
    line = log.entries[-1]
    assert line.kind == "refused" and "and 1 more" in line.text and line.pos is not None
    assert log.sync(mirror) == 0
    mirror.refuse(own[0].id, "unreachable", "no path", 2.0)
    assert log.sync(mirror) == 1
    # The first weather report is today's weather; a change after it is an event.
    day = RegionWeather("Primorye", "clear", 24.0, "dry", "normal")
    mirror.weather = WeatherReport(
        match=mirror.match or "", day=1, date="1938-07-29", regions=[day]
    )
    assert log.sync(mirror) == 0
    rain = RegionWeather("Primorye", "storm", 18.0, "mud", "flood")
    mirror.weather = WeatherReport(
        match=mirror.match or "", day=2, date="1938-07-30", regions=[rain]
    )
    assert log.sync(mirror) == 1 and "storm" in log.entries[-1].text
    # A new match starts a new log.
    mirror._reset_match("another", "soviet")
    log.sync(mirror)
    assert not log.entries


def test_scrolling_keeps_the_lines_being_read() -> None:
    mirror, _ = joined_mirror("soviet")
    log = EventLog(capacity=50)
    for i in range(30):
        mirror.apply(ChatLine(player="p", name="n", text=f"line {i}"), 0.0)
    log.sync(mirror)
    rows = 8
    assert [e.text[-2:].strip() for e in log.window(rows)] == [str(i) for i in range(22, 30)]
    log.scroll(5, rows)
    shown = [e.text for e in log.window(rows)]
    assert shown[-1].endswith("line 24")
    mirror.apply(ChatLine(player="p", name="n", text="line 30"), 0.0)
    log.sync(mirror)
    assert [e.text for e in log.window(rows)] == shown, "new lines do not move a scrolled log"
    log.scroll(-100, rows)
    assert log.offset == 0 and log.window(rows)[-1].text.endswith("line 30")
    log.scroll(1000, rows)
    assert log.window(rows)[0].text.endswith("line 0")
    assert log.at(0, rows) is log.window(rows)[0] and log.at(rows, rows) is None
    short = EventLog()
    short.add(log.entries[0])
    assert short.at(rows - 1, rows) is log.entries[0] and short.at(0, rows) is None


def test_largest_battle_weighs_men_in_combat_around_a_hex() -> None:
    mirror, _ = joined_mirror("spectator")
    assert largest_battle(mirror) is None
    units = sorted(mirror.units.values(), key=lambda u: u.id)
    small, big = units[0], units[1]
    big_mate = next(u for u in units[2:] if u.pos != big.pos)
    small.combat = big.combat = big_mate.combat = True
    big.men, big.strength = 10_000, 1.0
    small.men, small.strength = 500, 1.0
    big_mate.men, big_mate.strength = 3_000, 1.0
    big_mate.pos = (big.pos[0] + 1, big.pos[1])  # a neighbour: part of the same battle
    scores = battle_scores(mirror)
    assert scores[(big.pos[0], big.pos[1])] >= 13_000
    assert largest_battle(mirror) == (big.pos[0], big.pos[1])
    follower = BattleFollower()
    assert follower.update(mirror, 0.0) is None, "not following until toggled"
    assert follower.toggle() is True
    assert follower.update(mirror, 0.0) == (big.pos[0], big.pos[1])
    follower.stop()
    assert follower.update(mirror, 5.0) is None
