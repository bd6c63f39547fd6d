"""Morning check-in: score parsing, trends, referral heuristics and summaries (pure).

No Flask, no ask-sdk, no clock: every function takes the user's *local* date
``today`` and the stored ``days`` mapping (ISO date -> whole score 0..10).
Every function reads a fixed window of dates by key lookup, never the whole
history, so a check-in plus a summary costs the same with 10 or 10,000 stored
entries; :func:`prune` keeps storage to about a year.

Rules as implemented (all spoken as rules of thumb, never as a diagnosis):

* **Scale** - 0-10 numeric rating, 0 = no stiffness, 10 = the worst imaginable
  (standard NRS; Farrar 2001). Whole numbers are stored; a half point rounds
  *up* ("six and a half" -> 7, "6.5" -> 7). Real Alexa's AMAZON.NUMBER drops the
  half before we see it ("six and a half" -> "6"), the dev matcher keeps it; both
  are handled. Anything else below 0 or above 10 is re-asked.
* **Noticeable change** - a difference of 1 point is the smallest change people
  notice (Salaffi 2004); smaller differences are spoken as "about the same".
* **Getting worse** (clinical-notes heuristic built on Farrar 2001's clinically
  important change of about 2 points or 30%): the average of the last 7 days
  (today and the 6 before) is at least 2 points, or at least 30%, above the
  average of the 7 days before that -> suggest a GP or physiotherapist. Needs at
  least 3 scores in each week, and a rise of at least 1 point (Salaffi 2004), so
  1.0 -> 1.3 does not count as "30% worse". The 30% branch also needs a recent
  average of 3 or more: Farrar and Salaffi measured change from moderate baselines,
  and 1 -> 2 is not a worsening worth a referral. Exactly at a threshold counts.
  Spoken at most once in 7 days.
* **One big morning** (Hip Rest heuristic, issue 15): 9 or 10 today, or 4 or more
  points above yesterday -> ask whether anything is new (a fall, a fever,
  numbness, bladder changes) and triage the answer as a red flag. Spoken every
  time it holds; it replaces the numbness question of two bad mornings.
* **Two bad mornings** (clinical-notes heuristic): 8 or more today and 8 or more
  yesterday (consecutive local dates) -> suggest contacting a professional
  soon, and ask about numbness or weakness in the leg (a yes goes to the
  safety triage). Spoken every time it holds.
* **No improvement over 6 weeks** (clinical-notes: no improvement after 4-6
  weeks of self-care -> physiotherapist): the last 7 days' average is not at
  least 1 point (Salaffi 2004) below the average of the week six weeks earlier
  (days 42-48 back), with at least 3 scores in each of those weeks, and the
  current average is 3 or more (Hip Rest heuristic: lower scores leave little
  to improve) -> suggest a physiotherapist. Spoken at most once in 7 days.
* Only one referral per check-in, the most urgent first (two bad mornings,
  getting worse, no improvement).
* **Nights and mornings** (Hip Rest heuristic): over the last 60 days, a
  morning D counts as "after a bedtime routine" when the routine history has
  the night of D-1 with routine "bedtime". Reported once there are at least 3
  mornings of each kind, and always as a pattern, not proof (no cause is shown).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate
from typing import Any, Literal

MIN_SCORE = 0
MAX_SCORE = 10
_SCORES = frozenset(range(MIN_SCORE, MAX_SCORE + 1))
KEEP_DAYS = 400  # about a year, plus slack for the 6-week comparison
PRUNE_SLACK = 30  # prune only when this far over, so a write rarely scans the dict
WEEK = 7
SIX_WEEKS = 42
LINK_WINDOW = 60
MIN_PER_WEEK = 3
NOTICEABLE = Fraction(1)  # Salaffi 2004: smallest noticeable change, ~1 point
IMPORTANT_POINTS = Fraction(2)  # Farrar 2001: clinically important, ~2 points ...
IMPORTANT_RATIO = Fraction(13, 10)  # ... or ~30%
HIGH = 8
# The 30% branch of "getting worse" needs a recent average at least this high.
RATIO_FLOOR = 3
SPIKE_SCORE = 9  # one morning at 9 or 10 ...
SPIKE_RISE = 4  # ... or this many points above yesterday
NO_IMPROVEMENT_FLOOR = Fraction(3)
REFERRAL_QUIET_DAYS = 7
# The same thresholds as integers, for the cross-multiplied rules (Fraction arithmetic
# over several windows was ~0.1 ms of every check-in).
_NOTICEABLE_I, _IMPORTANT_I = int(NOTICEABLE), int(IMPORTANT_POINTS)
_FLOOR_I = int(NO_IMPROVEMENT_FLOOR)

Referral = Literal["high_streak", "worsening", "no_improvement"]
Spike = Literal["jump", "high"]
ParseError = Literal["missing", "out_of_range", "not_a_number"]


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedScore:
    score: int | None
    error: ParseError | None = None
    rounded_from: float | None = None  # set when a half point was rounded


_WORDS = {
    "zero": 0, "none": 0, "nothing": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}


def parse_score(raw: str | None) -> ParsedScore:
    """An AMAZON.NUMBER slot value -> a whole score 0..10, halves rounded up."""
    if raw is None or not raw.strip() or raw.strip() == "?":
        return ParsedScore(None, "missing")
    text = raw.strip().lower()
    if text in _WORDS:
        return ParsedScore(_WORDS[text])
    try:
        value = float(text)
    except ValueError:
        return ParsedScore(None, "not_a_number")
    if not math.isfinite(value):
        return ParsedScore(None, "not_a_number")
    # Round half up (6.5 -> 7), never banker's rounding; checked after rounding so
    # 10.4 is re-asked rather than quietly clipped.
    whole = math.floor(value + 0.5)
    if value < MIN_SCORE or value > MAX_SCORE or not MIN_SCORE <= whole <= MAX_SCORE:
        return ParsedScore(None, "out_of_range")
    return ParsedScore(whole, None, value if whole != value else None)


# --------------------------------------------------------------------------- storage


def key(day: date) -> str:
    return day.isoformat()


# Every key date-shaped, joined by newlines (``\\d``: any Unicode decimal digit).
_DAY_KEYS = re.compile(r"(?:\d{4}-\d{2}-\d{2}\n)*")


def _date_shaped(joined: str, count: int) -> bool:
    """Whether ``joined`` (``count`` keys, each followed by a newline) matches
    ``_DAY_KEYS``. ASCII text (every real key) is checked with byte slices instead:
    newlines at every 11th byte, dashes at 4 and 7, only ASCII digits left once those
    are deleted. The regex was ~10 us of every load at 80 days, this ~1.5 us."""
    if not joined.isascii():
        return _DAY_KEYS.fullmatch(joined) is not None
    raw = joined.encode("ascii")
    return (
        len(raw) == 11 * count
        and raw[10::11] == b"\n" * count
        and raw[4::11] == b"-" * count
        and raw[7::11] == b"-" * count
        and len(digits := raw.translate(None, b"-\n")) == 8 * count
        and digits.isdigit()
    )


def clean_days(raw: Any) -> dict[str, int]:
    """Stored days with damaged entries dropped (never the whole history).

    Runs on every check-in and summary, so the usual case — every value a plain
    int in range, every key ISO-date-shaped — is checked in bulk at C speed
    (~20 us for 400 days instead of ~400 us). A date-shaped key that is not a
    real date ("2026-02-30") then survives, harmlessly: days are only ever read
    by exact lookups of real dates, and pruning compares keys as text.
    """
    out: dict[str, int] = {}
    if not isinstance(raw, Mapping):
        return out
    if isinstance(raw, dict) and raw:
        values = raw.values()
        try:
            keys = "\n".join(raw) + "\n"
        except TypeError:  # a key that is not a str: take the careful path
            keys = ""
        if (
            set(map(type, values)) == {int}
            and set(values) <= _SCORES  # all plain ints, so this is the range check
            and _date_shaped(keys, len(raw))
        ):
            return dict(raw)
    for k, v in raw.items():
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, int):
            continue
        if not MIN_SCORE <= v <= MAX_SCORE:
            continue
        try:
            date.fromisoformat(k)
        except ValueError:
            continue
        out[k] = v
    return out


# Namespaces: the hot days every check-in reads, and the older ones it never reads.
HOT_KEY = "checkin"
ARCHIVE_KEY = "checkin_archive"
# The longest look-back of any request: the four-week summary runs the six-week rule on
# its first day (27 + 42 + 6 = 75 days back). Older days move to the archive.
HOT_DAYS = 80


def split_hot(days: dict[str, int], today: date) -> tuple[dict[str, int], dict[str, int]]:
    """(kept, moved): once the hot days exceed ``HOT_DAYS + PRUNE_SLACK`` entries, the
    days older than ``HOT_DAYS`` move out, so a move happens about once a month and the
    hot namespace stays under ~110 entries whatever the history's length."""
    if len(days) <= HOT_DAYS + PRUNE_SLACK:
        return days, {}
    cutoff = key(today - timedelta(days=HOT_DAYS))
    kept = {k: v for k, v in days.items() if k > cutoff}
    return kept, {k: v for k, v in days.items() if k <= cutoff}


