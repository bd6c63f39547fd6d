"""Echo Show (APL) data sources: what the screen shows, built from plain values (pure).

The documents are JSON files in ``skill/apl/`` (``routine.json``, ``chart.json``)
that bind ``${payload.routine.*}`` / ``${payload.chart.*}``; these functions
return the matching data sources. Every piece of text arrives already worded
(from content), so the screen never says something the voice did not.
:func:`bound_paths` lists what a document binds, for the tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

Line = Callable[..., str]
MAX_BARS = 28
MIN_BARS = 7
_BINDING = re.compile(r"\$\{\s*(payload|data)\.([A-Za-z0-9_.]+)")


@cache
def document(name: str) -> dict[str, Any]:
    """An APL document shipped in ``skill/apl/<name>.json`` (package data)."""
    text = resources.files("skill").joinpath("apl", f"{name}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("type") != "APL":
        raise ValueError(f"skill/apl/{name}.json is not an APL document")
    return data


def routine_source(
    line: Line,
    *,
    routine: str,
    move: str,
    step: int,
    total: int,
    hold_seconds: float | None,
    reps: int | None,
    side: str | None,
    stop: str,
) -> dict[str, Any]:
    """The routine screen: move name, step n of m, progress (0-100) and the dose."""
    total = max(1, total)
    step = min(max(1, step), total)
    if hold_seconds is not None:
        dose = line("display.hold", seconds=round(hold_seconds))
    elif reps is not None:
        dose = line("display.reps", reps=reps)
    else:
        dose = ""
    return {
        "routine": {
            "title": routine,
            "move": move,
            "step": line("display.step", step=step, total=total),
            "percent": round(100 * (step - 1) / total),
            "hold": dose,
            "side": line(f"display.side.{side}") if side in ("left", "right") else "",
            "stop": stop,
        }
    }


def chart_source(
    line: Line, entries: Sequence[tuple[date, int | None]], *, top: int = 10
) -> dict[str, Any]:
    """A bar per morning, oldest first (the last 7-28 are kept); no score = faint stub."""
    kept = list(entries)[-MAX_BARS:]
    bars = []
    for day, score in kept:
        bars.append(
            {
                "label": line(f"display.weekday.{day.weekday()}")
                if len(kept) <= MIN_BARS
                else str(day.day),
                "score": "" if score is None else str(score),
                "percent": 0 if score is None else round(100 * min(max(score, 0), top) / top),
                "opacity": 0.25 if score is None else 1,
            }
        )
    logged = sum(1 for _, s in kept if s is not None)
    return {
        "chart": {
            "title": line("display.chart.title", count=len(kept)),
            "subtitle": line("display.chart.subtitle", logged=logged, count=len(kept)),
            "scale": line("display.chart.scale"),
            "count": len(kept),
            "bars": bars,
        }
    }


def bound_paths(node: Any) -> tuple[set[str], set[str]]:
    """(payload paths, data-item fields) that a document binds, e.g. "chart.bars"."""
    payload: set[str] = set()
    data: set[str] = set()
    if isinstance(node, dict):
        for value in node.values():
            p, d = bound_paths(value)
            payload |= p
            data |= d
    elif isinstance(node, list):
        for value in node:
            p, d = bound_paths(value)
            payload |= p
            data |= d
    elif isinstance(node, str):
        for root, path in _BINDING.findall(node):
            (payload if root == "payload" else data).add(path)
    return payload, data


def missing_bindings(doc: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Bound fields absent from ``source`` (and from every item of bound arrays)."""
    payload, data = bound_paths(doc)
    problems: list[str] = []
    arrays: list[list[Any]] = []
    for path in sorted(payload):
        node: Any = source
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                problems.append(f"payload.{path}")
                break
            node = node[part]
        else:
            if isinstance(node, list):
                arrays.append(node)
    for field_name in sorted(data):
        for items in arrays:
            for i, item in enumerate(items):
                if not isinstance(item, dict) or field_name not in item:
                    problems.append(f"data[{i}].{field_name}")
    return problems
