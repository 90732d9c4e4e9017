"""Calendar, daylight and weather by region and season, deterministic from the match seed.

Weather is generated a day at a time for each climate region from monthly normals (mean
temperature, chance of precipitation) with its own random stream, so it never depends on what
happens in the battle: both sides see the same weather, and a forecast is simply the days ahead.
What the ground does follows from the days before: rain makes mud and swells rivers (the July-August
rains), hard frost freezes ground and rivers (December to March), the thaw brings mud again.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache


class Sky(StrEnum):
    CLEAR = "clear"
    CLOUD = "cloud"
    RAIN = "rain"
    STORM = "storm"  # heavy rain: floods and grounded aircraft
    SNOW = "snow"
    BLIZZARD = "blizzard"


class Ground(StrEnum):
    DRY = "dry"
    MUD = "mud"
    FROZEN = "frozen"
    SNOW = "snow"  # deep snow over frozen ground


class Rivers(StrEnum):
    NORMAL = "normal"
    FLOOD = "flood"
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class Day:
    """One region's weather for one day."""

    date: date
    sky: Sky
    temp_c: float  # daily mean
    ground: Ground
    rivers: Rivers

    @property
    def flying(self) -> bool:
        """Aircraft fly (ground support, interdiction, airdrops) only in fair weather."""
        return self.sky in (Sky.CLEAR, Sky.CLOUD)


@dataclass(frozen=True, slots=True)
class Climate:
    """Monthly normals, January first: mean temperature (deg C) and chance of a wet day."""

    temp: tuple[float, ...]
    wet: tuple[float, ...]
    latitude: float


# From the climate normals of the region's main stations (Chita, Hailar, Harbin, Blagoveshchensk,
# Vladivostok, Pyongyang, Seoul, Yuzhno-Sakhalinsk), rounded.
CLIMATES: dict[str, Climate] = {
    "mongolian steppe": Climate(
        (-24, -20, -9, 2, 10, 17, 20, 18, 10, 0, -12, -21),
        (0.05, 0.05, 0.07, 0.1, 0.15, 0.3, 0.4, 0.35, 0.2, 0.08, 0.06, 0.05),
        48.5,
    ),
    "khingan": Climate(
        (-26, -21, -10, 1, 9, 16, 19, 17, 9, -1, -14, -23),
        (0.08, 0.07, 0.1, 0.15, 0.25, 0.4, 0.5, 0.45, 0.3, 0.12, 0.1, 0.08),
        49.0,
    ),
    "manchurian plain": Climate(
        (-18, -14, -5, 6, 14, 20, 23, 21, 15, 6, -5, -15),
        (0.07, 0.07, 0.1, 0.15, 0.25, 0.4, 0.55, 0.5, 0.3, 0.15, 0.1, 0.08),
        45.0,
    ),
    "amur": Climate(
        (-24, -19, -9, 3, 11, 18, 21, 19, 12, 2, -11, -21),
        (0.06, 0.06, 0.08, 0.15, 0.25, 0.4, 0.5, 0.5, 0.3, 0.12, 0.08, 0.07),
        49.5,
    ),
    "primorye": Climate(
        (-13, -9, -2, 5, 10, 14, 19, 21, 16, 9, 0, -9),
        (0.08, 0.08, 0.12, 0.2, 0.3, 0.35, 0.45, 0.5, 0.35, 0.2, 0.12, 0.08),
        44.0,
    ),
    "korea north": Climate(
        (-8, -4, 2, 10, 16, 21, 24, 24, 19, 11, 3, -5),
        (0.08, 0.08, 0.12, 0.18, 0.25, 0.35, 0.55, 0.5, 0.3, 0.15, 0.15, 0.1),
        39.5,
    ),
    "korea south": Climate(
        (-2, 0, 6, 12, 18, 22, 25, 26, 21, 14, 7, 0),
        (0.1, 0.1, 0.15, 0.2, 0.25, 0.35, 0.55, 0.5, 0.3, 0.15, 0.15, 0.1),
        36.5,
    ),
    "sakhalin": Climate(
        (-13, -12, -6, 1, 7, 11, 16, 18, 13, 6, -2, -10),
        (0.2, 0.15, 0.15, 0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.3, 0.25, 0.2),
        47.0,
    ),
}
DEFAULT_CLIMATE = "manchurian plain"

FORECAST_DAYS = 3
FREEZE_BELOW = -5.0  # mean temperature that freezes the ground over a few days
RIVERS_FREEZE_BELOW = -10.0
MUD_AFTER_WET_DAYS = 2  # wet days in the last three that turn the ground to mud
FLOOD_AFTER_WET_DAYS = 4  # wet days in the last five that swell the rivers
THAW_MUD_DAYS = 14  # the spring thaw's mud season


def _normal(values: tuple[float, ...], when: date) -> float:
    """Monthly normals interpolated to the day, so seasons change smoothly."""
    month = when.month - 1 + (when.day - 15) / 30.0
    lo = math.floor(month)
    frac = month - lo
    return values[lo % 12] * (1 - frac) + values[(lo + 1) % 12] * frac


