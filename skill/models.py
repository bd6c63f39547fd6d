"""Interaction models: ``interaction_models/<locale>.json`` is the single source.

en-US is the full model; another locale's file may be a small overlay
(``{"overlay": "en-US", "invocationName": ..., "types": {...}, "samples": {...},
"synonyms": {...}}``) for what its speakers say differently: ``samples`` adds
utterances to intents, ``types`` adds whole values to slot types and
``synonyms`` (``{type: {value id or name: [words]}}``) adds words to existing
values ("physio", "GP", "bum"). An overlay naming an intent, type or value the
base lacks is an error, so a rename in en-US cannot silently drop a locale's words.
``load_model`` always returns a complete ASK-format model.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from skill import model_gen

MODELS_DIR = Path(__file__).resolve().parent.parent / "interaction_models"
BASE_LOCALE = "en-US"
BUILTIN_TYPES_PREFIX = "AMAZON."


class ModelError(Exception):
    pass


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path.name}: not a JSON object")
    return data


def available_locales(root: Path = MODELS_DIR) -> list[str]:
    return sorted(p.stem for p in root.glob("*.json"))


def _apply_overlay(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    model = copy.deepcopy(base)
    lm = model["interactionModel"]["languageModel"]
    if "invocationName" in overlay:
        lm["invocationName"] = overlay["invocationName"]
    extra_samples: dict[str, list[str]] = overlay.get("samples", {})
    for intent in lm["intents"]:
        intent.setdefault("samples", [])
        intent["samples"] = intent["samples"] + [
            s for s in extra_samples.get(intent["name"], []) if s not in intent["samples"]
        ]
    unknown = set(extra_samples) - {i["name"] for i in lm["intents"]}
    if unknown:
        raise ModelError(f"overlay adds samples to unknown intents {sorted(unknown)}")
    extra_values: dict[str, list[dict[str, Any]]] = overlay.get("types", {})
    extra_synonyms: dict[str, dict[str, list[str]]] = overlay.get("synonyms", {})
    types = {t["name"]: t for t in lm.get("types", [])}
    unknown = (set(extra_values) | set(extra_synonyms)) - set(types)
    if unknown:
        raise ModelError(f"overlay changes unknown slot types {sorted(unknown)}")
    for type_name, values in extra_values.items():
        types[type_name]["values"] = types[type_name]["values"] + values
    for type_name, by_value in extra_synonyms.items():
        for key, words in by_value.items():
            value = _find_value(types[type_name], key)
            if value is None:
                raise ModelError(f"overlay adds synonyms to unknown value {type_name}.{key}")
            name = value.setdefault("name", {})
            known = {w.lower() for w in [name.get("value", ""), *name.get("synonyms", [])]}
            name["synonyms"] = name.get("synonyms", []) + [
                w for w in words if w.lower() not in known
            ]
    return model


def _find_value(slot_type: dict[str, Any], key: str) -> dict[str, Any] | None:
    for value in slot_type.get("values", []):
        if value.get("id") == key or value.get("name", {}).get("value") == key:
            assert isinstance(value, dict)
            return value
    return None


@cache
def _load_typed(locale: str, root: Path) -> dict[str, Any]:
    """The typed model: the locale's JSON over its base, nothing generated yet."""
    path = root / f"{locale}.json"
    if not path.exists():
        if locale == BASE_LOCALE:
            raise ModelError(f"missing {path.name}")
        return _load_typed(BASE_LOCALE, root)
    data = _read(path)
    if "overlay" in data:
        return _apply_overlay(_load_typed(str(data["overlay"]), root), data)
    if "interactionModel" not in data:
        raise ModelError(f"{path.name}: no interactionModel")
    return data


@cache
def load_model(locale: str = BASE_LOCALE, root: Path = MODELS_DIR) -> dict[str, Any]:
    """The complete model Alexa gets: typed samples plus the generated red-flag phrasings
    (``root/generated/red_flags.yaml``, skill/model_gen.py) for this locale."""
    if not (root / f"{locale}.json").exists():
        locale = BASE_LOCALE
    model = _load_typed(locale, root)
    spec_path = root / "generated" / model_gen.SPEC_PATH.name
    if not spec_path.exists():
        return model
    model = copy.deepcopy(model)
    try:
        model_gen.apply_generated(model, locale, model_gen.load_spec(spec_path))
    except model_gen.GenerationError as exc:
        raise ModelError(f"generated phrasings for {locale}: {exc}") from None
    return model


def language_model(model: dict[str, Any]) -> dict[str, Any]:
    lm = model["interactionModel"]["languageModel"]
    assert isinstance(lm, dict)
    return lm


def intent_names(model: dict[str, Any]) -> list[str]:
    return [i["name"] for i in language_model(model)["intents"]]


def slot_types(model: dict[str, Any]) -> dict[str, dict[str, str]]:
    """intent -> slot -> type, for custom (non AMAZON.*) slot types only."""
    out: dict[str, dict[str, str]] = {}
    for intent in language_model(model)["intents"]:
        for slot in intent.get("slots", []):
            if not slot["type"].startswith(BUILTIN_TYPES_PREFIX):
                out.setdefault(intent["name"], {})[slot["name"]] = slot["type"]
    return out


def check_model(model: dict[str, Any]) -> list[str]:
    """Problems Alexa's model build (or certification) would reject, as sentences."""
    problems: list[str] = []
    lm = language_model(model)
    if not lm.get("invocationName"):
        problems.append("no invocation name")
    seen: dict[str, str] = {}
    type_names = {t["name"] for t in lm.get("types", [])}
    for intent in lm["intents"]:
        name = intent["name"]
        slot_names = {s["name"] for s in intent.get("slots", [])}
        for slot in intent.get("slots", []):
            if not slot["type"].startswith(BUILTIN_TYPES_PREFIX) and slot["type"] not in type_names:
                problems.append(f"{name}: slot {slot['name']} has undefined type {slot['type']}")
        for sample in intent.get("samples", []):
            key = " ".join(sample.lower().split())
            if key in seen and seen[key] != name:
                problems.append(f"sample {sample!r} is in both {seen[key]} and {name}")
            seen[key] = name
            import re

            for ref in re.findall(r"\{(\w+)\}", sample):
                if ref not in slot_names:
                    problems.append(f"{name}: sample {sample!r} uses unknown slot {ref}")
        if not name.startswith("AMAZON.") and not intent.get("samples"):
            problems.append(f"{name}: no samples")
    return problems
