"""Red flags interrupt any dialog state, point to the right care with the local
emergency number, and end without small talk."""

from __future__ import annotations

import re

import pytest

from skill import envelopes
from skill.checks import handler_input_for
from skill.conversation import Conversation, Exchange
from skill.deps import Deps
from skill.handlers.safety import triage_reply
from skill.runtime import SkillRuntime
from skill.store.sqlite import SqliteStore
from skill.turn import turn_of
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock, run_script

USER = "amzn1.ask.account.DEVUSER"
SMALL_TALK = re.compile(r"sleep well|rest easy|goodnight|sweet dreams|\?\s*$", re.I)

EMERGENCY = "i have numbness between my legs"


def assert_red_flag_answer(exchange: Exchange, number: str = "911") -> None:
    assert number in exchange.text, exchange.text
    assert exchange.ended, "a red flag answer ends the session"
    assert not SMALL_TALK.search(exchange.text), exchange.text
    assert "pending" not in exchange.session_attributes


@pytest.mark.parametrize(
    ("said", "care"),
    [
        (EMERGENCY, "call 911 now"),
        ("i can't control my bladder", "call 911 now"),
        ("both my legs feel weak", "call 911 now"),
        ("i fell but i can walk", "urgent care"),
        ("i can't put weight on my leg", "urgent care"),
        ("i have a fever and my hip is hot", "emergency department"),
        ("my hip is hot and swollen", "doctor today"),
        ("i've been losing weight without trying", "your doctor soon"),
        ("the pain is constant", "your doctor soon"),
        ("my leg feels numb", "visit to your doctor"),
        ("pins and needles down my leg", "visit to your doctor"),
        ("this is an emergency", "call 911 now"),
    ],
)
def test_red_flag_points_to_the_right_level_of_care(
    convo: Conversation, said: str, care: str
) -> None:
    exchange = convo.say(said)
    assert care.lower() in exchange.text.lower(), exchange.text
    assert_red_flag_answer(exchange)


@pytest.mark.parametrize(
    "setup",
    [
        ["<launch>"],
        ["where should i put my pillow"],  # waiting for a position
        ["which side should i sleep on"],  # waiting for the painful side
        ["mattress"],  # a yes/no offer
        ["it hurts right now i can't sleep"],  # offered the stretch
        ["start my bedtime stretches"],  # a routine running
        ["morning check in"],  # a check-in waiting for a score
        ["delete my data"],  # privacy confirmation
        ["i feel a bit strange"],  # the red-flag clarifying question
    ],
)
def test_red_flag_interrupts_every_dialog_state(
    convo: Conversation, setup: list[str]
) -> None:
    for said in setup:
        previous = convo.launch() if said == "<launch>" else convo.say(said)
        assert not previous.ended, f"setup {said!r} ended the session: {previous.text}"
    exchange = convo.say(EMERGENCY)
    assert "call 911 now" in exchange.text.lower()
    assert_red_flag_answer(exchange)


@pytest.mark.parametrize(
    "kind",
    ["routine.resume", "routine.offer", "checkin.score", "checkin.numbness", "privacy.delete",
     "bedside.position", "bedside.offer_stretch", "safety.clarify"],
)
def test_red_flag_envelope_wins_whatever_question_is_pending(
    runtime: SkillRuntime, clock: FakeClock, kind: str
) -> None:
    env = envelopes.intent(
        envelopes.Caller(),
        clock(),
        "RedFlagIntent",
        {"Symptom": envelopes.SlotInput("i fell but i'm walking fine", "fall", "fall",
                                          "Symptom")},
        new=False,
        attributes={"pending": {"kind": kind, "data": {}}},
    )
    response = runtime.handle(env)
    assert "911" in response["response"]["outputSpeech"]["ssml"]
    assert response["response"]["shouldEndSession"] is True
    assert "pending" not in response.get("sessionAttributes", {})


def test_red_flag_during_delete_confirmation_does_not_delete(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, """
        U: my right hip hurts
        U: no
        U: delete my data
        A: <open>
        U: i wet myself
        A: call 911 now
    """)
    assert store.load(USER)["profile"]["painful_side"] == "right"


