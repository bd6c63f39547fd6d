"""``hiprest export --user ID``: one user's stored data, for a self-hosted install.

JSON is everything stored plus ``summary``, the same four-week summary the
Alexa card shows (:mod:`skill.core.summary`: scores by day, weekly averages,
routines, moves made gentler, red flags, rules of thumb that held); CSV is the
day-by-day table a professional reads (date, stiffness score, bedtime routine
done that night before).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.core.checkin import stored_days
from skill.core.routine_history import history_of
from skill.settings import Settings

CONSOLE_PREFIX = "amzn1.ask.account."


class ExportError(Exception):
    pass


def find_user(doc_for: Any, user: str) -> tuple[str, dict[str, Any]]:
    for candidate in (user, CONSOLE_PREFIX + user):
        doc = doc_for(candidate)
        if doc:
            return candidate, doc
    raise ExportError(
        f"no data stored for user {user!r}: give the Alexa user id"
        f" ({CONSOLE_PREFIX}…, the request's context.System.user.userId) or a"
        " `hiprest chat --user` name"
    )


def to_csv(doc: dict[str, Any]) -> str:
    days = stored_days(doc)  # the hot days and the archive
    history = history_of(doc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "stiffness_0_10", "bedtime_routine_night_before"])
    for day in sorted(days):
        try:
            night = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
        except ValueError:
            continue
        record = history.get(night)
        done = "yes" if isinstance(record, dict) and record.get("routine") == "bedtime" else "no"
        writer.writerow([day, days[day], done])
    return out.getvalue()


def summary_of(doc: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The four-week summary ending today in the user's stored time zone (UTC if unknown)."""
    from skill.core import summary

    profile = doc.get("profile")
    if not isinstance(profile, dict):
        profile = {}
    try:
        zone = ZoneInfo(str(profile.get("time_zone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    report = summary.build(doc, today, local_day=lambda moment: moment.astimezone(zone).date())
    return summary.to_json(report)


def export_user(settings: Settings, user: str, fmt: str = "json") -> str:
    from skill.factory import make_store

    store = make_store(settings)
    try:
        user_id, doc = find_user(store.load, user)
    finally:
        store.close()
    if fmt == "csv":
        return to_csv(doc)
    # A development run's pinned clock (--now / HIPREST_NOW) dates the summary too.
    out = {"user_id": user_id, "data": doc, "summary": summary_of(doc, settings.pinned_now)}
    return json.dumps(out, indent=2, sort_keys=True) + "\n"
