"""Free text is understood and triaged as a clinician would read it (issue 14/15)."""

from __future__ import annotations

import pytest

from skill import envelopes
from skill.checks import handler_input_for
from skill.content import default_library
from skill.conversation import Conversation
from skill.core.triage import TriageRules, assess
from skill.deps import Deps
from skill.handlers.safety import free_text_reply
from skill.turn import turn_of
from skill.understanding.answers import bladder_answer, weight_answer, where_answer
from skill.understanding.understand import Context, understand
from tests.support.dialog import FakeClock, run_script


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    found = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(found, TriageRules)
    return found


def level(rules: TriageRules, text: str) -> str | None:
    found = assess(rules, None, text, free_text=True)
    return found.urgency if found.kind == "answer" else found.kind


@pytest.mark.parametrize("text", [
    "no numbness", "i'm not numb", "i don't have a fever", "no numbness or weakness",
    "i haven't fallen", "no pins and needles",
])
def test_a_denied_symptom_is_no_red_flag(rules: TriageRules, text: str) -> None:
    assert level(rules, text) == "ordinary"


@pytest.mark.parametrize("text", [
    "my leg fell asleep", "i fell asleep on the sofa", "the cat fell off the bed",
    "i need the loo", "i'm losing weight on purpose", "the hot water bottle is lovely",
    "my husband has a fever", "what should i do if i fall",
])
def test_context_words_change_the_meaning(rules: TriageRules, text: str) -> None:
    assert level(rules, text) == "ordinary"


@pytest.mark.parametrize(("text", "want"), [
    ("i can't feel anything between my legs", "emergency"),
    ("down there is numb", "emergency"),
    ("my bum has gone numb", "emergency"),
    ("not sure but i think my privates are numb", "emergency"),
    ("i've got a fever and my hip is hot and swollen", "urgent"),
    ("my hip is hot and swollen and i've got a fever", "urgent"),
    ("i've got a fever", "same_day"),
    ("i fell and i can't put any weight on my leg", "emergency"),
    ("my leg looks shorter after i tripped", "emergency"),
    ("i fell but i can walk", "same_day"),
    ("i had a car accident but i'm walking fine", "same_day"),
    # A fall or an accident with no word on walking: one question (weight bearing).
    ("i had a car accident", "clarify"),
    ("i can't lift my foot", "doctor"),
    ("my leg suddenly went weak", "same_day"),
    ("both legs are weak", "emergency"),
    ("each leg feels numb", "emergency"),
    ("i had a fall and i've got numbness between my legs", "emergency"),
])
def test_word_order_body_words_onset_and_two_symptoms(
    rules: TriageRules, text: str, want: str
) -> None:
    assert level(rules, text) == want


def test_cant_walk_because_of_pain_is_about_walking_not_a_generic_question(
    rules: TriageRules,
) -> None:
    found = assess(rules, None, "i can't walk because of the pain", free_text=True)
    assert (found.kind, found.symptom, found.urgency) == ("answer", "cannot_bear_weight", "urgent")


@pytest.mark.parametrize("text", ["i keep needing the toilet at night", "i need to go a lot"])
def test_broad_bladder_words_ask_one_question(rules: TriageRules, text: str) -> None:
    found = assess(rules, None, text, free_text=True)
    assert (found.kind, found.symptom) == ("clarify", "bladder_often")


@pytest.mark.parametrize(("answer", "where"), [
    ("it's both", "both_legs"), ("both legs", "both_legs"), ("each leg", "both_legs"),
    ("my bum", "saddle"), ("between my legs", "saddle"), ("just the left", "one_leg"),
    ("only my right leg", "one_leg"), ("i don't know", "unsure"), ("no", "both_legs"),
    ("yes", "one_leg"), ("no just the left one", "one_leg"),
    # One leg's length is no "hip down" (both); a leg's "'s" is no plural.
    ("only the left from the hip down to the knee", "one_leg"),
    ("from the hip down", "both_legs"),
    ("my right leg's gone weak all of a sudden", "one_leg"),
    ("all of my legs", "both_legs"),
    ("just my left leg, the other's normal", "one_leg"),
    ("the other leg is numb too", "both_legs"),
    # "I think so, yes" is a yes; "I think so" alone stays unsure (the safe reading).
    ("i think so yeah, only the left", "one_leg"),
    ("i think so", "unsure"),
])
def test_where_answers_are_read_as_people_say_them(answer: str, where: str) -> None:
    assert where_answer(answer) == where


@pytest.mark.parametrize(("answer", "want"), [
    ("yes", "yes"), ("no", "no"), ("no i can't control it", "yes"),
    ("i don't know", "unsure"), ("no it's just often", "no"),
])
def test_bladder_answers_err_safe(answer: str, want: str) -> None:
    assert bladder_answer(answer) == want


def test_the_console_and_understand_route_a_red_flag_over_a_score(
    convo: Conversation, rules: TriageRules
) -> None:
    heard = understand(convo.matcher, rules, "i fell and it's a seven",
                       Context(pending="checkin.score"))
    assert heard.kind == "clarify"  # the fall's weight-bearing question
    assert heard.match.intent == "RedFlagIntent"
    heard = understand(convo.matcher, rules, "it's a seven and my bum is numb",
                       Context(pending="checkin.score"))
    assert heard.kind == "red_flag"
    assert heard.match.intent == "RedFlagIntent"


