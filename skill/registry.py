"""Where capability modules register their handlers and contextual hooks.

Built-in handlers (launch, help, stop, fallback, session end) stay generic and
ask the hooks first: a running routine can turn "stop" into "saved your place"
without a second Stop handler, so exactly one handler answers each request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from ask_sdk_core.dispatch_components import AbstractRequestHandler

from skill.deps import Deps
from skill.reply import Reply

if TYPE_CHECKING:
    from skill.turn import Turn

Event = Literal["launch", "help", "stop", "fallback", "session_end", "yes", "no"]
Hook = Callable[["Turn"], Reply | None]


class Registry:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.handlers: list[AbstractRequestHandler] = []
        self.hooks: dict[str, list[Hook]] = {}

    def add(self, *handlers: AbstractRequestHandler) -> None:
        self.handlers.extend(handlers)

    def on(self, event: Event, hook: Hook) -> None:
        self.hooks.setdefault(event, []).append(hook)

    def run(self, event: Event, turn: Turn) -> Reply | None:
        for hook in self.hooks.get(event, []):
            reply = hook(turn)
            if reply is not None:
                return reply
        return None
