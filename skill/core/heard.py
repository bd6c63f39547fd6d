"""What free words mean inside a running dialog (pure: no ask-sdk, no clock).

Used by the dialogs' ``heard`` hooks (the catch-all's text) and by the console,
so both read "done" in a routine and "seven thirty in the morning" at the
check-in the same way.
"""

from __future__ import annotations

import re
from typing import Literal

from skill.core.reminders import SpokenTime, parse_time, split_period
from skill.textnorm import normalise

RoutineWord = Literal["next", "hurts"]

# Inside a routine these end a move, they do not end the routine (issue 14): the
# person is lying down, following along, and answers the way people do.
NEXT_WORDS = frozenset({
    "done", "done that", "done that one", "finished", "finished that", "finished that one",
    "okay", "ok", "okay done", "ok done", "got it", "ready", "i am ready", "ready now",
    "that is done", "that one is done", "all right", "alright", "right", "yep done",
})
_HURT = re.compile(
    # A pinch or a twinge in a stretch is the stop rule's sign too: a gentler version.
    r"\b(hurts?|hurting|painful|pain|sore|ouch|ow|owww*|agony|too much"
    r"|pinch(?:es|ing)?|twinges?|twinging)\b"
)
_NOT_HURT = re.compile(r"\b(not|does not|no longer|doesn t|did not)\s+(hurt|sore|pain)")
_PART_OF_DAY = re.compile(r"\b(am|pm|a m|p m|morning|afternoon|evening|night|tonight)\b")
_LEAD = re.compile(r"^(?:(?:um+|uh+|er+|erm|so|well|and|at|about|around|it is|make it)\s+)+")


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))


def routine_word(text: str | None) -> RoutineWord | None:
    """"done", "got it", "ready" -> next; "this one hurts my hip", "ouch" -> hurts."""
    plain = _plain(text or "")
    if not plain:
        return None
    if plain in NEXT_WORDS:
        return "next"
    if _HURT.search(plain) and not _NOT_HURT.search(plain):
        return "hurts"
    return None


def time_words(text: str | None) -> str | None:
    """The words of a time, a bare "seven" included, without "um" or "at" before it
    ("at seven" -> "seven", "every night at ten"): the answer to "what time?". None
    when the words name no hour."""
    plain = _LEAD.sub("", _plain(text or "")).strip()
    head, _ = split_period(plain)
    return plain if isinstance(parse_time(head or ""), SpokenTime) else None


def clock_time(text: str | None) -> SpokenTime | None:
    """The clock time the words say ("seven thirty in the morning", "at ten pm",
    "half past nine"), or None. A bare number ("seven") is not a clock time: it is
    as likely a score."""
    plain = _LEAD.sub("", _plain(text or "")).strip()
    if not plain:
        return None
    parsed = parse_time(plain)
    if not isinstance(parsed, SpokenTime):
        head, period = split_period(plain)
        parsed = parse_time(head) if head else None
        if not isinstance(parsed, SpokenTime):
            return None
        if period is not None:
            return parsed  # "ten every night": a time, whatever the period
    said_minutes = parsed.minute != 0 or "clock" in plain or "half" in plain
    # "15" alone is a number (out of range for a score), not three in the afternoon.
    said_part = _PART_OF_DAY.search(plain) is not None
    return parsed if said_minutes or said_part else None
