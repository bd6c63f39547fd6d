"""Dialog that cannot trap a person (issue 14): a red flag wins in every dialog
state, a pending question lives one turn, Alexa's dialog directives bias the
next answer, routine words, reminder times, and Follow-Up Mode at night.

Red flags are sent three ways, as they reach the backend: typed through the
console (matcher, catch-all), as the catch-all's AMAZON.SearchQuery text a real
Echo sends, and as the raw words of a custom slot Alexa could not resolve.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from skill.conversation import Conversation, Exchange
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.reminders_api import MemoryReminders
from skill.runtime import SkillRuntime
from skill.store.sqlite import SqliteStore
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock, run_script

USER = Caller().user_id
SADDLE = "I can't feel anything between my legs"
FALL = "I fell and now I can't put any weight on my leg"
# The emergency answer, and the level of care after a fall (urgent care or 999/911:
# issue 15 raises a fall without weight bearing to an emergency).
EMERGENCY = r"call 911"
CARE_NOW = r"911|urgent|today|emergency"


def red_flags(store: SqliteStore) -> list[dict[str, Any]]:
    flags = (store.load(USER).get("safety") or {}).get("red_flags") or {}
    return list(flags.values())


def catch_all(convo: Conversation, words: str) -> Exchange:
    """What a real Echo sends for words no specific sample fits."""
    return convo.intent("CatchAllIntent", {"Utterance": words})


def _into_bedtime_hold(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: start my bedtime stretches
        A: <open>
        U: next
        A: <open>
        """,
    )


# --------------------------------------------------------------- red flags in every state


def test_saddle_numbness_during_the_bedtime_hold_is_an_emergency(
    convo: Conversation, store: SqliteStore
) -> None:
    _into_bedtime_hold(convo)
    run_script(
        convo,
        f"""
        U: {SADDLE}
        A: {EMERGENCY}
        A: !say next
        A: <ends>
        """,
    )
    assert [f["urgency"] for f in red_flags(store)] == ["emergency"]
    # The hand-over keeps the routine's place for later.
    assert store.load(USER)["routine"]["saved"] is not None


def test_saddle_numbness_sent_by_the_catch_all_during_a_hold_is_an_emergency(
    convo: Conversation, store: SqliteStore
) -> None:
    _into_bedtime_hold(convo)
    answer = catch_all(convo, "numbness between my legs")
    assert "911" in answer.text and answer.ended
    assert [f["urgency"] for f in red_flags(store)] == ["emergency"]


def test_a_fall_without_weight_bearing_during_strengthening_gets_care_now(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        f"""
        U: start hip strengthening
        A: <open>
        U: {FALL}
        A: {CARE_NOW}
        A: !say next|repeat, or stop
        A: <ends>
        """,
    )
    (flag,) = red_flags(store)
    assert flag["symptom"].startswith("fall") and flag["urgency"] in ("urgent", "emergency")


def test_a_red_flag_as_the_check_in_score_answer_is_answered_and_no_score_saved(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        f"""
        U: morning check in
        A: zero to ten
        U: {SADDLE}
        A: {EMERGENCY}
        A: !didn't catch a number
        A: <ends>
        """,
    )
    assert "checkin" not in store.load(USER)
    assert [f["urgency"] for f in red_flags(store)] == ["emergency"]


def test_a_red_flag_as_the_reminder_time_answer_sets_no_reminder(
    deps: Deps, convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        f"""
        U: remind me to do my exercises tomorrow morning
        A: what time
        U: {SADDLE}
        A: {EMERGENCY}
        A: <ends>
        """,
    )
    reminders = deps.apis["reminders"]
    assert isinstance(reminders, MemoryReminders) and reminders.alerts == {}
    assert red_flags(store)


def test_a_red_flag_as_the_answer_to_delete_it_all_deletes_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        f"""
        U: my stiffness is four
        U: delete my data
        A: Delete it all\\?
        U: {SADDLE}
        A: {EMERGENCY}
        A: <ends>
        """,
    )
    doc = store.load(USER)
    assert "checkin" in doc and red_flags(store)


