"""The catch-all exception handler: apologise in speech, log without personal data.

In the sample skills this is exactly the code that crashes, so it depends on as
little as possible: if even the content cannot be read it uses a fixed sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractExceptionHandler

from skill.deps import Deps
from skill.reply import render_speech
from skill.store.base import StoreError
from skill.turn import TURN_KEY, Turn

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

LAST_RESORT = "Sorry, something went wrong on my side. Please try again in a moment."
SILENT_TYPES = ("SessionEndedRequest", "System.ExceptionEncountered")


class ApologyExceptionHandler(AbstractExceptionHandler):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        storage = isinstance(exception, StoreError)
        self.deps.log.error(
            "handler failed",
            extra={
                "error_class": type(exception).__name__,
                "error": str(exception) if storage else None,
            },
            exc_info=not storage,
        )
        rb = handler_input.response_builder
        request_type = getattr(handler_input.request_envelope.request, "object_type", "")
        if request_type in SILENT_TYPES or request_type.startswith("AlexaSkillEvent."):
            return rb.response
        key = "error.storage" if storage else "error.generic"
        text, reprompt = LAST_RESORT, None
        try:
            turn = handler_input.attributes_manager.request_attributes.get(TURN_KEY)
            voice = turn.voice if isinstance(turn, Turn) else None
            if voice is None:
                from skill.voice import Voice

                locale = getattr(handler_input.request_envelope.request, "locale", None)
                voice = Voice(self.deps.content.for_locale(locale))
            text = voice.line(key)
            reprompt = None if storage else voice.line("error.reprompt")
        except Exception:  # the apology itself must not fail
            self.deps.log.exception("apology wording failed")
        rb.speak(render_speech([text]).ssml)
        if reprompt:
            rb.ask(render_speech([reprompt], reprompt=True).ssml)
        rb.set_should_end_session(reprompt is None)
        return rb.response
