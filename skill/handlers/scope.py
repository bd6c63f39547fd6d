"""Questions Hip Rest must not answer (medicines, injections, scans, surgery, "do I
have a tear?"): a kind, short answer saying who can advise and what Hip Rest can do
instead, rather than the generic fallback. General wellness only: no diagnosis, no
treatment advice (clinical-notes, wording rules and "who helps").
"""

from __future__ import annotations

from skill.handlers.base import IntentHandler
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import Turn


class OutOfScopeHandler(IntentHandler):
    intents = ("OutOfScopeIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        return Reply().say(v.line("scope.answer")).ask(v.line("scope.reprompt"))


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    registry.add(OutOfScopeHandler(registry.deps))