def archived(archive: dict[str, int], moved: Mapping[str, int], today: date) -> dict[str, int]:
    """The archive with ``moved`` added, days older than KEEP_DAYS dropped (written about
    once a month, so it is cut exactly rather than with the hot namespace's slack)."""
    cutoff = key(today - timedelta(days=KEEP_DAYS))
    return {k: v for k, v in {**archive, **moved}.items() if k > cutoff}


def stored_days(doc: Mapping[str, Any]) -> dict[str, int]:
    """Every stored score, hot and archived (export, privacy listing): newest wins."""
    out: dict[str, int] = {}
    for name in (ARCHIVE_KEY, HOT_KEY):
        namespace = doc.get(name)
        if isinstance(namespace, Mapping):
            out.update(clean_days(namespace.get("days")))
    return out


def prune(days: dict[str, int], today: date, keep: int = KEEP_DAYS) -> dict[str, int]:
    """Drop entries older than ``keep`` days. Scans only when the dict has grown past
    ``keep + PRUNE_SLACK`` entries, so the usual write costs O(1)."""
    if len(days) <= keep + PRUNE_SLACK:
        return days
    cutoff = key(today - timedelta(days=keep))
    return {k: v for k, v in days.items() if k > cutoff}


# --------------------------------------------------------------------------- windows


