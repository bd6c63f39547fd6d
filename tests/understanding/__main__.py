"""``python -m tests.understanding --data FILE [--misses]``: print the figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.understanding import is_heldout, load_items, report, run_items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.understanding")
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="a phrasing file (repeatable)")
    parser.add_argument("--misses", action="store_true", help="list the failing items")
    args = parser.parse_args(argv)
    for path in args.data:
        if args.misses and is_heldout(path):
            # Nobody tunes on the held-out set: its items are never printed.
            print(f"--misses is refused for held-out data ({path})", file=sys.stderr)
            return 2
    for path in args.data:
        outcomes = run_items(load_items(path))
        print(f"== {path} ({len(outcomes)} items)")
        print(report(outcomes, misses=args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
