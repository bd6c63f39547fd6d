""" "Send my summary to my phone": the last four weeks as a card in the Alexa app,
written for a physiotherapist (builder: :mod:`skill.core.summary`).

Speech stays short and says where the card is; everything on the card is what
the user told Hip Rest (scores, routines, moves made gentler, warning signs) and
which of the check-in's rules of thumb held, never an interpretation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from skill.core import summary as core
from skill.handlers.base import IntentHandler
from skill.localtime import local_today, zone_of
from skill.registry import Registry
from skill.reply import Card, Reply
from skill.turn import Turn

INTENT = "SendSummaryIntent"


def report_of(turn: Turn) -> core.Report:
    zone = zone_of(turn)

    def local_day(moment: datetime) -> date:
        return moment.astimezone(zone).date() if moment.tzinfo else moment.date()

    return core.build(turn.doc, local_today(turn), local_day=local_day)


def names(turn: Turn) -> dict[str, str]:
    """Readable names for ids on the card: routines, moves, rules, symptoms, urgencies."""
    v = turn.voice
    out: dict[str, str] = {}
    library: Any = v.content.sections.get("routines")
    if library is not None:
        out.update({rid: r.name for rid, r in library.routines.items()})
        out.update({mid: m.name for mid, m in library.moves.items()})
    for key in v.content.phrases:
        for prefix, kind in (
            ("report.rule.", "rule"),
            ("report.symptom.", "symptom"),
            ("report.urgency.", "urgency"),
        ):
            if key.startswith(prefix):
                out[f"{kind}:{key[len(prefix) :]}"] = v.line(key)
    return out


def summary_card(turn: Turn, report: core.Report) -> Card:
    v = turn.voice
    return Card(v.line("report.card.title"), core.card_text(report, v.line, names(turn)))


class SendSummaryHandler(IntentHandler):
    intents = (INTENT,)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        turn.clear_pending()
        if not turn.keeps_health_data:
            # Public profile: nothing to report, and no health data on a card.
            return Reply(end_session=True).say(v.line("report.public"))
        report = report_of(turn)
        if report.empty:
            return Reply(end_session=True).say(v.line("report.empty"))
        sessions = sum(r.sessions for r in report.routines)
        reply = Reply(end_session=True, card=summary_card(turn, report))
        reply.say(v.line("report.sent", logged=report.logged, sessions=sessions))
        if report.red_flags:
            reply.say(v.line("report.sent.flags"))
        return reply.say(v.line("report.bye"))


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    registry.add(SendSummaryHandler(registry.deps))