@lru_cache(maxsize=512)
def dated_keys(end: date, length: int) -> tuple[tuple[date, str], ...]:
    """(date, ISO key) of the ``length`` days ending ``end``, oldest first. Cached:
    every request asks for the same few windows (this week, last week, six weeks ago,
    the summary's look-back), so dates and keys are built once a day."""
    return tuple(
        (d, key(d)) for d in (end - timedelta(days=back) for back in range(length - 1, -1, -1))
    )


def window(days: Mapping[str, int], end: date, length: int) -> list[tuple[date, int | None]]:
    """``length`` consecutive dates ending at ``end`` (oldest first), by key lookup."""
    return [(d, days.get(k)) for d, k in dated_keys(end, length)]


def _sum_count(days: Mapping[str, int], end: date, length: int = 7) -> tuple[int, int]:
    """Sum and number of the scores in a window: the referral rules compare averages
    by cross-multiplying these integers (same thresholds as the Fraction averages)."""
    scores = [s for s in map(days.get, _key_strings(end, length)) if s is not None]
    return sum(scores), len(scores)


@lru_cache(maxsize=512)
def _key_strings(end: date, length: int) -> tuple[str, ...]:
    return tuple(k for _, k in dated_keys(end, length))


def _scores(entries: list[tuple[date, int | None]]) -> list[int]:
    return [s for _, s in entries if s is not None]


def average(scores: list[int]) -> Fraction | None:
    return Fraction(sum(scores), len(scores)) if scores else None


def spoken_number(value: Fraction | float | int) -> str:
    """One decimal, no trailing ".0": 5, 5.4, 3.5. Rounds half up, like scores."""
    tenths = math.floor(Fraction(value) * 10 + Fraction(1, 2))
    whole, frac = divmod(tenths, 10)
    return str(whole) if frac == 0 else f"{whole}.{frac}"


Direction = Literal["better", "worse", "same"]


def direction(new: Fraction | int, old: Fraction | int) -> Direction:
    """Lower is better; under 1 point (Salaffi 2004) is "about the same"."""
    change = Fraction(new) - Fraction(old)
    if change <= -NOTICEABLE:
        return "better"
    if change >= NOTICEABLE:
        return "worse"
    return "same"


# --------------------------------------------------------------------------- feedback


@dataclass(frozen=True)
class Feedback:
    score: int
    first_ever: bool
    yesterday: int | None
    # average of the 7 days before today (today excluded), if any scored
    past_week_avg: Fraction | None
    vs_week: Direction | None


def feedback(days: Mapping[str, int], today: date, *, any_before: bool) -> Feedback:
    """How today's score compares with yesterday and the past week. ``days``
    must already hold today's score; ``any_before`` says whether older entries exist."""
    score = days[key(today)]
    yesterday = days.get(key(today - timedelta(days=1)))
    past = average(_scores(window(days, today - timedelta(days=1), WEEK)))
    return Feedback(
        score=score,
        first_ever=not any_before,
        yesterday=yesterday,
        past_week_avg=past,
        vs_week=direction(score, past) if past is not None else None,
    )


