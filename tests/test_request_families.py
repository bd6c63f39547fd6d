"""Requests said the many ways people say them (issue 14 round 3): each family is
checked with phrasings that are neither samples nor tuning sentences, so a rule or a
word class carries it, not one pasted sentence."""

from __future__ import annotations

import functools

import pytest

from skill.conversation import Conversation
from skill.core.heard import routine_word, time_words
from skill.models import load_model
from skill.runtime import SkillRuntime
from skill.understanding.matcher import Matcher
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock


@functools.cache
def matcher(locale: str = "en-US") -> Matcher:
    return Matcher(load_model(locale))


def heard(text: str, locale: str = "en-US") -> tuple[str | None, dict[str, str | None]]:
    found = matcher(locale).match(text)
    return found.intent, {name: v.resolved_id for name, v in found.slots.items()}


@pytest.mark.parametrize(("text", "intent"), [
    ("right i'm going to sleep now thanks", "AMAZON.StopIntent"),
    ("nighty night", "AMAZON.StopIntent"),
    ("okay i think i've had enough for tonight", "AMAZON.StopIntent"),
    ("oh don't worry about it", "AMAZON.CancelIntent"),
    ("nah let's not bother", "AMAZON.CancelIntent"),
    ("um i'm a bit lost", "AMAZON.HelpIntent"),
    ("i'm not really sure how this works", "AMAZON.HelpIntent"),
    ("can we go back to the last one", "AMAZON.PreviousIntent"),
    ("once more", "AMAZON.RepeatIntent"),
    ("can we take it from the top", "AMAZON.StartOverIntent"),
])
def test_ways_out_and_navigation_are_heard_in_everyday_words(text: str, intent: str) -> None:
    assert heard(text)[0] == intent


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("where do the pillows go when i'm lying on my back", "PillowIntent", {"Position": "back"}),
    ("um where should the pillow go if i'm curled up on my side", "PillowIntent",
     {"Position": "side"}),
    ("is it okay to lie on my sore hip", "WhichSideIntent", {}),
    ("is lying on my left okay", "WhichSideIntent", {"Side": "left"}),
    ("did i get this from running", "CausesIntent", {}),
    ("does sitting at my desk all day make it worse", "DaytimeHabitsIntent", {}),
    ("what do i do it's aching", "NightPainIntent", {}),
    ("should i see a chiropractor", "WhoCanHelpIntent", {}),
    ("i want my data removed", "DeleteDataIntent", {}),
    ("walk me through the night routine", "StartRoutineIntent", {"RoutineName": "bedtime"}),
    ("remind me to stretch before i go to bed", "SetReminderIntent",
     {"ReminderKind": "stretch"}),
    ("can i take aleve", "OutOfScopeIntent", {}),
    ("switch to the quiet voice when it's late", "NightVoiceAutoIntent", {}),
    ("can you talk a bit quieter", "NightVoiceOnIntent", {}),
])
def test_questions_and_requests_reach_their_intent_with_the_value_said(
    text: str, intent: str, slots: dict[str, str]
) -> None:
    got, got_slots = heard(text)
    assert got == intent
    assert all(got_slots.get(k) == v for k, v in slots.items()), got_slots


@pytest.mark.parametrize(("text", "locale", "intent"), [
    ("where's the bum muscle", "en-GB", "AboutMuscleIntent"),
    ("should i go to the gp", "en-GB", "SeeProfessionalIntent"),
    ("how much panadol can i take", "en-AU", "OutOfScopeIntent"),
    ("it is paining now what to do", "en-IN", "NightPainIntent"),
    ("can i take crocin", "en-IN", "OutOfScopeIntent"),
])
def test_regional_words_are_heard_in_their_locale(text: str, locale: str, intent: str) -> None:
    assert heard(text, locale)[0] == intent


def test_one_value_said_outside_the_sample_fills_the_empty_slot() -> None:
    assert heard("where does the pillow go, i'm on my front")[1] == {"Position": "stomach"}
    # Two different values: neither was chosen, so the slot stays empty.
    assert "Side" not in heard("which side should i sleep on left or right")[1]


def test_a_value_with_a_word_around_it_resolves_but_a_time_stays_its_own_slot() -> None:
    assert heard("let's do the daytime workout")[1] == {"RoutineName": "strengthening"}
    slots = matcher().match("remind me to do my exercises tomorrow morning").slots
    assert "tomorrow morning" in slots["ReminderKind"].value or "Period" in slots


def test_an_unknown_word_in_a_custom_slot_loses_to_any_other_reading() -> None:
    assert heard("my hip hurts")[0] == "NightPainIntent"  # not a hip side called "hip"
    assert heard("why does my butt hurt")[0] == "CausesIntent"


def test_a_yes_word_under_a_negation_is_no_yes() -> None:
    assert heard("not sure")[0] != "AMAZON.YesIntent"


