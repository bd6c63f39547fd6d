"""Red flags: registered first, so they interrupt any dialog state.

The answer points to the right level of care (per the triage rules in
``content/en/safety.yaml``) with the locale's emergency number, and ends the
session: no follow-up question, no small talk, nothing left pending.
"""

from __future__ import annotations

from skill.core.triage import URGENCY_ORDER, TriageRules, Urgency, assess
from skill.handlers.base import IntentHandler
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import Turn

CLARIFY = "safety.clarify"
# "Is it only in one leg?" after numbness or weakness named with no body part.
WHERE = "safety.where"
ONE_LEG = "one_leg"


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
    if not turn.keeps_health_data:
        return
    raw = turn.doc.get(SAFETY_KEY)
    doc = dict(raw) if isinstance(raw, dict) else {}
    flags = dict(doc.get("red_flags") or {}) if isinstance(doc.get("red_flags"), dict) else {}
    flags[turn.now.isoformat()] = {"symptom": symptom or "unspecified", "urgency": urgency}
    for stale in sorted(flags)[: max(0, len(flags) - MAX_RED_FLAGS)]:
        del flags[stale]
    doc["red_flags"] = flags
    turn.doc[SAFETY_KEY] = doc


def urgent_reply(turn: Turn, urgency: Urgency | None, symptom: str | None = None) -> Reply:
    rule = _rules(turn).symptoms.get(symptom or "")
    if rule is not None and rule.say is not None:
        key = rule.say
    else:
        key = f"safety.{urgency}" if urgency is not None else "safety.unclear"
    if turn.user_id is not None and not turn.deleted:
        record_red_flag(turn, symptom, urgency)
    turn.clear_pending()
    return Reply(end_session=True).say(turn.voice.line(key))


def triage_reply(turn: Turn, symptom_id: str) -> Reply:
    """The red-flag answer for a known symptom id (see ``triage.symptoms`` in safety.yaml).

    For other capabilities: e.g. the check-in's "any numbness or weakness in your
    leg?" answered yes calls ``triage_reply(turn, "one_leg")``. An unknown id gets
    the cautious general answer. Ends the session.
    """
    return urgent_reply(turn, _rules(turn).urgency_of(symptom_id), symptom_id)


class RedFlagHandler(IntentHandler):
    intents = ("RedFlagIntent",)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("Symptom")
        # Slot text is raw ("can't walk"); triage normalises it as the matcher does.
        found = assess(_rules(turn), slot.resolved_id, slot.value)
        v = turn.voice
        if found.kind == "answer":
            if found.urgency is not None:
                turn.deps.log.info("red flag answered", extra={"urgency": found.urgency})
            return urgent_reply(turn, found.urgency, found.symptom)
        if found.kind == "ordinary":
            # "I feel a stretch": bedtime talk the slot caught, not a symptom. Let the
            # running dialog (a routine, a check-in) treat it as it treats unclear words.
            contextual = self.registry.run("fallback", turn)
            if contextual is not None:
                return contextual
            return Reply().say(v.line("fallback")).ask(v.line("fallback.reprompt"))
        if found.symptom is not None:
            # Numbness or weakness with no body part may be the emergency reading:
            # say the number first, then ask.
            turn.expect(WHERE, also=found.also)
            return Reply().say(v.line("safety.clarify.where")).ask(
                v.line("safety.clarify.where.reprompt")
            )
        # Words we cannot place: ask which symptom, keeping the emergency number in view.
        turn.expect(CLARIFY)
        return Reply().say(v.line("safety.clarify")).ask(v.line("safety.clarify.reprompt"))


def _where_answer(turn: Turn, one_leg: bool) -> Reply:
    if not one_leg:
        # Not only one leg: both legs or between them. Err on the side of care.
        return urgent_reply(turn, "emergency", "numb_or_weak")
    rules = _rules(turn)
    also = turn.pending_data.get("also")
    readings = [ONE_LEG, *([also] if isinstance(also, str) and also in rules.symptoms else [])]
    # A fall heard with the numbness keeps its own, more urgent, answer.
    best = min(readings, key=lambda s: URGENCY_ORDER.index(rules.symptoms[s].urgency))
    return urgent_reply(turn, rules.symptoms[best].urgency, best)


def on_no(turn: Turn) -> Reply | None:
    if turn.pending == WHERE:
        return _where_answer(turn, one_leg=False)
    if turn.pending != CLARIFY:
        return None
    turn.clear_pending()
    return Reply(end_session=True).say(turn.voice.line("safety.clarify.no"))


def on_yes(turn: Turn) -> Reply | None:
    if turn.pending == WHERE:
        return _where_answer(turn, one_leg=True)
    if turn.pending != CLARIFY:
        return None
    # "Yes" to "numbness, weakness, a fall or a fever?" names none: err on the side of care.
    return urgent_reply(turn, None)


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    registry.add(RedFlagHandler(registry))
    registry.on("yes", on_yes)
    registry.on("no", on_no)