def test_a_red_flag_in_the_raw_words_of_an_unresolved_custom_slot_wins(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.launch()
    # Alexa keeps the words even when resolution fails (ER_SUCCESS_NO_MATCH).
    answer = convo.intent(
        "WhichSideIntent", {"Side": SlotInput("numb between my legs", None, None, "HipSide")}
    )
    assert "911" in answer.text and answer.ended
    assert [f["urgency"] for f in red_flags(store)] == ["emergency"]


def test_a_red_flag_during_the_numbness_follow_up_question_wins(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.launch()
    asked = convo.intent("RedFlagIntent", {"Symptom": SlotInput("numb", None, None, "Symptom")})
    assert not asked.ended and asked.session_attributes.get("pending")
    answer = catch_all(convo, FALL)
    assert answer.ended and red_flags(store)


def test_times_said_in_words_are_not_heard_as_a_red_flag(
    convo: Conversation, store: SqliteStore
) -> None:
    # "nine" once read as "nine one one": built-in TIME/NUMBER values are not words.
    run_script(
        convo,
        """
        U: remind me to stretch at nine every night
        A: 9 PM
        A: !911
        """,
    )
    assert red_flags(store) == []


def test_a_bare_hour_from_the_catch_all_is_a_time_not_an_emergency_number(
    deps: Deps, convo: Conversation, store: SqliteStore
) -> None:
    convo.say("remind me to check in at teatime every morning")
    done = catch_all(convo, "nine")
    assert "9 AM, every day" in done.text and "911" not in done.text
    assert red_flags(store) == []
    # The emergency number said in words is still one.
    convo.launch()
    assert "911" in catch_all(convo, "nine one one").text


def test_ordinary_words_in_a_dialog_raise_no_alarm(
    convo: Conversation, store: SqliteStore
) -> None:
    _into_bedtime_hold(convo)
    answer = catch_all(convo, "I feel a nice stretch")
    assert "911" not in answer.text and not answer.ended
    assert red_flags(store) == []


# --------------------------------------------------------------- one turn per question


def test_a_help_detour_disarms_delete_it_all(convo: Conversation, store: SqliteStore) -> None:
    run_script(
        convo,
        """
        U: my stiffness is four
        U: delete my data
        A: Delete it all\\?
        U: help
        A: <open>
        U: yes
        A: !deleted
        """,
    )
    assert "checkin" in store.load(USER)


def test_a_confirmed_delete_after_a_detour_deletes_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.say("my stiffness is four")
    convo.say("delete my data")
    convo.say("help")
    late = _confirmation(convo, "DeleteDataIntent", "CONFIRMED")
    assert "deleted" not in late.text.lower()
    assert "checkin" in store.load(USER)


def test_yes_right_after_delete_it_all_deletes_through_confirm_intent(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.say("my stiffness is four")
    ask = convo.say("delete my data")
    assert [d["type"] for d in ask.directives] == ["Dialog.ConfirmIntent"]
    done = convo.say("yes")
    assert done.request["request"]["intent"]["name"] == "DeleteDataIntent"
    assert done.request["request"]["intent"]["confirmationStatus"] == "CONFIRMED"
    assert "deleted" in done.text.lower() and store.load(USER) == {}


def test_no_to_delete_it_all_through_confirm_intent_keeps_everything(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.say("my stiffness is four")
    convo.say("delete my data")
    kept = _confirmation(convo, "DeleteDataIntent", "DENIED")
    assert "kept everything" in kept.text and kept.ended
    assert "checkin" in store.load(USER)


def _confirmation(convo: Conversation, intent: str, status: str) -> Exchange:
    from skill import envelopes

    env = envelopes.intent(convo.caller, convo.clock(), intent, **convo._session_kw())
    env["request"]["intent"]["confirmationStatus"] = status
    env["request"]["dialogState"] = "IN_PROGRESS"
    return convo.send(env)


# --------------------------------------------------------------- the check-in score


def test_the_check_in_elicits_the_score_slot(convo: Conversation) -> None:
    ask = convo.say("morning check in")
    (directive,) = ask.directives
    assert directive["type"] == "Dialog.ElicitSlot"
    assert directive["slotToElicit"] == "Score"
    assert directive["updatedIntent"]["name"] == "CheckInIntent"
    assert not ask.ended


def test_a_time_during_the_check_in_is_never_logged_as_a_score(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: morning check in
        U: seven thirty in the morning
        A: sounded like a time
        A: !Got it, 7
        A: <open>
        U: six
        A: Got it, 6
        """,
    )
    assert store.load(USER)["checkin"]["days"] == {"2026-03-10": 6}


def test_the_catch_alls_words_answer_the_pending_score(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.say("morning check in")
    answer = catch_all(convo, "six")
    assert "Got it, 6" in answer.text
    assert store.load(USER)["checkin"]["days"] == {"2026-03-10": 6}


def test_a_fallback_in_the_check_in_says_how_to_go_on_or_stop(convo: Conversation) -> None:
    convo.say("morning check in")
    answer = catch_all(convo, "purple elephants")
    assert "zero to ten" in answer.text and "stop" in answer.text and not answer.ended


# --------------------------------------------------------------- routine words


@pytest.mark.parametrize("word", ["done", "finished", "got it", "ready", "okay"])
def test_routine_words_mean_next_not_stop(convo: Conversation, word: str) -> None:
    convo.say("start my bedtime stretches")
    answer = convo.say(word)
    assert not answer.ended, answer.text
    assert "saved your place" not in answer.text
    assert _position(convo) != (0, 0)


def _position(convo: Conversation) -> tuple[int, int]:
    live = convo.attributes["routine"]
    return live["move"], live["side"]


def test_done_sent_by_the_catch_all_moves_the_routine_on(convo: Conversation) -> None:
    convo.say("start my bedtime stretches")
    answer = catch_all(convo, "okay done")
    assert not answer.ended and _position(convo) != (0, 0)


@pytest.mark.parametrize("words", ["this one hurts my hip", "ouch that hurts"])
def test_this_one_hurts_my_hip_means_that_hurts(convo: Conversation, words: str) -> None:
    convo.say("start my bedtime stretches")
    answer = convo.say(words)
    assert "stop that one" in answer.text or "gentler" in answer.text, answer.text
    assert not answer.ended


def test_a_fallback_inside_a_routine_says_how_to_go_on_or_stop(convo: Conversation) -> None:
    convo.say("start my bedtime stretches")
    answer = catch_all(convo, "purple elephants")
    assert "Say next, repeat, or stop" in answer.text and not answer.ended


# --------------------------------------------------------------- reminders


def test_every_night_at_ten_is_ten_pm(deps: Deps, convo: Conversation) -> None:
    convo.launch()
    # As Alexa sends it: AMAZON.TIME "10:00" (no am/pm) with the period said.
    done = convo.intent(
        "SetReminderIntent",
        {
            "ReminderKind": SlotInput("stretch", "stretch", "stretch", "ReminderKind"),
            "Period": SlotInput("every night", "night", "every night", "ReminderPeriod"),
            "Time": "10:00",
        },
    )
    assert "10 PM, every day" in done.text
    (alert,) = _alerts(deps)
    assert "BYHOUR=22;BYMINUTE=0" in alert["trigger"]["recurrence"]["recurrenceRules"][0]


def test_every_night_at_ten_answers_what_time(deps: Deps, convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: remind me to stretch at teatime every night
        A: didn't catch the time
        A: <open>
        U: every night at ten
        A: 10 PM, every day
        """,
    )
    (alert,) = _alerts(deps)
    assert "BYHOUR=22;BYMINUTE=0" in alert["trigger"]["recurrence"]["recurrenceRules"][0]


def test_seven_thirty_in_the_morning_answers_what_time(deps: Deps, convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: remind me to check in at teatime every morning
        A: didn't catch the time
        U: seven thirty in the morning
        A: 7:30 AM, every day
        """,
    )
    (alert,) = _alerts(deps)
    assert "BYHOUR=7;BYMINUTE=30" in alert["trigger"]["recurrence"]["recurrenceRules"][0]
    assert "checkin" not in convo.history[-1].response.get("sessionAttributes", {})


def test_what_time_elicits_the_time_slot(convo: Conversation) -> None:
    ask = convo.say("remind me to do my exercises tomorrow morning")
    (directive,) = ask.directives
    assert directive["type"] == "Dialog.ElicitSlot" and directive["slotToElicit"] == "Time"
    assert directive["updatedIntent"]["name"] == "SetReminderIntent"


def test_exercises_tomorrow_morning_asks_the_time_and_sets_it_once(
    deps: Deps, convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: remind me to do my exercises tomorrow morning
        A: what time
        A: !every day
        U: seven thirty
        A: 7:30 AM, just once\\?
        U: yes
        A: 7:30 AM, just once
        """,
    )
    (alert,) = _alerts(deps)
    assert "recurrence" not in alert["trigger"]
    assert alert["trigger"]["scheduledTime"] == "2026-03-11T07:30:00.000"
    assert "checkin" not in store.load(USER)


@pytest.mark.parametrize("answer", ["at seven", "seven"])
def test_a_bare_hour_answers_what_time(deps: Deps, convo: Conversation, answer: str) -> None:
    convo.say("remind me to do my exercises tomorrow morning")
    asked = convo.say(answer)
    assert "7 AM, just once?" in asked.text, asked.text
    done = convo.say("yes")
    assert "7 AM, just once" in done.text, done.text
    (alert,) = _alerts(deps)
    assert alert["trigger"]["scheduledTime"] == "2026-03-11T07:00:00.000"


def test_a_bare_hour_from_the_catch_all_answers_what_time(
    deps: Deps, convo: Conversation
) -> None:
    convo.say("remind me to do my exercises tomorrow morning")
    done = catch_all(convo, "um at seven thirty")
    assert "7:30 AM, just once" in done.text, done.text


def test_daily_or_once_is_asked_when_the_words_do_not_say(deps: Deps, convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: remind me to stretch at nine thirty pm
        A: Every day, or just once\\?
        U: yes
        A: every day, or just once
        U: just once
        A: 9:30 PM, just once
        """,
    )
    (alert,) = _alerts(deps)
    assert "recurrence" not in alert["trigger"]


def _alerts(deps: Deps) -> list[dict[str, Any]]:
    reminders = deps.apis["reminders"]
    assert isinstance(reminders, MemoryReminders)
    return list(reminders.alerts.values())


# --------------------------------------------------------------- the catch-all routes


def test_the_catch_all_routes_words_to_the_intent_they_mean(convo: Conversation) -> None:
    convo.launch()
    answer = catch_all(convo, "which side should I sleep on")
    assert "Which hip hurts" in answer.text


def test_the_catch_all_without_words_gets_the_fallback(convo: Conversation) -> None:
    convo.launch()
    answer = convo.intent("CatchAllIntent")
    # One of the fallback's variants, with its reprompt: the session stays open.
    assert answer.reprompt and not answer.ended and "911" not in answer.text


def test_words_no_sample_fits_reach_the_backend_through_the_catch_all(
    convo: Conversation,
) -> None:
    convo.launch()
    words = "the purple elephants are dancing again"
    sent = convo.say(words)
    assert sent.request["request"]["intent"]["name"] == "CatchAllIntent"
    assert sent.request["request"]["intent"]["slots"]["Utterance"]["value"] == words
    assert sent.match is not None and sent.match.intent == "AMAZON.FallbackIntent"


# --------------------------------------------------------------- Follow-Up Mode at night


@pytest.fixture
def night(deps: Deps) -> Conversation:
    clock = FakeClock(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    deps.clock = clock
    from skill.builder import build_skill

    return make_conversation(SkillRuntime(build_skill(deps)), clock)


def test_at_night_an_answer_that_asks_nothing_ends_the_session(night: Conversation) -> None:
    night.launch()
    told = night.intent("MoveHurtsIntent")
    assert told.text and "?" not in told.text[-2:]
    assert told.ended and not told.reprompt


def test_at_night_a_question_keeps_the_session_open(night: Conversation) -> None:
    night.launch()
    asked = night.intent("PillowIntent")
    assert asked.text.endswith("?") and not asked.ended


def test_at_night_a_routine_step_waits_for_next(night: Conversation) -> None:
    step = night.say("start my bedtime stretches")
    assert not step.ended
    missed = catch_all(night, "purple elephants")
    assert not missed.ended and "Say next" in missed.text


def test_by_day_an_answer_that_asks_nothing_keeps_the_session_open(
    convo: Conversation,
) -> None:
    convo.launch()
    told = convo.intent("MoveHurtsIntent")
    assert not told.ended


# --------------------------------------------------------------- the model Alexa needs


def test_every_locale_model_has_the_dialog_and_catch_all_the_handlers_use() -> None:
    from skill.checks import dialog_model_problems
    from skill.models import available_locales, load_model

    for locale in available_locales():
        assert dialog_model_problems(load_model(locale)) == [], locale


def test_a_model_without_the_elicited_slot_is_reported() -> None:
    import copy

    from skill.checks import dialog_model_problems
    from skill.models import load_model

    model = copy.deepcopy(load_model("en-US"))
    dialog = model["interactionModel"]["dialog"]["intents"]
    model["interactionModel"]["dialog"]["intents"] = [
        i for i in dialog if i["name"] != "CheckInIntent"
    ]
    lm = model["interactionModel"]["languageModel"]
    lm["intents"] = [i for i in lm["intents"] if i["name"] != "CatchAllIntent"]
    problems = dialog_model_problems(model)
    assert any("CheckInIntent" in p for p in problems)
    assert any("CatchAllIntent" in p for p in problems)


def test_the_simulator_carries_the_elicited_slot_to_the_next_turn(
    deps: Deps, store: SqliteStore
) -> None:
    from skill.app import create_app

    client = create_app(deps.settings, deps=deps).test_client()
    ask = client.post("/api/simulate", json={"text": "morning check in"}).get_json()
    assert ask["session"]["dialog"]["slotToElicit"] == "Score"
    time = client.post(
        "/api/simulate", json={"text": "seven thirty in the morning", "session": ask["session"]}
    ).get_json()
    assert "sounded like a time" in time["speech_text"]
    assert "checkin" not in store.load("amzn1.ask.account.simulator")


def test_numbness_taken_back_for_one_weak_leg_gets_the_weak_leg_answer_not_the_ambulance(
    convo: Conversation, store: SqliteStore
) -> None:
    # "not numb... my right leg's gone weak all of a sudden": one leg ("leg's" is no
    # "legs", "all of a sudden" no "all of"), and sudden weakness is a same-day check.
    convo.say("i've gone numb")
    answer = convo.say("not numb exactly more that my right leg's gone weak all of a sudden")
    assert answer.ended
    assert [f["urgency"] for f in red_flags(store)] == ["same_day"]


def test_someone_elses_word_taken_back_at_the_numbness_question_is_no_emergency(
    convo: Conversation, store: SqliteStore
) -> None:
    # Round 11: "no" there once read as "not only one leg", so both legs: an ambulance.
    run_script(
        convo,
        """
        U: I feel numb
        A: Is it only in one leg\\?
        U: no it was my husband who said numb, not me
        A: If anything like that starts
        A: <ends>
        """,
    )
    assert red_flags(store) == []


def test_a_carers_news_of_a_fall_at_delete_it_all_asks_about_weight_and_deletes_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: my stiffness is four
        U: delete my data
        A: Delete it all\\?
        U: never mind that, mum's just had a fall
        A: put weight on that leg\\?
        U: no she can't
        A: call 911
        A: <ends>
        """,
    )
    doc = store.load(USER)
    assert "checkin" in doc and red_flags(store)


def test_a_fall_told_with_the_check_in_score_asks_about_weight_and_logs_no_score(
    convo: Conversation, store: SqliteStore
) -> None:
    # Round 12: "i don't know maybe six" once denied the fall after it ("not ... went
    # over"), so the score was logged and the fall never heard.
    run_script(
        convo,
        """
        U: morning check in
        A: zero to ten
        U: i don't know maybe five i went over on the patio this afternoon
        A: put weight on that leg\\?
        A: !Got it
        U: yes i can
        A: have your hip checked today
        A: <ends>
        """,
    )
    assert "checkin" not in store.load(USER)
    assert [f["urgency"] for f in red_flags(store)] == ["same_day"]