@pytest.mark.parametrize(("text", "word"), [
    ("all done", "next"), ("that's my five done", "next"), ("yep did it", "next"),
    ("completed", "next"), ("ooh that's pinching", "hurts"),
    ("my hip isn't liking this", "hurts"), ("that made it worse", "hurts"),
    ("this is paining", "hurts"), ("that does not hurt", None),
])
def test_routine_words_are_read_as_done_or_hurts(text: str, word: str | None) -> None:
    assert routine_word(text) == word


@pytest.mark.parametrize(("text", "said"), [
    ("around ten i guess", "ten"),
    ("every night at nine please", "every night at nine"),
    ("half seven tomorrow morning", "half seven in the morning"),
    ("evening eight o'clock", "eight oclock in the evening"),
    ("my hip hurts", None),
    ("nine nine nine", None),
])
def test_a_time_said_with_hedges_around_it_answers_what_time(text: str, said: str | None) -> None:
    assert time_words(text) == said


@pytest.fixture
def routine(runtime: SkillRuntime, clock: FakeClock) -> Conversation:
    convo = make_conversation(runtime, clock)
    convo.launch()
    convo.say("start my bedtime stretches")
    return convo


@pytest.mark.parametrize(("text", "intent"), [
    ("okay", "AMAZON.NextIntent"),
    ("yeah cool", "AMAZON.NextIntent"),
    ("that's them done", "AMAZON.NextIntent"),
    ("my hip doesn't like that one", "MoveHurtsIntent"),
    ("ooh this one is pinching", "MoveHurtsIntent"),
    ("do the right side now", "OtherSideIntent"),
    ("stop", "AMAZON.StopIntent"),
])
def test_inside_a_routine_acknowledgements_go_on_and_pain_is_that_hurts(
    routine: Conversation, text: str, intent: str
) -> None:
    exchange = routine.say(text)
    assert exchange.match is not None and exchange.match.intent == intent


def test_inside_a_routine_a_red_flag_is_still_a_red_flag(routine: Conversation) -> None:
    exchange = routine.say("this one hurts and now i can't feel between my legs")
    assert exchange.match is not None and exchange.match.intent == "RedFlagIntent"


