"""Concurrent writers on one SQLite file: several processes, several threads each,
check-ins and routine progress for the same users at once, every write on a
(user, day) of its own so the expected end state is known exactly.

``python -m tests.support.concurrency --db PATH --writers 0-3 --writes 500``
runs one process's writers; ``plan`` says what the whole run must leave behind.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from skill import envelopes
from skill.builder import build_skill
from skill.content import default_library
from skill.core.routine_history import history_of
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.runtime import SkillRuntime
from skill.settings import load_settings
from skill.store.sqlite import SqliteStore

USERS = tuple(f"amzn1.ask.account.CONC{i:02d}" for i in range(20))
FIRST_DAY = date(2025, 6, 1)
ROUTINE_EVERY = 4  # every 4th write also saves routine progress for that night


@dataclass(frozen=True)
class Write:
    user: str
    day: date
    score: int
    routine: bool


def write_of(writer: int, i: int, writes: int) -> Write:
    g = writer * writes + i
    return Write(
        user=USERS[g % len(USERS)],
        day=FIRST_DAY + timedelta(days=g // len(USERS)),
        score=(g * 7) % 11,
        routine=i % ROUTINE_EVERY == 0,
    )


def plan(writers: int, writes: int) -> dict[str, dict[str, Any]]:
    """user -> {"days": {iso day: score}, "nights": {iso night}} the run must leave."""
    out: dict[str, dict[str, Any]] = {u: {"days": {}, "nights": set()} for u in USERS}
    for w in range(writers):
        for i in range(writes):
            write = write_of(w, i, writes)
            out[write.user]["days"][write.day.isoformat()] = write.score
            if write.routine:
                out[write.user]["nights"].add(write.day.isoformat())
    return out


class ThreadClock:
    """Each thread's requests happen at the moment that thread set."""

    def __init__(self) -> None:
        self._local = threading.local()

    def set(self, moment: datetime) -> None:
        self._local.now = moment

    def __call__(self) -> datetime:
        return self._local.now  # type: ignore[no-any-return]


def _speech(out: dict[str, Any]) -> str:
    return str(out.get("response", {}).get("outputSpeech", {}).get("ssml", ""))


def run_writer(runtime: SkillRuntime, clock: ThreadClock, writer: int, writes: int) -> list[str]:
    problems: list[str] = []
    for i in range(writes):
        write = write_of(writer, i, writes)
        caller = Caller(user_id=write.user)
        morning = datetime.combine(write.day, datetime.min.time(), UTC) + timedelta(hours=7)
        clock.set(morning)
        out = runtime.handle(
            envelopes.intent(caller, morning, "CheckInIntent", {"Score": str(write.score)})
        )
        if "couldn" in _speech(out):
            problems.append(f"check-in apology {write}")
        if write.routine:
            evening = morning + timedelta(hours=15)  # 22:00: the night of write.day
            clock.set(evening)
            slot = SlotInput("bedtime", "bedtime", "bedtime", "RoutineName")
            out = runtime.handle(
                envelopes.intent(caller, evening, "StartRoutineIntent", {"RoutineName": slot})
            )
            stop = envelopes.intent(caller, evening, "AMAZON.StopIntent", new=False)
            stop["session"]["attributes"] = out.get("sessionAttributes") or {}
            out = runtime.handle(stop)
            if "couldn" in _speech(out):
                problems.append(f"routine apology {write}")
    return problems


def run_process(db: Path, writers: Sequence[int], writes: int) -> list[str]:
    clock = ThreadClock()
    store = SqliteStore(db, timeout_s=5.0)
    deps = Deps(
        settings=load_settings(dev=True, data_dir=db.parent),
        store=store,
        content=default_library(),
        clock=clock,
    )
    runtime = SkillRuntime(build_skill(deps))
    problems: list[str] = []
    lock = threading.Lock()

    def one(w: int) -> None:
        found = run_writer(runtime, clock, w, writes)
        with lock:
            problems.extend(found)

    threads = [threading.Thread(target=one, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    return problems


def check(db: Path, writers: int, writes: int) -> dict[str, int]:
    """Compare the store with the plan: counts of lost, unexpected and duplicate entries."""
    expected = plan(writers, writes)
    store = SqliteStore(db)
    lost = unexpected = lost_nights = 0
    try:
        for user, want in expected.items():
            doc = store.load(user)
            days = doc.get("checkin", {}).get("days", {})
            lost += sum(1 for d, s in want["days"].items() if days.get(d) != s)
            unexpected += sum(1 for d in days if d not in want["days"])
            history = history_of(doc)
            lost_nights += sum(1 for n in want["nights"] if n not in history)
        integrity = store.integrity_check()
        rows = store._conn().execute("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM users")
        total, distinct = rows.fetchone()
    finally:
        store.close()
    return {
        "writes": writers * writes,
        "lost_checkins": lost,
        "unexpected_days": unexpected,
        "lost_routine_nights": lost_nights,
        "duplicate_user_rows": total - distinct,
        "integrity_ok": int(integrity),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--writers", required=True, help="e.g. 0-3: this process's writers")
    parser.add_argument("--writes", type=int, required=True)
    args = parser.parse_args(argv)
    first, last = (int(x) for x in args.writers.split("-"))
    problems = run_process(args.db, range(first, last + 1), args.writes)
    print(json.dumps(problems))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def run_all(db: Path, writers: int, writes: int, processes: int = 2) -> dict[str, Any]:
    """``processes`` OS processes share ``writers`` threads; returns the check's counts."""
    import os
    import subprocess
    import time

    from tests.support.servers import REPO

    db.parent.mkdir(parents=True, exist_ok=True)
    SqliteStore(db).close()  # create and migrate once, before the race
    per = max(1, writers // processes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    started = time.perf_counter()
    children = []
    for p in range(processes):
        first, last = p * per, min(writers, (p + 1) * per) - 1
        if first > last:
            continue
        args = ["--db", str(db), "--writers", f"{first}-{last}", "--writes", str(writes)]
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.support.concurrency", *args],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    problems: list[str] = []
    for child in children:
        out, _ = child.communicate(timeout=3600)
        assert child.returncode == 0, out
        problems += json.loads(out)
    result: dict[str, Any] = dict(check(db, writers, writes))
    result["apologies"] = len(problems)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result
