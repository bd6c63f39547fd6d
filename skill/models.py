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
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from skill import model_gen
from skill.data import data_dir
from skill.textnorm import normalise

MODELS_DIR = data_dir("interaction_models")
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
    spec_path = root / model_gen.SPEC_NAME
    if not spec_path.exists():
        if root == MODELS_DIR:
            # A wheel or Lambda tree without the spec would ship models with no
            # generated red flags: refuse, loudly.
            raise ModelError(f"missing {model_gen.SPEC_NAME} beside the models")
        return model  # a test's own models directory, nothing to generate
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


# Limits enforced on every locale's complete model. Alexa's own figures (custom
# interaction model reference) are at least these; ours are kept conservative.
MIN_SAMPLES = 40  # per custom intent: issue 14 point 5, variety for Alexa's NLU
MAX_SAMPLE_CHARS = 200  # one sample utterance
MAX_SLOT_VALUE_CHARS = 140  # one slot value or synonym
MAX_SLOT_ENTRIES = 50_000  # values plus synonyms, all custom slot types together
SEARCH_QUERY = "AMAZON.SearchQuery"
CATCH_ALL_INTENT = "CatchAllIntent"
_SLOT_REF = re.compile(r"\{(\w+)\}")
# Words that open a sentence without asking anything: a carrier made only of them
# cannot take a request away from one intent.
HESITATIONS = frozenset({
    "um", "umm", "uh", "er", "erm", "hmm", "well", "so", "oh", "okay", "ok", "and", "but",
    "also", "actually", "sorry", "anyway", "like",
})
_SHARES_CARRIERS = frozenset({"RedFlagIntent"})
# Alexa hands the backend only the slot's words, never the carrier's. A carrier holding
# one of these would drop it silently: "i can't {Utterance}" turns "I can't feel my legs"
# into "feel my legs", "both {Utterance}" turns both feet into one, "what if" turns a
# question into a statement. Negation, sides and hypotheticals must stay in the slot.
MEANING_WORDS = frozenset({
    "not", "no", "never", "cannot", "nothing", "none", "neither", "nor", "without",
    "both", "either", "each", "if",
})


def sample_key(sample: str, slot_types: dict[str, str]) -> str:
    """A sample as Alexa would hear it: normalised words, slots as {Type}.

    "I'm {Side}" and "i am {Side}" are one sample; "i {Symptom}" and "i {Utterance}" are
    two, since their slots take different words.
    """
    pieces = _SLOT_REF.split(sample)
    words = [normalise(p) if n % 2 == 0 else "{" + slot_types.get(p, p) + "}"
             for n, p in enumerate(pieces)]
    return " ".join(" ".join(words).split())


