"""Red flags: registered first, so they interrupt any dialog state.

The answer points to the right level of care (per the triage rules in
``content/en/safety.yaml``) with the locale's emergency number, and ends the
session: no follow-up question, no small talk, nothing left pending. When the
words are ambiguous, one short question comes first (where the numbness is, whether
bladder control is lost, which symptom); its answer is read as people say it
(skill/understanding/answers.py) and a red flag heard in that answer wins.
"""

from __future__ import annotations

from datetime import timedelta

from skill.core.triage import URGENCY_ORDER, Assessment, TriageRules, Urgency, assess
from skill.handlers.base import IntentHandler, contextual_fallback
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import Turn
from skill.understanding.alarm import assess_words, default_flags
from skill.understanding.answers import (
    BLADDER,
    CLARIFY,
    FALL,
    QUESTIONS,
    WHERE,
    bladder_answer,
    retracts,
    weight_answer,
    where_answer,
    yes_no,
)

SYMPTOM_SLOT = "Symptom"
ONE_LEG = "one_leg"
SADDLE = "saddle_numbness"
BLADDER_BOWEL = "bladder_bowel"
FALL_EMERGENCY = "fall_cannot_bear_weight"
# Requests that can carry an answer to a safety question; any other request is a new
# one, and the question it leaves unanswered is dropped (valid for one turn only).
ANSWER_INTENTS = frozenset({
    "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.FallbackIntent", "RedFlagIntent",
    "WhichSideIntent", "CatchAllIntent",
})
# The question each clarify rule asks (content key, and its pending kind).
_QUESTION_LINES = {
    WHERE: ("safety.clarify.where", "safety.clarify.where.reprompt"),
    BLADDER: ("safety.clarify.bladder", "safety.clarify.bladder.reprompt"),
    CLARIFY: ("safety.clarify", "safety.clarify.reprompt"),
    FALL: ("safety.clarify.fall", "safety.clarify.fall.reprompt"),
}


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
    entry = {"symptom": symptom or "unspecified", "urgency": urgency}
    when = turn.now
    # Two readings in one instant (the fall when asked, the fever said with it) are two
    # entries: a later microsecond, never one over the other.
    while flags.get(when.isoformat(), entry) != entry:
        when += timedelta(microseconds=1)
    flags[when.isoformat()] = entry
    for stale in sorted(flags)[: max(0, len(flags) - MAX_RED_FLAGS)]:
        del flags[stale]
    doc["red_flags"] = flags
    turn.doc[SAFETY_KEY] = doc


# The fall's own readings: said by the fall answers themselves.
_FALL_READINGS = frozenset({"fall", "fall_walking"})


def _answer_key(turn: Turn, urgency: Urgency | None, symptom: str | None) -> str:
    rule = _rules(turn).symptoms.get(symptom or "")
    if rule is not None and rule.say is not None:
        return rule.say
    return f"safety.{urgency}" if urgency is not None else "safety.unclear"


def urgent_reply(turn: Turn, urgency: Urgency | None, symptom: str | None = None) -> Reply:
    key = _answer_key(turn, urgency, symptom)
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


def _ask(turn: Turn, kind: str, also: str | None = None) -> Reply:
    """One short safety question. Alexa is told to expect the red-flag intent's
    Symptom slot (``Dialog.ElicitSlot``): on a real Echo "both of them", "my bum" or
    "only the left one" then come back as words in that slot, not as a pillow or
    routine request that would drop the question."""
    from skill.handlers.dialog import RED_FLAG, elicit

    say, reprompt = _QUESTION_LINES.get(kind, _QUESTION_LINES[CLARIFY])
    v = turn.voice
    reply = Reply().say(v.line(say)).ask(v.line(reprompt))
    kind = kind if kind in _QUESTION_LINES else CLARIFY
    return elicit(turn, reply, kind, {"also": also}, RED_FLAG, SYMPTOM_SLOT)


def _clarify(turn: Turn, found: Assessment) -> Reply:
    rule = _rules(turn).symptoms.get(found.symptom or "")
    # Numbness or weakness with no body part may be the emergency reading: the
    # question says the number first, then asks where.
    kind = (rule.ask or WHERE) if rule is not None else CLARIFY
    if rule is not None and rule.confirmed and turn.user_id is not None and not turn.deleted:
        # The fall itself is certain (at least a same-day check); the question decides
        # whether it is the ambulance answer.
        record_red_flag(turn, found.symptom, found.urgency)
    return _ask(turn, kind, found.also)


def free_text_reply(turn: Turn, words: str | None) -> Reply | None:
    """For a handler holding the person's own words (the catch-all utterance, a custom
    slot's raw value, any text in any dialog state): the red-flag answer, or its one
    short question, or None when the words report no symptom. Triage is the rules'
    ``assess(..., free_text=True)`` (denials, other people and hypotheticals are none),
    then the learned reading where they place no symptom."""
    if not words or not words.strip():
        return None
    found = assess_words(_rules(turn), None, words, free_text=True, flags=default_flags())
    if found.kind == "answer":
        return _answer(turn, found)
    if found.kind == "clarify":
        return _clarify(turn, found)
    return None


def _answer(turn: Turn, found: Assessment) -> Reply:
    if found.urgency is not None:
        turn.deps.log.info("red flag answered", extra={"urgency": found.urgency})
    return urgent_reply(turn, found.urgency, found.symptom)


