"""Red flags: registered first, so they interrupt any dialog state.

The answer points to the right level of care (per the triage rules in
``content/en/safety.yaml``) with the locale's emergency number, and ends the
session: no follow-up question, no small talk, nothing left pending.
"""

from __future__ import annotations

from skill.core.triage import TriageRules, Urgency, triage
from skill.handlers.base import IntentHandler
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import Turn

CLARIFY = "safety.clarify"


def _rules(turn: Turn) -> TriageRules:
    rules = turn.voice.content.sections["triage"]
    assert isinstance(rules, TriageRules)
    return rules


def urgent_reply(turn: Turn, urgency: Urgency | None) -> Reply:
    key = f"safety.{urgency}" if urgency is not None else "safety.unclear"
    turn.clear_pending()
    reply = Reply().say(turn.voice.line(key))
    reply.end_session = True
    return reply


def triage_reply(turn: Turn, symptom_id: str) -> Reply:
    """The red-flag answer for a known symptom id (see ``triage.symptoms`` in safety.yaml).

    For other capabilities: e.g. the check-in's "any numbness or weakness in your
    leg?" answered yes calls ``triage_reply(turn, "one_leg")``. An unknown id gets
    the cautious general answer. Ends the session.
    """
    return urgent_reply(turn, _rules(turn).urgency_of(symptom_id))


class RedFlagHandler(IntentHandler):
    intents = ("RedFlagIntent",)

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("Symptom")
        _symptom, urgency = triage(_rules(turn), slot.resolved_id, slot.value)
        if urgency is not None:
            turn.deps.log.info("red flag answered", extra={"urgency": urgency})
            return urgent_reply(turn, urgency)
        if not slot.spoken:
            # Samples without a symptom are unambiguous ("this is an emergency").
            return urgent_reply(turn, None)
        # Words we cannot place: ask which symptom, keeping the emergency number in view.
        v = turn.voice
        turn.expect(CLARIFY)
        return Reply().say(v.line("safety.clarify")).ask(v.line("safety.clarify.reprompt"))


def on_no(turn: Turn) -> Reply | None:
    if turn.pending != CLARIFY:
        return None
    turn.clear_pending()
    reply = Reply().say(turn.voice.line("safety.clarify.no"))
    reply.end_session = True
    return reply


def on_yes(turn: Turn) -> Reply | None:
    if turn.pending != CLARIFY:
        return None
    # "Yes" to "numbness, weakness, a fall or a fever?" names none: err on the side of care.
    return urgent_reply(turn, None)


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    registry.add(RedFlagHandler(registry.deps))
    registry.on("yes", on_yes)
    registry.on("no", on_no)
