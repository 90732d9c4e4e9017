"""The match's log of events and chat as the events panel lists it, in plain Python.

The mirror keeps the raw lines (``Mirror.log``: the deltas' events, chat, presence); this log adds
what a reader of the panel needs: each line's game time, order refusals and changes of the
weather as lines of their own, and a scroll position that stays on the lines being read while
new ones arrive below.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from client.mirror import LogLine, Mirror, OrderError
from shared.hexgrid import Hex
from shared.protocol import WeatherReport

CAPACITY = 500  # lines kept; older ones are dropped
NOWHERE = ("end",)  # event kinds whose ``pos`` is no place to go to


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the panel; ``pos`` is where clicking it moves the camera (None: nowhere)."""

    kind: str  # the event's kind ("combat", "capture"...), "chat", "refused" or "weather"
    text: str
    hour: int | None
    when: str  # game time, e.g. "29 Jul 04:00"
    pos: Hex | None = None
    side: str | None = None


def clock(now_iso: str, now_hour: int, hour: int | None) -> str:
    """The game time of ``hour``, knowing that hour ``now_hour`` is ``now_iso``."""
    try:
        now = datetime.fromisoformat(now_iso)
    except ValueError:
        return f"h{hour}" if hour is not None else ""
    if hour is not None:
        now -= timedelta(hours=now_hour - hour)
    return now.strftime("%d %b %H:%M")


class EventLog:
    """The last CAPACITY lines, oldest first, and how far the reader has scrolled up."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.entries: deque[Entry] = deque(maxlen=capacity)
        self.offset = 0  # lines scrolled up from the newest
        self.version = 0  # bumped on every change the panel must show
        self._match: str | None = None
        self._last: LogLine | None = None
        self._errors: dict[str, OrderError] = {}
        self._weather: WeatherReport | None = None

    def clear(self) -> None:
        self.entries.clear()
        self.offset = 0
        self._last = None
        self._errors = {}
        self._weather = None
        self.version += 1

    # -- taking lines in --------------------------------------------------------------------
    def sync(self, mirror: Mirror) -> int:
        """Take in what the mirror learnt since the last call; returns the number of new lines."""
        if mirror.match != self._match:
            self._match = mirror.match
            self.clear()
        added = self._lines(mirror) + self._refusals(mirror) + self._weather_lines(mirror)
        for entry in added:
            self.add(entry)
        return len(added)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if self.offset:
            self.offset = min(self.offset + 1, max(0, len(self.entries) - 1))
        self.version += 1

    def _entry(
        self,
        mirror: Mirror,
        kind: str,
        text: str,
        hour: int | None = None,
        pos: Hex | None = None,
        side: str | None = None,
    ) -> Entry:
        hour = mirror.hour if hour is None else hour
        return Entry(kind, text, hour, clock(mirror.time, mirror.hour, hour), pos, side)

    def _lines(self, mirror: Mirror) -> list[Entry]:
        fresh: list[LogLine] = []
        for line in reversed(mirror.log):
            if line is self._last:
                break
            fresh.append(line)
        if mirror.log:
            self._last = mirror.log[-1]
        fresh.reverse()
        out = []
        for ln in fresh:
            pos = None if ln.kind in NOWHERE else ln.pos
            out.append(self._entry(mirror, ln.kind, ln.text, ln.hour, pos, ln.side))
        return out

    def _refusals(self, mirror: Mirror) -> list[Entry]:
        """Refused orders, one line per reason however many units it was refused for."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for uid, err in mirror.order_errors.items():
            if self._errors.get(uid) is not err:
                grouped.setdefault((err.code, err.message), []).append(uid)
        self._errors = dict(mirror.order_errors)
        out = []
        for (code, message), uids in grouped.items():
            unit = mirror.units.get(uids[0])
            who = unit.name if unit is not None else uids[0]
            if len(uids) > 1:
                who += f" and {len(uids) - 1} more"
            pos = (unit.pos[0], unit.pos[1]) if unit is not None else None
            out.append(self._entry(mirror, "refused", f"{who}: {message} ({code})", pos=pos))
        return out

    def _weather_lines(self, mirror: Mirror) -> list[Entry]:
        """A line for each region whose sky or ground changed since the last report."""
        report = mirror.weather
        if report is None or report is self._weather:
            return []
        before = {r.region: r for r in self._weather.regions} if self._weather else None
        self._weather = report
        if before is None:
            return []  # the first report of the match is today's weather, not a change
        out = []
        for region in report.regions:
            old = before.get(region.region)
            if old is not None and (old.sky, old.ground) == (region.sky, region.ground):
                continue
            text = f"{region.region}: {region.sky}, {region.temp_c:.0f} C, ground {region.ground}"
            out.append(self._entry(mirror, "weather", text))
        return out

    # -- reading ----------------------------------------------------------------------------
    def window(self, rows: int) -> list[Entry]:
        """The ``rows`` lines shown, oldest first, ``offset`` lines up from the newest."""
        self.offset = max(0, min(self.offset, len(self.entries) - rows))
        end = len(self.entries) - self.offset
        return list(self.entries)[max(0, end - rows) : end]

    def scroll(self, lines: int, rows: int) -> None:
        """Scroll up (positive) or down (negative) by ``lines``, staying within the log."""
        offset = max(0, min(self.offset + lines, len(self.entries) - rows))
        if offset != self.offset:
            self.offset = offset
            self.version += 1

    def at(self, row: int, rows: int) -> Entry | None:
        """The entry on row ``row`` (0 at the top) of a window of ``rows``."""
        shown = self.window(rows)
        top_pad = rows - len(shown)  # a short log sits at the bottom of the panel
        i = row - top_pad
        return shown[i] if 0 <= i < len(shown) else None