def test_numbness_follow_up_accepts_both(convo: Conversation) -> None:
    run_script(convo, """
        U: i feel numb
        A: only in one leg\\?
        U: it's both
        A: call 911 now
        A: <ends>
    """)


def test_numbness_follow_up_dont_know_errs_safe(convo: Conversation) -> None:
    run_script(convo, """
        U: i'm a bit weak
        A: only in one leg\\?
        U: i don't know
        A: call 911 now
        A: <ends>
    """)


def test_a_red_flag_heard_as_the_answer_wins(convo: Conversation) -> None:
    run_script(convo, """
        U: i feel numb
        A: only in one leg\\?
        U: just the left but i fell and can't put weight on it
        A: ambulance
        A: <ends>
    """)


def test_broad_bladder_words_ask_then_no_is_not_logged(convo: Conversation) -> None:
    first, second = run_script(convo, """
        U: i keep needing the toilet at night
        A: hard to control, or hard to feel
        A: <open>
        U: no it's just often
        A: worth mentioning
        A: <ends>
    """)
    assert "911" in first.text or "911" in second.text


def test_broad_bladder_then_cant_control_is_the_emergency(convo: Conversation) -> None:
    run_script(convo, """
        U: i need to go a lot
        A: hard to control
        U: yes
        A: call 911 now
    """)


def test_a_safety_question_lapses_after_one_turn(convo: Conversation) -> None:
    run_script(convo, """
        U: i feel numb
        A: only in one leg\\?
        U: where do my pillows go
        A: !call 911 now
        U: yes
        A: !numbness, tingling or weakness in one leg
    """)


def test_clarify_question_accepts_a_named_symptom(convo: Conversation) -> None:
    run_script(convo, """
        U: something is really wrong
        A: numbness, weakness, a fall, or a fever
        U: a fall
        A: checked today
        A: put weight on that leg
        U: yes i can walk on it
        A: urgent care
        A: <ends>
    """)


@pytest.mark.parametrize("said", [
    "i fell over this afternoon", "i had a bit of a prang in the car", "i've gone over on the step",
    "took a tumble in the garden", "i came a cropper on the ice",
])
def test_a_fall_with_no_word_on_walking_asks_about_weight_and_no_means_an_ambulance(
    convo: Conversation, said: str
) -> None:
    run_script(convo, f"""
        U: {said}
        A: checked today
        A: 911
        A: put weight on that leg
        A: <open>
        U: no not really
        A: call 911 for an ambulance
        A: try not to move
        A: <ends>
    """)


@pytest.mark.parametrize("answer", ["yes", "yeah i'm walking about fine", "i can stand on it"])
def test_a_fall_answered_with_walking_gets_the_same_day_answer(
    convo: Conversation, answer: str
) -> None:
    run_script(convo, f"""
        U: i fell over
        A: put weight on that leg
        U: {answer}
        A: urgent care
        A: <ends>
    """)


@pytest.mark.parametrize(("answer", "want"), [
    ("yes", "yes"), ("no", "no"), ("i can walk", "yes"), ("i can't", "no"),
    ("not really", "no"), ("sort of, it hurts", "no"), ("i don't know", "unsure"),
    ("i'm struggling to", "no"), ("yeah it's fine", "yes"), ("i'm still on the floor", "no"),
])
def test_weight_answers_after_a_fall_err_safe(answer: str, want: str) -> None:
    assert weight_answer(answer) == want


def test_fall_without_weight_bearing_is_an_emergency(convo: Conversation) -> None:
    run_script(convo, """
        U: i fell and i can't put weight on my leg
        A: call 911 for an ambulance
        A: try not to move
        A: keep warm
        A: <ends>
    """)


def test_free_text_reply_serves_any_handler_holding_the_words(
    deps: Deps, clock: FakeClock
) -> None:
    env = envelopes.intent(envelopes.Caller(), clock(), "AMAZON.FallbackIntent", {})
    turn = turn_of(handler_input_for(deps, env))
    reply = free_text_reply(turn, "i fell and i can't put weight on it")
    assert reply is not None and reply.ends_session
    assert free_text_reply(turn, "my leg fell asleep") is None
    assert free_text_reply(turn, "") is None
    question = free_text_reply(turn, "i keep needing the toilet at night")
    assert question is not None and not question.ends_session
    assert turn.pending == "safety.bladder"


@pytest.mark.parametrize(("answer", "care"), [
    ("sorry, i meant my foot went to sleep, it's fine now", "all right"),
    ("no i'm not numb, i got the word wrong... i misspoke", "all right"),
    ("i'm not sure", "call 911 now"),
    ("not numb, just weak in both legs", "call 911 now"),
])
def test_an_answer_to_where_that_takes_it_back_closes_but_unsure_errs_safe(
    convo: Conversation, answer: str, care: str
) -> None:
    run_script(convo, f"""
        U: i feel numb
        A: only in one leg
        U: {answer}
        A: {care}
        A: <ends>
    """)


def test_a_denial_stops_at_just(rules: TriageRules) -> None:
    assert level(rules, "not numb, just weak") == "clarify"
    assert level(rules, "no numbness or weakness") == "ordinary"
