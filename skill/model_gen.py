"""Red-flag phrasings generated from templates: symptom phrases x carrier phrases.

``interaction_models/generated/red_flags.yaml`` holds word lists and templates (syntax in
that file). :func:`apply_generated` expands them into one locale's model when it loads:
RedFlagIntent samples from the carriers, Symptom and SymptomDetail synonyms from the
symptom phrases. The expansion is deterministic and pure (no I/O but reading the spec),
so every locale's packaged model is a plain complete ASK model, and typing 300 symptom
phrasings by hand (and forgetting "i've got" in half of them) is not needed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

# Inside the interaction_models folder (skill/models.py MODELS_DIR).
SPEC_NAME = "generated/red_flags.yaml"
RED_FLAG_INTENT = "RedFlagIntent"
CATCH_ALL_INTENT = "CatchAllIntent"
# Carrier words that say nothing themselves (pronoun openers and hesitations).
MIRRORED_WORDS = frozenset({
    "i", "i'm", "my", "it", "it's", "there's", "this", "the", "um", "umm", "uh", "er", "erm",
    "well", "so", "okay", "oh", "and", "but", "also", "actually",
})
SYMPTOM_TYPE = "Symptom"
DETAIL_TYPE = "SymptomDetail"
# A template expanding past this is a typo (a list used twice), not a wish for more samples.
MAX_EXPANSION = 2000

_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_WORDS = re.compile(r"<([a-z_]+)>")


class GenerationError(ValueError):
    """The spec is malformed; the message says where."""


@dataclass(frozen=True)
class Spec:
    words: Mapping[str, Sequence[str]]
    carriers: Sequence[str]
    symptoms: Mapping[str, Sequence[str]]
    details: Mapping[str, Sequence[str]]
    locales: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_locale(self, locale: str) -> Spec:
        """This spec with the locale's extra words and templates added."""
        extra = self.locales.get(locale, {})
        words = {k: list(v) for k, v in self.words.items()}
        for name, more in extra.get("words", {}).items():
            if name not in words:
                raise GenerationError(f"{locale}: adds to unknown word list {name!r}")
            words[name] += [w for w in more if w not in words[name]]
        return Spec(
            words=words,
            carriers=[*self.carriers, *extra.get("carriers", [])],
            symptoms=_merged(self.symptoms, extra.get("symptoms", {})),
            details=_merged(self.details, extra.get("details", {})),
        )


