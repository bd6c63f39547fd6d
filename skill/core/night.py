"""Night voice: when answers are soft, slow and short (pure: no ask-sdk, clock passed in).

The user's setting (``Profile.night_voice``) is ``"on"``, ``"off"`` or ``"auto"``.
In ``"auto"`` the voice is soft during the user's local night, from
:data:`NIGHT_STARTS` to :data:`NIGHT_ENDS` (21:00-06:00 local time: the hours
people are going to bed or lying awake, when someone else may be asleep in the room).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

Mode = Literal["auto", "on", "off"]
Request = Literal["on", "off", "auto"]

NIGHT_STARTS = time(21, 0)
NIGHT_ENDS = time(6, 0)
# Content keys with a sibling "<key>.short" are worded with it when the voice is soft.
SHORT_SUFFIX = ".short"


def is_night(moment: time, starts: time = NIGHT_STARTS, ends: time = NIGHT_ENDS) -> bool:
    """Whether a local wall-clock time falls in the night window (which may wrap midnight)."""
    if starts == ends:
        return False
    if starts < ends:
        return starts <= moment < ends
    return moment >= starts or moment < ends


def soft(mode: str | None, local: datetime | None) -> bool:
    """Whether to speak softly: an explicit choice wins; "auto" (or anything unknown)
    follows the local night. ``local`` is the user's local time, None when unknown."""
    if mode == "on":
        return True
    if mode == "off":
        return False
    return local is not None and is_night(local.time())


def needs_local_time(mode: str | None) -> bool:
    """Only "auto" needs the time zone (a Settings API call, at most weekly)."""
    return mode not in ("on", "off")


def short_key(key: str) -> str:
    return key + SHORT_SUFFIX