def _carrier_problems(lm: dict[str, Any]) -> Iterator[str]:
    """Alexa's rules for an AMAZON.SearchQuery slot, and ours for the catch-all.

    Alexa: one SearchQuery slot per intent, and every sample using it needs a carrier
    phrase (words besides the slot: MissingCarrierPhraseWithPhraseSlot). Ours: the
    slot is the sample's only slot, and a carrier never competes head-on with one
    specific intent: its words must not be a whole specific sample, nor open the
    samples of exactly one specific intent ("which side {Utterance}" would split
    WhichSideIntent's own requests with the catch-all). Openers shared by several
    intents ("i", "my") and hesitations ("um", "well") carry no request of their own.
    RedFlagIntent may share carriers: what the catch-all carries is triaged first.
    """
    openings: dict[str, set[str]] = {}
    whole: set[str] = set()
    searching = []
    for intent in lm["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        queries = [n for n, t in types.items() if t == SEARCH_QUERY]
        if intent["name"] in _SHARES_CARRIERS and not queries:
            continue
        if len(queries) > 1:
            yield f"{intent['name']}: more than one {SEARCH_QUERY} slot {sorted(queries)}"
        if queries:
            searching.append((intent, types))
            continue
        for sample in intent.get("samples", []):
            words = sample_key(sample, types).split()
            whole.add(" ".join(words))
            for n in range(1, len(words) + 1):
                if words[n - 1].startswith("{"):
                    break
                openings.setdefault(" ".join(words[:n]), set()).add(intent["name"])
    for intent, types in searching:
        for sample in intent.get("samples", []):
            refs = _SLOT_REF.findall(sample)
            query = [r for r in refs if types.get(r) == SEARCH_QUERY]
            if not query:
                continue
            carrier = " ".join(normalise(p) for p in _SLOT_REF.split(sample)[0::2]).strip()
            carrier = " ".join(carrier.split())
            name = intent["name"]
            if not carrier:
                yield f"{name}: sample {sample!r} has no carrier phrase around {{{query[0]}}}"
            if len(refs) > 1:
                yield f"{name}: sample {sample!r} mixes {{{query[0]}}} with other slots"
            if carrier in whole:
                yield f"{name}: carrier {carrier!r} is a whole sample of a specific intent"
            lost = sorted(set(carrier.split()) & MEANING_WORDS)
            if lost:
                yield (f"{name}: carrier {carrier!r} would drop {', '.join(lost)} from what "
                       "the backend hears (only the slot's words reach it)")
            owners = openings.get(carrier, set())
            if len(owners) == 1 and not set(carrier.split()) <= HESITATIONS:
                yield (f"{name}: carrier {carrier!r} opens samples of {next(iter(owners))} "
                       "only, so the catch-all would compete with it head-on")


def check_model(model: dict[str, Any]) -> list[str]:
    """Problems Alexa's model build (or certification) would reject, or that our own
    rules forbid (sample counts, one meaning per sample and synonym), as sentences."""
    problems: list[str] = []
    lm = language_model(model)
    if not lm.get("invocationName"):
        problems.append("no invocation name")
    seen: dict[str, str] = {}
    type_names = {t["name"] for t in lm.get("types", [])}
    for intent in lm["intents"]:
        name = intent["name"]
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for slot in intent.get("slots", []):
            if not slot["type"].startswith(BUILTIN_TYPES_PREFIX) and slot["type"] not in type_names:
                problems.append(f"{name}: slot {slot['name']} has undefined type {slot['type']}")
        samples = intent.get("samples", [])
        for sample in samples:
            key = sample_key(sample, slot_types)
            if key in seen and seen[key] != name:
                problems.append(f"sample {sample!r} is in both {seen[key]} and {name}")
            seen.setdefault(key, name)
            for ref in _SLOT_REF.findall(sample):
                if ref not in slot_names_of(intent):
                    problems.append(f"{name}: sample {sample!r} uses unknown slot {ref}")
            if len(sample) > MAX_SAMPLE_CHARS:
                problems.append(f"{name}: sample {sample[:40]!r}... is over "
                                f"{MAX_SAMPLE_CHARS} characters")
        if not name.startswith("AMAZON."):
            if not samples:
                problems.append(f"{name}: no samples")
            elif len(samples) < MIN_SAMPLES:
                problems.append(f"{name}: {len(samples)} samples, fewer than {MIN_SAMPLES}")
    problems += list(_carrier_problems(lm))
    problems += list(_slot_value_problems(lm))
    return problems


def slot_names_of(intent: dict[str, Any]) -> set[str]:
    return {s["name"] for s in intent.get("slots", [])}


def _slot_value_problems(lm: dict[str, Any]) -> Iterator[str]:
    total = 0
    for slot_type in lm.get("types", []):
        meaning: dict[str, str] = {}
        for value in slot_type.get("values", []):
            name = value.get("name", {})
            for word in [name.get("value", ""), *name.get("synonyms", [])]:
                total += 1
                if len(word) > MAX_SLOT_VALUE_CHARS:
                    yield (f"{slot_type['name']}: value {word[:40]!r}... is over "
                           f"{MAX_SLOT_VALUE_CHARS} characters")
                key = normalise(word)
                owner = str(value.get("id") or name.get("value"))
                if meaning.setdefault(key, owner) != owner:
                    yield (f"{slot_type['name']}: {word!r} means both {meaning[key]} "
                           f"and {owner}")
    if total > MAX_SLOT_ENTRIES:
        yield f"{total} slot values and synonyms, over {MAX_SLOT_ENTRIES}"
