"""Weather by region and season: deterministic, seasonal, and what it does to the ground."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from shared.weather import CLIMATES, Ground, Rivers, Sky, Weather, daylight_hours, is_night

START = date(1938, 7, 29)
DAYS = 520  # to the end of 1939


@pytest.fixture(scope="module")
def weather() -> Weather:
    return Weather(list(CLIMATES), START, DAYS, seed=11)


def days_in(weather: Weather, region: str, months: set[int]) -> list:
    return [d for d in weather.days[region][:DAYS] if d.date.month in months]


def test_same_seed_same_weather_other_seed_other_weather(weather: Weather) -> None:
    again = Weather(list(CLIMATES), START, DAYS, seed=11)
    other = Weather(list(CLIMATES), START, DAYS, seed=12)
    assert again.days == weather.days
    assert other.days != weather.days


def test_a_region_s_weather_does_not_depend_on_which_other_regions_exist() -> None:
    alone = Weather(["korea south"], START, 60, seed=5)
    together = Weather(list(CLIMATES), START, 60, seed=5)
    assert alone.days["korea south"] == together.days["korea south"]


def test_the_summer_rains_make_mud_far_more_than_the_autumn(weather: Weather) -> None:
    for region in ("manchurian plain", "korea north"):
        summer = Counter(d.ground for d in days_in(weather, region, {7, 8}))
        autumn = Counter(d.ground for d in days_in(weather, region, {10}))
        share_summer = summer[Ground.MUD] / sum(summer.values())
        share_autumn = autumn[Ground.MUD] / sum(autumn.values())
        assert share_summer > 0.3 > share_autumn


def test_rivers_flood_in_the_rains_and_freeze_in_the_manchurian_winter(weather: Weather) -> None:
    summer = Counter(d.rivers for d in days_in(weather, "manchurian plain", {7, 8}))
    winter = Counter(d.rivers for d in days_in(weather, "manchurian plain", {1, 2}))
    assert summer[Rivers.FLOOD] > 0 and summer[Rivers.FROZEN] == 0
    assert winter[Rivers.FROZEN] == sum(winter.values())
    south = Counter(d.rivers for d in days_in(weather, "korea south", {1, 2}))
    assert south[Rivers.FROZEN] < sum(south.values()) / 2, "southern Korea stays milder"


def test_winter_ground_is_hard_and_the_thaw_brings_mud(weather: Weather) -> None:
    january = Counter(d.ground for d in days_in(weather, "manchurian plain", {1}))
    assert january[Ground.FROZEN] + january[Ground.SNOW] == sum(january.values())
    spring = Counter(d.ground for d in days_in(weather, "manchurian plain", {3, 4}))
    assert spring[Ground.MUD] >= 10


def test_snow_falls_only_below_freezing_and_storms_ground_aircraft(weather: Weather) -> None:
    for series in weather.days.values():
        for d in series:
            if d.sky in (Sky.SNOW, Sky.BLIZZARD):
                assert d.temp_c < 0
            if d.sky in (Sky.RAIN, Sky.STORM):
                assert d.temp_c >= 0
            assert d.flying == (d.sky in (Sky.CLEAR, Sky.CLOUD))


def test_the_forecast_is_the_days_ahead(weather: Weather) -> None:
    ahead = weather.forecast("amur", 10)
    assert [d.date for d in ahead] == [date(1938, 8, 9), date(1938, 8, 10), date(1938, 8, 11)]
    assert ahead[0] == weather.on("amur", 11)


def test_unknown_region_falls_back_to_the_first() -> None:
    w = Weather(["amur"], START, 10, seed=1)
    assert w.on("atlantis", 3) == w.on("amur", 3)


def test_nights_are_long_in_winter_and_short_in_summer() -> None:
    assert daylight_hours(date(1938, 6, 21), 45) > 15
    assert daylight_hours(date(1938, 12, 21), 45) < 9.5
    assert is_night(datetime(1938, 8, 1, 23), 45)
    assert not is_night(datetime(1938, 8, 1, 13), 45)
    assert is_night(datetime(1938, 12, 21, 17, 30), 45)
    assert not is_night(datetime(1938, 6, 21, 17, 30), 45)
