"""Builds the one skill object that Flask, Lambda, the console and tests all use.

Handler order (first match answers):
0. words    - red flags heard in any slot's words, in any dialog state; the
              catch-all's free text routed to the intent it means (skill.handlers.dialog)
1. safety   - red flags interrupt anything, in any dialog state
2. privacy  - delete my data, what do you know, SkillDisabled event
3. routine  - guided stretches and navigation while a routine runs
4. checkin  - morning stiffness score and summaries
5. bedside  - pillows, sides, mattress, why it hurts, habits, when to see someone
6. night voice, reminders, the four-week summary (night, reminders, summary)
   and out-of-scope questions (scope: medicines, scans, surgery)
7. built-ins - launch, help, stop/cancel, home, yes/no, fallback, session end
8. unhandled - anything left: a calm answer for intents, silence for events

Capabilities 1-6 are imported on first need (see :class:`skill.registry.Capability`):
a launch imports none of them unless a launch hook could answer (a returning
user with a stored routine may have one to resume), which was ~40-60 ms of a Lambda
cold start, and the routine code another ~8-16 ms for every returning user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.deps import Deps
from skill.errors import ApologyExceptionHandler
from skill.handlers import builtin, dialog, display
from skill.interceptors import SaveInterceptor, TurnInterceptor
from skill.registry import Capability, Event, Registry


class CapabilitySpec(NamedTuple):
    module: str
    # Request types its handlers answer and registry events it hooks: checked when the
    # module loads, so a new handler or hook cannot be silently left out.
    request_types: tuple[str, ...]
    events: tuple[Event, ...]
    # Event -> stored namespaces its hooks read: with none of them stored the hooks
    # return None, so they are skipped unimported (tests/test_hook_preconditions.py).
    needs_stored: Mapping[Event, tuple[str, ...]] = {}


_INTENT = "IntentRequest"
CAPABILITIES: tuple[CapabilitySpec, ...] = (
    CapabilitySpec("skill.handlers.safety", (_INTENT,), ()),
    CapabilitySpec(
        "skill.handlers.privacy", (_INTENT, "AlexaSkillEvent.SkillDisabled"), ("yes", "no")
    ),
    CapabilitySpec(
        "skill.handlers.routine",
        (_INTENT,),
        ("launch", "yes", "no", "stop", "session_end", "help", "fallback", "heard"),
        # The resume offer needs a saved place, kept in the ``routine`` namespace.
        needs_stored={"launch": ("routine",)},
    ),
    CapabilitySpec(
        "skill.handlers.checkin", (_INTENT,), ("yes", "no", "fallback", "help", "heard")
    ),
    CapabilitySpec("skill.handlers.bedside", (_INTENT,), ("yes", "no", "help", "fallback")),
    CapabilitySpec("skill.handlers.night", (_INTENT,), ("yes", "no", "help")),
    CapabilitySpec(
        "skill.handlers.reminders",
        (_INTENT, "Connections.Response"),
        ("yes", "no", "help", "fallback", "heard"),
    ),
    CapabilitySpec("skill.handlers.summary", (_INTENT,), ()),
    CapabilitySpec("skill.handlers.scope", (_INTENT,), ()),
)


def build_registry(deps: Deps, *, lazy: bool = False) -> Registry:
    """Every handler in order. ``lazy`` holds each capability's place with a
    :class:`Capability` that imports it on first need; otherwise all are imported now
    (``hiprest check`` asks every concrete handler about every intent)."""
    registry = Registry(deps)
    dialog.register(registry)
    for spec in CAPABILITIES:
        capability = Capability(
            deps, spec.module, spec.request_types, spec.events, spec.needs_stored
        )
        if lazy:
            registry.add_capability(capability)
        else:
            inner = capability.load()
            registry.add(*inner.handlers)
            for event, hooks in inner.hooks.items():
                registry.hooks.setdefault(event, []).extend(hooks)
    builtin.register(registry)
    builtin.register_last(registry)
    return registry


def build_skill(deps: Deps) -> CustomSkill:
    registry = build_registry(deps, lazy=True)
    sb: Any = CustomSkillBuilder()
    # ask-sdk rejects a mismatched applicationId itself once skill_id is set.
    sb.skill_id = deps.settings.skill_id
    for handler in registry.handlers:
        sb.add_request_handler(handler)
    sb.add_global_request_interceptor(TurnInterceptor(deps))
    # Screens first: the save interceptor may still swap the answer for an apology.
    sb.add_global_response_interceptor(display.DisplayInterceptor())
    sb.add_global_response_interceptor(SaveInterceptor())
    sb.add_exception_handler(ApologyExceptionHandler(deps))
    skill: CustomSkill = sb.create()
    return skill
