"""Bedside dialogues through the dev matcher and the real runtime (turn scripts)."""

from __future__ import annotations

import pytest

from skill import envelopes
from skill.conversation import Conversation
from skill.handlers import routine
from skill.handlers.bedside import OFFERS, next_offer
from skill.profile import PROFILE_KEY
from skill.reply import Reply
from skill.runtime import SkillRuntime
from skill.speech import estimate_seconds
from skill.store.sqlite import SqliteStore
from skill.turn import Turn
from tests.support.dialog import FakeClock, run_script

USER = "amzn1.ask.account.DEVUSER"
# Stated limit for one assembled answer (advice + follow-up question + pauses).
MAX_ANSWER_S = 30.0


def test_pillow_question_without_position_asks_and_accepts_the_answer_next_turn(
    convo: Conversation,
) -> None:
    run_script(convo, """
        U: where should i put my pillow
        A: back, your side, or your front
        A: <open>
        U: on my back
        A: pillow under your knees
        A: stretch
        A: <open>
    """)


def test_side_sleeper_gets_knees_and_ankles_pillow_and_body_pillow(convo: Conversation) -> None:
    run_script(convo, """
        U: i sleep on my side
        A: pain-free side
        A: between your knees and ankles
        A: top leg stays level
        A: body pillow or a knee pillow
    """)


def test_stomach_sleeper_gets_honest_advice_and_an_alternative(convo: Conversation) -> None:
    run_script(convo, """
        U: i'm a stomach sleeper
        A: front
        A: try your back with a pillow under your knees
    """)


def test_which_side_is_the_other_side_and_the_painful_side_is_remembered(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, """
        U: my right hip hurts which side should i sleep on
        A: lie on your left side
        A: pillow between your knees and ankles
        A: remember
    """)
    assert store.load(USER)[PROFILE_KEY]["painful_side"] == "right"
    convo.launch()
    run_script(convo, """
        U: how should i position my pillows
        U: side
        A: lie on your left side, away from your sore right hip
        U: no
        A: <ends>
        U: which side should i sleep on
        A: your right hip is the sore one
        A: !remember
    """)


def test_both_hips_sore_means_back_lying(convo: Conversation, store: SqliteStore) -> None:
    run_script(convo, """
        U: both my hips hurt which side should i sleep on
        A: lying on your back
        A: pillow under your knees
    """)
    assert store.load(USER)[PROFILE_KEY]["painful_side"] == "both"


def test_which_side_without_a_known_side_asks_which_hip_and_takes_a_bare_answer(
    convo: Conversation,
) -> None:
    run_script(convo, """
        U: which side should i sleep on
        A: which hip hurts
        U: left
        A: lie on your right side
    """)


def test_a_side_given_as_the_sleeping_position_is_read_as_a_position(convo: Conversation) -> None:
    run_script(convo, """
        U: my left hip hurts
        A: lie on your right side
        U: no
        U: where do i put the pillow
        A: back, your side, or your front
        U: left
        A: your left hip is the sore one
        A: roll to your right side
    """)


def test_unclear_answer_to_the_position_question_re_asks(convo: Conversation) -> None:
    run_script(convo, """
        U: pillows
        A: back, your side, or your front
        U: help
        A: back, your side, or your front
        U: yes
        A: back, your side, or your front
    """)


@pytest.mark.parametrize(
    ("ask", "answer", "follow_up"),
    [
        ("what mattress should i get", "medium-firm", "pillow tips"),
        ("do i need a mattress topper", "topper", "pillow tips"),
        ("why does my hip hurt at night", "presses the tendons", "pillow tips"),
        ("what is the gluteus minimus", "smallest of your three buttock muscles", "sets it off"),
        ("what causes it", "tender spots", "daytime habits"),
        ("how should i sit at my desk", "cross your legs", "seeing a professional"),
        ("should i see a doctor", "numbness or weakness in your leg", "who can help"),
        ("who can help", "orthopaedic", "pillow tips"),
    ],
)
def test_each_information_question_answers_then_offers_one_follow_up(
    convo: Conversation, ask: str, answer: str, follow_up: str
) -> None:
    exchange = run_script(convo, f"""
        U: {ask}
        A: {answer}
        A: {follow_up}
        A: <open>
    """)[0]
    assert exchange.text.rstrip().endswith("?")
    assert estimate_seconds(exchange.text) <= MAX_ANSWER_S


def test_follow_up_yes_is_understood_in_context(convo: Conversation) -> None:
    run_script(convo, """
        U: what is the gluteus minimus
        U: yes
        A: tender spots
        U: yeah
        A: cross your legs
        U: sure
        A: worth seeing a
        U: yes please
        A: orthopaedic
        U: yes
        A: back, your side, or your front
    """)


def test_follow_up_no_ends_calmly(convo: Conversation) -> None:
    run_script(convo, """
        U: mattress
        U: no thanks
        A: rest easy|settle soon|sleep well
        A: <ends>
    """)


