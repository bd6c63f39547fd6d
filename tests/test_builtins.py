"""Built-in turns: launch, help, stop/cancel, fallback, yes/no out of context, ends."""

from __future__ import annotations

from datetime import UTC, datetime

from skill import envelopes
from skill.conversation import Conversation
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.store.sqlite import SqliteStore
from tests.support.dialog import run_script

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


def test_launch_counts_visits_in_the_store(convo: Conversation, store: SqliteStore) -> None:
    convo.launch()
    convo.launch()
    doc = store.load(convo.caller.user_id)
    assert doc["profile"]["launches"] == 2
    assert doc["profile"]["first_seen"] == "2026-03-10"


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
