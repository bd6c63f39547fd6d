"""Morning check-in: one-shot and dialog scores, same-day replacement, feedback,
referral rules of thumb and the weekly summary. Thin: the rules live in
:mod:`skill.core.checkin`; the wording in ``content/en/checkin.yaml``.

Dialog state (``turn.expect`` kinds): ``checkin.score`` (waiting for a number,
``misses`` counts bad answers), ``checkin.replace`` (a second score today),
``checkin.bare`` (a bare number said out of context), ``checkin.numbness``,
``checkin.spike`` / ``checkin.spike.which`` (one big morning: anything new?),
``checkin.summary_offer``, ``checkin.log_offer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skill.core import checkin as core
from skill.core.routine_history import history_of
from skill.handlers.base import IntentHandler
from skill.localtime import local_today
from skill.registry import Registry
from skill.reply import Card, Part, Reply
from skill.turn import Turn

CHECKIN_KEY = "checkin"
ROUTINE_KEY = "routine"
MAX_MISSES = 2
# The safety module's triage id for numbness/weakness in one leg (content/en/safety.yaml).
LEG_SYMPTOM = "one_leg"


class CheckinState(BaseModel):
    """Persistent namespace ``checkin``. ``days`` is keyed by local date so two
    overlapping requests merge; damaged entries are dropped one by one."""

    model_config = ConfigDict(extra="ignore")
    v: Literal[1] = 1
    days: dict[str, int] = Field(default_factory=dict)
    # rule -> ISO date it was last spoken, so slow rules don't nag every morning
    referred: dict[str, str] = Field(default_factory=dict)
    notice_given: bool = False

    # "plain": clean_days already returns str -> int in range, so pydantic need not check
    # every entry again (~7 us of each load at 80 days).
    @field_validator("days", mode="plain")
    @classmethod
    def _clean(cls, value: Any) -> dict[str, int]:
        return core.clean_days(value)

    @field_validator("referred", mode="before")
    @classmethod
    def _clean_referred(cls, value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            return {}
        return {str(k): v for k, v in value.items() if isinstance(v, str)}


def load(turn: Turn) -> CheckinState:
    return turn.state(CHECKIN_KEY, CheckinState)


def archive(turn: Turn, moved: Mapping[str, int], today: date) -> None:
    """Add ``moved`` to the ``checkin_archive`` namespace (read only when writing it)."""
    raw = turn.doc.get(core.ARCHIVE_KEY)
    days = core.clean_days(raw.get("days") if isinstance(raw, Mapping) else None)
    turn.doc[core.ARCHIVE_KEY] = {"v": 1, "days": core.archived(days, moved, today)}


def routine_history(turn: Turn) -> Mapping[str, Any]:
    """The routine history (night key -> record; its own namespace, or the old
    ``routine.history``), read raw so this module doesn't depend on the routine
    module's model; anything odd reads as empty."""
    return history_of(turn.doc)


# --------------------------------------------------------------------------- asking


def ask_score(turn: Turn, misses: int = 0, key: str = "checkin.ask") -> Reply:
    v = turn.voice
    turn.expect("checkin.score", misses=misses)
    return Reply().say(v.line(key)).ask(v.line("checkin.ask.reprompt"))


def miss(turn: Turn, error: core.ParseError) -> Reply:
    """A bad or missing answer: re-ask (the range only for a number outside it,
    otherwise just ask again for a number); the second miss leaves."""
    misses = int(turn.pending_data.get("misses", 0)) if turn.pending == "checkin.score" else 0
    misses += 1
    if misses >= MAX_MISSES:
        turn.clear_pending()
        return Reply(end_session=True).say(turn.voice.line("checkin.giveup"))
    return ask_score(turn, misses, reask_key(error))


def reask_key(error: core.ParseError | None) -> str:
    # Only a number outside 0-10 gets the range lecture; words, mumbles and silence
    # simply get asked again for a number.
    return "checkin.reask.range" if error == "out_of_range" else "checkin.reask.missing"


def take_score(turn: Turn, raw: str | None) -> Reply:
    parsed = core.parse_score(raw)
    if parsed.score is None:
        assert parsed.error is not None
        return miss(turn, parsed.error)
    return record(turn, parsed.score, parsed.rounded_from)


# --------------------------------------------------------------------------- storing