# --------------------------------------------------------------------------- referrals


@dataclass(frozen=True)
class WeekPair:
    recent: Fraction | None
    earlier: Fraction | None
    recent_n: int
    earlier_n: int


def week_pair(days: Mapping[str, int], today: date, gap: int = WEEK) -> WeekPair:
    """The 7 days ending today and the 7 days ending ``gap`` days earlier."""
    recent = _scores(window(days, today, WEEK))
    earlier = _scores(window(days, today - timedelta(days=gap), WEEK))
    return WeekPair(average(recent), average(earlier), len(recent), len(earlier))


def _worsening(rs: int, rn: int, es: int, en: int) -> bool:
    """The "getting worse" rule on the recent (``rs``/``rn``) and earlier week's sums and
    counts: averages compared by cross-multiplying through by rn * en > 0."""
    if rn < MIN_PER_WEEK or en < MIN_PER_WEEK:
        return False
    rise = rs * en - es * rn  # (recent - earlier) * rn * en
    if rise < _NOTICEABLE_I * rn * en:
        return False
    return rise >= _IMPORTANT_I * rn * en or (
        rs >= RATIO_FLOOR * rn
        and rs * en * IMPORTANT_RATIO.denominator >= es * rn * IMPORTANT_RATIO.numerator
    )


def _not_improving(rs: int, rn: int, es: int, en: int) -> bool:
    """The six-week rule on the recent and six-weeks-earlier week's sums and counts."""
    if rn < MIN_PER_WEEK or en < MIN_PER_WEEK:
        return False
    if rs < _FLOOR_I * rn:
        return False
    return es * rn - rs * en < _NOTICEABLE_I * rn * en


def _high_streak(now: int | None, before: int | None) -> bool:
    return now is not None and before is not None and now >= HIGH and before >= HIGH


def spike(days: Mapping[str, int], today: date) -> Spike | None:
    """The one-morning rule: "jump" for a rise of SPIKE_RISE or more since yesterday,
    else "high" for SPIKE_SCORE or more; None when neither holds."""
    now = days.get(key(today))
    if now is None:
        return None
    before = days.get(key(today - timedelta(days=1)))
    if before is not None and now - before >= SPIKE_RISE:
        return "jump"
    return "high" if now >= SPIKE_SCORE else None


def is_worsening(days: Mapping[str, int], today: date) -> bool:
    return _worsening(
        *_sum_count(days, today, WEEK), *_sum_count(days, today - timedelta(days=WEEK), WEEK)
    )


def is_high_streak(days: Mapping[str, int], today: date) -> bool:
    return _high_streak(days.get(key(today)), days.get(key(today - timedelta(days=1))))


def is_not_improving(days: Mapping[str, int], today: date) -> bool:
    return _not_improving(
        *_sum_count(days, today, WEEK),
        *_sum_count(days, today - timedelta(days=SIX_WEEKS), WEEK),
    )


# How far before a morning the rules read: the six-week rule's earlier week starts
# 42 + 6 days back.
RULES_LOOK_BACK = SIX_WEEKS + WEEK - 1


def rules_held(days: Mapping[str, int], first: date, last: date) -> dict[Referral, list[date]]:
    """Every rule that held on each scored morning from ``first`` to ``last`` (quiet
    periods ignored), as rule -> mornings, oldest first. The same answers as calling
    :func:`is_high_streak`, :func:`is_worsening` and :func:`is_not_improving` for each
    morning, but one pass over the look-back builds prefix sums and counts, so every
    week's average is O(1): the cost follows the span, not how many mornings are scored."""
    span = (last - first).days + 1
    held: dict[Referral, list[date]] = {}
    if span <= 0:
        return held
    entries = dated_keys(last, span + RULES_LOOK_BACK)  # oldest first
    scores = list(map(days.get, _key_strings(last, span + RULES_LOOK_BACK)))
    # sums[i], counts[i]: over scores[:i], so a week ending at index j is [j - 6, j].
    sums = list(accumulate((0 if s is None else s for s in scores), initial=0))
    counts = list(accumulate((s is not None for s in scores), initial=0))
    streak, worse, flat = (
        held.setdefault("high_streak", []),
        held.setdefault("worsening", []),
        held.setdefault("no_improvement", []),
    )
    for j in range(RULES_LOOK_BACK, RULES_LOOK_BACK + span):
        now = scores[j]
        if now is None:
            continue  # rules are evaluated on the mornings a score was given
        day = entries[j][0]
        if _high_streak(now, scores[j - 1]):
            streak.append(day)
        rs, rn = sums[j + 1] - sums[j + 1 - WEEK], counts[j + 1] - counts[j + 1 - WEEK]
        e = j + 1 - WEEK  # the week before ends at index j - 7
        if _worsening(rs, rn, sums[e] - sums[e - WEEK], counts[e] - counts[e - WEEK]):
            worse.append(day)
        e = j + 1 - SIX_WEEKS  # the week six weeks earlier ends at index j - 42
        if _not_improving(rs, rn, sums[e] - sums[e - WEEK], counts[e] - counts[e - WEEK]):
            flat.append(day)
    return {rule: found for rule, found in held.items() if found}


