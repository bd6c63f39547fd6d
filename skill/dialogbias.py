"""What a real Echo sends for words the understanding layer has read (pure: no
Flask, no ask-sdk). The console and the simulator use it.

* After ``Dialog.ConfirmIntent`` (intent I), "yes" / "no" come back as I with
  confirmationStatus CONFIRMED / DENIED, not as AMAZON.YesIntent / NoIntent. Alexa's
  NLU expects an answer there, so "go on then", "yeah wipe it", "hang on no" are
  read as one (:func:`skill.understanding.answers.confirm_answer`).
* After ``Dialog.ElicitSlot`` of an ``AMAZON.TIME`` slot, a bare hour ("seven",
  "every night at ten") fills it; other slots' bias is the matcher's
  (``expecting=``, see :mod:`skill.understanding`).
* Words no sample fits go to the catch-all intent (its ``AMAZON.SearchQuery``
  slot) when the model has one, as a real Echo would send them, so the backend's
  catch-all path is the one exercised.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from skill.core.heard import time_words
from skill.matcher import Match, SlotValue
from skill.models import ModelError, language_model, load_model
from skill.textnorm import normalise
from skill.understanding.answers import confirm_answer, opens_as_answer

CATCH_ALL, UTTERANCE = "CatchAllIntent", "Utterance"
RED_FLAG = "RedFlagIntent"
_YES_NO = {"AMAZON.YesIntent": "CONFIRMED", "AMAZON.NoIntent": "DENIED"}
ANSWER_OF = {status: intent for intent, status in _YES_NO.items()}
# Requests that stay themselves after "Delete it all?": ways out, and a red flag.
_NOT_AN_ANSWER = frozenset({RED_FLAG, "AMAZON.StopIntent", "AMAZON.CancelIntent",
                            "AMAZON.HelpIntent"})
# Readings that are no request of their own, so the words answer the question.
_NO_TOPIC = frozenset({"AMAZON.FallbackIntent", CATCH_ALL, "AMAZON.NextIntent",
                       "AMAZON.PauseIntent", "AMAZON.ResumeIntent", *_YES_NO})


_PAUSES = ("wait", "hang on", "hold on", "sorry", "um", "hmm", "erm", "er")
_QUESTION_WORDS = frozenset({"what", "which", "how", "why", "who", "where", "when", "does",
                             "do", "is", "will", "would", "can", "could"})


def _pause_then_question(text: str) -> bool:
    """ "wait what would you be deleting", "hang on, does that include my scores"."""
    words = normalise(text).split()
    while words:
        for pause in _PAUSES:
            size = len(pause.split())
            if words[:size] == pause.split():
                words = words[size:]
                break
        else:
            break
    return bool(words) and words[0] in _QUESTION_WORDS and len(words) < len(normalise(text).split())


def _confirmation(match: Match, text: str, intent: str) -> str | None:
    """CONFIRMED / DENIED for the words said after Dialog.ConfirmIntent of ``intent``,
    or None when they are another request ("which side should I lie on")."""
    if match.intent == "AMAZON.CancelIntent" and confirm_answer(text) == "no":
        return "DENIED"  # "nah don't bother": a no, and nothing is deleted either way
    if match.kind != "IntentRequest" or match.intent in _NOT_AN_ANSWER:
        return None
    if match.intent not in _NO_TOPIC and match.intent != intent and _pause_then_question(text):
        return None  # "wait, what would you be deleting?": a question before any answer
    answer = confirm_answer(text)
    if answer == "unsure":
        return _YES_NO.get(match.intent or "")
    if match.intent in _NO_TOPIC or match.intent == intent or opens_as_answer(text):
        return "CONFIRMED" if answer == "yes" else "DENIED"
    return None


@functools.cache
def _slot_types(locale: str) -> dict[tuple[str, str], str]:
    try:
        model = load_model(locale)
    except ModelError:
        return {}
    return {
        (intent["name"], slot["name"]): slot["type"]
        for intent in language_model(model)["intents"]
        for slot in intent.get("slots", [])
    }


def _elicited_time(
    match: Match, text: str, directive: Mapping[str, Any], locale: str
) -> Match | None:
    """After "what time?" (Dialog.ElicitSlot of an AMAZON.TIME slot) a bare hour or
    "every night at ten" fills that slot, as Alexa's biased NLU would; a red flag
    the understanding heard is never overridden."""
    updated = directive.get("updatedIntent") or {}
    intent, slot = updated.get("name"), directive.get("slotToElicit")
    if not isinstance(intent, str) or not isinstance(slot, str) or match.intent == RED_FLAG:
        return None
    if _slot_types(locale).get((intent, slot)) != "AMAZON.TIME":
        return None
    words = time_words(text)
    if words is None:
        return None
    slots = {
        name: SlotValue(name, str(s["value"]), None, None)
        for name, s in (updated.get("slots") or {}).items()
        if isinstance(s, Mapping) and s.get("value")
    }
    slots[slot] = SlotValue(slot, words, None, None)
    return Match("IntentRequest", intent, slots, 1.0)


@functools.cache
def _has_catch_all(locale: str) -> bool:
    try:
        model = load_model(locale)
    except ModelError:
        return False
    return any(
        intent["name"] == CATCH_ALL
        and any(s["name"] == UTTERANCE for s in intent.get("slots", []))
        for intent in language_model(model)["intents"]
    )


def catch_all(text: str) -> Match:
    slot = SlotValue(UTTERANCE, text, None, None)
    return Match("IntentRequest", CATCH_ALL, {UTTERANCE: slot}, 0.0)


def alexa_request(
    match: Match, text: str, directive: Mapping[str, Any] | None, locale: str
) -> tuple[Match, str | None]:
    """(the request Alexa would send for ``match``, the intent's confirmationStatus
    or None)."""
    if directive is not None and directive.get("type") == "Dialog.ElicitSlot":
        elicited = _elicited_time(match, text, directive, locale)
        if elicited is not None:
            return elicited, None
    if directive is not None and directive.get("type") == "Dialog.ConfirmIntent":
        intent = (directive.get("updatedIntent") or {}).get("name")
        status = _confirmation(match, text, intent) if isinstance(intent, str) else None
        if status is not None and isinstance(intent, str):
            return Match("IntentRequest", intent, {}, match.score), status
    if (
        match.kind == "IntentRequest"
        and match.intent == "AMAZON.FallbackIntent"
        and text.strip()
        and _has_catch_all(locale)
    ):
        return catch_all(text), None
    return match, None