def record(
    turn: Turn, score: int, rounded_from: float | None = None, *, confirmed: bool = False
) -> Reply:
    v = turn.voice
    if not turn.keeps_health_data:
        return unkept(turn, score, rounded_from)
    today = local_today(turn)
    state = load(turn)
    today_key = core.key(today)
    old = state.days.get(today_key)
    if old is not None and not confirmed and old != score:
        turn.expect("checkin.replace", score=score, rounded_from=rounded_from)
        return Reply().say(
            *rounding(turn, score, rounded_from),
            v.line("checkin.replace.ask", old=old, score=score),
        ).ask(v.line("checkin.replace.reprompt", old=old, score=score))
    # Stops at the first other key: O(1), whatever the history's size.
    any_before = any(k != today_key for k in state.days)
    state.days[today_key] = score
    # Days no request reads move to their own namespace (about once a month), so the
    # namespace every check-in loads, diffs and writes stays small.
    state.days, moved = core.split_hot(state.days, today)
    if moved:
        archive(turn, moved, today)
    rule = core.referral(state.days, today, state.referred)
    spike = core.spike(state.days, today)
    if rule in ("worsening", "no_improvement"):
        state.referred[rule] = today_key
    notice = not state.notice_given
    state.notice_given = True
    turn.put(CHECKIN_KEY, state)

    # A confirmed score was asked about first, and that question said the rounding.
    parts: list[Part] = [] if confirmed else rounding(turn, score, rounded_from)
    fb = core.feedback(state.days, today, any_before=any_before)
    if old is not None and fb.first_ever:
        parts.append(v.line("checkin.replaced", score=score))
    else:
        # The week comparison ("about your usual") would contradict a rise being
        # named in the same reply, so it is left out then.
        parts += feedback_lines(turn, fb, week=rule != "worsening" and spike is None)
    if rule is not None:
        parts.append(referral_line(turn, rule, state.days, today))
    if spike is not None:
        parts.append(v.line(f"checkin.spike.{spike}"))
    if notice:
        parts.append(v.line("checkin.privacy"))
    reply = Reply().say(*parts)
    if spike is not None:
        # Asks about the red flags itself, so it replaces the numbness question.
        turn.expect("checkin.spike")
        return reply.say(v.line("checkin.spike.ask")).ask(v.line("checkin.spike.reprompt"))
    if rule == "high_streak":
        turn.expect("checkin.numbness")
        return reply.say(v.line("checkin.numbness.ask")).ask(v.line("checkin.numbness.reprompt"))
    if fb.first_ever:
        turn.clear_pending()
        reply.end_session = True
        return reply
    turn.expect("checkin.summary_offer")
    return reply.say(v.line("checkin.followup.ask")).ask(v.line("checkin.followup.reprompt"))


def unkept(turn: Turn, score: int, rounded_from: float | None) -> Reply:
    """The public profile's check-in: feedback on today's score alone, nothing stored."""
    turn.clear_pending()
    v = turn.voice
    return Reply(end_session=True).say(
        *rounding(turn, score, rounded_from),
        v.line("checkin.saved", score=score),
        v.line("checkin.public.not_kept"),
    )


def rounding(turn: Turn, score: int, rounded_from: float | None) -> list[Part]:
    """"I round halves up, so 3.5 counts as 4", said with the first mention of the score."""
    if rounded_from is None:
        return []
    return [turn.voice.line("checkin.rounded", said=core.spoken_number(rounded_from), score=score)]


def feedback_lines(turn: Turn, fb: core.Feedback, *, week: bool = True) -> list[Part]:
    v = turn.voice
    if fb.first_ever:
        return [v.line("checkin.first", score=fb.score)]
    lines: list[Part] = []
    if fb.yesterday is not None:
        change = core.direction(fb.score, fb.yesterday)
        if fb.score == fb.yesterday:
            change = "same"
        elif change == "same":
            # A 1-point change is the smallest people notice; anything non-zero is named.
            change = "better" if fb.score < fb.yesterday else "worse"
        lines.append(
            v.line(f"checkin.yesterday.{change}", score=fb.score, diff=abs(fb.score - fb.yesterday))
        )
    else:
        lines.append(v.line("checkin.saved", score=fb.score))
    if week and fb.past_week_avg is not None and fb.vs_week is not None:
        lines.append(v.line(f"checkin.week.{fb.vs_week}", avg=core.spoken_number(fb.past_week_avg)))
    return lines


