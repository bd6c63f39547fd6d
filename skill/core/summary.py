"""The four-week summary a physiotherapist can read in a minute (pure).

Built from the stored namespaces, read raw so a damaged entry is skipped, never
fatal: ``checkin.days`` (ISO date -> 0..10 morning stiffness), ``routine_history``
(key -> record: routine, moves done/total, gentler move ids, completed, at),
``routine.gentler`` (move id -> date remembered) and ``safety.red_flags``
(UTC time -> {symptom, urgency}). The referral rules are re-evaluated for every
day of the window (:func:`skill.core.checkin.rules_held`), so the summary shows
which rule held on which mornings, not only the last time one was spoken.

:func:`build` gives a :class:`Report`; :func:`card_text` words it with a caller's
``line(key, **params)`` (content keys ``report.card.*``), keeping the text
within :data:`CARD_LIMIT` characters (Alexa: 8,000 for title and content together).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from skill.core import checkin
from skill.core.routine_history import history_of

DAYS = 28
WEEKS = DAYS // 7
# Alexa cards: title and content together at most 8,000 characters; we keep well
# under it so the whole response (speech, card, session) stays small.
CARD_LIMIT = 6000
RULES: tuple[checkin.Referral, ...] = ("high_streak", "worsening", "no_improvement")


@dataclass(frozen=True)
class Week:
    start: date
    end: date
    scores: tuple[int | None, ...]  # one per day, oldest first

    @property
    def logged(self) -> int:
        return sum(s is not None for s in self.scores)

    @property
    def average(self) -> Fraction | None:
        return checkin.average([s for s in self.scores if s is not None])


@dataclass(frozen=True)
class RoutineCount:
    routine: str
    sessions: int
    completed: int


@dataclass(frozen=True)
class RedFlag:
    day: date
    symptom: str
    urgency: str


@dataclass(frozen=True)
class RuleFired:
    rule: str
    days: tuple[date, ...]


@dataclass
class Report:
    start: date
    today: date
    weeks: list[Week]
    routines: list[RoutineCount] = field(default_factory=list)
    gentler: list[str] = field(default_factory=list)  # move ids, sorted
    red_flags: list[RedFlag] = field(default_factory=list)
    rules: list[RuleFired] = field(default_factory=list)

    @property
    def logged(self) -> int:
        return sum(w.logged for w in self.weeks)

    @property
    def empty(self) -> bool:
        return not (self.logged or self.routines or self.red_flags)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _day_of(raw: Any) -> date | None:
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _weeks(days: Mapping[str, int], today: date) -> list[Week]:
    entries = checkin.window(days, today, DAYS)
    out = []
    for i in range(WEEKS):
        chunk = entries[i * 7 : (i + 1) * 7]
        out.append(Week(chunk[0][0], chunk[-1][0], tuple(s for _, s in chunk)))
    return out


def _routine_day(key: str, record: Mapping[str, Any]) -> date | None:
    # Bedtime records are keyed by the night (an ISO date); others "date/routine".
    return _day_of(key) or _day_of(record.get("at"))


def _routines(
    history: Mapping[str, Any], start: date, today: date
) -> tuple[list[RoutineCount], set[str]]:
    counts: dict[str, list[int]] = {}
    gentler: set[str] = set()
    first = start - timedelta(days=1)
    # The window's nights by ISO key: a night-keyed record is placed by one lookup; the
    # others (up to ~400 older nights) parse their key as :func:`_routine_day` does,
    # inline, since two calls per record were most of the summary's cost at the cap.
    inside = {k: d for d, k in checkin.dated_keys(today, DAYS + 1)}
    for key, record in history.items():
        if type(record) is not dict and not isinstance(record, Mapping):
            continue
        routine = record.get("routine")
        if not isinstance(routine, str):
            continue
        head = str(key)[:10]
        day = inside.get(head)
        if day is None:
            try:
                day = date.fromisoformat(head)
            except ValueError:
                day = _day_of(record.get("at"))
            if day is None or not first <= day <= today:
                continue
        tally = counts.setdefault(routine, [0, 0])
        tally[0] += 1
        tally[1] += record.get("completed") is True
        moves = record.get("gentler")
        if isinstance(moves, list):
            gentler |= {m for m in moves if isinstance(m, str)}
    return [RoutineCount(r, n, c) for r, (n, c) in sorted(counts.items())], gentler


def _red_flags(raw: Mapping[str, Any], start: date, today: date) -> list[RedFlag]:
    out = []
    for when, event in raw.items():
        day = _day_of(when)
        if day is None or not (start <= day <= today) or not isinstance(event, Mapping):
            continue
        symptom, urgency = event.get("symptom"), event.get("urgency")
        out.append(RedFlag(day, str(symptom or "unclear"), str(urgency or "unclear")))
    return sorted(out, key=lambda f: f.day)


def _rules(days: Mapping[str, int], start: date, today: date) -> list[RuleFired]:
    # One pass over the 75-day look-back (prefix sums), not 3 rules x 28 mornings of
    # window lookups: the cost no longer follows how many mornings were scored.
    held = checkin.rules_held(days, start, today)
    return [RuleFired(rule, tuple(held[rule])) for rule in RULES if rule in held]


def build(
    doc: Mapping[str, Any], today: date, *, local_day: Callable[[datetime], date] | None = None
) -> Report:
    """The report for the 28 days ending ``today`` (the user's local date).
    ``local_day`` maps a stored UTC time to the user's local date (red flags)."""
    days = checkin.clean_days(_mapping(doc.get("checkin")).get("days"))
    routine = _mapping(doc.get("routine"))
    start = today - timedelta(days=DAYS - 1)
    counts, gentler = _routines(history_of(doc), start, today)
    for move, when in _mapping(routine.get("gentler")).items():
        day = _day_of(when)
        if day is not None and start <= day <= today:
            gentler.add(str(move))
    flags_raw = _mapping(_mapping(doc.get("safety")).get("red_flags"))
    if local_day is not None:
        shifted: dict[str, Any] = {}
        for when, event in flags_raw.items():
            try:
                moment = datetime.fromisoformat(str(when))
            except ValueError:
                continue
            shifted[local_day(moment).isoformat() + f"#{len(shifted)}"] = event
        flags_raw = shifted
    return Report(
        start=start,
        today=today,
        weeks=_weeks(days, today),
        routines=counts,
        gentler=sorted(gentler),
        red_flags=_red_flags(flags_raw, start, today),
        rules=_rules(days, start, today),
    )


# --------------------------------------------------------------------------- wording

Line = Callable[..., str]


def _number(value: Fraction | None) -> str:
    return "-" if value is None else f"{float(value):.1f}"


def _date(day: date) -> str:
    return f"{day.day} {day:%b}"


def _dates(days: tuple[date, ...], most: int = 6) -> str:
    shown = ", ".join(_date(d) for d in days[:most])
    return shown + (f" (+{len(days) - most} more)" if len(days) > most else "")


def card_text(report: Report, line: Line, names: Mapping[str, str] | None = None) -> str:
    """Plain text for the Alexa app card; sections in the order a clinician reads."""
    names = names or {}
    out = [
        line(
            "report.card.period",
            start=_date(report.start),
            end=_date(report.today),
            year=report.today.year,
        ),
        line("report.card.scale"),
        "",
    ]
    out.append(line("report.card.weeks_title"))
    for week in report.weeks:
        scores = " ".join("-" if s is None else str(s) for s in week.scores)
        out.append(
            line(
                "report.card.week",
                start=_date(week.start),
                end=_date(week.end),
                scores=scores,
                average=_number(week.average),
                logged=week.logged,
            )
        )
    out.append(line("report.card.logged", logged=report.logged, days=DAYS))
    out.append("")
    if report.routines:
        parts = [
            line(
                "report.card.routine",
                name=names.get(r.routine, r.routine),
                sessions=r.sessions,
                completed=r.completed,
            )
            for r in report.routines
        ]
        out.append(line("report.card.routines", items="; ".join(parts)))
    else:
        out.append(line("report.card.routines.none"))
    if report.gentler:
        moves = ", ".join(names.get(m, m.replace("_", " ")) for m in report.gentler)
        out.append(line("report.card.gentler", moves=moves))
    else:
        out.append(line("report.card.gentler.none"))
    if report.red_flags:
        items = "; ".join(
            line(
                "report.card.red_flag",
                day=_date(f.day),
                symptom=names.get(f"symptom:{f.symptom}", f.symptom.replace("_", " ")),
                urgency=names.get(f"urgency:{f.urgency}", f.urgency),
            )
            for f in report.red_flags
        )
        out.append(line("report.card.red_flags", items=items))
    else:
        out.append(line("report.card.red_flags.none"))
    if report.rules:
        items = "; ".join(
            line("report.card.rule", rule=names.get(f"rule:{r.rule}", r.rule), dates=_dates(r.days))
            for r in report.rules
        )
        out.append(line("report.card.rules", items=items))
    else:
        out.append(line("report.card.rules.none"))
    out += ["", line("report.card.footer")]
    text = "\n".join(out)
    if len(text) > CARD_LIMIT:  # cannot happen with 28 days of scores; never send a broken card
        text = text[: CARD_LIMIT - 1] + "…"
    return text


def to_json(report: Report) -> dict[str, Any]:
    """The same summary as data (for ``hiprest export``)."""
    return {
        "start": report.start.isoformat(),
        "end": report.today.isoformat(),
        "days": [
            {"date": (w.start + timedelta(days=i)).isoformat(), "stiffness_0_10": s}
            for w in report.weeks
            for i, s in enumerate(w.scores)
        ],
        "weeks": [
            {
                "start": w.start.isoformat(),
                "end": w.end.isoformat(),
                "logged": w.logged,
                "average": None if w.average is None else round(float(w.average), 2),
            }
            for w in report.weeks
        ],
        "routines": [r.__dict__ for r in report.routines],
        "gentler_moves": report.gentler,
        "red_flags": [
            {"date": f.day.isoformat(), "symptom": f.symptom, "urgency": f.urgency}
            for f in report.red_flags
        ],
        "referral_rules": [
            {"rule": r.rule, "dates": [d.isoformat() for d in r.days]} for r in report.rules
        ],
    }
