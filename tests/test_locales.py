"""Five English locales: overlays for regional words, the same intents everywhere,
locale wording in content, and ``hiprest check`` catching a locale that drifts."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill import checks
from skill.content import load_library
from skill.matcher import Matcher
from skill.models import MODELS_DIR, ModelError, intent_names, load_model
from skill.package import same_intents_problems
from skill.settings import LOCALES
from skill.voice import Voice

OVERLAYS = sorted(p.stem for p in MODELS_DIR.glob("*.json") if p.stem != "en-US")


def _overlay(locale: str) -> dict[str, Any]:
    data = json.loads((MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_non_us_locale_is_a_small_overlay_of_en_us() -> None:
    assert set(OVERLAYS) == set(LOCALES) - {"en-US"}
    for locale in OVERLAYS:
        data = _overlay(locale)
        assert data["overlay"] == "en-US"
        assert "interactionModel" not in data, f"{locale} copies the whole model"


def test_all_locales_have_the_same_intents_slots_and_types() -> None:
    models = {loc: load_model(loc) for loc in LOCALES}
    assert same_intents_problems(models) == []
    assert all(set(intent_names(m)) == set(intent_names(models["en-US"]))
               for m in models.values())


@pytest.mark.parametrize("locale", OVERLAYS)
def test_regional_samples_reach_their_intent_on_that_locale(locale: str) -> None:
    matcher = Matcher(load_model(locale))
    for intent, samples in _overlay(locale).get("samples", {}).items():
        for sample in samples:
            if "{" in sample:
                continue
            found = matcher.match(sample)
            assert (found.intent, found.score) == (intent, 1.0), sample


def _sample_for_type(model: dict[str, Any], type_name: str) -> tuple[str, str, str] | None:
    """(intent, slot, sample) for a sample with one slot, of this type, and other words."""
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            refs = re.findall(r"\{(\w+)\}", sample)
            if len(refs) == 1 and slots.get(refs[0]) == type_name and sample != f"{{{refs[0]}}}":
                return intent["name"], refs[0], sample
    return None


@pytest.mark.parametrize("locale", OVERLAYS)
def test_regional_synonyms_resolve_to_the_same_value(locale: str) -> None:
    model = load_model(locale)
    matcher = Matcher(model)
    checked = 0
    for type_name, by_value in _overlay(locale).get("synonyms", {}).items():
        found = _sample_for_type(model, type_name)
        assert found is not None, f"no sample uses {type_name}"
        intent, slot, sample = found
        for value_id, words in by_value.items():
            for word in words:
                heard = matcher.match(sample.replace("{" + slot + "}", word))
                assert heard.intent == intent, (word, sample)
                assert heard.slots[slot].resolved_id == value_id, (word, heard.slots[slot])
                checked += 1
    if _overlay(locale).get("synonyms"):
        assert checked


def test_us_model_does_not_carry_the_regional_words() -> None:
    us = json.dumps(load_model("en-US")).lower()
    for word in ("bum cheek", "feeling crook", "paining", "family doctor"):
        assert word not in us


# --------------------------------------------------------------------------- loader


def _write(root: Path, name: str, data: dict[str, Any]) -> None:
    (root / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def models_root(tmp_path: Path) -> Path:
    base = {
        "interactionModel": {
            "languageModel": {
                "invocationName": "hip rest",
                "intents": [{"name": "SideIntent", "slots": [{"name": "Side", "type": "Side"}],
                             "samples": ["my {Side} hurts"]}],
                "types": [{"name": "Side", "values": [
                    {"id": "left", "name": {"value": "left", "synonyms": ["left hip"]}}]}],
            }
        }
    }
    _write(tmp_path, "en-US", base)
    return tmp_path


def test_overlay_synonyms_extend_an_existing_value_once(models_root: Path) -> None:
    _write(models_root, "en-GB", {"overlay": "en-US",
                                  "synonyms": {"Side": {"left": ["left bum cheek", "Left Hip"]}}})
    model = load_model("en-GB", models_root)
    value = model["interactionModel"]["languageModel"]["types"][0]["values"][0]
    assert value["name"]["synonyms"] == ["left hip", "left bum cheek"]
    base = load_model("en-US", models_root)
    assert base["interactionModel"]["languageModel"]["types"][0]["values"][0]["name"][
        "synonyms"] == ["left hip"]


@pytest.mark.parametrize(
    "overlay",
    [
        {"overlay": "en-US", "synonyms": {"NoType": {"left": ["x"]}}},
        {"overlay": "en-US", "synonyms": {"Side": {"middle": ["x"]}}},
        {"overlay": "en-US", "types": {"NoType": [{"name": {"value": "x"}}]}},
        {"overlay": "en-US", "samples": {"NoIntent": ["x"]}},
    ],
    ids=["unknown-type", "unknown-value", "unknown-type-values", "unknown-intent"],
)
def test_overlay_naming_something_the_base_lacks_is_an_error(
    models_root: Path, overlay: dict[str, Any]
) -> None:
    _write(models_root, "en-AU", overlay)
    with pytest.raises(ModelError):
        load_model("en-AU", models_root)


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize(
    ("locale", "number", "physio"),
    [
        ("en-US", "911", "physical therapist"),
        ("en-CA", "911", "physical therapist"),
        ("en-GB", "nine nine nine", "physiotherapist"),
        ("en-AU", "triple zero", "physiotherapist"),
        ("en-IN", "one one two", "physiotherapist"),
    ],
)
def test_each_locale_speaks_its_emergency_number_and_word_for_physio(
    locale: str, number: str, physio: str
) -> None:
    content = load_library().for_locale(locale)
    assert number in Voice(content).line("help.disclaimer")
    assert content.vars["physio"] == physio


# --------------------------------------------------------------------------- check


def test_check_fails_when_a_locale_is_missing_an_intent(monkeypatch: pytest.MonkeyPatch) -> None:
    real = checks.load_model

    def short_en_ca(locale: str) -> dict[str, Any]:
        model = copy.deepcopy(real(locale))
        if locale == "en-CA":
            lm = model["interactionModel"]["languageModel"]
            lm["intents"] = [i for i in lm["intents"] if i["name"] != "AMAZON.HelpIntent"]
        return model

    monkeypatch.setattr(checks, "load_model", short_en_ca)
    problems = checks.run_checks()
    assert any("en-CA" in p and "AMAZON.HelpIntent" in p for p in problems), problems


def test_check_fails_when_a_locale_intent_has_no_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    real = checks.load_model
    custom = next(n for n in intent_names(real("en-US")) if not n.startswith("AMAZON."))

    def empty_samples(locale: str) -> dict[str, Any]:
        model = copy.deepcopy(real(locale))
        if locale == "en-IN":
            for intent in model["interactionModel"]["languageModel"]["intents"]:
                if intent["name"] == custom:
                    intent["samples"] = []
        return model

    monkeypatch.setattr(checks, "load_model", empty_samples)
    problems = checks.run_checks()
    assert any("en-IN" in p and custom in p for p in problems), problems


def test_check_fails_when_a_content_key_the_code_uses_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "content"
    shutil.copytree(Path(checks.__file__).resolve().parent.parent / "content", root)
    core = root / "en" / "core.yaml"
    data = yaml.safe_load(core.read_text(encoding="utf-8"))
    del data["phrases"]["goodbye"]
    core.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(checks, "load_library", lambda: load_library(root))
    problems = checks.run_checks()
    for locale in LOCALES:
        assert any(p.startswith(f"content: {locale} lacks 'goodbye'") for p in problems)


def test_check_fails_when_example_phrases_no_longer_match(monkeypatch: pytest.MonkeyPatch) -> None:
    real = checks.load_model

    def bare(locale: str) -> dict[str, Any]:
        model = copy.deepcopy(real(locale))
        if locale == "en-AU":
            lm = model["interactionModel"]["languageModel"]
            lm["intents"] = [i for i in lm["intents"] if i["name"].startswith("AMAZON.")]
        return model

    monkeypatch.setattr(checks, "load_model", bare)
    assert any(p.startswith("listing en-AU") for p in checks.run_checks())