def _merged(
    base: Mapping[str, Sequence[str]], extra: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    out = {k: list(v) for k, v in base.items()}
    for key, templates in extra.items():
        out.setdefault(key, []).extend(templates)
    return out


def _str_lists(data: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in data.values()
    ):
        raise GenerationError(f"{where}: expected a mapping of string lists")
    return {str(k): list(v) for k, v in data.items()}


def parse_spec(data: Any) -> Spec:
    if not isinstance(data, dict):
        raise GenerationError("spec: not a mapping")
    carriers = data.get("carriers", [])
    if not isinstance(carriers, list) or not all(isinstance(c, str) for c in carriers):
        raise GenerationError("carriers: expected a list of strings")
    locales = data.get("locales", {})
    if not isinstance(locales, dict):
        raise GenerationError("locales: expected a mapping")
    for locale, extra in locales.items():
        if not isinstance(extra, dict):
            raise GenerationError(f"locales.{locale}: expected a mapping")
        for key in ("words", "symptoms", "details"):
            _str_lists(extra.get(key, {}), f"locales.{locale}.{key}")
    return Spec(
        words=_str_lists(data.get("words", {}), "words"),
        carriers=carriers,
        symptoms=_str_lists(data.get("symptoms", {}), "symptoms"),
        details=_str_lists(data.get("details", {}), "details"),
        locales=locales,
    )


@cache
def load_spec(path: Path) -> Spec:
    try:
        return parse_spec(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise GenerationError(f"{path.name}: {exc}") from None


def _tidy(text: str) -> str:
    # "i 've" -> "i've": alternatives may start with an apostrophe to join the word before.
    return re.sub(r"\s+'", "'", " ".join(text.split()))


def expand(template: str, words: Mapping[str, Sequence[str]]) -> list[str]:
    """Every phrase one template stands for, in a stable order, without duplicates."""
    parts: list[list[str]] = []
    position = 0
    tokens = re.compile(rf"{_CHOICE.pattern}|{_WORDS.pattern}")
    for found in tokens.finditer(template):
        parts.append([template[position:found.start()]])
        if found.group(1) is not None:
            # An alternative may name a word list itself: "[either leg|<legs>]".
            parts.append([
                phrase
                for alternative in found.group(1).split("|")
                for phrase in (expand(alternative, words) if "<" in alternative
                               else [alternative])
            ])
        else:
            name = found.group(2)
            if name not in words:
                raise GenerationError(f"{template!r}: unknown word list <{name}>")
            parts.append(list(words[name]))
        position = found.end()
    parts.append([template[position:]])
    count = 1
    for options in parts:
        count *= len(options)
    if count > MAX_EXPANSION:
        raise GenerationError(f"{template!r} expands to {count} phrases (> {MAX_EXPANSION})")
    out: dict[str, None] = {}
    for combination in itertools.product(*parts):
        phrase = _tidy("".join(combination))
        if phrase:
            out[phrase] = None
    return list(out)


def expand_all(templates: Sequence[str], words: Mapping[str, Sequence[str]]) -> Iterator[str]:
    seen: set[str] = set()
    for template in templates:
        for phrase in expand(template, words):
            if phrase not in seen:
                seen.add(phrase)
                yield phrase


def _add_synonyms(
    slot_type: dict[str, Any], by_value: Mapping[str, Sequence[str]],
    words: Mapping[str, Sequence[str]],
) -> None:
    values = {v.get("id"): v for v in slot_type.get("values", [])}
    taken = {
        w.lower()
        for v in slot_type.get("values", [])
        for w in [v["name"]["value"], *v["name"].get("synonyms", [])]
    }
    for value_id, templates in by_value.items():
        value = values.get(value_id)
        if value is None:
            raise GenerationError(f"{slot_type['name']}: no value with id {value_id!r}")
        synonyms = value["name"].setdefault("synonyms", [])
        for phrase in expand_all(templates, words):
            if phrase.lower() not in taken:
                taken.add(phrase.lower())
                synonyms.append(phrase)


def _mirrored_carriers(intents: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every catch-all carrier again around {Symptom}.

    Exact matching prefers the sample with more literal words: "i just {Utterance}"
    would beat "i {Symptom}" for "i just fell". With the same carrier in RedFlagIntent a
    known symptom ties on words and wins on its typed slot (virtual-alexa's rule; for
    Alexa's NLU the symptom sample is the closer one too). Only carriers that mean
    nothing are mirrored: a custom slot is no closed list, so "i can't {Symptom}" or
    "what {Symptom}" would turn every "i can't sleep" or short question into a red flag.
    """
    catch_all = intents.get(CATCH_ALL_INTENT)
    if catch_all is None:
        return []
    slots = [s["name"] for s in catch_all.get("slots", []) if s["type"] == "AMAZON.SearchQuery"]
    return [
        sample.replace("{" + slots[0] + "}", "{Symptom}")
        for sample in catch_all.get("samples", [])
        if slots and "{" + slots[0] + "}" in sample
        and set(sample.replace("{" + slots[0] + "}", "").split()) <= MIRRORED_WORDS
    ]


def apply_generated(model: dict[str, Any], locale: str, spec: Spec) -> None:
    """Add the generated samples and synonyms to ``model`` (one locale's, changed in place)."""
    spec = spec.for_locale(locale)
    lm = model["interactionModel"]["languageModel"]
    intents = {i["name"]: i for i in lm["intents"]}
    types = {t["name"]: t for t in lm.get("types", [])}
    for needed, kind in ((RED_FLAG_INTENT, intents), (SYMPTOM_TYPE, types), (DETAIL_TYPE, types)):
        if needed not in kind:
            raise GenerationError(f"the model has no {needed} to generate into")
    red_flag = intents[RED_FLAG_INTENT]
    samples = red_flag.setdefault("samples", [])
    have = {s.lower() for s in samples}
    for phrase in [*expand_all(spec.carriers, spec.words), *_mirrored_carriers(intents)]:
        if phrase.lower() not in have:
            have.add(phrase.lower())
            samples.append(phrase)
    _add_synonyms(types[SYMPTOM_TYPE], spec.symptoms, spec.words)
    _add_synonyms(types[DETAIL_TYPE], spec.details, spec.words)
