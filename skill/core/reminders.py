"""Daily reminders by voice: the time said, the request body, the answers (pure).

No ask-sdk, no network, no clock: callers pass the user's local ``now``.

* **Times** come from the AMAZON.TIME slot, which Alexa fills as ``"21:30"``,
  ``"09:30"`` or a part of the day (``"MO"``, ``"AF"``, ``"EV"``, ``"NI"``); the
  development matcher passes the words ("nine thirty", "half past nine pm"),
  so both are read. A clock time without am/pm between 1 and 11 is moved to the
  evening when the user said "night" or "evening" (nobody stretches at 9:30 a.m.
  "every night"), and kept as said otherwise.
* **Kinds**: ``stretch`` (default 21:30, "every night") and ``checkin`` (default
  07:30, "each morning"); every reminder repeats daily.
* **Body**: ``SCHEDULED_ABSOLUTE`` with ``timeZoneId`` and a recurrence
  ``FREQ=DAILY;BYHOUR=h;BYMINUTE=m;BYSECOND=0``, starting at the next occurrence.
  (Alexa ignores the legacy ``scheduledTime`` when a recurrence is given; we
  send the same first occurrence in both.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

Kind = Literal["stretch", "checkin"]
Period = Literal["morning", "afternoon", "evening", "night"]
KINDS: tuple[Kind, ...] = ("stretch", "checkin")
DEFAULT_TIME: dict[Kind, tuple[int, int]] = {"stretch": (21, 30), "checkin": (7, 30)}
DEFAULT_PERIOD: dict[Kind, Period] = {"stretch": "night", "checkin": "morning"}
# Alexa's AMAZON.TIME parts of the day, and the time we use for each.
PART_OF_DAY: dict[str, tuple[int, int]] = {
    "MO": (8, 0),
    "AF": (14, 0),
    "EV": (19, 0),
    "NI": (21, 30),
}
# Hip Rest keeps a handful at most; the Reminders API allows more per skill.
MAX_REMINDERS = 5
# Our marker in the reminder text, so "my reminders" lists only Hip Rest's.
TAG = "Hip Rest"

_WORDS = {
    "midnight": 0,
    "noon": 12,
    "midday": 12,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_MINUTE_WORDS = {
    "oh five": 5,
    "o five": 5,
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "twenty five": 25,
    "thirty": 30,
    "thirty five": 35,
    "forty": 40,
    "forty five": 45,
    "fifty": 50,
    "fifty five": 55,
    "o clock": 0,
    "oclock": 0,
    "hundred": 0,
}
_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class SpokenTime:
    hour: int  # 0-23
    minute: int
    meridiem_known: bool  # "pm", "in the morning", 24-hour digits above 12, ...


@dataclass(frozen=True)
class Schedule:
    kind: Kind
    hour: int
    minute: int
    # False: a one-off reminder at the next such time ("tomorrow morning").
    daily: bool = True

    @property
    def rule(self) -> str:
        return f"FREQ=DAILY;BYHOUR={self.hour};BYMINUTE={self.minute};BYSECOND=0"


def _meridiem(text: str) -> tuple[str, str | None]:
    for marker, value in (
        (r"\b(p\.?\s?m\.?|in the evening|at night|tonight)$", "pm"),
        (r"\b(a\.?\s?m\.?|in the morning)$", "am"),
    ):
        match = re.search(marker, text)
        if match:
            return text[: match.start()].strip(), value
    return text, None


def _words_to_clock(text: str) -> tuple[int, int] | None:
    text = text.replace("-", " ").replace("'", "")
    text = re.sub(r"\s+", " ", text).strip()
    match = re.fullmatch(r"(quarter|half) (past|after|to) (\w+)", text)
    if match:
        hour = _WORDS.get(match.group(3))
        if hour is None and match.group(3).isdigit():
            hour = int(match.group(3))
        if hour is None:
            return None
        if match.group(1) == "half":
            return (hour, 30) if match.group(2) != "to" else None
        return (hour, 15) if match.group(2) != "to" else ((hour - 1) % 24, 45)
    match = re.fullmatch(r"half (\w+)", text)
    if match and match.group(1) in _WORDS:
        return _WORDS[match.group(1)], 30  # "half nine": half past nine (UK, IE, AU)
    first, _, rest = text.partition(" ")
    hour = _WORDS.get(first)
    if hour is None and first.isdigit():
        hour = int(first)
    if hour is None:
        return None
    if not rest:
        return hour, 0
    if rest in _MINUTE_WORDS:
        return hour, _MINUTE_WORDS[rest]
    if rest.isdigit():
        return hour, int(rest)
    return None


def parse_time(raw: str | None) -> SpokenTime | str | None:
    """A spoken or AMAZON.TIME value: a :class:`SpokenTime`, a part of the day
    (``"MO"``/``"AF"``/``"EV"``/``"NI"``), or None when it is not a time."""
    if raw is None or not raw.strip() or raw.strip() == "?":
        return None
    text = raw.strip().lower()
    if raw.strip().upper() in PART_OF_DAY:
        return raw.strip().upper()
    for words, part in (
        ("morning", "MO"),
        ("afternoon", "AF"),
        ("evening", "EV"),
        ("night", "NI"),
        ("tonight", "NI"),
        ("bedtime", "NI"),
    ):
        if text in (words, f"in the {words}", f"at {words}", f"every {words}"):
            return part
    text, meridiem = _meridiem(text)
    clock = _CLOCK.match(text)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
        # Alexa's AMAZON.TIME is 24-hour; "21:30" is unambiguous, "09:30" is not.
        known = meridiem is not None or hour > 12 or hour == 0
    else:
        parsed = _words_to_clock(text)
        if parsed is None:
            return None
        hour, minute = parsed
        known = meridiem is not None or text in ("midnight", "noon", "midday")
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    return SpokenTime(hour, minute, known)


def period_of(raw: str | None) -> Period | None:
    if raw is None:
        return None
    text = raw.strip().lower()
    for period in ("morning", "afternoon", "evening", "night"):
        if period in text:
            return period
    if "nightly" in text or "bedtime" in text or "tonight" in text:
        return "night"
    return None


_LEADING_PERIOD = re.compile(
    r"^((?:every|each|in the|at|a)\s+(?:night|evening|morning|afternoon|day|bedtime)s?"
    r"|nightly|daily|tonight)\s+(?:at\s+)?"
)
_TRAILING_PERIOD = re.compile(
    r"\s+((?:every|each|in the|at|a)\s+(?:night|evening|morning|afternoon|day|bedtime)s?"
    r"|nightly|daily|tonight)\s*$"
)


def split_period(time_raw: str | None) -> tuple[str | None, str | None]:
    """ "nine thirty every night" -> ("nine thirty", "every night"), for captures
    that swallowed the period (Alexa fills the slots separately)."""
    if time_raw is None:
        return None, None
    lowered = time_raw.lower().strip()
    match = _TRAILING_PERIOD.search(lowered)
    if match is not None:
        return lowered[: match.start()].strip() or None, match.group(1)
    # "every night at ten": the period first, as people answer "what time?".
    match = _LEADING_PERIOD.match(lowered)
    if match is not None:
        return lowered[match.end() :].strip() or None, match.group(1)
    return time_raw, None


Repeat = Literal["daily", "once"]
_DAILY = re.compile(
    r"\b(every|each|nightly|daily|always|mornings|nights|evenings|afternoons|regular(ly)?)\b"
)
_ONCE = re.compile(
    r"\b(tomorrow|tonight|today|once|one time|one off|just the once|this (morning|afternoon"
    r"|evening)|later)\b"
)


def repeat_of(*said: str | None) -> Repeat | None:
    """Whether the words ask for a daily reminder ("every night") or a one-off
    ("tomorrow morning", "just once"); None when they do not say (then ask)."""
    text = " ".join(s.lower() for s in said if s)
    if _DAILY.search(text):
        return "daily"
    if _ONCE.search(text):
        return "once"
    return None


def schedule(kind: Kind, time_raw: str | None, period_raw: str | None = None) -> Schedule | None:
    """When to remind. None when a time was said that we cannot read (ask again)."""
    if parse_time(time_raw) is None:
        time_raw, swallowed = split_period(time_raw)
        period_raw = period_raw or swallowed
    period = period_of(period_raw) or (None if time_raw else DEFAULT_PERIOD[kind])
    parsed = parse_time(time_raw)
    if time_raw and time_raw.strip() and time_raw.strip() != "?" and parsed is None:
        return None
    if parsed is None:
        if period is not None and period != DEFAULT_PERIOD[kind]:
            hour, minute = PART_OF_DAY[period[:2].upper() if period != "night" else "NI"]
            return Schedule(kind, hour, minute)
        hour, minute = DEFAULT_TIME[kind]
        return Schedule(kind, hour, minute)
    if isinstance(parsed, str):
        hour, minute = PART_OF_DAY[parsed]
        return Schedule(kind, hour, minute)
    hour = parsed.hour
    if not parsed.meridiem_known and 1 <= hour <= 11:
        if period in ("evening", "night") or (period is None and kind == "stretch" and hour >= 6):
            hour += 12
    elif not parsed.meridiem_known and hour == 12 and period == "night":
        hour = 0
    return Schedule(kind, hour, parsed.minute)


def next_occurrence(local_now: datetime, hour: int, minute: int) -> datetime:
    """The next local wall-clock time hour:minute strictly after ``local_now`` (naive)."""
    naive = local_now.replace(tzinfo=None, second=0, microsecond=0)
    candidate = naive.replace(hour=hour, minute=minute)
    if candidate <= local_now.replace(tzinfo=None):
        candidate += timedelta(days=1)
    return candidate


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000")


def reminder_body(
    plan: Schedule, text: str, locale: str, zone: str, local_now: datetime
) -> dict[str, Any]:
    """The ``POST /v1/alerts/reminders`` body for a daily reminder."""
    first = next_occurrence(local_now, plan.hour, plan.minute)
    trigger: dict[str, Any] = {
        "type": "SCHEDULED_ABSOLUTE",
        "scheduledTime": _iso(first),
        "timeZoneId": zone,
    }
    if plan.daily:
        trigger["recurrence"] = {"startDateTime": _iso(first), "recurrenceRules": [plan.rule]}
    return {
        "requestTime": _iso(local_now.replace(tzinfo=None)),
        "trigger": trigger,
        "alertInfo": {"spokenInfo": {"content": [{"locale": locale, "text": text}]}},
        "pushNotification": {"status": "ENABLED"},
    }


@dataclass(frozen=True)
class Listed:
    token: str
    text: str
    hour: int | None
    minute: int | None


_RULE = re.compile(r"BYHOUR=(\d{1,2}).*?BYMINUTE=(\d{1,2})")


def read_alerts(payload: Any, tag: str = TAG) -> list[Listed]:
    """Hip Rest's active reminders from a ``GET /v1/alerts/reminders`` answer;
    damaged entries are skipped. Sorted by time of day."""
    alerts = payload.get("alerts") if isinstance(payload, dict) else None
    out: list[Listed] = []
    for alert in alerts if isinstance(alerts, list) else []:
        if not isinstance(alert, dict) or not isinstance(alert.get("alertToken"), str):
            continue
        if str(alert.get("status", "ON")).upper() not in ("ON", "PENDING", ""):
            continue
        text = ""
        content = ((alert.get("alertInfo") or {}).get("spokenInfo") or {}).get("content")
        if isinstance(content, list) and content and isinstance(content[0], dict):
            text = str(content[0].get("text") or "")
        if tag and tag.lower() not in text.lower():
            continue
        hour = minute = None
        trigger = alert.get("trigger") if isinstance(alert.get("trigger"), dict) else {}
        rules = (trigger.get("recurrence") or {}).get("recurrenceRules") if trigger else None
        for rule in rules if isinstance(rules, list) else []:
            match = _RULE.search(str(rule))
            if match:
                hour, minute = int(match.group(1)), int(match.group(2))
                break
        if hour is None and trigger and isinstance(trigger.get("scheduledTime"), str):
            try:
                when = datetime.fromisoformat(trigger["scheduledTime"].replace(".000", ""))
                hour, minute = when.hour, when.minute
            except ValueError:
                pass
        out.append(Listed(alert["alertToken"], text, hour, minute))
    return sorted(out, key=lambda r: (r.hour if r.hour is not None else 99, r.minute or 0))


def kind_of(text: str, stretch_word: str = "stretch") -> Kind:
    return "stretch" if stretch_word in text.lower() else "checkin"


def spoken_clock(hour: int, minute: int) -> str:
    """ "9:30 PM" style text; Alexa reads it naturally ("nine thirty p m")."""
    suffix = "AM" if hour < 12 else "PM"
    h12 = hour % 12 or 12
    return f"{h12}:{minute:02d} {suffix}" if minute else f"{h12} {suffix}"


Consent = Literal["granted", "denied", "unknown"]


def consent_of(scopes: Any, scope: str) -> Consent:
    """From ``context.System.user.permissions.scopes`` (a dict scope -> {status})."""
    entry = scopes.get(scope) if isinstance(scopes, dict) else None
    status = entry.get("status") if isinstance(entry, dict) else getattr(entry, "status", None)
    status = getattr(status, "value", status)
    if status == "GRANTED":
        return "granted"
    if status == "DENIED":
        return "denied"
    return "unknown"


Answer = Literal["accepted", "denied", "not_answered", "error"]


def permission_answer(name: str | None, status_code: str | None, payload: Any) -> Answer:
    """A ``Connections.Response`` to our AskFor: what the user said."""
    if name != "AskFor" or str(status_code or "") not in ("200", ""):
        return "error"
    status = payload.get("status") if isinstance(payload, dict) else None
    if status == "ACCEPTED":
        return "accepted"
    if status == "DENIED":
        return "denied"
    if status == "NOT_ANSWERED":
        return "not_answered"
    return "error"