def test_night_pain_gives_a_calm_sequence_and_offers_the_stretch(convo: Conversation) -> None:
    exchange = run_script(convo, """
        U: it hurts right now i can't sleep
        A: sorry it's hurting
        A: roll onto your back
        A: pillow
        A: breathe in slowly
        A: stretch
        A: <open>
    """)[0]
    assert 'break time="2s"' in exchange.ssml


def test_night_pain_names_the_remembered_good_side(convo: Conversation) -> None:
    run_script(convo, """
        U: my right hip hurts
        U: no
        U: i can't get comfortable
        A: onto your left side
    """)


def test_yes_to_the_stretch_hands_over_to_the_bedtime_routine(
    convo: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str | None] = []

    def fake_start(turn: Turn) -> Reply:
        started.append(turn.pending)
        return Reply().say("Bedtime routine starting.").ask("Ready?")

    monkeypatch.setattr(routine, "start_bedtime", fake_start, raising=False)
    run_script(convo, """
        U: i can't sleep
        U: yes
        A: bedtime routine starting
    """)
    # The offer is cleared before the routine takes over, so it can set its own question.
    assert started == [None]


def test_yes_to_the_stretch_never_ends_the_session_with_nothing(convo: Conversation) -> None:
    run_script(convo, """
        U: i sleep on my back
        U: yes
        A: <open>
        A: stretch|move
        A: !rest easy|sleep well
    """)


def test_real_envelope_with_position_slot_answers_and_keeps_session_open(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    caller = envelopes.Caller()
    env = envelopes.intent(
        caller,
        clock(),
        "PillowIntent",
        {"Position": envelopes.SlotInput("front", "stomach", "stomach", "SleepPosition")},
    )
    response = runtime.handle(env)
    body = response["response"]
    assert "front" in body["outputSpeech"]["ssml"]
    assert body["shouldEndSession"] is False
    assert response["sessionAttributes"]["pending"]["kind"] == "bedside.offer_stretch"


def test_real_envelope_with_unresolved_side_asks_which_hip(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    caller = envelopes.Caller()
    slots = {"Side": envelopes.SlotInput("middle", None, None, "HipSide")}
    env = envelopes.intent(caller, clock(), "WhichSideIntent", slots)
    body = runtime.handle(env)["response"]
    assert "Which hip hurts" in body["outputSpeech"]["ssml"]


# -- follow-up offers are never repeated in a session ---------------------------------


def test_after_pillow_tips_later_answers_do_not_offer_pillow_tips_again(
    convo: Conversation,
) -> None:
    run_script(convo, """
        U: where should i put my pillow
        U: on my back
        A: pillow under your knees
        A: bedtime stretch
        U: what mattress is best
        A: medium-firm
        A: !pillow tips
        A: !bedtime stretch
        A: sets it off
        A: <open>
        U: who can help
        A: orthopaedic
        A: !pillow tips
        A: !sets it off
        A: !who can help
        A: <open>
    """)


def test_an_offer_taken_up_is_not_made_again(convo: Conversation) -> None:
    run_script(convo, """
        U: who can help
        A: pillow tips
        U: yes
        A: back, your side, or your front
        U: on my side
        A: bedtime stretch
        U: should i see a doctor
        A: numbness or weakness in your leg
        A: !who can help
        A: !pillow tips
        A: !bedtime stretch
        A: sets it off
    """)


def test_an_offer_heard_and_ignored_is_not_made_again(convo: Conversation) -> None:
    exchanges = run_script(convo, """
        U: what mattress should i get
        A: pillow tips
        U: why does my hip hurt at night
        A: presses the tendons
        A: !pillow tips
        A: <open>
    """)
    assert exchanges[-1].text.rstrip().endswith("?")


def test_when_every_offer_has_been_heard_the_answer_ends_without_a_question(
    convo: Conversation,
) -> None:
    asks = [
        "what mattress should i get", "what is the gluteus minimus", "what causes it",
        "how should i sit at my desk", "should i see a doctor", "who can help",
        "why does my hip hurt at night",
    ]
    offers: list[str] = []
    for ask in asks:
        exchange = convo.say(ask)
        assert not exchange.problems()
        question = exchange.text.rstrip()
        if exchange.ended:
            assert not question.endswith("?")
            break
        offers.append(question[question.rfind(".") + 1 :].strip())
    else:
        raise AssertionError(f"the offers never ran out: {offers}")
    assert len(offers) == len(set(offers)), offers


def test_next_offer_keeps_the_preferred_one_until_it_is_heard() -> None:
    assert next_offer("bedside.offer_pro", []) == "bedside.offer_pro"


def test_next_offer_goes_round_the_list_past_heard_ones() -> None:
    heard = ["bedside.offer_who", "bedside.offer_pillows"]
    assert next_offer("bedside.offer_who", heard) == "bedside.offer_stretch"


def test_next_offer_is_none_once_every_offer_was_heard() -> None:
    assert next_offer("bedside.offer_causes", list(OFFERS)) is None
