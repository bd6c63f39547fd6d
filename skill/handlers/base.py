"""Thin handler bases: match on the Turn, return a Reply. No wording in here."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler

from skill.deps import Deps
from skill.reply import Reply
from skill.turn import Turn, turn_of

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

    from skill.registry import Registry


class Handler(AbstractRequestHandler):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return self.matches(turn_of(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_of(handler_input)
        return turn.respond(self.reply(turn))

    @abstractmethod
    def matches(self, turn: Turn) -> bool: ...

    @abstractmethod
    def reply(self, turn: Turn) -> Reply: ...


class IntentHandler(Handler):
    """Handles the listed intents, optionally only when ``when`` holds."""

    intents: ClassVar[tuple[str, ...]] = ()

    def matches(self, turn: Turn) -> bool:
        return (
            turn.request_type == "IntentRequest" and turn.intent in self.intents and self.when(turn)
        )

    def when(self, turn: Turn) -> bool:
        return True


class RequestTypeHandler(Handler):
    request_types: ClassVar[tuple[str, ...]] = ()

    def matches(self, turn: Turn) -> bool:
        return turn.request_type in self.request_types


def contextual_fallback(registry: Registry, turn: Turn) -> Reply:
    """Words nobody placed: the running dialog (a routine, a check-in) answers as it
    answers unclear words, else the general "I missed that" with its reprompt."""
    contextual = registry.run("fallback", turn)
    if contextual is not None:
        return contextual
    v = turn.voice
    return Reply().say(v.line("fallback")).ask(v.line("fallback.reprompt"))
