"""The learned second reading of red flags (skill.understanding.alarm): it answers only
where the rules place no symptom, never against the rules' reading of a denial, someone
else or bedtime talk, and at the urgency it finds most likely."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from skill import envelopes
from skill.content import default_library
from skill.conversation import Conversation
from skill.core.triage import TriageRules
from skill.runtime import SkillRuntime
from skill.understanding import alarm
from skill.understanding.alarm import (
    NONE,
    LearnedFlags,
    assess_words,
    default_flags,
    phrasing_docs,
    second_reading,
    train,
)
from skill.understanding.learned import features
from tests.support.dialog import FakeClock

# Made-up words no triage rule holds, so only the model can read them.
TOY = (
    [("emergency", f"my zorbles are {w}") for w in ("fizzing", "gone", "fizzing badly", "odd")]
    + [("doctor", f"the grimble keeps {w}") for w in ("going", "growing", "going on")]
    + [(NONE, s) for s in ("thanks", "my tea is nice", "good night", "where do pillows go",
                           "my husband is snoring", "next one", "that was lovely")]
)


@functools.cache
def toy() -> LearnedFlags:
    return train(TOY)


@functools.cache
def rules() -> TriageRules:
    found = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(found, TriageRules)
    return found


def test_words_only_the_model_reads_as_a_red_flag_get_its_urgency() -> None:
    found = assess_words(rules(), None, "my zorbles are fizzing again", free_text=True,
                         flags=toy())
    assert (found.kind, found.symptom, found.urgency) == ("answer", None, "emergency")
    assert assess_words(rules(), None, "the grimble keeps growing", flags=toy()).urgency == "doctor"


def test_without_the_model_the_same_words_are_the_rules_alone() -> None:
    assert assess_words(rules(), None, "my zorbles are fizzing again", free_text=True,
                        flags=None).kind == "ordinary"


def test_ordinary_words_stay_ordinary() -> None:
    assert assess_words(rules(), None, "my tea is nice thanks", free_text=True,
                        flags=toy()).kind == "ordinary"


def test_the_rules_reading_wins_over_the_model() -> None:
    # The toy model has never seen these words; the rules place one numb leg (gp).
    found = assess_words(rules(), None, "my left leg is numb", free_text=True, flags=toy())
    assert (found.symptom, found.urgency) == ("one_leg", "gp")


@pytest.mark.parametrize("said", [
    "i'm not numb between my legs, my zorbles are fizzing",  # a denial the rules read
    "my husband has a fever, his zorbles are fizzing",  # someone else's
])
def test_words_the_rules_discount_are_never_the_models(said: str) -> None:
    sure = train(TOY + [("emergency", said)] * 3)
    assert second_reading(rules(), said, sure) is None


def test_a_reading_below_the_threshold_gives_no_answer() -> None:
    doubtful = LearnedFlags(toy().weights, toy().bias, threshold=1.01)
    assert doubtful.read("my zorbles are fizzing") is None
    assert toy().read("my zorbles are fizzing") is not None


def test_between_equally_likely_urgencies_the_more_urgent_is_taken() -> None:
    (word,) = features("zorbles")
    tie = LearnedFlags({"gp": {word: 5.0}, "emergency": {word: 5.0}},
                       {NONE: 0.0, "gp": 0.0, "emergency": 0.0})
    reading = tie.read("zorbles")
    assert reading is not None and reading.urgency == "emergency"


def test_requests_and_ordinary_talk_train_the_none_class_and_clarify_its_level() -> None:
    docs = phrasing_docs([
        {"say": "pillows?", "expect": "intent", "intent": "PillowIntent"},
        {"say": "thanks", "expect": "ordinary"},
        {"say": "my bladder is weird", "expect": "clarify", "level": "emergency"},
        {"say": "my foot slaps", "expect": "red_flag", "level": "doctor"},
        {"say": "no level", "expect": "red_flag"},
    ])
    assert docs == [(NONE, "pillows?"), (NONE, "thanks"), ("emergency", "my bladder is weird"),
                    ("doctor", "my foot slaps")]


def test_training_is_deterministic_and_survives_its_own_file() -> None:
    again = LearnedFlags.from_json(train(TOY).to_json())
    assert again.to_json() == toy().to_json()
    assert again.read("my zorbles are fizzing") == toy().read("my zorbles are fizzing")


def test_an_artefact_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        LearnedFlags.from_json('{"format": 99, "weights": {}, "bias": {}}')


def test_held_out_data_is_never_trained_on(tmp_path: Path) -> None:
    held = tmp_path / "heldout"
    held.mkdir()
    (held / "x.yaml").write_text("items: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="held-out"):
        alarm.build([held / "x.yaml"])


@pytest.mark.parametrize("said", ["thanks", "good night", "pillows?", "next", "stop",
                                  "what can you do", "four", "delete my data",
                                  "the cat fell off the bed", "my leg fell asleep"])
def test_the_committed_model_raises_nothing_on_everyday_words(said: str) -> None:
    assert assess_words(rules(), None, said, free_text=True,
                        flags=default_flags()).kind == "ordinary"


# A tuning phrasing (12j) no rule cue holds: the committed model reads it.
UNPLACED = "the toilet seat feels like it isn't there when i sit on it"


def test_a_red_flag_no_rule_holds_gets_the_general_answer_for_its_urgency(
    convo: Conversation,
) -> None:
    assert assess_words(rules(), None, UNPLACED, free_text=True, flags=None).kind == "ordinary"
    convo.say("start my bedtime routine")
    exchange = convo.say(UNPLACED)
    assert "call 911 now" in exchange.text.lower()
    assert exchange.ended


def test_the_same_words_in_a_red_flag_slot_on_an_echo_get_the_same_answer(
    runtime: SkillRuntime, clock: FakeClock,
) -> None:
    env = envelopes.intent(
        envelopes.Caller(), clock(), "RedFlagIntent",
        {"Symptom": envelopes.SlotInput(UNPLACED, None, None, "Symptom")},
    )
    response = runtime.handle(env)["response"]
    assert "call 911 now" in response["outputSpeech"]["ssml"].lower()
    assert response["shouldEndSession"] is True


def test_answers_to_a_safety_question_do_not_train_the_words() -> None:
    # "I dunno" after "Is it only in one leg?" is an emergency because of the question;
    # the same words at any other moment are none.
    docs = phrasing_docs([
        {"say": "i dunno", "expect": "red_flag", "level": "emergency",
         "state": "numbness_followup"},
        {"say": "no chance", "expect": "red_flag", "level": "emergency",
         "state": "fall_followup"},
        {"say": "my bum is numb", "expect": "red_flag", "level": "emergency", "state": "hold"},
    ])
    assert docs == [("emergency", "my bum is numb")]


def test_the_committed_model_reads_dunno_outside_a_question_as_none() -> None:
    assert default_flags().read("dunno i just woke up") is None
    assert default_flags().read("i dunno does it matter") is None
