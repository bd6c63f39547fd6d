"""The user's local time. The zone comes from the Alexa Settings API through
``deps.apis["timezone"]`` (a callable ``(turn) -> zone name | None``, by default
:class:`skill.alexa_api.SettingsClient`), cached in the user's ``profile`` and
looked up again rarely. Until it is known, or when the lookup fails: UTC, and
never a failure."""

from __future__ import annotations

import weakref
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.profile import PROFILE_KEY, Profile

if TYPE_CHECKING:
    from skill.turn import Turn

UTC_ZONE = ZoneInfo("UTC")
# A known zone is refreshed weekly (people travel, rarely); after a failed first
# lookup we try again an hour later rather than on every request.
REFRESH_KNOWN = timedelta(days=7)
RETRY_UNKNOWN = timedelta(hours=1)

# One lookup per request at most, even for users we cannot cache for (no user id).
_per_turn: weakref.WeakKeyDictionary[Turn, ZoneInfo] = weakref.WeakKeyDictionary()


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _checked_at(profile: Profile) -> datetime | None:
    if not profile.time_zone_checked:
        return None
    try:
        when = datetime.fromisoformat(profile.time_zone_checked)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def zone_of(turn: Turn) -> ZoneInfo:
    """The user's zone: cached in ``profile``, refreshed rarely, UTC when unknown."""
    cached = _per_turn.get(turn)
    if cached is not None:
        return cached
    fixed = turn.deps.zone() if turn.deps.zone is not None else None
    if fixed is not None:
        # A development run's zone (--tz): used as given, never cached in the profile,
        # so the next run with another --tz is not answered in this one.
        _per_turn[turn] = fixed
        return fixed
    profile = turn.state(PROFILE_KEY, Profile)
    known = _zone(profile.time_zone)
    checked = _checked_at(profile)
    stale_after = REFRESH_KNOWN if known is not None else RETRY_UNKNOWN
    zone = known
    lookup = turn.deps.apis.get("timezone")
    if callable(lookup) and (checked is None or turn.now - checked >= stale_after):
        try:
            found = _zone(lookup(turn))
        except Exception:
            turn.deps.log.warning("time zone lookup raised")
            found = None
        if found is not None:
            zone = found
            profile.time_zone = found.key
        profile.time_zone_checked = turn.now.isoformat()
        if turn.user_id is not None and not turn.deleted:
            turn.put(PROFILE_KEY, profile)
    result = zone or UTC_ZONE
    _per_turn[turn] = result
    return result


def local_now(turn: Turn) -> datetime:
    return turn.now.astimezone(zone_of(turn))


def local_today(turn: Turn) -> date:
    return local_now(turn).date()


def night_of(moment: datetime) -> date:
    """The evening a night belongs to: 01:00 on the 25th is the night of the 24th."""
    return (moment - timedelta(hours=12)).date()
