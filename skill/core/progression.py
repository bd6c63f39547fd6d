"""Strengthening progression by tolerance, not only by calendar (pure, no clock).

A move's ``from_week`` (content/en/routines.yaml) is the earliest week it may join.
It joins only when the last :data:`TOLERATED_SESSIONS` strengthening sessions since
the previous move joined stayed within the pain-monitoring rule (clinical-notes,
after LEAP): finished, with no move reported as hurting. "Alexa, that hurts" is the
rule's signal; every strengthening stop line asks for it above 5 out of 10. One move
joins at a time, and the routine says so. A painful session never removes a move
(the gentler version does that work); it only holds the next one back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skill.core.routine import HistoryRecord, parse_record
from skill.core.routine_content import RoutineSpec

TOLERATED_SESSIONS = 2
STRENGTH_SUFFIX = "/strengthening"  # history keys of daytime routines: "<day>/<routine>"


@dataclass(frozen=True)
class Progress:
    count: int  # strengthening moves in today's session, in routine order
    added: str | None = None  # the move that joins today
    held: bool = False  # a move is due by the calendar, but the last session hurt


def within_pain_rule(record: HistoryRecord) -> bool:
    return record.completed and not record.hurt


def strength_sessions(history: Mapping[str, Any], since: str | None) -> list[HistoryRecord]:
    """Strengthening records (one per local day) on or after the ISO day ``since``,
    oldest first; damaged records are left out."""
    found: list[tuple[str, HistoryRecord]] = []
    for key, raw in history.items():
        if not isinstance(key, str) or not key.endswith(STRENGTH_SUFFIX):
            continue
        day = key[: -len(STRENGTH_SUFFIX)]
        record = parse_record(raw)
        if record is None or record.routine != "strengthening":
            continue
        if since is None or day >= since:
            found.append((day, record))
    return [record for _, record in sorted(found, key=lambda item: item[0])]


def progression(
    routine: RoutineSpec, week: int, count: int | None, sessions: Sequence[HistoryRecord]
) -> Progress:
    """Today's move count. ``count``: moves unlocked so far (None: the calendar's, for
    users from before this rule, so nobody loses a move they were doing); ``sessions``:
    strengthening sessions since the last move joined, oldest first."""
    eligible = routine.move_ids(week)
    base = len(routine.move_ids(0))
    have = len(eligible) if count is None else count
    have = max(base, min(have, len(eligible)))
    if have >= len(eligible):
        return Progress(have)
    recent = list(sessions[-TOLERATED_SESSIONS:])
    if len(recent) == TOLERATED_SESSIONS and all(within_pain_rule(r) for r in recent):
        return Progress(have + 1, eligible[have])
    return Progress(have, held=bool(recent) and not within_pain_rule(recent[-1]))
