"""The error paths the sample skills never test: a handler that raises, a store
that cannot read or write. The user hears an apology; stored data stays intact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from skill import envelopes
from skill.builder import build_skill
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.handlers.base import IntentHandler
from skill.profile import Profile
from skill.registry import Registry
from skill.reply import Reply
from skill.runtime import SkillRuntime
from skill.store.base import StoreError, UserStore
from skill.store.patch import Doc, Op, diff
from skill.store.sqlite import SqliteStore
from skill.turn import Turn

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)


class FlakyStore(UserStore):
    """Wraps a real store; reads or writes can be made to fail."""

    def __init__(self, inner: UserStore) -> None:
        self.inner = inner
        self.fail_load = False
        self.fail_update = False

    def load(self, user_id: str) -> Doc:
        if self.fail_load:
            raise StoreError("database is locked")
        return self.inner.load(user_id)

    def update(self, user_id: str, ops: list[Op]) -> Doc:
        if self.fail_update:
            raise StoreError("disk I/O error")
        return self.inner.update(user_id, ops)

    def delete(self, user_id: str) -> None:
        self.inner.delete(user_id)

    def user_ids(self) -> Iterator[str]:
        return self.inner.user_ids()

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def flaky(store: SqliteStore) -> FlakyStore:
    return FlakyStore(store)


@pytest.fixture
def flaky_runtime(deps: Deps, flaky: FlakyStore) -> SkillRuntime:
    deps.store = flaky
    return SkillRuntime(build_skill(deps))


def _speech(out: dict[str, Any]) -> str:
    return str(out["response"].get("outputSpeech", {}).get("ssml", ""))


def test_unreadable_store_is_spoken_as_an_apology(
    flaky_runtime: SkillRuntime, flaky: FlakyStore
) -> None:
    flaky.fail_load = True
    out = flaky_runtime.handle(envelopes.launch(Caller(), NOW))
    assert "couldn" in _speech(out).lower()
    assert "lost" in _speech(out).lower()


def test_failed_write_replaces_the_answer_and_keeps_earlier_data(
    flaky_runtime: SkillRuntime, flaky: FlakyStore, store: SqliteStore
) -> None:
    caller = Caller()
    flaky_runtime.handle(envelopes.launch(caller, NOW))
    before = store.load(caller.user_id)
    assert before["profile"]["launches"] == 1
    flaky.fail_update = True
    # Telling the painful side stores it (a returning launch would write nothing).
    side = SlotInput("left", "left", "left", "HipSide")
    out = flaky_runtime.handle(envelopes.intent(caller, NOW, "WhichSideIntent", {"Side": side}))
    assert "couldn" in _speech(out).lower()
    assert out["response"]["shouldEndSession"] is True
    assert store.load(caller.user_id) == before


class Boom(IntentHandler):
    intents = ("BoomIntent",)

    def reply(self, turn: Turn) -> Reply:
        turn.put("profile", turn.state("profile", Profile))
        turn.doc["profile"]["launches"] = 99
        raise RuntimeError("bug")


def test_a_handler_that_raises_gets_a_spoken_apology_and_saves_nothing(
    deps: Deps, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skill import builder
    from skill.handlers import builtin

    original = builtin.register

    def register_with_boom(registry: Registry) -> None:
        registry.add(Boom(registry.deps))
        original(registry)

    monkeypatch.setattr(builder.builtin, "register", register_with_boom)
    runtime = SkillRuntime(build_skill(deps))
    caller = Caller()
    runtime.handle(envelopes.launch(caller, NOW))
    out = runtime.handle(envelopes.intent(caller, NOW, "BoomIntent"))
    assert "went wrong" in _speech(out)
    assert out["response"]["shouldEndSession"] is False
    assert store.load(caller.user_id)["profile"]["launches"] == 1


def test_exception_handler_survives_broken_content(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skill.voice import Voice

    def broken(self: Voice, key: str, **params: Any) -> str:
        raise KeyError(key)

    runtime = SkillRuntime(build_skill(deps))
    monkeypatch.setattr(Voice, "line", broken)
    out = runtime.handle(envelopes.launch(Caller(), NOW))
    assert "something went wrong" in _speech(out).lower()


def test_damaged_profile_state_is_replaced_not_fatal(
    runtime: SkillRuntime, store: SqliteStore
) -> None:
    caller = Caller()
    store.update(caller.user_id, diff({}, {"profile": {"launches": "many", "v": 7}}))
    out = runtime.handle(envelopes.launch(caller, NOW))
    assert "Welcome" in _speech(out)
    assert store.load(caller.user_id)["profile"]["launches"] == 1
