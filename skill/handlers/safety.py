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


SAFETY_KEY = "safety"
MAX_RED_FLAGS = 100


def record_red_flag(turn: Turn, symptom: str | None, urgency: Urgency | None) -> None:
    """Keep the red-flag answer (``safety.red_flags``: UTC time -> symptom, urgency)
    for the four-week summary a professional reads. Keyed by time so overlapping
    requests merge; only the newest entries are kept."""
    raw = turn.doc.get(SAFETY_KEY)
    doc = dict(raw) if isinstance(raw, dict) else {}
    flags = dict(doc.get("red_flags") or {}) if isinstance(doc.get("red_flags"), dict) else {}
    flags[turn.now.isoformat()] = {"symptom": symptom or "unspecified", "urgency": urgency}
    for stale in sorted(flags)[: max(0, len(flags) - MAX_RED_FLAGS)]:
        del flags[stale]
    doc["red_flags"] = flags
    turn.doc[SAFETY_KEY] = doc


def urgent_reply(turn: Turn, urgency: Urgency | None, symptom: str | None = None) -> Reply:
    key = f"safety.{urgency}" if urgency is not None else "safety.unclear"
    if turn.user_id is not None and not turn.deleted:
        record_red_flag(turn, symptom, urgency)
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
    return urgent_reply(turn, _rules(turn).urgency_of(symptom_id), symptom_id)


class RedFlagHandler(IntentHandler):
    intents = ("RedFlagIntent",)

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("Symptom")
        symptom, urgency = triage(_rules(turn), slot.resolved_id, slot.value)
        if urgency is not None:
            turn.deps.log.info("red flag answered", extra={"urgency": urgency})
            return urgent_reply(turn, urgency, symptom)
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