class RedFlagHandler(IntentHandler):
    intents = ("RedFlagIntent",)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot(SYMPTOM_SLOT)
        # Slot text is raw ("can't walk"); triage normalises it as the matcher does.
        found = assess_words(_rules(turn), slot.resolved_id, slot.value, flags=default_flags())
        if found.kind == "answer":
            return _answer(turn, found)
        if found.kind == "ordinary":
            # "I feel a stretch": bedtime talk the slot caught, not a symptom. Let the
            # running dialog (a routine, a check-in) treat it as it treats unclear words.
            return contextual_fallback(self.registry, turn)
        return _clarify(turn, found)


def _words(turn: Turn) -> str:
    """Every word the request carries (slot values; Alexa sends a slot's raw words)."""
    intent = getattr(turn.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    names = sorted(slots) if isinstance(slots, dict) else []
    return " ".join(v for v in (turn.slot(n).value for n in names) if v)


def _most_urgent(turn: Turn, *readings: tuple[Urgency | None, str | None]) -> Reply:
    heard = [r for r in readings if r[0] is not None]
    if not heard:
        return urgent_reply(turn, None)
    urgency, symptom = min(heard, key=lambda r: URGENCY_ORDER.index(r[0] or "gp"))
    return urgent_reply(turn, urgency, symptom)


class SafetyAnswerHandler(IntentHandler):
    """The answer to a pending safety question, whatever intent carried it."""

    def matches(self, turn: Turn) -> bool:
        if turn.request_type != "IntentRequest" or turn.pending not in QUESTIONS:
            return False
        if turn.intent in ANSWER_INTENTS:
            return True
        # A new request: the question was for this turn only. Dropped here, before
        # the handler that serves the request sees it, so a later "yes" is not read
        # as its answer.
        turn.clear_pending()
        return False

    def reply(self, turn: Turn) -> Reply:
        rules = _rules(turn)
        kind, intent, words = turn.pending, turn.intent, _words(turn)
        also = turn.pending_data.get("also")
        turn.clear_pending()
        heard = assess(rules, None, words, free_text=True) if words else Assessment("ordinary")
        said: tuple[Urgency | None, str | None] = (heard.urgency, heard.symptom)
        if heard.kind == "clarify" and kind != CLARIFY:
            said = (None, None)  # still vague: the question's own answer decides
        extra: list[tuple[Urgency | None, str | None]] = []
        if isinstance(also, str) and also in rules.symptoms:
            extra.append((rules.symptoms[also].urgency, also))
        if heard.kind == "ordinary" and retracts(words):
            # Taken back ("I meant my leg fell asleep"): nothing to answer or log, but
            # anything more urgent heard with the first words still stands.
            if extra:
                return _most_urgent(turn, *extra)
            return Reply(end_session=True).say(turn.voice.line("safety.clarify.no"))
        if kind == WHERE and heard.kind == "answer" and retracts(words):
            # "no numbness, it's constant pain whatever position": the numbness is taken
            # back, and what was said instead is answered (a fall's question keeps its own
            # answer: "fine now" there is about the leg).
            return _most_urgent(turn, said, *extra)
        if kind == WHERE:
            where = where_answer(words, intent)
            if where == "one_leg":
                reading: tuple[Urgency | None, str | None] = (rules.urgency_of(ONE_LEG), ONE_LEG)
            elif where == "saddle":
                reading = ("emergency", SADDLE)
            else:
                # Both legs, between them, or not sure: err on the side of care.
                reading = ("emergency", "numb_or_weak")
            return _most_urgent(turn, said, reading, *extra)
        if kind == BLADDER:
            answer = bladder_answer(words, intent)
            if answer != "no":
                return _most_urgent(turn, said, ("emergency", BLADDER_BOWEL), *extra)
            if said[0] is not None or extra:
                return _most_urgent(turn, said, *extra)
            # Only needing to go often: no red flag, and not logged as a bladder change.
            return Reply(end_session=True).say(turn.voice.line("safety.bladder.often"))
        if kind == FALL:
            if weight_answer(words, intent) == "yes":
                others = [r for r in (said, *extra) if r[0] is not None]
                if any(URGENCY_ORDER.index(r[0] or "gp") < URGENCY_ORDER.index("same_day")
                       for r in others):
                    return _most_urgent(turn, *others)
                # Already recorded as a fall when asked: the same-day answer, unlogged,
                # and the advice for anything else said with the fall ("I fell and I've
                # got a fever": the fever's answer too).
                turn.clear_pending()
                reply = Reply(end_session=True).say(turn.voice.line("safety.fall_today"))
                rest = [r for r in others if r[1] not in (None, *_FALL_READINGS)]
                if rest:
                    urgency, symptom = min(rest, key=lambda r: URGENCY_ORDER.index(r[0] or "gp"))
                    if turn.user_id is not None and not turn.deleted:
                        record_red_flag(turn, symptom, urgency)
                    reply.say(turn.voice.line(_answer_key(turn, urgency, symptom)))
                return reply
            # Can't, or not sure: a fall with a leg that may not bear weight.
            return _most_urgent(turn, said, ("emergency", FALL_EMERGENCY), *extra)
        # "Is it numbness, weakness, a fall, or a fever?"
        if heard.kind == "clarify":
            return _clarify(turn, heard)
        if said[0] is not None:
            return _most_urgent(turn, said, *extra)
        if yes_no(words, intent) == "no":
            return Reply(end_session=True).say(turn.voice.line("safety.clarify.no"))
        # "Yes", "I don't know" or words we cannot place: the cautious general answer.
        return urgent_reply(turn, None)


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    registry.add(SafetyAnswerHandler(registry.deps), RedFlagHandler(registry))
