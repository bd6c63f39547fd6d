"""Where capability modules register their handlers and contextual hooks.

Built-in handlers (launch, help, stop, fallback, session end) stay generic and
ask the hooks first: a running routine can turn "stop" into "saved your place"
without a second Stop handler, so exactly one handler answers each request.

A capability may be registered lazily (:class:`Capability`): its module is
imported on the first request that could concern it - a request of a type its
handlers answer, or a hook event it declared - so a Lambda cold start that only
launches does not import the check-in, reminders or summary code. It keeps its
place in the handler chain and in every hook list, so dispatch order is the same
as registering it eagerly.

A capability may also declare, per hook event, the stored namespaces its hooks
need (``needs_stored``): when the user's doc holds none of them, those hooks are
neither imported nor asked. ``key in turn.doc`` costs no parse (the doc knows
its keys before it parses a namespace), so a returning user's launch without a
routine to resume imports no capability at all. The declaration is a promise
that the hooks return None (and change nothing) in that case; a test holds each
declaring capability to it, so skipping them gives the same answer.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args

from ask_sdk_core.dispatch_components import AbstractRequestHandler

from skill.deps import Deps
from skill.reply import Reply

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

    from skill.turn import Turn

# "heard": free words (the catch-all's text) offered to the running dialog first,
# before they are matched against the model; ``Turn.heard`` holds them.
Event = Literal["launch", "help", "stop", "fallback", "session_end", "yes", "no", "heard"]
EVENTS: frozenset[str] = frozenset(get_args(Event))
Hook = Callable[["Turn"], Reply | None]


class CapabilityError(Exception):
    """A lazily registered capability does more than it declared (would be skipped)."""


class Registry:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.handlers: list[AbstractRequestHandler] = []
        self.hooks: dict[str, list[Hook | Capability]] = {}

    def add(self, *handlers: AbstractRequestHandler) -> None:
        self.handlers.extend(handlers)

    def on(self, event: Event, hook: Hook) -> None:
        self.hooks.setdefault(event, []).append(hook)

    def add_capability(self, capability: Capability) -> None:
        """Hold the capability's place in the handler chain and in its hooks' lists."""
        self.handlers.append(capability)
        for event in sorted(capability.events):
            self.hooks.setdefault(event, []).append(capability)

    def run(self, event: Event, turn: Turn) -> Reply | None:
        for entry in self._hooks(event, turn):
            reply = entry(turn)
            if reply is not None:
                return reply
        return None

    def _hooks(self, event: Event, turn: Turn | None) -> Iterator[Hook]:
        """The hooks to ask, in order; ``turn`` None lists every one (no preconditions)."""
        for entry in self.hooks.get(event, []):
            if isinstance(entry, Capability):
                if turn is None or entry.may_answer(event, turn):
                    yield from entry.hooks_for(event, turn)
            else:
                yield entry


def request_types_of(handler: AbstractRequestHandler) -> frozenset[str]:
    """The request types a handler can answer, read from its class."""
    from skill.handlers.base import IntentHandler, RequestTypeHandler

    if isinstance(handler, IntentHandler):
        return frozenset({"IntentRequest"})
    if isinstance(handler, RequestTypeHandler):
        return frozenset(handler.request_types)
    raise CapabilityError(f"{type(handler).__name__}: cannot tell which requests it answers")


class Capability(AbstractRequestHandler):
    """A capability module's handlers and hooks, imported on first need.

    ``request_types`` and ``events`` are declared up front; loading checks the module
    against them (a handler or hook outside the declaration raises CapabilityError
    instead of being silently never asked). ``needs_stored`` maps a declared event to
    the stored namespaces its hooks read: with none of them in the user's doc, the
    hooks would return None, so they are skipped without importing the module.
    """

    def __init__(
        self,
        deps: Deps,
        module: str,
        request_types: Iterable[str],
        events: Iterable[Event] = (),
        needs_stored: Mapping[Event, Iterable[str]] | None = None,
    ) -> None:
        self.deps = deps
        self.module = module
        self.request_types = frozenset(request_types)
        self.events = frozenset(events)
        unknown = self.events - EVENTS
        if unknown:
            raise CapabilityError(f"{module}: unknown hook events {sorted(unknown)}")
        self.needs_stored: dict[str, frozenset[str]] = {
            event: frozenset(keys) for event, keys in (needs_stored or {}).items()
        }
        unhooked = set(self.needs_stored) - self.events
        if unhooked:
            raise CapabilityError(f"{module}: needs_stored for unhooked events {sorted(unhooked)}")
        self._inner: Registry | None = None
        self._lock = threading.Lock()
        # can_handle then handle run back to back on one thread for one request.
        self._chosen = threading.local()

    @property
    def loaded(self) -> bool:
        return self._inner is not None

    def load(self) -> Registry:
        inner = self._inner
        if inner is not None:
            return inner
        with self._lock:
            if self._inner is None:
                module: Any = importlib.import_module(self.module)
                inner = Registry(self.deps)
                module.register(inner)
                self._check(inner)
                self._inner = inner
            return self._inner

    def _check(self, inner: Registry) -> None:
        extra_events = set(inner.hooks) - self.events
        if extra_events:
            raise CapabilityError(f"{self.module}: undeclared hooks {sorted(extra_events)}")
        for handler in inner.handlers:
            extra = request_types_of(handler) - self.request_types
            if extra:
                raise CapabilityError(
                    f"{self.module}: {type(handler).__name__} answers undeclared {sorted(extra)}"
                )

    @property
    def handlers(self) -> list[AbstractRequestHandler]:
        return self.load().handlers

    def may_answer(self, event: Event, turn: Turn) -> bool:
        """False when this event's hooks are known to return None for ``turn``: none of
        the stored namespaces they need is in the user's doc (a key test, no parse)."""
        needed = self.needs_stored.get(event)
        if needed is None:
            return event in self.events
        doc = turn.doc
        return any(key in doc for key in needed)

    def hooks_for(self, event: Event, turn: Turn | None = None) -> Iterator[Hook]:
        if event in self.events:
            yield from self.load()._hooks(event, turn)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        self._chosen.value = None
        request_type = getattr(handler_input.request_envelope.request, "object_type", None)
        if request_type not in self.request_types:
            return False
        for handler in self.handlers:
            if handler.can_handle(handler_input):
                self._chosen.value = (handler_input, handler)
                return True
        return False

    def handle(self, handler_input: HandlerInput) -> Response | None:
        chosen = getattr(self._chosen, "value", None)
        self._chosen.value = None
        if chosen is not None and chosen[0] is handler_input:
            handler: AbstractRequestHandler = chosen[1]
        else:  # not asked first on this thread: match again
            handler = next(h for h in self.handlers if h.can_handle(handler_input))
        response: Response | None = handler.handle(handler_input)
        return response
