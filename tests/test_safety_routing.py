"""Held red-flag phrasings reach triage with the right urgency in every locale, and
ordinary bedtime talk that shares their words never raises the alarm.

The red-flag phrasings are the RedFlagIntent items of ``tests/data/phrasings.yaml``
(en-US, also run through every other locale: overlays only add words) plus the
regional ones in ``tests/data/red_flag_held.yaml``. Accuracy is printed for the
report (``pytest tests/test_safety_routing.py -s``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.content import default_library
from skill.core.triage import Assessment, TriageRules, assess
from skill.matcher import Matcher
from skill.models import load_model
from skill.settings import LOCALES

DATA = Path(__file__).parent / "data"
MIN_RED_FLAGS = 60


@cache
def _matcher(locale: str) -> Matcher:
    return Matcher(load_model(locale))


@cache
def _rules(locale: str) -> TriageRules:
    rules = default_library().for_locale(locale).sections["triage"]
    assert isinstance(rules, TriageRules)
    return rules


def _held() -> dict[str, Any]:
    data = yaml.safe_load((DATA / "red_flag_held.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _red_flags() -> list[tuple[str, str, list[str]]]:
    items = yaml.safe_load((DATA / "phrasings.yaml").read_text(encoding="utf-8"))
    found: list[tuple[str, str, list[str]]] = []
    for item in items:
        if item["intent"] != "RedFlagIntent":
            continue
        want = (item.get("slots") or {}).get("Symptom")
        wants = want if isinstance(want, list) else [want]
        found.append(("en-US", item["say"], wants))
    for item in _held()["locale_red_flags"]:
        found.append((item["locale"], item["say"], [item["symptom"]]))
    return found


def _heard(locale: str, said: str) -> tuple[str | None, Assessment | None]:
    match = _matcher(locale).match(said)
    if match.intent != "RedFlagIntent":
        return match.intent, None
    slot = match.slots.get("Symptom")
    resolved, value = (slot.resolved_id, slot.value) if slot else (None, None)
    return match.intent, assess(_rules(locale), resolved, value)


def _miss(locale: str, said: str, wants: list[str | None]) -> str | None:
    intent, found = _heard(locale, said)
    if found is None:
        return f"{locale} {said!r} -> {intent}"
    if found.symptom not in wants:
        return f"{locale} {said!r} -> {found.kind} {found.symptom} (want {wants})"
    rules = _rules(locale)
    want_urgency = {rules.urgency_of(w) for w in wants if w is not None}
    if want_urgency and found.urgency not in want_urgency:
        return f"{locale} {said!r} -> urgency {found.urgency} (want {want_urgency})"
    return None


def test_held_red_flags_all_reach_triage_with_their_urgency() -> None:
    items = _red_flags()
    assert len(items) >= MIN_RED_FLAGS
    misses = [m for m in (_miss(*item) for item in items) if m is not None]
    print(f"\nred flags routed with the right urgency: {len(items) - len(misses)}/{len(items)}")
    assert not misses, "\n".join(misses)


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en-US"])
def test_every_locale_keeps_the_base_red_flags(locale: str) -> None:
    items = [(locale, said, wants) for loc, said, wants in _red_flags() if loc == "en-US"]
    misses = [m for m in (_miss(*item) for item in items) if m is not None]
    assert not misses, "\n".join(misses)


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-AU"])
def test_ordinary_bedtime_talk_never_raises_the_alarm(locale: str) -> None:
    ordinary = _held()["ordinary"]
    assert len(ordinary) >= 30
    alarms = []
    for said in ordinary:
        _, found = _heard(locale, said)
        if found is not None and found.kind != "ordinary":
            alarms.append(f"{said!r} -> {found}")
    print(f"\n{locale} false alarms: {len(alarms)}/{len(ordinary)}")
    assert not alarms, "\n".join(alarms)


@pytest.mark.parametrize(
    "said", ["i feel weak", "i've gone numb", "i'm all numb", "weak", "numb", "pins and needles"]
)
def test_numbness_or_weakness_with_no_body_part_asks_before_answering(said: str) -> None:
    _, found = _heard("en-US", said)
    assert found is not None
    assert found.kind == "clarify" and found.symptom == "numb_or_weak"


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en-GB", "my legs are both weak"), ("en-US", "both my legs feel weak"),
     ("en-US", "weakness in both legs"), ("en-US", "both legs are weak")],
)
def test_weakness_in_both_legs_is_captured_whole_and_is_an_emergency(
    locale: str, said: str
) -> None:
    match = _matcher(locale).match(said)
    slot = match.slots["Symptom"]
    assert slot.resolved_id == "weak_both_legs", slot
    found = assess(_rules(locale), slot.resolved_id, slot.value)
    assert (found.kind, found.urgency) == ("answer", "emergency")
