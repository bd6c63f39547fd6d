"""The console's stand-in for what Alexa does with the last answer's dialog
directive and with words no sample fits (pure: no Flask, no ask-sdk).

* ``Dialog.ElicitSlot`` (intent I, slot S): the next words are first tried as a
  value of S ("seven thirty in the morning" for the reminder's Time; a bare
  number for the check-in's Score), then matched as usual.
* ``Dialog.ConfirmIntent`` (intent I): "yes" / "no" come back as I with
  confirmationStatus CONFIRMED / DENIED.
* Words no sample fits go to the catch-all intent (AMAZON.SearchQuery) when the
  model has one, so they reach the backend as a real Echo sends them; a clock
  time is never sent as an AMAZON.NUMBER (a time is not a score).

The matcher of the understanding layer may take the bias itself
(``expecting=(intent, slot)``); it is then asked with it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any

from skill.core.heard import clock_time, time_words
from skill.matcher import Match, Matcher, SlotValue, parse_number
from skill.models import ModelError, language_model, load_model

CATCH_ALL, UTTERANCE = "CatchAllIntent", "Utterance"
_YES_NO = {"AMAZON.YesIntent": "CONFIRMED", "AMAZON.NoIntent": "DENIED"}


@functools.cache
def _builtin_types(locale: str) -> dict[tuple[str, str], str]:
    try:
        model = load_model(locale)
    except ModelError:
        return {}
    return {
        (intent["name"], slot["name"]): slot["type"]
        for intent in language_model(model)["intents"]
        for slot in intent.get("slots", [])
    }


@functools.cache
def takes_expecting(match: Any) -> bool:
    """Whether a matcher's ``match`` takes the dialog bias keyword ``expecting``."""
    return "expecting" in inspect.signature(match).parameters


def catch_all(text: str) -> Match:
    slot = SlotValue(UTTERANCE, text, None, None)
    return Match("IntentRequest", CATCH_ALL, {UTTERANCE: slot}, 0.0)


def _as_value(text: str, slot_type: str | None) -> str | None:
    """``text`` read as a whole value of a built-in slot type, or None."""
    if slot_type == "AMAZON.NUMBER":
        return None if clock_time(text) is not None else parse_number(text)
    if slot_type == "AMAZON.TIME":
        # The dev matcher passes a time's words; the handler reads them (and a period).
        return time_words(text)
    return None


def _elicited(
    matcher: Matcher, text: str, directive: Mapping[str, Any], locale: str
) -> Match | None:
    updated = directive.get("updatedIntent") or {}
    intent, slot = str(updated.get("name") or ""), str(directive.get("slotToElicit") or "")
    if not intent or not slot:
        return None
    if takes_expecting(type(matcher).match):
        biased: Match = matcher.match(text, expecting=(intent, slot))  # type: ignore[call-arg]
        return biased
    value = _as_value(text, _builtin_types(locale).get((intent, slot)))
    if value is None:
        return None
    slots = {
        name: SlotValue(name, str(s["value"]), None, None)
        for name, s in (updated.get("slots") or {}).items()
        if isinstance(s, Mapping) and s.get("value")
    }
    slots[slot] = SlotValue(slot, value, None, None)
    return Match("IntentRequest", intent, slots, 1.0)


def _guarded(match: Match, text: str, locale: str) -> Match:
    types = _builtin_types(locale)
    if match.kind != "IntentRequest" or match.intent is None:
        return match
    numbers = [n for n in match.slots if types.get((match.intent, n)) == "AMAZON.NUMBER"]
    has_catch_all = (CATCH_ALL, UTTERANCE) in types
    if numbers and clock_time(text) is not None and has_catch_all:
        return catch_all(text)  # "seven thirty in the morning" is no score of 7
    if match.intent == "AMAZON.FallbackIntent" and has_catch_all and text.strip():
        return catch_all(text)
    return match


def biased_match(
    matcher: Matcher,
    text: str,
    directive: Mapping[str, Any] | None,
    locale: str,
    slot_types: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Match, str | None]:
    """(what Alexa would send for ``text``, the intent confirmation status or None)."""
    if directive is not None and directive.get("type") == "Dialog.ElicitSlot":
        biased = _elicited(matcher, text, directive, locale)
        if biased is not None:
            return biased, None
    match = matcher.match(text)
    if directive is not None and directive.get("type") == "Dialog.ConfirmIntent":
        status = _YES_NO.get(match.intent or "")
        intent = (directive.get("updatedIntent") or {}).get("name")
        if status is not None and isinstance(intent, str):
            return Match("IntentRequest", intent, {}, match.score), status
    return _guarded(match, text, locale), None
