"""A capability's declared hook preconditions (``needs_stored``) never change an answer.

The registry skips a capability's hooks, unimported, when the user's doc holds none
of the stored namespaces they declared. That is only sound if the real hooks return
None, and change nothing, in exactly those cases: checked here on the real hooks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from ask_sdk_core.handler_input import HandlerInput

from skill import envelopes
from skill.builder import CAPABILITIES, CapabilitySpec, build_registry
from skill.conversation import Conversation
from skill.core.routine_history import HISTORY_KEY
from skill.deps import Deps
from skill.envelopes import Caller
from skill.profile import PROFILE_KEY
from skill.registry import Capability, CapabilityError, Event
from skill.reply import Reply
from skill.runtime import FastSerializer, JsonAttributesManager
from skill.store.patch import diff
from skill.store.sqlite import SqliteStore
from skill.turn import Turn
from tests.support.dialog import FakeClock, run_script

_DECLARING = [spec for spec in CAPABILITIES if spec.needs_stored]


def _spec(module: str) -> CapabilitySpec:
    return next(spec for spec in CAPABILITIES if spec.module == module)


def _hooks(deps: Deps, spec: CapabilitySpec, event: Event) -> list[Callable[[Turn], Reply | None]]:
    capability = Capability(deps, spec.module, spec.request_types, spec.events)
    return list(capability.hooks_for(event))


def _launch_turn(deps: Deps, user: str, stored: dict[str, Any]) -> Turn:
    if stored:
        deps.store.update(user, diff({}, stored))
    payload = envelopes.launch(Caller(user_id=user), deps.clock())
    envelope = FastSerializer().envelope(payload)
    handler_input = HandlerInput(
        request_envelope=envelope, attributes_manager=JsonAttributesManager(envelope)
    )
    return Turn(handler_input, deps)


def _saved_place(convo: Conversation, store: SqliteStore) -> dict[str, Any]:
    """The ``routine`` namespace a real "start, next, stop" leaves behind."""
    run_script(convo, "U: <launch>\nU: start my bedtime stretches\nU: next\nU: stop\nA: <ends>")
    routine = store.load(convo.caller.user_id)["routine"]
    assert isinstance(routine, dict) and isinstance(routine.get("saved"), dict)
    assert routine["saved"]["phase"] == "stopped"
    return routine


def test_only_the_routine_declares_a_stored_precondition_and_only_for_launch() -> None:
    # A new declaration must come with its own proof in this file.
    assert [(spec.module, dict(spec.needs_stored)) for spec in _DECLARING] == [
        ("skill.handlers.routine", {"launch": ("routine",)})
    ]
    from skill.handlers import routine

    assert _spec("skill.handlers.routine").needs_stored["launch"] == (routine.KEY,)


_OTHER_NAMESPACES: list[dict[str, Any]] = [
    {},
    {PROFILE_KEY: {"v": 1, "launches": 12, "painful_side": "left"}},
    {HISTORY_KEY: {"2026-03-09": {"routine": "bedtime", "done": 6, "of": 6}}},
    {"checkin": {"v": 1, "days": {"2026-03-09": 4}}, "reminders": {"v": 1}},
]


@pytest.mark.parametrize(
    "stored", _OTHER_NAMESPACES, ids=["nothing", "profile", "history", "others"]
)
def test_routine_launch_hook_without_a_routine_namespace_answers_nothing_and_changes_nothing(
    deps: Deps, stored: dict[str, Any]
) -> None:
    (hook,) = _hooks(deps, _spec("skill.handlers.routine"), "launch")
    turn = _launch_turn(deps, "amzn1.ask.account.NOROUTINE", stored)
    assert "routine" not in turn.doc
    before = (copy.deepcopy(dict(turn.doc)), copy.deepcopy(turn.session))
    assert hook(turn) is None
    assert (dict(turn.doc), turn.session) == before
    assert turn.pending is None


def _variants(routine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``routine`` namespaces: without a place, damaged, finished, and left mid-way."""
    finished = copy.deepcopy(routine)
    finished["saved"]["phase"] = "done"
    damaged = copy.deepcopy(routine)
    damaged["saved"] = {"routine": "bedtime", "move": "not a number"}
    old_history_only = {"history": {"2026-03-09": {"routine": "bedtime", "done": 6, "of": 6}}}
    in_progress: dict[str, dict[str, Any]] = {}
    for phase in ("paused", "running"):
        in_progress[phase] = copy.deepcopy(routine)
        in_progress[phase]["saved"]["phase"] = phase
    return {
        "empty": {},
        "no place": {"hold_scale": 0.8},
        "damaged place": damaged,
        "finished": finished,
        "old history only": old_history_only,
        "stopped": routine,
        **in_progress,
    }


def test_routine_launch_hook_offers_to_resume_only_a_stored_unfinished_place(
    deps: Deps, convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    routine = _saved_place(convo, store)
    clock.advance(hours=1)
    (hook,) = _hooks(deps, _spec("skill.handlers.routine"), "launch")
    answers: dict[str, bool] = {}
    for i, (name, stored) in enumerate(_variants(routine).items()):
        turn = _launch_turn(deps, f"amzn1.ask.account.VARIANT{i}", {"routine": stored})
        # The precondition holds in every one of these: the hook decides.
        assert "routine" in turn.doc
        reply = hook(turn)
        answers[name] = reply is not None
        assert (turn.pending == "routine.resume") is answers[name], name
    assert answers == {
        "empty": False,
        "no place": False,
        "damaged place": False,
        "finished": False,
        "old history only": False,
        "stopped": True,
        "paused": True,
        "running": True,
    }


def test_registry_skips_the_routine_launch_hook_unimported_without_a_routine_namespace(
    deps: Deps,
) -> None:
    registry = build_registry(deps, lazy=True)
    routine = next(
        h
        for h in registry.handlers
        if isinstance(h, Capability) and h.module == "skill.handlers.routine"
    )
    turn = _launch_turn(deps, "amzn1.ask.account.SKIP", {PROFILE_KEY: {"v": 1, "launches": 3}})
    assert registry.run("launch", turn) is None
    assert not routine.loaded
    assert not routine.may_answer("launch", turn)
    # Events without a declared precondition are always asked.
    assert routine.may_answer("yes", turn)


def test_registry_asks_the_routine_launch_hook_when_a_place_is_stored(
    deps: Deps, convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    routine = _saved_place(convo, store)
    clock.advance(hours=1)
    registry = build_registry(deps, lazy=True)
    turn = _launch_turn(deps, "amzn1.ask.account.PLACE", {"routine": routine})
    reply = registry.run("launch", turn)
    assert reply is not None and "carry on" in reply.text.lower()


def test_the_resume_offer_lapses_identically_with_the_namespace_still_stored(
    deps: Deps, convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    # Past the resume window the namespace stays, so the hook is asked and declines.
    routine = _saved_place(convo, store)
    clock.advance(hours=13)
    registry = build_registry(deps, lazy=True)
    turn = _launch_turn(deps, "amzn1.ask.account.LAPSED", {"routine": routine})
    assert registry.run("launch", turn) is None


def test_precondition_for_an_event_the_capability_does_not_hook_is_rejected(deps: Deps) -> None:
    with pytest.raises(CapabilityError, match="needs_stored for unhooked events"):
        Capability(deps, "skill.handlers.night", ["IntentRequest"], ["help"], {"launch": ["night"]})
