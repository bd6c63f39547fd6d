"""Where the routine history is stored, and reading it from a user's doc (pure, no
dependencies: the check-in, the summary, the export and privacy read it too).

The history (night/day key -> raw record) has its own persistent namespace,
:data:`HISTORY_KEY`, apart from the small live ``routine`` namespace that every
routine step rewrites; older versions kept it in ``routine.history``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HISTORY_KEY = "routine_history"
HISTORY_LIMIT = 400


def age_key(key: str) -> str:
    # A key that is not date-shaped is damage: oldest, so pruned first.
    return key if key[:4].isdigit() else ""


def history_of(doc: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The stored routine history (night/day key -> raw record) of a user's doc.

    It lives in its own namespace (:data:`HISTORY_KEY`) so a routine step does not
    re-read and re-write it; a user whose routine has not run since then may still
    have it in the old place, ``routine.history``, which is read too (the new place
    wins for the same key). Read-only: records are raw and may be damaged.
    """
    if not isinstance(doc, Mapping):
        return {}
    new = doc.get(HISTORY_KEY)
    routine = doc.get("routine")
    legacy = routine.get("history") if isinstance(routine, Mapping) else None
    if not isinstance(legacy, Mapping) or not legacy:
        return new if isinstance(new, Mapping) else {}
    if not isinstance(new, Mapping) or not new:
        return legacy
    return {**legacy, **new}


def migrate_history(doc: dict[str, Any], limit: int = HISTORY_LIMIT) -> bool:
    """Move ``routine.history`` (written by older versions) into :data:`HISTORY_KEY`,
    in place, keeping the ``limit`` newest keys. True when ``doc`` changed."""
    routine = doc.get("routine")
    if not isinstance(routine, dict) or "history" not in routine:
        return False
    merged = dict(history_of(doc))
    rest = dict(routine)
    del rest["history"]
    doc["routine"] = rest
    if len(merged) > limit:
        for stale in sorted(merged, key=age_key)[: len(merged) - limit]:
            del merged[stale]
    doc[HISTORY_KEY] = merged
    return True