def referral_line(turn: Turn, rule: core.Referral, days: Mapping[str, int], today: date) -> str:
    v = turn.voice
    if rule == "worsening":
        pair = core.week_pair(days, today)
        assert pair.recent is not None and pair.earlier is not None
        return v.line(
            "checkin.referral.worsening",
            recent=core.spoken_number(pair.recent),
            earlier=core.spoken_number(pair.earlier),
        )
    return v.line(f"checkin.referral.{rule}")


# --------------------------------------------------------------------------- summary


def when(turn: Turn, day: date, today: date) -> str:
    v = turn.voice
    if day == today:
        return v.line("day.today")
    if day == today - timedelta(days=1):
        return v.line("day.yesterday")
    return v.line("day.on", weekday=v.line(f"weekday.{day.weekday()}"))


def summary(turn: Turn) -> Reply:
    v = turn.voice
    if not turn.keeps_health_data:
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("summary.public"))
    today = local_today(turn)
    state = load(turn)
    s = core.week_summary(state.days, today)
    parts: list[Part] = []
    if s.logged == 0:
        if s.last_before is not None:
            day, score = s.last_before
            parts.append(v.line("summary.none_this_week", score=score, ago=(today - day).days))
        else:
            parts.append(v.line("summary.none"))
    elif s.logged == 1:
        assert s.best is not None
        parts.append(v.line("summary.one", score=s.best[1], when=when(turn, s.best[0], today)))
    else:
        assert s.avg is not None and s.best is not None and s.worst is not None
        if s.best[1] == s.worst[1]:
            parts.append(v.line("summary.flat", logged=s.logged, avg=s.best[1]))
        else:
            parts.append(
                v.line(
                    "summary.many",
                    logged=s.logged,
                    avg=core.spoken_number(s.avg),
                    best=s.best[1],
                    best_when=when(turn, s.best[0], today),
                    worst=s.worst[1],
                    worst_when=when(turn, s.worst[0], today),
                )
            )
        if s.trend is not None:
            parts.append(v.line(f"summary.trend.{s.trend}"))
    link = core.bedtime_link(state.days, routine_history(turn), today)
    link_line = None
    if link is not None:
        link_line = v.line(
            "summary.link",
            after=core.spoken_number(link.after_avg),
            other=core.spoken_number(link.other_avg),
        )
        parts.append(link_line)
    reply = Reply(card=summary_card(turn, s, link_line)).say(*parts)
    if core.key(today) not in state.days:
        turn.expect("summary.log_offer")
        return reply.say(v.line("summary.log_offer")).ask(v.line("summary.log_offer.reprompt"))
    turn.clear_pending()
    reply.end_session = True
    return reply


def summary_card(turn: Turn, s: core.WeekSummary, link_line: str | None) -> Card:
    v = turn.voice
    missing = v.line("summary.card.missing")
    rows = [
        f"{v.line(f'weekday.{d.weekday()}')} {d.day}: {score if score is not None else missing}"
        for d, score in s.entries
    ]
    if s.avg is not None:
        rows.append(v.line("summary.card.average", avg=core.spoken_number(s.avg)))
    if link_line:
        rows.append(link_line)
    rows.append(v.line("summary.card.legend"))
    return Card(title=v.line("summary.card.title"), text="\n".join(rows))


# --------------------------------------------------------------------------- handlers


class CheckInHandler(IntentHandler):
    """"my stiffness is six" (one-shot) or "morning check in" (dialog)."""

    intents = ("CheckInIntent",)

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("Score")
        if slot.spoken or turn.pending == "checkin.score":
            return take_score(turn, slot.value)
        return ask_score(turn)


class LogScoreHandler(IntentHandler):
    """A bare number ("six", "about a four"). In the check-in it is the answer;
    out of context we ask before saving, since it might have meant something else."""

    intents = ("LogScoreIntent",)

    def reply(self, turn: Turn) -> Reply:
        raw = turn.slot("Score").value
        if turn.pending == "checkin.score":
            return take_score(turn, raw)
        parsed = core.parse_score(raw)
        if parsed.score is None:
            return ask_score(turn, misses=1, key=reask_key(parsed.error))
        v = turn.voice
        turn.expect("checkin.bare", score=parsed.score, rounded_from=parsed.rounded_from)
        return Reply().say(
            *rounding(turn, parsed.score, parsed.rounded_from),
            v.line("checkin.bare.ask", score=parsed.score),
        ).ask(v.line("checkin.bare.reprompt", score=parsed.score))


