"""Percentiles, ratios and the printed table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); the p99 of 200 samples is the 198th."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def ratio(value: float, reference: float) -> float:
    if not reference or math.isnan(reference) or math.isnan(value):
        return math.nan
    return value / reference


@dataclass
class Row:
    figure: str
    value: str
    reference: str = ""
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        figure: str,
        value: str,
        reference: str = "",
        ratio_: float | None = None,
        limit: float | None = None,
    ) -> None:
        ok = None
        target = ""
        if limit is not None and ratio_ is not None and not math.isnan(ratio_):
            ok = ratio_ <= limit
            target = f"<= {limit:g}x"
        self.rows.append(Row(figure, value, reference, ratio_, target, ok))

    def skip(self, figure: str, reason: str) -> None:
        self.rows.append(Row(figure, "skipped", reason))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us"


def render(section: Section) -> str:
    """A GitHub-flavoured markdown table, readable in a terminal too."""
    head = ["figure", "Hip Rest", "reference", "ratio", "target", ""]
    lines = [f"## {section.title}", ""]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join("---" for _ in head) + "|")
    for row in section.rows:
        r = "" if row.ratio is None or math.isnan(row.ratio) else f"{row.ratio:.2f}x"
        verdict = "" if row.ok is None else ("ok" if row.ok else "MISSED")
        cells = [row.figure, row.value, row.reference, r, row.target, verdict]
        lines.append("| " + " | ".join(cells) + " |")
    for note in section.notes:
        lines.append(f"\n{note}")
    return "\n".join(lines) + "\n"
