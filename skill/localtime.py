"""The user's local time. The time zone comes from the Alexa Settings API (the
check-in work fills in the lookup); until known, UTC, and never a failure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from skill.turn import Turn

UTC_ZONE = ZoneInfo("UTC")


def zone_of(turn: Turn) -> ZoneInfo:
    """The user's zone; the Settings API lookup is plugged in by the check-in module."""
    lookup = turn.deps.apis.get("timezone")
    name = lookup(turn) if callable(lookup) else None
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def local_now(turn: Turn) -> datetime:
    return turn.now.astimezone(zone_of(turn))


def night_of(moment: datetime) -> date:
    """The evening a night belongs to: 01:00 on the 25th is the night of the 24th."""
    return (moment - timedelta(hours=12)).date()
