"""Load state once per request, save it once after the handler, only if it changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)

from skill.deps import Deps
from skill.reply import render_speech
from skill.store.base import StoreError
from skill.turn import TURN_KEY, Turn

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response


class TurnInterceptor(AbstractRequestInterceptor):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(self, handler_input: HandlerInput) -> None:
        handler_input.attributes_manager.request_attributes[TURN_KEY] = Turn(
            handler_input, self.deps
        )


class SaveInterceptor(AbstractResponseInterceptor):
    """Writes the leaf-level difference. A failed write replaces the answer with an
    apology: the user must not hear "saved" when nothing was saved."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        turn = handler_input.attributes_manager.request_attributes.get(TURN_KEY)
        if not isinstance(turn, Turn) or turn.deleted:
            return
        try:
            turn.save()
        except StoreError as exc:
            turn.deps.log.error("store write failed", extra={"error": str(exc)})
            if response is None or turn.request_type == "SessionEndedRequest":
                return
            from ask_sdk_model.ui import SsmlOutputSpeech

            speech = render_speech([turn.voice.line("error.storage")])
            response.output_speech = SsmlOutputSpeech(ssml=speech.ssml)
            response.reprompt = None
            response.card = None
            response.directives = None
            response.should_end_session = True
