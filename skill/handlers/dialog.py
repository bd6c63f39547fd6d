"""Words first: every piece of user text is triaged before any dialog sees it,
and free text from the catch-all intent is understood and routed like a real intent.

Two handlers, first in the chain (see :mod:`skill.builder`):

* :class:`HeardTriageHandler` looks at the words the request carries (the
  catch-all's ``AMAZON.SearchQuery``, and the raw value of every other slot,
  which Alexa keeps even when entity resolution says ER_SUCCESS_NO_MATCH). When
  the shared triage finds a symptom, the request is answered as the red-flag
  intent, whatever dialog is running (routine, hold, check-in, reminder time,
  delete confirmation). Requests without words (a bare "next", "yes", a number)
  cost a look at the slots and nothing else.
* :class:`CatchAllHandler` answers ``CatchAllIntent``: the running dialog may
  claim the words first (the ``heard`` hooks: "done" inside a routine, a time
  while the reminder asks for one), then the locale's matcher reads them and the
  request is handed to the handler that owns that intent, exactly as if Alexa had
  sent it (a pending question still applies); otherwise the contextual fallback.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from skill.handlers.base import Handler, IntentHandler, contextual_fallback
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import CATCH_ALL, UTTERANCE, Turn

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

    from skill.understanding.matcher import Match, Matcher

RED_FLAG = "RedFlagIntent"
# Request attribute: set once a request has been handed to another intent, so the
# words are not triaged twice (a slot cut from the sentence can read differently
# from the whole sentence: "not numb" vs "numb").
ROUTED_KEY = "hiprest.routed"
# Intents the catch-all never routes to: they carry no request of their own.
_NOT_ROUTED = frozenset({CATCH_ALL, "AMAZON.FallbackIntent"})


def words_of(turn: Turn) -> list[str]:
    """The person's words in the request's slots: the catch-all's free text and the
    raw value of custom slots Alexa could not resolve (ER_SUCCESS_NO_MATCH keeps
    the spoken words). A resolved value is one of the model's own words for that
    slot type (a side, a position), none of them a symptom. Built-in
    AMAZON.NUMBER / AMAZON.TIME values are Alexa's normal form ("7", "21:30"),
    not words; the words around them reach us in the other slots."""
    intent = getattr(turn.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    out: list[str] = []
    for name, raw in slots.items() if isinstance(slots, dict) else []:
        value = getattr(raw, "value", None)
        if not isinstance(value, str) or not any(c.isalpha() for c in value):
            continue
        if name == UTTERANCE or _unresolved(raw):
            out.append(value)
    return out


def _unresolved(raw: Any) -> bool:
    authorities = getattr(getattr(raw, "resolutions", None), "resolutions_per_authority", None)
    if not authorities:
        return False  # a built-in type: no resolutions block
    for authority in authorities:
        code = getattr(getattr(authority, "status", None), "code", None)
        if getattr(code, "value", code) == "ER_SUCCESS_MATCH":
            return False
    return True


_ASSESSED: dict[tuple[int, str], bool] = {}
_ASSESSED_MAX = 2048


def red_flag_words(turn: Turn) -> str | None:
    """The first slot text in which the shared triage hears a symptom, or None."""
    words = words_of(turn)
    if not words:
        return None
    from skill.core.heard import time_words
    from skill.core.triage import TriageRules
    from skill.understanding.alarm import assess_words, default_flags

    rules = turn.voice.content.sections["triage"]
    assert isinstance(rules, TriageRules)
    for text in words:
        if time_words(text) is not None:
            continue  # "nine" answering "what time?" is a time, not "nine nine nine"
        # Triage is pure and the rules live as long as the process: the same words
        # (a side said the same way every night) are assessed once.
        key = (id(rules), text)
        heard = _ASSESSED.get(key)
        if heard is None:
            # Free text: denials, other people and hypotheticals report no symptom.
            found = assess_words(rules, None, text, free_text=True, flags=default_flags())
            heard = found.kind in ("answer", "clarify")
            if len(_ASSESSED) >= _ASSESSED_MAX:
                _ASSESSED.clear()
            _ASSESSED[key] = heard
        if heard:
            return text
    return None


def slots_for(intent: str, slots: Mapping[str, tuple[str | None, str | None, str | None]]) -> Any:
    """An ask-sdk ``Intent`` named ``intent`` with slots name -> (value, id, name);
    a resolved id gets an ER_SUCCESS_MATCH block, as Alexa sends it."""
    from ask_sdk_model import Intent, IntentConfirmationStatus, Slot, SlotConfirmationStatus
    from ask_sdk_model.slu.entityresolution import (
        Resolution,
        Resolutions,
        Status,
        StatusCode,
        Value,
        ValueWrapper,
    )

    built: dict[str, Slot] = {}
    for name, (value, rid, rname) in slots.items():
        resolutions = None
        if value is not None and rid is not None:
            resolutions = Resolutions(
                resolutions_per_authority=[
                    Resolution(
                        authority="hiprest.catchall",
                        status=Status(code=StatusCode.ER_SUCCESS_MATCH),
                        values=[ValueWrapper(value=Value(name=rname or value, id=rid))],
                    )
                ]
            )
        built[name] = Slot(
            name=name,
            value=value,
            confirmation_status=SlotConfirmationStatus.NONE,
            resolutions=resolutions,
        )
    return Intent(name=intent, slots=built, confirmation_status=IntentConfirmationStatus.NONE)


def route(
    registry: Registry, handler_input: HandlerInput, intent: Any, skip: object
) -> Response | None:
    """Answer the request as ``intent``: the first handler in the chain that takes it."""
    request: Any = handler_input.request_envelope.request
    request.intent = intent
    handler_input.attributes_manager.request_attributes[ROUTED_KEY] = True
    for handler in registry.handlers:
        if handler is skip:
            continue
        if handler.can_handle(handler_input):
            response: Response | None = handler.handle(handler_input)
            return response
    return None  # pragma: no cover - the unhandled handler takes anything


class HeardTriageHandler(Handler):
    """A red flag in any words the request carries wins over every dialog state."""

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def matches(self, turn: Turn) -> bool:
        if turn.request_type != "IntentRequest" or turn.intent == RED_FLAG:
            return False
        attrs = turn.hi.attributes_manager.request_attributes
        if attrs.get(ROUTED_KEY):
            return False
        from skill.understanding.answers import QUESTIONS

        if turn.pending in QUESTIONS:
            return False  # the safety capability triages every word of its answer
        text = red_flag_words(turn)
        if text is None:
            return False
        attrs["hiprest.red_flag_words"] = text
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.handlers.safety import free_text_reply
        from skill.turn import turn_of

        turn = turn_of(handler_input)
        text = handler_input.attributes_manager.request_attributes.get("hiprest.red_flag_words")
        turn.deps.log.info("red flag heard in dialog", extra={"from_intent": turn.intent})
        # The safety capability decides between answering and asking one short
        # question, and records the flag (urgent_reply).
        reply = free_text_reply(turn, str(text))
        if reply is None:  # pragma: no cover - matches() assessed the same words
            v = turn.voice
            reply = Reply().say(v.line("fallback")).ask(v.line("fallback.reprompt"))
        return turn.respond(reply)

    def reply(self, turn: Turn) -> Reply:  # pragma: no cover - handle() overrides
        return Reply()


_MATCHERS: dict[str, Matcher] = {}
_MATCHERS_LOCK = threading.Lock()


def matcher_for(locale: str) -> Matcher:
    """The locale's matcher, built once on first use (a few hundred ms of regexes):
    requests that never use the catch-all never pay for it."""
    found = _MATCHERS.get(locale)
    if found is None:
        with _MATCHERS_LOCK:
            found = _MATCHERS.get(locale)
            if found is None:
                from skill.models import ModelError, available_locales, load_model
                from skill.understanding.learned import production_matcher

                known = locale if locale in available_locales() else "en-US"
                try:
                    found = production_matcher(load_model(known))
                except ModelError:  # pragma: no cover - `hiprest check` loads every model
                    found = production_matcher(load_model("en-US"))
                _MATCHERS[locale] = found
    return found


def _rules(turn: Turn) -> Any:
    return turn.voice.content.sections["triage"]


def understand(
    matcher: Matcher, rules: Any, text: str, expecting: tuple[str, str] | None, turn: Turn
) -> Match:
    """The understanding layer's reading of the words, in the dialog's context (the
    pending question, the elicited slot): the same code the console uses."""
    from skill.understanding.understand import Context
    from skill.understanding.understand import understand as read

    context = Context(pending=turn.pending, locale=turn.locale, expecting=expecting)
    return read(matcher, rules, text, context).match


# What the handlers ask Alexa for with dialog directives: (intent, slot) for
# Dialog.ElicitSlot, (intent, None) for Dialog.ConfirmIntent. Alexa refuses them
# unless the model's dialog section lists that intent and slot, so `hiprest check`
# holds every locale's model to this list (skill.checks.dialog_model_problems).
DIALOG_DIRECTIVES: tuple[tuple[str, str | None], ...] = (
    ("CheckInIntent", "Score"),
    ("SetReminderIntent", "Time"),
    ("DeleteDataIntent", None),
    (RED_FLAG, "Symptom"),
)
# Pending-question data key: [intent, slot] the answer elicited (see elicit()).
ELICIT_KEY = "elicit"


def elicit(
    turn: Turn,
    reply: Reply,
    kind: str,
    data: Mapping[str, Any],
    intent: str,
    slot: str,
    filled: Mapping[str, str | None] | None = None,
) -> Reply:
    """Ask for one slot: remember the question (``pending`` ``kind``, for the
    console, the catch-all and built-in yes/no) and tell Alexa with
    ``Dialog.ElicitSlot`` so its NLU expects that slot next (a time for "what
    time?", a number for the score). ``filled`` are the intent's other slots."""
    turn.expect(kind, **data, **{ELICIT_KEY: [intent, slot]})
    # Dialog directives answer an IntentRequest only, and keep the session open.
    if turn.request_type == "IntentRequest" and not reply.ends_session:
        from ask_sdk_model.dialog import ElicitSlotDirective

        slots = {name: (value, None, None) for name, value in (filled or {}).items()}
        slots[slot] = (None, None, None)
        reply.directives.append(
            ElicitSlotDirective(updated_intent=slots_for(intent, slots), slot_to_elicit=slot)
        )
    return reply


def confirm_intent(turn: Turn, reply: Reply, kind: str) -> Reply:
    """Ask yes/no about the request itself with ``Dialog.ConfirmIntent``: Alexa sends
    the same intent back with confirmationStatus CONFIRMED or DENIED. ``pending``
    keeps a plain "yes"/"no" intent working too."""
    turn.expect(kind)
    intent = turn.intent
    if turn.request_type == "IntentRequest" and intent is not None and not reply.ends_session:
        from ask_sdk_model.dialog import ConfirmIntentDirective

        reply.directives.append(ConfirmIntentDirective(updated_intent=slots_for(intent, {})))
    return reply


def confirmation(turn: Turn) -> str:
    """The request intent's confirmationStatus: NONE, CONFIRMED or DENIED."""
    status = getattr(getattr(turn.request, "intent", None), "confirmation_status", None)
    value = getattr(status, "value", status)
    return value if isinstance(value, str) else "NONE"


class CatchAllHandler(IntentHandler):
    intents = (CATCH_ALL,)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.turn import turn_of

        turn = turn_of(handler_input)
        text = turn.heard
        if text is None:
            return turn.respond(self.fallback(turn))
        claimed = self.registry.run("heard", turn)
        if claimed is not None:
            return turn.respond(claimed)
        elicited = turn.pending_data.get(ELICIT_KEY)
        expecting = (
            (str(elicited[0]), str(elicited[1]))
            if isinstance(elicited, list) and len(elicited) == 2
            else None
        )
        match = understand(matcher_for(turn.locale), _rules(turn), text, expecting, turn)
        if match.kind != "IntentRequest" or match.intent in _NOT_ROUTED or match.intent is None:
            if match.kind == "SessionEndedRequest":
                intent = slots_for("AMAZON.StopIntent", {})
            else:
                return turn.respond(self.fallback(turn))
        else:
            intent = slots_for(
                match.intent,
                {
                    name: (slot.value, slot.resolved_id, slot.resolved_name)
                    for name, slot in match.slots.items()
                },
            )
        response = route(self.registry, handler_input, intent, self)
        assert response is not None
        return response

    def fallback(self, turn: Turn) -> Reply:
        return contextual_fallback(self.registry, turn)

    def reply(self, turn: Turn) -> Reply:  # pragma: no cover - handle() overrides
        return self.fallback(turn)


def register(registry: Registry) -> None:
    """First in the chain: words are triaged, then free text is routed."""
    registry.add(HeardTriageHandler(registry), CatchAllHandler(registry))


__all__ = ["UTTERANCE", "CatchAllHandler", "HeardTriageHandler", "matcher_for", "register"]