class Weather:
    """The weather of every region, day by day, from a start date for a number of days."""

    def __init__(self, regions: list[str], start: date, days: int, seed: int) -> None:
        self.start = start
        self.regions = regions or [DEFAULT_CLIMATE]
        self.days: dict[str, list[Day]] = {
            region: _generate(
                CLIMATES.get(region, CLIMATES[DEFAULT_CLIMATE]),
                region,
                start,
                days + FORECAST_DAYS,
                seed,
            )
            for region in self.regions
        }

    def on(self, region: str | None, day: int) -> Day:
        series = self.days.get(region or "", None) or self.days[self.regions[0]]
        return series[max(0, min(day, len(series) - 1))]

    def forecast(self, region: str | None, day: int, n: int = FORECAST_DAYS) -> list[Day]:
        return [self.on(region, day + k) for k in range(1, n + 1)]


def _generate(climate: Climate, region: str, start: date, days: int, seed: int) -> list[Day]:
    # A stream of its own per region: str seeds hash stably across processes.
    rng = random.Random(f"weather:{seed}:{region}")
    out: list[Day] = []
    wet_history: list[bool] = []
    cold_days = 0
    thaw_left = 0
    anomaly = 0.0
    for k in range(days):
        when = start + timedelta(days=k)
        anomaly = 0.7 * anomaly + rng.gauss(0.0, 3.0)  # weather systems last a few days
        temp = round(_normal(climate.temp, when) + anomaly, 1)
        wet_today = rng.random() < _normal(climate.wet, when)
        heavy = wet_today and rng.random() < 0.25
        if wet_today and temp < 0:
            sky = Sky.BLIZZARD if heavy else Sky.SNOW
        elif wet_today:
            sky = Sky.STORM if heavy else Sky.RAIN
        else:
            sky = Sky.CLOUD if rng.random() < 0.4 else Sky.CLEAR
        wet_history.append(wet_today and temp >= 0)
        # Frost builds up over days and a thaw undoes it over days (capped: no long memory).
        cold_days = min(10, cold_days + 1) if temp < FREEZE_BELOW else max(0, cold_days - 3)

        prev = out[-1].ground if out else Ground.DRY
        frozen_before = prev in (Ground.FROZEN, Ground.SNOW)
        if cold_days >= 3 or (frozen_before and temp <= 0):
            snowing = sky in (Sky.SNOW, Sky.BLIZZARD)
            ground = Ground.SNOW if snowing or prev == Ground.SNOW else Ground.FROZEN
        elif frozen_before:
            ground = Ground.MUD  # the thaw: melt water has nowhere to go for weeks
            thaw_left = THAW_MUD_DAYS
        elif thaw_left > 0:
            ground = Ground.MUD
            thaw_left -= 1
        elif sum(wet_history[-3:]) >= MUD_AFTER_WET_DAYS:
            ground = Ground.MUD
        elif out and out[-1].ground == Ground.MUD and (wet_today or rng.random() < 0.5):
            ground = Ground.MUD  # mud takes a dry day or two to go
        else:
            ground = Ground.DRY

        if (cold_days >= 7 and temp < RIVERS_FREEZE_BELOW) or (
            out and out[-1].rivers == Rivers.FROZEN and temp < 0
        ):
            rivers = Rivers.FROZEN
        elif sum(wet_history[-5:]) >= FLOOD_AFTER_WET_DAYS or (
            out and out[-1].rivers == Rivers.FROZEN  # break-up floods
        ):
            rivers = Rivers.FLOOD
        else:
            rivers = Rivers.NORMAL
        out.append(Day(when, sky, temp, ground, rivers))
    return out


@lru_cache(maxsize=1 << 16)
def daylight_hours(when: date, latitude: float) -> float:
    """Hours of daylight on a date at a latitude (standard declination formula); remembered,
    since every unit asks every hour and the answer only changes with the day."""
    x = -math.tan(math.radians(latitude)) * _tan_declination(when)
    return 24.0 * math.acos(max(-1.0, min(1.0, x))) / math.pi


@lru_cache(maxsize=1 << 10)
def _tan_declination(when: date) -> float:
    """The tangent of the sun's declination on a date: the same at every latitude."""
    day_of_year = when.timetuple().tm_yday
    return math.tan(math.radians(23.44) * math.sin(2 * math.pi * (284 + day_of_year) / 365.0))


def daylight_span(when: date, latitude: float) -> tuple[float, float]:
    """Sunrise and sunset on a date at a latitude, in hours of local solar time."""
    half = daylight_hours(when, latitude) / 2.0
    return 12.0 - half, 12.0 + half


def is_night(moment: datetime, latitude: float) -> bool:
    """Night by local solar time: the game clock is the theatre's local time."""
    rise, sets = daylight_span(moment.date(), latitude)
    return not (rise <= moment.hour + moment.minute / 60.0 < sets)
