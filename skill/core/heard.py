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
    # Scottish and northern English "that's me (done)": I've finished.
    "that is me", "that is me done", "that is me finished",
})
_HURT = re.compile(
    # A pinch or a twinge in a stretch is the stop rule's sign too: a gentler version.
    # So is a move the hip "doesn't like", one "making it worse" or "killing" it, and
    # Indian English "paining".
    r"\b(hurts?|hurting|painful|pain|paining|sore|ouch|ow|owww*|agony|too much"
    r"|pinch(?:es|ing)?|twinges?|twinging|killing|grief|gyp|aching|aches|stings?|stinging"
    r"|uncomfortable|(?:not|isn t|is not|doesn t|does not) (?:agree|agreeing|feel right|right)"
    r"|(?:making|made|makes) (?:it|my hip|things) (?:worse|sharper|hurt)"
    r"|(?:does not|doesn t|dont|do not|is not|isn t) (?:like|liking)|not liking)\b"
)
# "I'm done", "that's my ten done", "yep finished", "completed": a move finished, said
# the way people do while lying down. Only these words, at least one saying "done".
_DONE_WORDS = frozenset({"done", "finished", "completed", "complete", "got", "did", "ready",
                         "next", "held"})
_ACK_WORDS = _DONE_WORDS | frozenset({
    "yep", "yes", "yeah", "yup", "okay", "ok", "cool", "right", "alright", "all", "sweet",
    "great", "good", "lovely", "nice", "sorted", "that", "this", "it", "them", "those",
    "one", "is", "my", "i", "have", "ve", "with", "the", "reps", "rep", "set", "now", "and",
    "so", "there", "we", "go", "lot", "bunch", "these", "am", "holding", "held", "doing",
    "me", "too", "both", "sides", "side",
})
_NOT_HURT = re.compile(r"\b(not|does not|no longer|doesn t|did not)\s+(hurt|sore|pain)")
_PART_OF_DAY = re.compile(r"\b(am|pm|a m|p m|morning|afternoon|evening|night|tonight)\b")
_LEAD = re.compile(r"^(?:(?:um+|uh+|er+|erm|so|well|and|at|about|around|it is|make it)\s+)+")


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))


def _says_done(words: list[str]) -> bool:
    return any(w in _DONE_WORDS for w in words) and all(
        w in _ACK_WORDS or w.isdigit() or w in _NUMBER_WORDS for w in words)


_NUMBER_WORDS = frozenset({
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty",
})


def done_words(text: str | None) -> bool:
    """Whether the words are nothing but a move finished ("right, that's that one
    done", "that's me", "finished holding it")."""
    plain = _plain(text or "")
    return bool(plain) and (plain in NEXT_WORDS or _says_done(plain.split()))


def routine_word(text: str | None) -> RoutineWord | None:
    """"done", "got it", "ready" -> next; "this one hurts my hip", "ouch" -> hurts."""
    plain = _plain(text or "")
    if not plain:
        return None
    if plain in NEXT_WORDS or _says_done(plain.split()):
        return "next"
    if _HURT.search(plain) and not _NOT_HURT.search(plain):
        return "hurts"
    return None


def time_words(text: str | None) -> str | None:
    """The words of a time, a bare "seven" included, without "um" or "at" before it
    ("at seven" -> "seven", "every night at ten"): the answer to "what time?". None
    when the words name no hour."""
    plain = _LEAD.sub("", _plain(text or "")).strip()
    repaired = _REPAIRED.match(plain)
    if repaired is not None and time_words(repaired.group(1)) is not None:
        return time_words(repaired.group(1))  # "nine, no, half nine": the second
    head, _ = split_period(plain)
    if isinstance(parse_time(head or ""), SpokenTime):
        return plain
    # Said around the time: "around nine thirty i suppose", "every evening at ten
    # please", "quarter to eight tomorrow morning", "morning seven o'clock" (India),
    # "after lunch like two o'clock".
    loose = _time_core(plain)
    if loose and loose != plain:
        head, _ = split_period(loose)
        if isinstance(parse_time(head or ""), SpokenTime):
            return loose
    return None


# A time taken back and said again: "nine, no, half nine", "eight sorry i mean ten".
_REPAIRED = re.compile(
    r"^.+?\b(?:no wait|no sorry|sorry i mean|i mean|no|sorry|actually|or rather|make that"
    r"|make it)\s+(.+)$")
_HEDGE_TAIL = re.compile(
    r"(?:\s+(?:please|thanks|thank you|i suppose|i guess|i think|i reckon|maybe|probably"
    r"|then|eh|mate|love|if that is (?:ok|okay|alright)|is fine|would be good|works|i would say"
    r"|or so|ish))+$"
)
_HEDGE_HEAD = re.compile(
    r"^(?:(?:say|let s say|lets say|let us say|let s go|lets go|let us go|go with|go for"
    r"|maybe|probably|how about|i d say|i would say"
    r"|like|just|after lunch|after dinner|before bed|in the|about|around|at"
    r"|um+|uh+|er+|erm|so|well)\s+)+"
)
_PART_FIRST = re.compile(r"^(morning|evening|night)\s+(.+)$")


def _time_core(plain: str) -> str:
    core = _HEDGE_TAIL.sub("", plain).strip()
    core = re.sub(r"\btomorrow (morning|afternoon|evening|night)\b", r"in the \1", core)
    core = re.sub(r"\b(?:tomorrow|today|this)\b\s*", "", core).strip()
    core = _HEDGE_HEAD.sub("", core).strip()
    core = _HEDGE_TAIL.sub("", core).strip()
    part = _PART_FIRST.match(core)
    if part is not None:  # "morning seven o clock" -> "seven o clock in the morning"
        core = f"{part.group(2)} in the {part.group(1)}"
    return core


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
