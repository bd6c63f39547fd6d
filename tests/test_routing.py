"""Held phrasings land on the right intent and slots through the development matcher.

``tests/data/phrasings.yaml`` is written independently of the model's samples:
varied, sleepy, regional ways of asking the bedside and safety questions plus the
built-ins. Each must route exactly; the accuracy is printed for the report
(``pytest tests/test_routing.py -s``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.matcher import Matcher, normalise
from skill.models import language_model, load_model

PHRASINGS = Path(__file__).parent / "data" / "phrasings.yaml"
MIN_PHRASINGS = 150
# Safety phrasings must all route; the rest may miss a little, as real NLU does.
MIN_ACCURACY = 0.95


def _phrasings() -> list[dict[str, Any]]:
    data = yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _outcome(matcher: Matcher, item: dict[str, Any]) -> str | None:
    """None when the phrasing routes right, else what went wrong."""
    match = matcher.match(item["say"])
    if match.intent != item["intent"]:
        return f"{item['say']!r} -> {match.intent} (want {item['intent']})"
    got = {name: s.resolved_id for name, s in match.slots.items() if s.resolved_id}
    # A phrasing naming two things ("a fever and a hot hip") may list either as right.
    want = item.get("slots") or {}
    ok = set(got) == set(want) and all(
        got[k] in (v if isinstance(v, list) else [v]) for k, v in want.items()
    )
    if not ok:
        return f"{item['say']!r} -> slots {got} (want {want})"
    return None


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_model("en-US"))


def test_held_list_is_large_and_covers_every_bedside_and_safety_intent() -> None:
    items = _phrasings()
    assert len(items) >= MIN_PHRASINGS
    intents = {item["intent"] for item in items}
    for name in ("PillowIntent", "WhichSideIntent", "MattressIntent", "WhyNightPainIntent",
                 "AboutMuscleIntent", "CausesIntent", "DaytimeHabitsIntent", "NightPainIntent",
                 "SeeProfessionalIntent", "WhoCanHelpIntent", "RedFlagIntent",
                 "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent"):
        assert name in intents, name


def test_held_phrasings_are_not_copies_of_model_samples() -> None:
    samples: set[str] = set()
    for intent in language_model(load_model("en-US"))["intents"]:
        samples |= {normalise(s) for s in intent.get("samples", []) if "{" not in s}
    copied = [item["say"] for item in _phrasings() if normalise(item["say"]) in samples]
    # A few are bound to coincide ("yes please"); most must be genuinely new wording.
    assert len(copied) <= len(_phrasings()) // 10, copied


def test_every_red_flag_phrasing_routes_to_triage_with_its_symptom(matcher: Matcher) -> None:
    items = [i for i in _phrasings() if i["intent"] == "RedFlagIntent"]
    assert len(items) >= 30
    misses = [m for m in (_outcome(matcher, item) for item in items) if m is not None]
    assert not misses, "\n".join(misses)


def test_held_phrasings_route_with_at_least_the_stated_accuracy(matcher: Matcher) -> None:
    items = _phrasings()
    misses = [m for m in (_outcome(matcher, item) for item in items) if m is not None]
    accuracy = 1 - len(misses) / len(items)
    print(f"\nrouting accuracy on {len(items)} held phrasings: {accuracy:.1%}")
    print("\n".join(misses))
    assert accuracy >= MIN_ACCURACY, "\n".join(misses)