def referral(
    days: Mapping[str, int], today: date, last_said: Mapping[str, str] | None = None
) -> Referral | None:
    """The one referral to speak today, most urgent first. ``last_said`` maps a rule
    to the ISO date it was last spoken; slow rules stay quiet for 7 days after."""
    last_said = last_said or {}
    if is_high_streak(days, today):
        return "high_streak"

    def quiet(rule: str) -> bool:
        said = last_said.get(rule)
        if not said:
            return False
        try:
            return (today - date.fromisoformat(said)).days < REFERRAL_QUIET_DAYS
        except ValueError:
            return False

    if is_worsening(days, today) and not quiet("worsening"):
        return "worsening"
    if is_not_improving(days, today) and not quiet("no_improvement"):
        return "no_improvement"
    return None


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class WeekSummary:
    today: date
    entries: list[tuple[date, int | None]]  # the 7 days, oldest first
    logged: int
    avg: Fraction | None
    best: tuple[date, int] | None  # lowest score (latest day on ties)
    worst: tuple[date, int] | None  # highest score (latest day on ties)
    trend: Direction | None  # vs the week before, else first vs last this week
    # when nothing this week: the most recent score in the 60 days before
    last_before: tuple[date, int] | None


def week_summary(days: Mapping[str, int], today: date) -> WeekSummary:
    entries = window(days, today, WEEK)
    scored = [(d, s) for d, s in entries if s is not None]
    avg = average([s for _, s in scored])
    best = min(scored, key=lambda e: (e[1], -e[0].toordinal())) if scored else None
    worst = max(scored, key=lambda e: (e[1], e[0].toordinal())) if scored else None
    trend: Direction | None = None
    previous = average(_scores(window(days, today - timedelta(days=WEEK), WEEK)))
    if avg is not None and previous is not None:
        trend = direction(avg, previous)
    elif len(scored) >= 2:
        trend = direction(scored[-1][1], scored[0][1])
    last_before = None
    if not scored:
        for d, s in reversed(window(days, today - timedelta(days=WEEK), LINK_WINDOW)):
            if s is not None:
                last_before = (d, s)
                break
    return WeekSummary(today, entries, len(scored), avg, best, worst, trend, last_before)


# --------------------------------------------------------------------------- nights and mornings


@dataclass(frozen=True)
class BedtimeLink:
    after_avg: Fraction
    other_avg: Fraction
    after_n: int
    other_n: int


def bedtime_link(
    days: Mapping[str, int],
    routine_history: Mapping[str, Any],
    today: date,
    *,
    minimum: int = MIN_PER_WEEK,
    span: int = LINK_WINDOW,
) -> BedtimeLink | None:
    """Mornings after a bedtime routine (the night of D-1 has routine "bedtime") vs
    the others, over the last ``span`` days. None until ``minimum`` of each."""
    # One key tuple for the nights and the mornings (a night's key is the key before its
    # morning's), sums instead of lists: per-day date arithmetic and ISO strings were
    # ~100 us at 60 scored mornings.
    keys = _key_strings(today, span + 1) if span > 0 else ()
    nights = routine_history.get
    after_sum = after_n = other_sum = other_n = 0
    for night_key, s in zip(keys[:-1], map(days.get, keys[1:]), strict=True):
        if s is None:
            continue
        night = nights(night_key)
        if night is not None and isinstance(night, Mapping) and night.get("routine") == "bedtime":
            after_sum += s
            after_n += 1
        else:
            other_sum += s
            other_n += 1
    if after_n < minimum or other_n < minimum:
        return None
    return BedtimeLink(Fraction(after_sum, after_n), Fraction(other_sum, other_n), after_n, other_n)
