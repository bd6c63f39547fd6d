"""Stress runs: ``python -m tests.stress --cases 10000`` (fuzz generators) and
``python -m tests.stress --concurrency --writers 8 --writes 500`` (concurrent writers).

Same generators and checks as ``tests/test_fuzz.py``, many more cases, and no
stopping at the first problem: it prints the counts (cases, status histogram,
5xx seen, SSML problems, refused-but-changed, wall time) and exits 1 if any
problem was seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzz import Case, Tally, temp_harness


def run(cases: int, seed: int | None = None) -> Tally:
    harness, tmp = temp_harness(quiet=True)
    tally = Tally()
    try:

        @settings(
            max_examples=cases,
            deadline=None,
            database=None,
            derandomize=seed is None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def one(data: st.DataObject) -> None:
            case: Case = data.draw(harness.strategy())
            tally.add(case, harness.run(case))

        if seed is not None:
            one = __import__("hypothesis").seed(seed)(one)
        one()
    finally:
        harness.close()
        tmp.cleanup()
    return tally


def concurrency(writers: int, writes: int, processes: int) -> int:
    import tempfile
    from pathlib import Path

    from tests.support.concurrency import run_all

    with tempfile.TemporaryDirectory(prefix="hiprest-conc-") as tmp:
        result = run_all(Path(tmp) / "hiprest.db", writers, writes, processes)
    for key, value in result.items():
        print(f"{key + ':':21}{value}")
    bad = (
        result["lost_checkins"]
        + result["unexpected_days"]
        + result["lost_routine_nights"]
        + result["duplicate_user_rows"]
        + result["apologies"]
    )
    return 1 if bad or not result["integrity_ok"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stress", description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fixed)")
    parser.add_argument(
        "--concurrency",
        action="store_true",
        help="instead: concurrent writers (processes x threads) on one SQLite file",
    )
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--writes", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    if args.concurrency:
        return concurrency(args.writers, args.writes, args.processes)
    started = time.perf_counter()
    tally = run(args.cases, args.seed)
    wall = time.perf_counter() - started
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))
    labels = ", ".join(f"{k}: {v}" for k, v in sorted(tally.labels.items()))
    print(f"cases:               {tally.cases}")
    print(f"status histogram:    {statuses}")
    print(f"case kinds:          {labels}")
    print(f"5xx seen:            {tally.server_errors}")
    print(f"SSML problems:       {tally.ssml_problems}")
    print(f"refused but changed: {tally.refused_but_changed}")
    print(f"oversized answers:   {tally.oversized}")
    print(f"wall time:           {wall:.1f} s ({wall / max(tally.cases, 1) * 1000:.1f} ms/case)")
    for example in tally.examples:
        print(f"  e.g. {example}")
    bad = tally.server_errors + tally.ssml_problems + tally.refused_but_changed + tally.oversized
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
