"""The mechanism behind ``make test-clock`` (issue 18): a whole run, subprocesses
included, can be moved to another wall-clock moment while monotonic time stays real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TRAVEL_DIR = Path(__file__).resolve().parent / "support" / "timetravel"
PROBE = (
    "import datetime, json, subprocess, sys, time\n"
    "t0 = time.monotonic(); time.sleep(0.05); slept = time.monotonic() - t0\n"
    "child = subprocess.run([sys.executable, '-c', 'import time; print(time.time())'],\n"
    "                       capture_output=True, text=True).stdout\n"
    "print(json.dumps({'now': time.time(), 'local_hour': datetime.datetime.now().hour,\n"
    "                  'slept': slept, 'child': float(child)}))\n"
)


def _real_epoch() -> float:
    # This process may itself be travelling (make test-clock): ask one that is not.
    env = {
        k: v for k, v in os.environ.items() if k not in ("TIME_TRAVEL_TO", "PYTHONPATH")
    }
    done = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    return float(done.stdout)


def _probe(**env: str) -> dict[str, float]:
    merged = {**os.environ, "PYTHONPATH": str(TRAVEL_DIR)}
    merged.pop("TIME_TRAVEL_FROM", None)  # a fresh run's timeline, not the outer one
    merged.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=merged, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, float] = json.loads(done.stdout)
    return out


def test_travel_moves_the_wall_clock_of_a_process_and_of_its_children() -> None:
    # 2026-12-02T03:00:00Z
    out = _probe(TIME_TRAVEL_TO="2026-12-02T03:00:00+00:00", TZ="UTC")
    assert 1796180400 <= out["now"] < 1796180400 + 30
    assert 1796180400 <= out["child"] < 1796180400 + 30
    assert out["local_hour"] == 3


def test_travel_keeps_sleep_and_monotonic_time_real() -> None:
    out = _probe(TIME_TRAVEL_TO="2026-12-02T15:00:00+00:00", TZ="UTC")
    assert 0.04 <= out["slept"] < 5


def test_a_child_started_later_shares_its_parents_timeline() -> None:
    # The run began 300 real seconds ago: a process starting now is 300 s past the target.
    out = _probe(
        TIME_TRAVEL_TO="2026-12-02T03:00:00+00:00",
        TIME_TRAVEL_FROM=repr(_real_epoch() - 300),
        TZ="UTC",
    )
    assert 1796180400 + 299 <= out["now"] < 1796180400 + 330


def test_the_machine_zone_is_what_tz_says_during_travel() -> None:
    # 11:30 in Auckland (NZDT, +13) is 22:30 UTC the evening before.
    out = _probe(TIME_TRAVEL_TO="2026-12-02T11:30:00+13:00", TZ="Pacific/Auckland")
    assert out["local_hour"] == 11
    assert 1796164200 <= out["now"] < 1796164200 + 30


def test_without_a_target_the_run_is_left_alone() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TIME_TRAVEL_TO"}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; print('time_machine' in sys.modules)"],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(TRAVEL_DIR)},
        timeout=60,
    )
    assert done.stdout.strip() == "False"
