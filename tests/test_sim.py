"""``khasan-sim``: a headless battle, AI against AI, reported as JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from maps import SCENARIOS_DIR
from shared.scenario import load
from shared.units import SIDES

ROOT = Path(__file__).resolve().parent.parent
REPORT_KEYS = {
    "scenario",
    "seed",
    "hours",
    "date",
    "state_hash",
    "objectives",
    "score",
    "sides",
    "finished",
    "winner",
    "result",
}
SIDE_KEYS = {"units", "men", "strength", "pending_reinforcements", "losses", "supply"}


def sim(*args: str, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    return subprocess.run(
        [sys.executable, "-m", "shared.sim", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def report(*args: str, hash_seed: str = "0") -> dict[str, Any]:
    done = sim(*args, hash_seed=hash_seed)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_48_hour_run_prints_the_documented_report():
    out = report("lake-khasan", "--hours", "48", "--seed", "3")
    assert set(out) == REPORT_KEYS
    assert (out["scenario"], out["seed"], out["hours"]) == ("lake-khasan", 3, 48)
    start = load("lake-khasan").start
    assert datetime.fromisoformat(out["date"]) == start + timedelta(hours=48)
    assert len(out["state_hash"]) == 64 and int(out["state_hash"], 16) >= 0
    assert set(out["objectives"]) == {"Zaozernaya", "Bezymyannaya"}
    assert set(out["objectives"].values()) <= {"soviet", "japan", None}
    assert set(out["sides"]) == set(SIDES)
    for side in SIDES:
        assert set(out["sides"][side]) == SIDE_KEYS
        assert out["sides"][side]["units"] > 0
        assert 0.0 < out["sides"][side]["strength"] <= 1.0
    # Both sides still have men on the way on 31 July (the 32nd Division, the Hunchun columns).
    assert out["sides"]["soviet"]["pending_reinforcements"] > 0
    assert out["sides"]["japan"]["pending_reinforcements"] > 0
    assert (out["finished"], out["winner"], out["result"]) == (False, None, None)


def test_the_same_seed_gives_the_same_state_hash_whatever_the_hash_seed():
    first = report("lake-khasan", "--hours", "48", "--seed", "3", hash_seed="1")
    second = report("lake-khasan", "--hours", "48", "--seed", "3", hash_seed="2")
    assert first == second


def test_different_seeds_usually_give_different_battles():
    hashes = {
        report("lake-khasan", "--hours", "48", "--seed", str(seed))["state_hash"]
        for seed in (1, 2, 3, 4)
    }
    assert len(hashes) >= 2


def test_a_run_to_the_end_is_decided():
    out = report("lake-khasan", "--seed", "1")
    assert out["finished"] is True
    assert out["result"] in {"destroyed", "objectives", "draw"}
    if out["result"] != "destroyed":  # only destruction ends a battle early
        assert out["hours"] == load("lake-khasan").end_hour
        assert out["date"] == load("lake-khasan").end.isoformat(timespec="minutes")
    if out["result"] == "objectives":
        assert set(out["objectives"].values()) == {out["winner"]}


def test_hours_beyond_the_end_of_the_scenario_stop_at_its_end():
    out = report("lake-khasan", "--hours", "10000", "--seed", "1")
    assert out["hours"] <= load("lake-khasan").end_hour


def test_an_unknown_scenario_is_an_error_not_a_traceback():
    done = sim("lake-baikal")
    assert done.returncode == 2
    assert done.stderr.startswith("khasan-sim: ")
    assert "lake-khasan" in done.stderr  # it lists what is available
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_inconsistent_scenario_data_is_an_error_not_a_traceback(tmp_path):
    text = (SCENARIOS_DIR / "lake-khasan.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('at = "Zarechye"', 'at = "Atlantis"', 1), encoding="utf-8")
    done = sim(str(bad))
    assert done.returncode == 2
    assert "Atlantis" in done.stderr
    assert "Traceback" not in done.stderr
