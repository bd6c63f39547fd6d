"""Pure bedside rules: which advice for which position and painful side."""

from __future__ import annotations

import pytest

from skill.core.bedside import (
    as_position,
    as_side,
    night_pain_advice,
    pillow_advice,
    side_advice,
)


def test_back_sleepers_get_the_knee_pillow_whatever_side_hurts() -> None:
    for painful in (None, "left", "right", "both"):
        assert pillow_advice("back", painful).key == "bedside.pillow.back"


def test_stomach_sleepers_get_the_honest_alternative() -> None:
    assert pillow_advice("stomach", "left").key == "bedside.pillow.stomach"


def test_side_sleeper_with_a_known_painful_side_is_told_the_other_side() -> None:
    advice = pillow_advice("side", "right")
    assert advice.key == "bedside.pillow.side_known"
    assert advice.params == {"painful": "right", "good": "left"}


def test_side_sleeper_lying_on_the_painful_side_is_told_to_roll_over() -> None:
    advice = pillow_advice("side", "left", lying_on="left")
    assert advice.key == "bedside.pillow.side_sore"
    assert advice.params["good"] == "right"


def test_side_sleeper_with_both_hips_sore_is_steered_to_the_back() -> None:
    assert pillow_advice("side", "both").key == "bedside.pillow.side_both"


def test_side_sleeper_with_unknown_painful_side_gets_the_general_advice() -> None:
    assert pillow_advice("side", None).key == "bedside.pillow.side"


@pytest.mark.parametrize(("painful", "good"), [("left", "right"), ("right", "left")])
def test_which_side_is_the_other_one(painful: str, good: str) -> None:
    advice = side_advice(painful, newly_told=True)  # type: ignore[arg-type]
    assert advice.key == "bedside.side.one"
    assert advice.params == {"painful": painful, "good": good}


def test_remembered_side_is_not_announced_as_new() -> None:
    assert side_advice("left", newly_told=False).key == "bedside.side.known"
    assert side_advice("both", newly_told=False).key == "bedside.side.both_known"
    assert side_advice("both", newly_told=True).key == "bedside.side.both"


def test_night_pain_names_the_good_side_when_known() -> None:
    assert night_pain_advice("left").params == {"good": "right"}
    assert night_pain_advice("both").key == "bedside.night_pain"
    assert night_pain_advice(None).key == "bedside.night_pain"


def test_only_known_slot_ids_become_positions_and_sides() -> None:
    assert as_position("side") == "side"
    assert as_position("sofa") is None
    assert as_position(None) is None
    assert as_side("both") == "both"
    assert as_side("middle") is None
