"""Pure triage rules: symptom -> urgency, most urgent wins, free text recognised."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from skill.content import default_library
from skill.core.triage import URGENCY_ORDER, TriageRules, classify, most_urgent, triage


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    found = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(found, TriageRules)
    return found


@pytest.mark.parametrize(
    ("symptom", "urgency"),
    [
        ("saddle_numbness", "emergency"),
        ("bladder_bowel", "emergency"),
        ("weak_both_legs", "emergency"),
        ("fall", "urgent"),
        ("cannot_bear_weight", "urgent"),
        ("fever", "same_day"),
        ("hot_swollen_joint", "same_day"),
        ("unwell", "same_day"),
        ("weight_loss", "doctor"),
        ("cancer_history", "doctor"),
        ("constant_pain", "doctor"),
        ("worsening_night_pain", "doctor"),
        ("one_leg", "gp"),
    ],
)
def test_each_red_flag_maps_to_the_urgency_in_the_clinical_notes(
    rules: TriageRules, symptom: str, urgency: str
) -> None:
    assert rules.urgency_of(symptom) == urgency


def test_unknown_symptom_id_has_no_urgency(rules: TriageRules) -> None:
    assert rules.urgency_of("sore_elbow") is None


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("numbness between my legs", "saddle_numbness"),
        ("my groin has gone numb", "saddle_numbness"),
        ("i peed the bed without knowing", "bladder_bowel"),
        ("both of my legs feel weak", "weak_both_legs"),
        ("my legs are numb", "weak_both_legs"),
        ("i fell on the ice", "fall"),
        ("slipped in the shower", "fall"),
        ("i cannot put any weight on it", "cannot_bear_weight"),
        ("shivering with a high temperature", "fever"),
        ("my hip is swollen", "hot_swollen_joint"),
        ("lost a lot of weight", "weight_loss"),
        ("i had breast cancer", "cancer_history"),
        ("it hurts all the time", "constant_pain"),
        ("it is getting worse every week", "worsening_night_pain"),
        ("my leg is numb", "one_leg"),
        ("tingling in my calf", "one_leg"),
    ],
)
def test_free_text_the_model_did_not_resolve_is_recognised(
    rules: TriageRules, text: str, symptom: str
) -> None:
    assert classify(rules, text) == symptom


@pytest.mark.parametrize(
    "text",
    ["i cannot fall asleep", "my hot water bottle", "i cannot stand the pain", "", "pillow", None],
)
def test_ordinary_words_are_not_mistaken_for_a_red_flag(
    rules: TriageRules, text: str | None
) -> None:
    assert classify(rules, text) is None


def test_numbness_between_the_legs_is_never_downgraded_to_one_leg(rules: TriageRules) -> None:
    # Both the emergency and the GP rule contain "numb"; the emergency one must win.
    assert classify(rules, "numb between my legs") == "saddle_numbness"


def test_the_more_urgent_reading_wins_when_slot_and_words_disagree(rules: TriageRules) -> None:
    # The slot resolved loosely to one leg, but the words say bladder: emergency.
    assert triage(rules, "one_leg", "my leg is numb and i wet myself") == (
        "bladder_bowel",
        "emergency",
    )
    assert triage(rules, "fall", "i fell") == ("fall", "urgent")


def test_nothing_recognised_gives_no_urgency(rules: TriageRules) -> None:
    assert triage(rules, None, "the sofa") == (None, None)
    assert triage(rules, "made_up", None) == (None, None)


def test_most_urgent_orders_emergency_first() -> None:
    assert most_urgent(["gp", None, "same_day", "urgent"]) == "urgent"
    assert most_urgent([None]) is None
    assert URGENCY_ORDER[0] == "emergency"


def test_rules_without_an_emergency_symptom_are_rejected() -> None:
    with pytest.raises(ValidationError, match="emergency"):
        TriageRules.model_validate(
            {"source": "red-flags", "symptoms": {"x": {"urgency": "gp", "cues": ["numb"]}}}
        )


def test_rules_citing_an_unknown_source_are_rejected(rules: TriageRules) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        rules.check_sources({"brief"})
