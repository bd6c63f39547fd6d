"""Built-in turns: launch, help, stop/cancel, fallback, yes/no out of context, ends."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from skill import envelopes
from skill.builder import build_skill
from skill.content import default_library
from skill.conversation import Conversation
from skill.deps import Deps
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.settings import Settings
from skill.store.memory import MemoryStore
from skill.store.patch import Doc, Op, diff
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock, run_script

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)


def test_first_launch_gives_the_three_uses_and_the_disclaimer(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: <launch>
        A: pillows
        A: stretch
        A: stiff
        A: not medical advice
        A: 911
        A: <open>
        """,
    )


def test_returning_launch_is_shorter_and_has_no_disclaimer(convo: Conversation) -> None:
    first = convo.launch()
    convo.say("stop")
    second = convo.launch()
    assert len(second.text) < len(first.text) / 2
    assert "medical advice" not in second.text
    assert not second.ended


def _user_row(store: SqliteStore, user_id: str) -> tuple[Any, ...]:
    """Everything SQLite holds for one user: its rev and updated_at and each namespace."""
    with closing(sqlite3.connect(store.path)) as conn:
        head = conn.execute(
            "SELECT rev, updated_at FROM users WHERE user_id = ?", (user_id,)
        ).fetchall()
        docs = conn.execute(
            "SELECT ns, json FROM docs WHERE user_id = ? ORDER BY ns", (user_id,)
        ).fetchall()
    return (head, docs)


class CountingStore(MemoryStore):
    """A MemoryStore that counts writes (``update_namespaces`` goes through
    ``update`` here), to show that a request made none."""

    def __init__(self) -> None:
        super().__init__()
        self.updates = 0

    def update(self, user_id: str, ops: list[Op]) -> Doc:
        self.updates += 1
        return super().update(user_id, ops)


def test_first_launch_stores_launched_once_and_the_first_day(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    convo.launch()
    profile = store.load(convo.caller.user_id)["profile"]
    assert profile["launches"] == 1
    assert profile["first_seen"] == clock().date().isoformat()


def test_returning_launch_leaves_the_sqlite_row_untouched(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    convo.launch()
    convo.say("stop")
    before = _user_row(store, convo.caller.user_id)
    assert before[0], "the first launch should have stored the user"
    clock.advance(days=3)
    for _ in range(3):
        out = convo.launch()
        assert "medical advice" not in out.text  # greeted as returning
        convo.say("stop")
    assert _user_row(store, convo.caller.user_id) == before
    assert store.load(convo.caller.user_id)["profile"]["launches"] == 1


def test_returning_launch_makes_no_store_write(settings: Settings, clock: FakeClock) -> None:
    counting = CountingStore()
    deps = Deps(settings=settings, store=counting, content=default_library(), clock=clock)
    runtime = SkillRuntime(build_skill(deps))
    caller = Caller()
    runtime.handle(envelopes.launch(caller, clock()))
    assert counting.updates == 1
    stored = counting.load(caller.user_id)
    runtime.handle(envelopes.launch(caller, clock()))
    runtime.handle(envelopes.launch(caller, clock()))
    assert counting.updates == 1
    assert counting.load(caller.user_id) == stored


def test_old_profile_with_a_visit_count_is_returning_and_not_rewritten(
    runtime: SkillRuntime, store: SqliteStore
) -> None:
    caller = Caller()
    old = {"v": 1, "painful_side": "left", "launches": 7, "first_seen": "2025-11-02"}
    store.update(caller.user_id, diff({}, {"profile": old}))
    before = _user_row(store, caller.user_id)
    out = runtime.handle(envelopes.launch(caller, NOW))
    speech = str(out["response"]["outputSpeech"]["ssml"])
    assert "medical advice" not in speech  # the returning menu, not the first-visit one
    assert "welcome to hip rest" not in speech.lower()
    assert _user_row(store, caller.user_id) == before
    assert store.load(caller.user_id)["profile"] == old


def test_help_names_the_three_uses_with_an_example_each_and_the_disclaimer(
    convo: Conversation,
) -> None:
    ex = run_script(
        convo,
        """
        U: help
        A: which side should I sleep on
        A: start my bedtime stretches
        A: my stiffness is
        A: not a substitute for professional medical advice
        A: <open>
        """,
    )[0]
    assert ex.reprompt


def test_stop_and_cancel_both_end_the_session(convo: Conversation) -> None:
    for word in ("stop", "cancel"):
        convo.launch()
        ex = convo.say(word)
        assert ex.ended, word
        assert ex.text


def test_fallback_reprompts_with_examples(convo: Conversation) -> None:
    convo.launch()
    ex = convo.intent("AMAZON.FallbackIntent")
    assert not ex.ended
    # Either variant must carry a concrete example of something to say.
    assert "pillow" in ex.text.lower() or "which side" in ex.text.lower()
    assert "pillow" in ex.reprompt.lower()


def test_yes_out_of_context_explains_instead_of_guessing(convo: Conversation) -> None:
    convo.launch()
    ex = convo.intent("AMAZON.YesIntent")
    assert not ex.ended
    assert "not sure" in ex.text.lower()


def test_navigate_home_goes_back_to_the_menu(convo: Conversation) -> None:
    convo.launch()
    ex = convo.intent("AMAZON.NavigateHomeIntent")
    assert not ex.ended
    assert "pillow" in ex.text.lower()


def test_session_ended_request_gets_no_speech(runtime: SkillRuntime) -> None:
    out = runtime.handle(envelopes.session_ended(Caller(), NOW, new=False))
    assert "outputSpeech" not in out["response"]


def test_exception_encountered_gets_no_speech(runtime: SkillRuntime) -> None:
    body = envelopes.request_body(
        "System.ExceptionEncountered",
        locale="en-US",
        now=NOW,
        extra={"error": {"type": "INVALID_RESPONSE", "message": "x"}, "cause": {"requestId": "r"}},
    )
    out = runtime.handle(envelopes.envelope(body, Caller(), with_session=False))
    assert "outputSpeech" not in out["response"]


def test_unknown_intent_gets_a_calm_answer_not_an_error(runtime: SkillRuntime) -> None:
    out = runtime.handle(envelopes.intent(Caller(), NOW, "NoSuchIntent"))
    ssml = out["response"]["outputSpeech"]["ssml"]
    assert "didn" in ssml or "not sure" in ssml
    assert out["response"]["shouldEndSession"] is False


def test_unknown_request_type_is_answered_with_an_empty_response(runtime: SkillRuntime) -> None:
    body = envelopes.request_body("Some.FutureRequest", locale="en-US", now=NOW)
    out = runtime.handle(envelopes.envelope(body, Caller()))
    assert out["response"] == {}


def test_unsupported_locale_falls_back_to_us_english(runtime: SkillRuntime) -> None:
    out = runtime.handle(envelopes.launch(Caller(locale="fr-FR"), NOW))
    assert "Hip Rest" in out["response"]["outputSpeech"]["ssml"]