class SummaryHandler(IntentHandler):
    intents = ("StiffnessSummaryIntent",)

    def reply(self, turn: Turn) -> Reply:
        return summary(turn)


# --------------------------------------------------------------------------- hooks


def _pending_score(turn: Turn) -> tuple[int, float | None] | None:
    data = turn.pending_data
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        return None
    rounded = data.get("rounded_from")
    return score, float(rounded) if isinstance(rounded, int | float) else None


def on_yes(turn: Turn) -> Reply | None:
    kind = turn.pending
    if kind == "checkin.score":
        return miss(turn, "not_a_number")
    if kind in ("checkin.replace", "checkin.bare"):
        pending = _pending_score(turn)
        turn.clear_pending()
        if pending is None:
            return ask_score(turn)
        return record(turn, pending[0], pending[1], confirmed=True)
    if kind == "checkin.numbness":
        turn.clear_pending()
        return numbness_triage(turn)
    if kind == "checkin.spike":
        # "Yes" names none of them: one short question before the answer.
        v = turn.voice
        turn.expect("checkin.spike.which")
        return Reply().say(v.line("checkin.spike.which")).ask(
            v.line("checkin.spike.which.reprompt")
        )
    if kind == "checkin.spike.which":
        return unclear_red_flag(turn)
    if kind == "checkin.summary_offer":
        return summary(turn)
    if kind == "summary.log_offer":
        return ask_score(turn)
    return None


def on_no(turn: Turn) -> Reply | None:
    kind = turn.pending
    v = turn.voice
    if kind == "checkin.score":
        return miss(turn, "not_a_number")
    if kind == "checkin.replace":
        old = load(turn).days.get(core.key(local_today(turn)))
        turn.clear_pending()
        line = v.line("checkin.replace.kept", old=old) if old is not None else v.line(
            "checkin.nothing_saved"
        )
        return Reply(end_session=True).say(line)
    if kind == "checkin.bare":
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("checkin.bare.no"))
    if kind == "checkin.numbness":
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("checkin.numbness.no"))
    if kind in ("checkin.spike", "checkin.spike.which"):
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("checkin.spike.no"))
    if kind in ("checkin.summary_offer", "summary.log_offer"):
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("checkin.bye"))
    return None


def numbness_triage(turn: Turn) -> Reply:
    """A yes to "numbness or weakness in your leg?" goes to the safety module's triage."""
    from skill.handlers import safety

    triage = getattr(safety, "triage_reply", None)
    if callable(triage):
        reply = triage(turn, LEG_SYMPTOM)
        if isinstance(reply, Reply):
            return reply
    turn.deps.log.warning("safety.triage_reply unavailable; spoke the check-in fallback")
    return Reply(end_session=True).say(turn.voice.line("checkin.numbness.fallback"))


def unclear_red_flag(turn: Turn) -> Reply:
    """An answer to "anything new?" we cannot place: the safety module's cautious
    general answer (the higher level when unsure). A named symptom never gets here:
    it is a RedFlagIntent, which the safety handler, first in line, triages."""
    from skill.handlers import safety

    return safety.urgent_reply(turn, None)


def on_fallback(turn: Turn) -> Reply | None:
    if turn.pending == "checkin.score":
        return miss(turn, "not_a_number")
    if turn.pending == "checkin.spike" and not turn.pending_data.get("asked_again"):
        # "Nothing new" may not be heard as a no: ask once more, as a yes/no.
        v = turn.voice
        turn.expect("checkin.spike", asked_again=True)
        return Reply().say(v.line("checkin.spike.reprompt")).ask(v.line("checkin.spike.reprompt"))
    if turn.pending in ("checkin.spike", "checkin.spike.which"):
        return unclear_red_flag(turn)
    return None


def on_help(turn: Turn) -> Reply | None:
    if turn.pending == "checkin.score":
        v = turn.voice
        return Reply().say(v.line("checkin.help")).ask(v.line("checkin.ask.reprompt"))
    return None


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    deps = registry.deps
    registry.add(CheckInHandler(deps), LogScoreHandler(deps), SummaryHandler(deps))
    registry.on("yes", on_yes)
    registry.on("no", on_no)
    registry.on("fallback", on_fallback)
    registry.on("help", on_help)
