"""The learned reading of requests no sample fits (skill.understanding.learned)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from skill.cli import main as cli_main
from skill.content import default_library
from skill.core.triage import assess
from skill.models import load_model
from skill.understanding import learned
from skill.understanding.learned import (
    NONE,
    LearnedIntents,
    default_learned,
    features,
    production_matcher,
    train,
)
from skill.understanding.matcher import FALLBACK_INTENT, Matcher
from skill.understanding.understand import understand

TOY = [
    ("MattressIntent", "is my mattress too soft"),
    ("MattressIntent", "would a topper help"),
    ("MattressIntent", "my bed is too hard"),
    ("PillowIntent", "where do the pillows go"),
    ("PillowIntent", "a pillow between my knees"),
    (NONE, "thanks"),
    (NONE, "that is nice"),
    (NONE, "my husband is snoring"),
]


@functools.cache
def samples_only() -> Matcher:
    return Matcher(load_model("en-US"))


@functools.cache
def listening() -> Matcher:
    return production_matcher(load_model("en-US"))


def test_features_are_stems_and_word_pairs_without_fillers() -> None:
    found = features("um the pillows, please")
    assert "pillow" in found
    assert "um" not in found and "please" not in found
    assert "the+pillow" in found


def test_words_never_seen_give_no_prediction() -> None:
    assert train(TOY).predict("zebra quantum") is None


def test_the_class_whose_words_dominate_wins_with_a_posterior() -> None:
    found = train(TOY).predict("is a topper better than a new mattress")
    assert found is not None
    assert found.intent == "MattressIntent"
    assert 0.5 < found.probability <= 1.0


def test_ordinary_talk_is_learned_as_none() -> None:
    found = train(TOY).predict("thanks that is nice")
    assert found is not None and found.intent == NONE


def test_serialised_model_predicts_the_same() -> None:
    model = train(TOY)
    again = LearnedIntents.from_json(model.to_json())
    for text in ("would a topper help my bed", "pillows between knees", "that is nice"):
        first, second = model.predict(text), again.predict(text)
        assert first is not None and second is not None
        assert (first.intent, round(first.probability, 12)) == (
            second.intent, round(second.probability, 12))


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        LearnedIntents.from_json('{"format": 99, "alpha": 0.1, "docs": {}, "counts": {}}')


def test_duplicate_phrasings_count_once() -> None:
    twice = train([*TOY, ("PillowIntent", "where do the pillows go")])
    assert twice.docs == train(TOY).docs


def test_phrasing_docs_label_requests_and_ordinary_and_skip_red_flags() -> None:
    docs = learned.phrasing_docs([
        {"say": "pillows?", "expect": "intent", "intent": ["PillowIntent", "WhichSideIntent"]},
        {"say": "thanks", "expect": "ordinary"},
        {"say": "my bum is numb", "expect": "red_flag", "level": "emergency"},
        {"say": "yes", "expect": "intent", "intent": "AMAZON.YesIntent"},
    ])
    assert docs == [("PillowIntent", "pillows?"), (NONE, "thanks")]


def test_held_out_data_is_never_trained_on(tmp_path: Path) -> None:
    held = tmp_path / "heldout"
    held.mkdir()
    (held / "x.yaml").write_text("items: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="held-out"):
        learned.build([], [held / "x.yaml"])


def test_learn_command_refuses_a_held_out_folder(capsys: pytest.CaptureFixture[str]) -> None:
    heldout = Path(__file__).parent / "data" / "heldout"
    assert cli_main(["learn", "--check", "--data", str(heldout)]) == 2
    assert "never trained on" in capsys.readouterr().err


def test_committed_model_is_what_training_on_the_tuning_data_gives() -> None:
    # A change to the samples or the tuning files without `hiprest learn` fails here.
    assert cli_main(["learn", "--check"]) == 0


def test_no_red_flag_yes_no_stop_or_deletion_is_ever_learned() -> None:
    assert not set(default_learned().classes) & learned.EXCLUDED


# --------------------------------------------------------------- in the matcher

@pytest.mark.parametrize(("text", "intent"), [
    # Words no sample is close to, in families the tuning data teaches.
    ("why does it always kick off around two am", "WhyNightPainIntent"),
    ("how did this even start", "CausesIntent"),
    ("might some exercises make it stronger", "StartRoutineIntent"),
    ("any tricks for the pillows when im on my back", "PillowIntent"),
])
def test_a_request_no_sample_fits_is_read_by_the_learned_model(text: str, intent: str) -> None:
    assert samples_only().match(text).intent != intent
    assert listening().match(text).intent == intent


@pytest.mark.parametrize("text", [
    "the telly is still on downstairs",
    "my grandson is coming on sunday",
    "we watched a film tonight",
    "zxq blorp",
])
def test_chatter_stays_not_understood(text: str) -> None:
    assert listening().match(text).intent == FALLBACK_INTENT


def test_a_learned_request_still_hears_its_slots() -> None:
    found = listening().match("what pillow setup for someone on their back")
    assert found.intent == "PillowIntent"
    assert found.slots["Position"].resolved_id == "back"


def test_a_sample_reading_wins_over_the_learned_one() -> None:
    text = "where should my pillows go"
    assert listening().match(text) == samples_only().match(text)


def test_a_red_flag_is_triaged_before_any_learned_request() -> None:
    rules = default_library().for_locale("en-US").sections["triage"]
    text = "would a topper help, i can't feel my bum since this morning"
    assert assess(rules, None, text, free_text=True).kind == "answer"
    assert understand(listening(), rules, text).kind == "red_flag"


def test_a_learned_guess_never_cancels_a_reminder() -> None:
    # The model is sure of this one; acting on it would cancel a reminder nobody meant.
    text = "turn off the lights"
    found = default_learned().predict(text)
    assert found is not None and found.intent in learned.HEARD_ONLY
    assert found.probability >= default_learned().threshold
    assert listening().match(text).intent == FALLBACK_INTENT


def test_a_learned_reading_keeps_words_a_sample_captured_for_the_same_request() -> None:
    # "remind me to {ReminderKind}" captures "exercises tomorrow morning"; the learned
    # reading alone would keep "do my exercises" and lose when it was asked for.
    found = listening().match("remind me to do my exercises tomorrow morning")
    assert found.intent == "SetReminderIntent"
    assert "tomorrow morning" in found.slots["ReminderKind"].value


def test_everyday_requests_for_other_skills_stay_not_understood() -> None:
    for text in ("play some music", "play the radio", "tell me a joke"):
        assert listening().match(text).intent == FALLBACK_INTENT, text