def test_a_question_after_wait_is_asked_not_a_no_to_deleting(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    convo = make_conversation(runtime, clock)
    convo.launch()
    convo.say("delete my data")
    exchange = convo.say("hang on what would you delete")
    assert exchange.match is not None and exchange.match.intent == "WhatDoYouKnowIntent"


def test_the_position_question_takes_one_position_in_loose_words(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    convo = make_conversation(runtime, clock)
    convo.launch()
    convo.say("pillow tips")
    exchange = convo.say("on my back generally")
    assert exchange.match is not None and exchange.match.intent == "PillowIntent"
    assert exchange.match.slots["Position"].resolved_id == "back"


def test_inside_a_routine_ready_goes_on(routine: Conversation) -> None:
    exchange = routine.say("alright ready")
    assert exchange.match is not None and exchange.match.intent == "AMAZON.NextIntent"


@pytest.mark.parametrize("text", ["can i take motrin", "can i take celebrex", "is tramadol okay"])
def test_a_medicine_by_any_brand_name_is_out_of_scope(text: str) -> None:
    assert heard(text)[0] == "OutOfScopeIntent"


# Round 4: styles, not sentences (none of these is a sample or a tuning sentence).
@pytest.mark.parametrize(("text", "intent"), [
    ("wat mattress wud u get for a bad hip", "MattressIntent"),      # shorthand
    ("pls tell me abt the muscle", "AboutMuscleIntent"),
    ("i cannae sleep wi this hip", "NightPainIntent"),              # dialect spelling
    ("which side should i lie on, sorry, it's very late", "WhichSideIntent"),  # tail
    ("busy day in the garden today, can we do the bedtime stretches", "StartRoutineIntent"),
    ("start the, no, the strengthening one", "StartRoutineIntent"),  # self-repair
    ("tell me about the mattress, i mean the pillows", "PillowIntent"),
])
def test_request_styles_are_heard(text: str, intent: str) -> None:
    assert heard(text)[0] == intent


@pytest.mark.parametrize("text", ["best side to lie on", "can i lie on my sore side", "side?"])
def test_the_side_to_lie_on_is_the_side_question(text: str) -> None:
    from skill.content import default_library
    from skill.core.triage import TriageRules
    from skill.understanding.understand import understand

    rules = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(rules, TriageRules)
    assert understand(matcher(), rules, text).match.intent == "WhichSideIntent"


# Round 5: numbers that are no score, loose reminders, dialog-state answers. None of
# these phrasings is a sample, a tuning sentence or a probe sentence.
@pytest.mark.parametrize(("text", "intent"), [
    ("five in the morning and the hip's still aching, what do i do", "NightPainIntent"),
    ("awake since three with this sore hip, help me", "NightPainIntent"),
    ("four nights now my hip's kept me up, any suggestions", "NightPainIntent"),
    ("tell me that one again", "AMAZON.RepeatIntent"),
])
def test_an_hour_or_a_count_is_never_logged_as_a_score(text: str, intent: str) -> None:
    found = matcher().match(text)
    assert found.intent == intent
    assert "Score" not in found.slots


@pytest.mark.parametrize(("text", "kind"), [
    ("remind me nightly ten o'clock for my stretches", "stretch"),
    ("a nudge at seven every morning for my stiffness score please", "checkin"),
    ("could i get a reminder about the exercises at six", "stretch"),
])
def test_a_reminder_word_with_a_time_sets_a_reminder_not_a_score(text: str, kind: str) -> None:
    found = matcher().match(text)
    assert found.intent == "SetReminderIntent"
    assert found.slots["ReminderKind"].resolved_id == kind
    assert "Time" in found.slots


@pytest.mark.parametrize("text", [
    "stop reminding me about the exercises", "what reminders are on", "cancel my stretch reminder",
])
def test_a_reminder_word_that_cancels_or_lists_is_not_a_new_reminder(text: str) -> None:
    assert matcher().match(text).intent != "SetReminderIntent"


@pytest.mark.parametrize(("text", "score"), [
    ("four, no, five", "5"), ("six sorry i mean seven", "7"), ("two, make it three", "3"),
    ("eight, actually seven", "7"), ("five, five i'd say", "5"),
])
def test_a_score_said_again_after_a_repair_is_the_second(text: str, score: str) -> None:
    found = matcher().match(text, expecting=("CheckInIntent", "Score"))
    assert found.slots["Score"].value == score


@pytest.mark.parametrize(("text", "said"), [
    ("ten, no, half ten", "half ten"), ("seven sorry i mean eight", "eight"),
    ("let's go quarter past nine", "quarter past nine"),
])
def test_a_time_taken_back_is_the_time_said_after(text: str, said: str) -> None:
    assert time_words(text) == said


@pytest.mark.parametrize(("text", "position"), [
    ("back, i reckon", "back"),
    ("my front, face down mostly", "stomach"),
    ("on my back like a starfish lol", "back"),
    ("i go on my side, always have", "side"),
])
def test_the_position_question_takes_a_position_said_with_a_joke_or_twice(
    runtime: SkillRuntime, clock: FakeClock, text: str, position: str
) -> None:
    convo = make_conversation(runtime, clock)
    convo.launch()
    convo.say("pillow tips")
    exchange = convo.say(text)
    assert exchange.match is not None and exchange.match.intent == "PillowIntent"
    assert exchange.match.slots["Position"].resolved_id == position


@pytest.mark.parametrize(("text", "intent"), [
    ("right, that's the lot done", "AMAZON.NextIntent"),
    ("that's me", "AMAZON.NextIntent"),
    ("ouch that's giving me grief", "MoveHurtsIntent"),
    ("this isn't agreeing with my hip", "MoveHurtsIntent"),
    ("how do i do the knee rocks thing", "MoveInfoIntent"),
])
def test_inside_a_routine_done_hurt_and_how_words_are_the_routines_own(
    routine: Conversation, text: str, intent: str
) -> None:
    exchange = routine.say(text)
    assert exchange.match is not None and exchange.match.intent == intent


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("go on then, the strengthening", "StartRoutineIntent", {"RoutineName": "strengthening"}),
    ("is it okay to do the stairs a lot", "DaytimeHabitsIntent", {}),
    ("can i sleep on my left side tonight", "WhichSideIntent", {"Side": "left"}),
    ("is it alright to lie on my right side", "WhichSideIntent", {"Side": "right"}),
    ("time for the stiffness score", "CheckInIntent", {}),
    ("i've got five minutes spare, can we do the bedtime routine", "StartRoutineIntent",
     {"RoutineName": "bedtime"}),
])
def test_loose_requests_land_on_their_intent(
    text: str, intent: str, slots: dict[str, str]
) -> None:
    from skill.content import default_library
    from skill.core.triage import TriageRules
    from skill.understanding.understand import understand

    rules = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(rules, TriageRules)
    found = understand(matcher(), rules, text).match
    assert found.intent == intent
    assert {name: v.resolved_id for name, v in found.slots.items()
            if name in slots} == slots


def test_a_no_said_as_dont_bother_keeps_the_data(runtime: SkillRuntime, clock: FakeClock) -> None:
    convo = make_conversation(runtime, clock)
    convo.launch()
    convo.say("delete my data")
    exchange = convo.say("nah, don't bother")
    assert exchange.match is not None and exchange.match.intent == "AMAZON.NoIntent"
