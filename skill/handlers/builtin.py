"""Alexa's built-in requests and intents: launch, help, stop, fallback, yes/no, ends.

Each is generic and asks the registry's hooks first, so capability modules can
add context ("stop" during a routine saves the place) without a second handler.
Registered last, in this order, so capability handlers win for their intents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.handlers.base import Handler, IntentHandler, RequestTypeHandler, contextual_fallback
from skill.profile import PROFILE_KEY, Profile
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import Turn

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response


def menu(turn: Turn, key: str = "launch.returning") -> Reply:
    v = turn.voice
    return Reply().say(v.line(key)).ask(v.line("launch.reprompt"))


class LaunchHandler(RequestTypeHandler):
    request_types = ("LaunchRequest",)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        profile = turn.state(PROFILE_KEY, Profile)
        turn.clear_pending()
        if profile.launches == 0:
            # Only the first visit is recorded: a returning launch stores nothing, so
            # it costs no durable write (a billed DynamoDB write on Lambda).
            profile.launches = 1
            if profile.first_seen is None:
                profile.first_seen = turn.now.date().isoformat()
            turn.put(PROFILE_KEY, profile)
            return menu(turn, "launch.first")
        return self.registry.run("launch", turn) or menu(turn)


class HelpHandler(IntentHandler):
    intents = ("AMAZON.HelpIntent",)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        contextual = self.registry.run("help", turn)
        if contextual is not None:
            return contextual
        v = turn.voice
        return (
            Reply().say(v.line("help.main"), v.line("help.disclaimer")).ask(v.line("help.reprompt"))
        )


class StopHandler(IntentHandler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        reply = self.registry.run("stop", turn)
        turn.clear_pending()
        if reply is None:
            reply = Reply().say(turn.voice.line("goodbye"))
        reply.end_session = True
        return reply


class NavigateHomeHandler(IntentHandler):
    intents = ("AMAZON.NavigateHomeIntent",)

    def reply(self, turn: Turn) -> Reply:
        turn.clear_pending()
        return menu(turn, "home")


class YesNoHandler(IntentHandler):
    """Yes/no means something only after a question; hooks check what was asked."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        yes = turn.intent == "AMAZON.YesIntent"
        reply = self.registry.run("yes" if yes else "no", turn)
        if reply is not None:
            return reply
        turn.clear_pending()
        v = turn.voice
        return Reply().say(v.line("yesno.unexpected")).ask(v.line("launch.reprompt"))


class FallbackHandler(IntentHandler):
    # CatchAllIntent has its own handler (skill.handlers.dialog), which falls back here
    # in spirit: the running dialog's fallback hooks, then the general line.
    intents = ("AMAZON.FallbackIntent",)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def reply(self, turn: Turn) -> Reply:
        return contextual_fallback(self.registry, turn)


class SessionEndedHandler(RequestTypeHandler):
    """No speech is allowed here; capabilities may save progress."""

    request_types = ("SessionEndedRequest",)

    def __init__(self, registry: Registry) -> None:
        super().__init__(registry.deps)
        self.registry = registry

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.turn import turn_of

        turn = turn_of(handler_input)
        reason = getattr(getattr(turn.request, "reason", None), "value", None)
        error = getattr(turn.request, "error", None)
        if error is not None:
            turn.deps.log.warning(
                "session ended with error",
                extra={"reason": reason, "error_type": getattr(error.object_type, "value", None)},
            )
        self.registry.run("session_end", turn)
        return handler_input.response_builder.response

    def reply(self, turn: Turn) -> Reply:  # pragma: no cover - handle() overrides
        return Reply()


class ExceptionEncounteredHandler(RequestTypeHandler):
    """Alexa reports that our last response was invalid: log it, answer nothing."""

    request_types = ("System.ExceptionEncountered",)

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.turn import turn_of

        turn = turn_of(handler_input)
        error = getattr(turn.request, "error", None)
        turn.deps.log.error(
            "alexa reported an invalid response",
            extra={"error_type": str(getattr(error, "object_type", None))},
        )
        return handler_input.response_builder.response

    def reply(self, turn: Turn) -> Reply:  # pragma: no cover - handle() overrides
        return Reply()


class UnhandledHandler(Handler):
    """Last in the chain: an intent or request type nobody claimed gets a calm answer
    (intents) or an empty response (events), never a dispatch error."""

    def matches(self, turn: Turn) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.turn import turn_of

        turn = turn_of(handler_input)
        if turn.request_type == "IntentRequest":
            return turn.respond(self.reply(turn))
        return handler_input.response_builder.response

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        return Reply().say(v.line("fallback")).ask(v.line("fallback.reprompt"))


def register(registry: Registry) -> None:
    registry.add(
        LaunchHandler(registry),
        HelpHandler(registry),
        StopHandler(registry),
        NavigateHomeHandler(registry.deps),
        YesNoHandler(registry),
        FallbackHandler(registry),
        SessionEndedHandler(registry),
        ExceptionEncounteredHandler(registry.deps),
    )


def register_last(registry: Registry) -> None:
    registry.add(UnhandledHandler(registry.deps))
