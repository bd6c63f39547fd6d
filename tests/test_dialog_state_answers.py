"""Answers said in many words inside a dialog state (round 2): "Delete it all?" and
"Shall I remind you at 9:30 PM?" are answered the way tired people talk."""

from __future__ import annotations

from typing import Any

import pytest

from skill.conversation import Conversation
from skill.deps import Deps
from skill.reminders_api import MemoryReminders
from skill.store.sqlite import SqliteStore
from skill.understanding.answers import confirm_answer, opens_as_answer
from skill.understanding.matcher import Matcher
from tests.support.dialog import run_script
from tests.test_privacy import USER, seed_everything


def _alerts(deps: Deps) -> list[dict[str, Any]]:
    reminders = deps.apis["reminders"]
    assert isinstance(reminders, MemoryReminders)
    return list(reminders.alerts.values())


def _rule(deps: Deps) -> str:
    (alert,) = _alerts(deps)
    return str(alert["trigger"]["recurrence"]["recurrenceRules"][0])


@pytest.mark.parametrize(
    ("words", "answer"),
    [("go on then", "yes"), ("yeah wipe it", "yes"), ("yep get rid of it", "yes"),
     ("no keep it", "no"), ("actually don't", "no"), ("hang on no", "no"),
     ("yes... actually no", "no"), ("purple elephants", "unsure"), ("", "unsure")],
)
def test_a_confirmation_is_read_from_many_words_and_a_no_word_wins(
    words: str, answer: str
) -> None:
    assert confirm_answer(words) == answer


def test_only_words_that_begin_with_yes_or_no_answer_over_another_topic() -> None:
    assert opens_as_answer("keep my data") and opens_as_answer("no don't delete anything")
    assert not opens_as_answer("which side should i not lie on")


@pytest.mark.parametrize("words", ["yeah wipe it", "go on then", "yes delete everything"])
def test_a_worded_yes_to_delete_it_all_deletes(
    convo: Conversation, store: SqliteStore, words: str
) -> None:
    seed_everything(store)
    run_script(convo, f"U: delete my data\nU: {words}\nA: has been deleted")
    assert store.load(USER) == {}


@pytest.mark.parametrize("words", ["actually don't", "hang on no", "nah leave it",
                                   "keep my data", "no don't delete anything"])
def test_a_worded_no_to_delete_it_all_keeps_everything(
    convo: Conversation, store: SqliteStore, words: str
) -> None:
    seed_everything(store)
    before = store.load(USER)
    run_script(convo, f"U: delete my data\nU: {words}\nA: kept everything")
    assert store.load(USER) == before


def test_another_question_after_delete_it_all_is_answered_and_deletes_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    seed_everything(store)
    convo.say("delete my data")
    answer = convo.say("which side should i not lie on")
    assert "deleted" not in answer.text
    assert store.load(USER)["checkin"]["days"]


def test_remind_me_to_stretch_every_night_at_ten_sets_ten_pm(
    deps: Deps, convo: Conversation
) -> None:
    run_script(convo, "U: remind me to stretch every night at ten\nA: 10 PM, every day")
    assert "BYHOUR=22;BYMINUTE=0" in _rule(deps)


def test_the_matcher_keeps_a_time_said_after_at(en_us_matcher: Matcher) -> None:
    match = en_us_matcher.match("remind me to stretch every night at ten thirty pm")
    assert match.intent == "SetReminderIntent"
    assert match.slots["Time"].value == "ten thirty pm"
    # "at night" is a part of the day, not a clock time.
    assert "Time" not in en_us_matcher.match("remind me to stretch at night").slots


@pytest.mark.parametrize(("words", "when", "rule"), [
    ("half nine", "9:30 PM", "BYHOUR=21;BYMINUTE=30"),
    ("make it ten thirty", "10:30 PM", "BYHOUR=22;BYMINUTE=30"),
    ("quarter to ten at night", "9:45 PM", "BYHOUR=21;BYMINUTE=45"),
])
def test_a_time_answering_shall_i_remind_you_is_read_back_then_set(
    deps: Deps, convo: Conversation, words: str, when: str, rule: str
) -> None:
    run_script(
        convo,
        f"""
        U: set a reminder
        A: <open>
        U: {words}
        A: {when}
        A: <open>
        U: yes
        A: {when}
        """,
    )
    assert rule in _rule(deps)


def test_yes_to_shall_i_remind_you_still_sets_the_time_offered(
    deps: Deps, convo: Conversation
) -> None:
    run_script(convo, "U: set a reminder\nA: 9:30 PM\nU: yes\nA: 9:30 PM, every day")
    assert "BYHOUR=21;BYMINUTE=30" in _rule(deps)


@pytest.mark.parametrize(("opening", "read_back"), [
    ("set a reminder", True),  # no kind said: the new time is read back first
    ("remind me to stretch at teatime every night", False),
])
def test_words_that_are_no_time_ask_for_the_time_again(
    deps: Deps, convo: Conversation, opening: str, read_back: bool
) -> None:
    run_script(
        convo,
        f"""
        U: {opening}
        U: after dinner
        A: didn't catch the time
        A: <open>
        U: quarter past ten at night
        A: 10:15 PM
        """,
    )
    assert bool(_alerts(deps)) is not read_back
    if read_back:
        run_script(convo, "U: yes\nA: 10:15 PM, every day")
    assert "BYHOUR=22;BYMINUTE=15" in _rule(deps)


@pytest.mark.parametrize("words", ["that one's sore", "ow that hurts my hip"])
def test_sore_words_in_a_routine_say_that_hurts_and_keep_the_routine(
    convo: Conversation, words: str
) -> None:
    convo.say("start my bedtime stretches")
    answer = convo.say(words)
    assert answer.match is not None and answer.match.intent == "MoveHurtsIntent"
    assert not answer.ended


@pytest.mark.parametrize("words", ["it's pinching", "there's a twinge"])
def test_a_pinch_or_twinge_in_a_stretch_stops_that_move(convo: Conversation, words: str) -> None:
    convo.say("start my bedtime stretches")
    answer = convo.say(words)
    assert "stop that one" in answer.text and not answer.ended
