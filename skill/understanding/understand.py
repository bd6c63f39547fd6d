"""Text + context -> what the person wants (pure: no Flask, no ask-sdk).

The one place typed or transcribed words are understood: ``hiprest chat``, the
simulator and the turn-script tests go through :func:`understand` (via
:class:`skill.conversation.Conversation`), and the backend's catch-all path can call
it on the words a request carries.

Order, so a red flag is never lost to whatever dialog is running:

1. Launch / exit phrasings are what they are.
2. A pending safety question ("Is it only in one leg?") takes the words as its answer,
   unless they are plainly a new request the model recognises with confidence.
3. Free-text triage (the rules of :func:`skill.core.triage.assess`, ``free_text=True``,
   then the learned reading of :mod:`skill.understanding.alarm` where they place no
   symptom): a red flag, or an ambiguous one needing a short question, becomes
   ``RedFlagIntent`` carrying the words, whatever intent the matcher preferred.
4. A ``RedFlagIntent`` the matcher found in words triage reads as ordinary ("my leg
   fell asleep", "my husband has a fever") is not a red flag: not understood.
5. Otherwise the matcher's request, or not understood (AMAZON.FallbackIntent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skill.core.heard import done_words, routine_word
from skill.core.triage import Assessment, TriageRules
from skill.textnorm import normalise
from skill.understanding.alarm import assess_words, default_flags
from skill.understanding.answers import (
    BLADDER,
    FALL,
    QUESTIONS,
    WHERE,
    bladder_answer,
    retracts,
    unsure,
    weight_answer,
    where_answer,
    yes_no,
)
from skill.understanding.matcher import FALLBACK_INTENT, Match, Matcher, SlotValue

RED_FLAG_INTENT = "RedFlagIntent"
SYMPTOM_SLOT = "Symptom"
# Intents that can carry an answer to a safety question on a real Echo too.
ANSWER_INTENTS = frozenset({
    "AMAZON.YesIntent", "AMAZON.NoIntent", FALLBACK_INTENT, RED_FLAG_INTENT, "WhichSideIntent",
    "CatchAllIntent",
})

# Questions the bedside dialogs ask as a pending question, and the slot that answers them.
QUESTION_SLOTS = {
    "bedside.position": ("PillowIntent", "Position"),
    "bedside.side": ("WhichSideIntent", "Side"),
}
LIVE_PHASES = frozenset({"running", "ready"})
NEXT, MOVE_HURTS, OTHER_SIDE = "AMAZON.NextIntent", "MoveHurtsIntent", "OtherSideIntent"
SIDES = frozenset({"left", "right"})
# Readings a routine's own words replace: none is a request a person makes mid-stretch.
ROUTINE_OVERRIDABLE = frozenset({
    # RedFlagIntent here is one triage read as ordinary ("okay ready" as a symptom).
    FALLBACK_INTENT, RED_FLAG_INTENT, "AMAZON.YesIntent", "CatchAllIntent", "CheckInIntent",
    "AMAZON.NoIntent",  # "nope that one's sore": the hurt words decide
    "LogScoreIntent",
    "NightPainIntent", "WhyNightPainIntent", "CausesIntent", "MattressIntent", "PillowIntent",
    "WhichSideIntent", "DaytimeHabitsIntent", "AboutMuscleIntent",
})

# Requests a done-word never replaces: the ways out and the routine's own controls.
ROUTINE_KEPT = frozenset({
    "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.PauseIntent", "AMAZON.PreviousIntent",
    "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "AMAZON.HelpIntent", NEXT, MOVE_HURTS,
    OTHER_SIDE,
})

Kind = Literal["launch", "end", "request", "answer", "red_flag", "clarify", "not_understood"]


@dataclass(frozen=True)
class Context:
    """What the skill last asked: the pending question kind, and the locale."""

    pending: str | None = None
    locale: str = "en-US"
    # (intent, slot) the last response elicited with Dialog.ElicitSlot, if any.
    expecting: tuple[str, str] | None = None
    # The live routine's phase ("running", "ready", "paused"...), None outside one.
    routine: str | None = None


@dataclass(frozen=True)
class Understanding:
    kind: Kind
    # The request that carries it (RedFlagIntent with the words for red flags and answers).
    match: Match
    assessment: Assessment | None = None


def _carrying_words(text: str, score: float) -> Match:
    # The words themselves, unresolved, as Alexa passes an ER_SUCCESS_NO_MATCH slot.
    slot = SlotValue(SYMPTOM_SLOT, text, None, None)
    return Match("IntentRequest", RED_FLAG_INTENT, {SYMPTOM_SLOT: slot}, score)


# How a new request opens ("where do my pillows go", "can you start the routine"); an
# answer to a safety question rarely does ("sort of where I sit", "not on my own").
_REQUEST_OPENERS = (
    "what", "how", "why", "when", "which", "who", "where do", "where does", "where should",
    "where can", "where is", "where are", "where would", "can", "could", "would", "will",
    "should", "shall", "is", "are", "do", "does", "did", "tell", "start", "stop", "begin",
    "let us", "lets", "play", "set", "remind", "delete", "give", "help", "i want", "i would like",
    "please", "pause", "resume", "repeat", "next", "cancel", "turn", "switch", "go to",
)


def _opens_as_request(text: str) -> bool:
    words = normalise(text)
    return any(words == o or words.startswith(o + " ") for o in _REQUEST_OPENERS)


def _sounds_like_an_answer(pending: str, text: str) -> bool:
    """Words that answer the pending question, not a new request ("where do my pillows
    go" is a request; "just the left", "both", "I'm not sure", "sort of where I sit" are
    answers). To a safety question, words that do not open as a request are an answer:
    the matcher hears a request in many answers ("the whole lower half of me")."""
    if pending in (WHERE, BLADDER, FALL) and (unsure(text) or not _opens_as_request(text)):
        return True
    if pending == WHERE:
        return where_answer(text) != "unsure" or yes_no(text) != "unsure" or len(text.split()) <= 3
    if pending == BLADDER:
        return bladder_answer(text) != "unsure" or len(text.split()) <= 3
    if pending == FALL:
        return weight_answer(text) != "unsure" or len(text.split()) <= 3
    return yes_no(text) != "unsure"


def _says_more(pending: str, text: str, intent: str) -> bool:
    """Whether a yes or no also says where ("yeah the left, well, the right too"): its
    words are read then, not the bare yes."""
    return pending == WHERE and where_answer(text) != where_answer(None, intent)


def understand(matcher: Matcher, rules: TriageRules, text: str,
               context: Context | None = None) -> Understanding:
    context = context or Context()
    match = matcher.match(text, expecting=context.expecting)
    asked = QUESTION_SLOTS.get(context.pending or "")
    if asked is not None and _may_answer(match, *asked):
        # "Back, side or front?" asked without Dialog.ElicitSlot: words that name one
        # position ("curled up on my side", "back i suppose", "flat on me back like a
        # corpse haha") answer it, unless they are another request of their own.
        answered = matcher.match(text, expecting=asked)
        if answered.intent == asked[0] and _resolved(answered, asked[1]):
            match = answered
    if match.kind == "LaunchRequest":
        return Understanding("launch", match)
    if match.kind == "SessionEndedRequest":
        return Understanding("end", match)
    found = assess_words(rules, None, text, free_text=True, flags=default_flags())
    if context.pending in QUESTIONS:
        plainly_new = (match.intent not in ANSWER_INTENTS and found.kind == "ordinary"
                       and not _sounds_like_an_answer(context.pending, text))
        if not plainly_new:
            # A yes or no is its own answer; "not sure" heard as a yes is not, nor an
            # answer that takes the words back ("no, I'm not numb, I misspoke"): its
            # own words are read.
            if (match.intent in ("AMAZON.YesIntent", "AMAZON.NoIntent")
                    and found.kind == "ordinary" and not unsure(text) and not retracts(text)
                    and not _says_more(context.pending, text, match.intent)):
                return Understanding("answer", match, found)
            return Understanding("answer", _carrying_words(text, match.score), found)
    if found.kind in ("answer", "clarify"):
        kind: Kind = "red_flag" if found.kind == "answer" else "clarify"
        return Understanding(kind, _carrying_words(text, match.score), found)
    if context.routine in LIVE_PHASES and context.pending is None:
        step = _routine_step(match, text)
        if step is not None:
            return Understanding("request", step, found)
    if context.pending != "bedside.position":
        match = _side_question(match, text)
    if match.intent == RED_FLAG_INTENT:
        return Understanding("not_understood", Match("IntentRequest", FALLBACK_INTENT, {}, 0.0),
                             found)
    if match.intent == FALLBACK_INTENT:
        return Understanding("not_understood", match, found)
    return Understanding("request", match, found)


# Readings that words naming a position or side may answer the bedside question
# with: none is a request of its own there ("back" is no "go back" after "back, side
# or front?"; "the left one" no other side).
_ANSWERABLE = frozenset({
    FALLBACK_INTENT, "CatchAllIntent", "AMAZON.PreviousIntent", "AMAZON.NextIntent",
    OTHER_SIDE, "AMAZON.YesIntent", "AMAZON.NoIntent", "PillowIntent", "WhichSideIntent",
    "NightPainIntent", "MoveHurtsIntent", "LogScoreIntent", "CheckInIntent",
})


_NEVER_AN_ANSWER = frozenset({
    "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.RepeatIntent",
    "AMAZON.PauseIntent", RED_FLAG_INTENT,
})


def _resolved(match: Match, slot: str) -> bool:
    value = match.slots.get(slot)
    return value is not None and value.resolved_id is not None


def _may_answer(match: Match, intent: str, slot: str) -> bool:
    if match.intent == intent and _resolved(match, slot):
        return False  # already the answer
    if match.intent in _NEVER_AN_ANSWER:
        return False
    # A weak reading ("i'm a side person i guess" near a who-can-help sample) yields too.
    return match.intent in _ANSWERABLE or match.score < 0.9


def _routine_step(match: Match, text: str) -> Match | None:
    """Inside a running routine, with no question pending, the words a person says
    lying down mean the routine's own requests: "okay", "yep got that", "that's my ten
    done" go on (NextIntent); "that one's pinching", "my hip doesn't like this one" is
    MoveHurtsIntent, never a score or a night-pain question; "do the left now" is the
    other side, not a sleeping-side question. Requests with their
    own meaning in a routine (stop, pause, hold length, the other side...) stay."""
    word = routine_word(text)
    if word == "next" and match.intent not in ROUTINE_KEPT and done_words(text):
        # Nothing but done-words ("right, that's that one done"): no other request.
        return Match("IntentRequest", NEXT, {}, match.score)
    if match.intent not in ROUTINE_OVERRIDABLE:
        return None
    if word == "hurts":
        return Match("IntentRequest", MOVE_HURTS, {}, match.score)
    if match.intent == "AMAZON.NoIntent":
        return None  # "nope" mid-stretch is only that-hurts with a hurt word
    if word == "next" or match.intent == "AMAZON.YesIntent":
        return Match("IntentRequest", NEXT, {}, match.score)
    side = match.slots.get("Side")
    if match.intent == "WhichSideIntent" and side is not None and side.resolved_id in SIDES:
        return Match("IntentRequest", OTHER_SIDE, {}, match.score)  # "do the left now"
    return None


# Words that make "side" the question of which side to lie on, not a pillow position.
_WHICH_SIDE_WORDS = frozenset({
    "best", "good", "bad", "sore", "other", "which", "better", "worse", "painful", "healthy",
    "wrong", "right", "left", "should", "weak", "crook", "dodgy", "affected",
})
_PILLOW_WORDS = frozenset({
    "pillow", "pillows", "cushion", "cushions", "knee", "knees", "between", "towel", "prop",
    "support", "under", "put", "arrange", "place", "keep",
})


def _side_question(match: Match, text: str) -> Match:
    """ "best side to sleep on", "can I sleep on my good side", "side?": the side
    to lie on is WhichSideIntent; PillowIntent's position "side" is only a pillow
    question when a pillow word is said (or "back, side or front?" was asked)."""
    position = match.slots.get("Position")
    if match.intent != "PillowIntent" or position is None or position.resolved_id != "side":
        return match
    words = set(normalise(text).split())
    if words & _PILLOW_WORDS:
        return match
    if not (words & _WHICH_SIDE_WORDS) and len(words) > 2:
        return match  # "i sleep on my side": a position said, the pillow advice follows
    # "is it ok to sleep on my right side": the side named goes with the question.
    named = words & SIDES
    slots = ({"Side": SlotValue("Side", next(iter(named)), next(iter(named)), next(iter(named)))}
             if len(named) == 1 else {})
    return Match("IntentRequest", "WhichSideIntent", slots, match.score)
