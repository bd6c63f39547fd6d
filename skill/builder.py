"""Builds the one skill object that Flask, Lambda, the console and tests all use.

Handler order (first match answers):
1. safety   - red flags interrupt anything, in any dialog state
2. privacy  - delete my data, what do you know, SkillDisabled event
3. routine  - guided stretches and navigation while a routine runs
4. checkin  - morning stiffness score and summaries
5. bedside  - pillows, sides, mattress, why it hurts, habits, when to see someone
6. night voice, reminders, the four-week summary (night, reminders, summary)
7. built-ins - launch, help, stop/cancel, home, yes/no, fallback, session end
8. unhandled - anything left: a calm answer for intents, silence for events
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.deps import Deps
from skill.errors import ApologyExceptionHandler
from skill.handlers import (
    bedside,
    builtin,
    checkin,
    display,
    night,
    privacy,
    reminders,
    routine,
    safety,
    summary,
)
from skill.interceptors import SaveInterceptor, TurnInterceptor
from skill.registry import Registry

CAPABILITIES = (safety, privacy, routine, checkin, bedside, night, reminders, summary)


def build_registry(deps: Deps) -> Registry:
    registry = Registry(deps)
    for module in CAPABILITIES:
        module.register(registry)
    builtin.register(registry)
    builtin.register_last(registry)
    return registry


def build_skill(deps: Deps) -> CustomSkill:
    registry = build_registry(deps)
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
