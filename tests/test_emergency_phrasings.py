"""Emergency red flags said the ways people say them (round 5): each family by phrasings
that are neither rule words nor probe sentences, the ordinary talk near them, and the
answers to the three safety follow-up questions."""

from __future__ import annotations

import pytest

from skill.content import default_library
from skill.conversation import Conversation
from skill.core.triage import TriageRules, assess
from skill.understanding.answers import unsure, weight_answer, where_answer
from tests.support.dialog import run_script


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    found = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(found, TriageRules)
    return found


def reading(rules: TriageRules, text: str) -> str:
    found = assess(rules, None, text, free_text=True)
    return f"{found.kind}:{found.urgency}" if found.kind != "ordinary" else "ordinary"


@pytest.mark.parametrize("text", [
    # the place in one clause, the numbness in the next one that only points back
    "my bum feels really odd tonight, i can't feel it at all",
    "there's something wrong with my privates, they've gone numb",
    "my legs feel strange, they're both tingling",
    # more names for the seat area and for numbness
    "my rear end has no feeling",
    "the bit i sit on is numb",
    "down there feels frozen like at the dentist",
    "i'm not feeling my bottom at all during this one",
    # one leg, then the other
    "my right leg went tingly and now the left one has too",
    "it started numb in one leg and it's spread to the other",
    # bladder and bowel said by what happened
    "i wet the sheets in the night and i never do that",
    "i found my pants wet and i don't remember going",
    "i'm busting for a wee but nothing will come",
    "trying to wee for ages and nothing at all",
    "i couldn't get to the loo in time, it just came",
    "i'm not getting the urge to go any more",
    # down and not getting up
    "i fell in the hall and i've been lying here for an hour",
    "took a fall and i'm stuck, no way i can get up",
    "my wife fell over in the bathroom and she's still on the floor",
    "i fell and every time i try to stand my knee buckles",
    "my legs went and i'm on the kitchen floor and can't get up",
    "fel over cant get up",
])
def test_emergency_families_get_the_emergency_answer(rules: TriageRules, text: str) -> None:
    assert reading(rules, text) == "answer:emergency"


def test_a_report_asked_about_is_still_a_report(rules: TriageRules) -> None:
    # "is it normal my..." reports; "is it normal for..." asks in general.
    assert reading(rules, "is it normal my wee feels strange") == "clarify:emergency"
    assert reading(rules, "my waterworks feel odd, is that normal") == "clarify:emergency"
    assert reading(rules, "is it normal for your legs to tingle after sitting") == "ordinary"


@pytest.mark.parametrize("text", [
    "the dog fell off the sofa and can't get up",  # no person on the floor
    "the lamp fell over and it's on the floor",
    "the cat jumped off the bed and landed on the floor",
    "i'm lying on the floor for the bridge, is that right",
    "my leg's been shorter than the other all my life",
    "one leg is a bit shorter, since i was a child",
    "my bowels are regular as clockwork",
    "the toilet is blocked again",
    "the kitchen tap is leaking",
    "i fell about laughing at that",
    "both my legs are numb from sitting on them too long",
    "nothing's wrong with my waterworks",
])
def test_ordinary_talk_near_those_words_stays_quiet(rules: TriageRules, text: str) -> None:
    assert reading(rules, text) == "ordinary"


def test_a_call_for_help_counts_whatever_word_comes_before_it(rules: TriageRules) -> None:
    assert reading(rules, "phone 999 for me") == "answer:emergency"
    assert reading(rules, "ring an ambulance please") == "answer:emergency"


@pytest.mark.parametrize(("answer", "where"), [
    ("from the hips down", "both_legs"),
    ("sort of the whole lower half", "both_legs"),
    ("the other one's like it too", "both_legs"),
    ("left, and the right as well", "both_legs"),
    ("the left and the right", "both_legs"),
    ("just the left, no sorry, the right", "one_leg"),
    ("that's right, the left one", "one_leg"),
    ("nah not just the one", "both_legs"),
    ("round where i sit", "saddle"),
    ("my tush", "saddle"),
    ("not really that sure", "unsure"),
    ("difficult to tell", "unsure"),
    ("only on my bad side", "one_leg"),
])
def test_the_one_leg_question_reads_natural_answers(answer: str, where: str) -> None:
    assert where_answer(answer) == where


@pytest.mark.parametrize("answer", [
    "it folds under me", "it buckled", "not without holding on", "i'm too scared to",
    "haven't tried", "not by myself, no",
])
def test_the_weight_question_hears_every_way_of_not_managing(answer: str) -> None:
    assert weight_answer(answer) == "no" or unsure(answer)


def test_an_answer_the_matcher_hears_as_a_request_still_answers_the_question(
    convo: Conversation,
) -> None:
    run_script(convo, """
        U: i feel numb
        A: only in one leg\\?
        U: sort of from the waist down
        A: call 911 now
        A: <ends>
    """)


def test_a_fall_and_a_fever_get_both_answers_once_the_leg_holds(convo: Conversation) -> None:
    run_script(convo, """
        U: i tripped on the stairs and i've got a temperature
        A: put weight on that leg
        U: yes i can walk on it
        A: even if you can walk
        A: A fever
        A: <ends>
    """)


def test_a_yes_that_also_names_the_other_side_is_both_legs(convo: Conversation) -> None:
    run_script(convo, """
        U: i feel numb
        A: only in one leg\\?
        U: yes the left, well the right too
        A: call 911 now
        A: <ends>
    """)


@pytest.mark.parametrize("text", [
    # a carer speaking for the person: it is still their emergency
    "my husband says he can't feel his backside",
    "grandma has wet herself and she didn't notice",
    "after the fall my wife's foot is pointing outwards",
    # bladder and bowel said by their effect
    "i can't tell any more when i need a number one",
    "there was a wee accident and i never felt it",
    "since tea time i've been leaking and can't stop it",
])
def test_round6_emergency_families_get_the_emergency_answer(rules: TriageRules,
                                                            text: str) -> None:
    assert reading(rules, text) == "answer:emergency"


@pytest.mark.parametrize(("text", "urgency"), [
    # a carer's words count when they say the whole picture of one person
    ("dad's got a fever and his hip is hot and swollen", "urgent"),
    ("my wife had a fall but she's walking about okay", "same_day"),
    ("the hip is giving off heat", "same_day"),
    ("it gets worse night by night", "doctor"),
])
def test_a_carer_or_a_new_word_gets_its_own_level(rules: TriageRules, text: str,
                                                 urgency: str) -> None:
    assert reading(rules, text) == f"answer:{urgency}"


@pytest.mark.parametrize("text", [
    "my toddler wet the bed again",
    "my granddaughter wet the bed when she stayed over",
    "i wet my face before the stretches",
    "is my hip getting better or worse overall",
    "my stiffness fell to a two today",
    "the notes were poorly written",
    "my husband has a temperature",  # a fever alone of someone else stays theirs
])
def test_round6_near_misses_stay_quiet(rules: TriageRules, text: str) -> None:
    assert reading(rules, text) == "ordinary"