@pytest.mark.parametrize(
    ("locale", "number"),
    [
        ("en-US", "911"),
        ("en-CA", "911"),
        ("en-GB", "nine nine nine, or one one two"),
        ("en-AU", "triple zero"),
        ("en-IN", "one one two"),
    ],
)
def test_each_locale_gives_its_own_emergency_number(
    runtime: SkillRuntime, clock: FakeClock, locale: str, number: str
) -> None:
    convo = make_conversation(runtime, clock, locale=locale)
    for said in (EMERGENCY, "i fell but i can walk", "my leg feels numb"):
        assert_red_flag_answer(convo.say(said), number)


def test_gb_urgent_answer_names_local_services(runtime: SkillRuntime, clock: FakeClock) -> None:
    convo = make_conversation(runtime, clock, locale="en-GB")
    assert "NHS one one one" in convo.say("i had a fall but i'm up and walking").text
    assert "GP" in convo.say("my leg feels numb").text


def test_unplaceable_symptom_asks_which_one_and_no_ends_with_the_number(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    caller = envelopes.Caller()
    env = envelopes.intent(
        caller,
        clock(),
        "RedFlagIntent",
        {"Symptom": envelopes.SlotInput("purple spots", None, None, "Symptom")},
    )
    first = runtime.handle(env)
    assert "numbness, weakness, a fall, or a fever" in first["response"]["outputSpeech"]["ssml"]
    assert first["response"]["shouldEndSession"] is False
    attrs = first["sessionAttributes"]
    no = envelopes.intent(caller, clock(), "AMAZON.NoIntent", new=False, attributes=attrs)
    second = runtime.handle(no)["response"]
    assert "911" in second["outputSpeech"]["ssml"]
    assert second["shouldEndSession"] is True


def test_yes_to_the_clarifying_question_errs_on_the_side_of_care(convo: Conversation) -> None:
    convo.say("i feel a bit strange")
    exchange = convo.say("yes")
    assert "emergency" in exchange.text.lower()
    assert_red_flag_answer(exchange)


@pytest.mark.parametrize(
    ("symptom", "expected"),
    [("one_leg", "weakness in one leg"), ("saddle_numbness", "call 911 now"),
     ("no_such_symptom", "if you think this is an emergency")],
)
def test_triage_reply_serves_other_capabilities_by_symptom_id(
    deps: Deps, clock: FakeClock, symptom: str, expected: str
) -> None:
    env = envelopes.intent(
        envelopes.Caller(), clock(), "AMAZON.YesIntent", new=False,
        attributes={"pending": {"kind": "checkin.numbness", "data": {}}},
    )
    turn = turn_of(handler_input_for(deps, env))
    reply = triage_reply(turn, symptom)
    assert expected.lower() in reply.text.lower()
    assert reply.ends_session
    assert turn.pending is None


@pytest.mark.parametrize(
    ("setup", "said", "care"),
    [
        ("morning check in", "i fell last night but i can walk", "urgent care"),
        ("morning check in", "yes my left leg is numb", "visit to your doctor"),
        ("start my bedtime stretches", "i fell last night but i can walk", "urgent care"),
        ("start my bedtime stretches", "i had a fall getting up, i'm walking ok", "urgent care"),
        ("start my bedtime stretches", "i peed myself", "call 911 now"),
        ("which side should i sleep on", "i can't feel my bottom", "call 911 now"),
    ],
)
def test_red_flags_in_everyday_words_win_over_scores_and_routine_fallbacks(
    convo: Conversation, setup: str, said: str, care: str
) -> None:
    assert not convo.say(setup).ended
    exchange = convo.say(said)
    assert care in exchange.text.lower(), exchange.text
    assert_red_flag_answer(exchange)


@pytest.mark.parametrize("said", ["call an ambulance", "call nine one one", "get me help now",
                                  "i need an ambulance"])
def test_asking_for_an_ambulance_says_to_call_now_and_that_the_skill_cannot(
    convo: Conversation, said: str
) -> None:
    exchange = convo.say(said)
    assert "call 911 now" in exchange.text.lower()
    assert "can't make calls" in exchange.text.lower()
    assert_red_flag_answer(exchange)


@pytest.mark.parametrize(
    ("value", "care"),
    [("can't walk", "urgent care"), ("can't feel my legs", "call 911 now"),
     ("I can\u2019t hold my wee", "call 911 now")],
)
def test_raw_slot_text_with_contractions_is_triaged(
    runtime: SkillRuntime, clock: FakeClock, value: str, care: str
) -> None:
    env = envelopes.intent(
        envelopes.Caller(), clock(), "RedFlagIntent",
        {"Symptom": envelopes.SlotInput(value, None, None, "Symptom")},
    )
    response = runtime.handle(env)["response"]
    assert care in response["outputSpeech"]["ssml"].lower()
    assert response["shouldEndSession"] is True


def test_bare_weakness_names_the_number_first_then_asks_if_it_is_one_leg(
    convo: Conversation,
) -> None:
    first, second = run_script(convo, """
        U: i feel weak
        A: call 911 now.*only in one leg\\?
        A: <open>
        U: yes
        A: weakness in one leg
        A: <ends>
    """)
    assert first.text.index("911") < first.text.index("?")
    assert "pending" not in second.session_attributes


def test_bare_numbness_that_is_not_in_one_leg_gets_the_emergency_answer(
    convo: Conversation,
) -> None:
    convo.say("i've gone numb")
    exchange = convo.say("no")
    assert "call 911 now" in exchange.text.lower()
    assert "emergency department" in exchange.text.lower()
    assert_red_flag_answer(exchange)


def test_one_leg_answer_keeps_a_more_urgent_symptom_heard_with_the_numbness(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    caller = envelopes.Caller()
    env = envelopes.intent(
        caller, clock(), "RedFlagIntent",
        {"Symptom": envelopes.SlotInput("fell and feel numb", None, None, "Symptom")},
    )
    first = runtime.handle(env)
    yes = envelopes.intent(caller, clock(), "AMAZON.YesIntent", new=False,
                           attributes=first["sessionAttributes"])
    second = runtime.handle(yes)["response"]
    assert "urgent care" in second["outputSpeech"]["ssml"]
    assert second["shouldEndSession"] is True


def test_bedtime_words_the_slot_caught_go_to_the_routine_not_to_triage(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.say("start my bedtime stretches")
    exchange = convo.say("i feel a stretch")
    assert not exchange.ended
    assert "911" not in exchange.text
    assert "safety" not in store.load(USER)


def test_a_safety_question_tells_alexa_to_expect_the_symptom_slot(convo: Conversation) -> None:
    asked = convo.say("i've gone numb")
    (directive,) = asked.directives
    assert directive["type"] == "Dialog.ElicitSlot" and directive["slotToElicit"] == "Symptom"
    assert directive["updatedIntent"]["name"] == "RedFlagIntent"
    assert not asked.ended


@pytest.mark.parametrize(
    ("answer", "heard"),
    [
        # What a real Echo sends for the elicited slot: the spoken words, unresolved.
        ("both of them", "call 911 now"),
        ("kind of my backside too", "call 911 now"),
        ("not sure to be honest", "call 911 now"),
        ("only the left one", "doctor"),
    ],
)
def test_an_answer_in_the_elicited_symptom_slot_answers_the_where_question(
    runtime: SkillRuntime, clock: FakeClock, answer: str, heard: str
) -> None:
    caller = envelopes.Caller()
    first = runtime.handle(envelopes.intent(
        caller, clock(), "RedFlagIntent",
        {"Symptom": envelopes.SlotInput("i've gone numb", None, None, "Symptom")},
    ))
    assert first["response"]["directives"][0]["slotToElicit"] == "Symptom"
    reply = runtime.handle(envelopes.intent(
        caller, clock(), "RedFlagIntent",
        {"Symptom": envelopes.SlotInput(answer, None, None, "Symptom")},
        new=False, attributes=first["sessionAttributes"],
    ))["response"]
    assert heard in reply["outputSpeech"]["ssml"].lower()
    assert reply["shouldEndSession"] is True


def test_one_leg_with_the_bottom_said_to_be_fine_is_the_one_leg_answer(
    convo: Conversation,
) -> None:
    convo.say("i've gone numb")
    exchange = convo.say("just my left leg, my bottom is fine")
    assert "visit to your doctor" in exchange.text.lower(), exchange.text
    assert "call 911 now" not in exchange.text.lower()
    assert_red_flag_answer(exchange)


def test_taking_the_numbness_back_answers_what_was_said_instead(convo: Conversation) -> None:
    convo.say("i've gone numb")
    exchange = convo.say("no numbness really, the pain is constant whatever position i lie in")
    assert "your doctor soon" in exchange.text.lower(), exchange.text
    assert "call 911 now" not in exchange.text.lower()
    assert_red_flag_answer(exchange)
