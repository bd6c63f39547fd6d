"""A small learned reading of requests no sample fits (pure: no Flask, no ask-sdk).

The matcher hears a request when the words are close to one of the model's samples. People
in bed often say a request no sample is close to ("would a topper help or am I wasting my
money", "what brings it on in the first place"); the matcher then has nothing. This layer is
a multinomial naive Bayes over stemmed words and word pairs, trained on the interaction
models' samples and on the labelled tuning phrasings (``tests/data/tuning``), never on a
held-out set. It is the matcher's last resort, after the keyword pass, and:

* only names a request (never a red flag: triage reads every utterance before it, and the
  classes below leave out RedFlagIntent, yes/no, stop and deletion);
* has a ``_none`` class learned from ordinary talk ("thanks", "my husband has a fever"), so
  chatter stays not-understood;
* answers only when its posterior is at least ``THRESHOLD`` (chosen by leave-one-file-out
  runs over the tuning files; docs/understanding.md gives the figures).

The trained counts are a committed file (``learned_intents.json``) built by
``hiprest learn``; a test retrains and compares, so it cannot go stale silently.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from skill.textnorm import normalise
from skill.understanding.matcher import HEDGES, STOP_WORDS, Matcher, stem

NONE = "_none"
THRESHOLD = 0.95
ALPHA = 0.1  # additive smoothing: small, as most features are rare
FORMAT = 1
ARTEFACT = "learned_intents.json"
# Never learned: red flags are triage's, and a guessed yes, no, stop or "delete it all"
# would act on words nobody meant that way.
EXCLUDED = frozenset({
    "RedFlagIntent", "CatchAllIntent", "DeleteDataIntent", "AMAZON.FallbackIntent",
    "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
    "AMAZON.NavigateHomeIntent",
})
# Learned, so their words are not read as a neighbour's ("stop reminding me" is no
# SetReminder), but never acted on: a guess must not cancel anything ("turn off the
# lights" once cancelled the bedtime reminder).
HEARD_ONLY = frozenset({"CancelReminderIntent"})
_SLOT_REF = re.compile(r"\{[^}]+\}")


def features(text: str) -> list[str]:
    """Stemmed content words and adjacent word pairs (pairs keep "which side" apart from
    "side" in "pillow on my side"); the matcher's stems, so brand names meet too."""
    tokens = [t for t in normalise(text).split() if t not in HEDGES]
    stems = [stem(t) for t in tokens]
    words = [s for s, t in zip(stems, tokens, strict=True) if t not in STOP_WORDS]
    return words + [f"{a}+{b}" for a, b in itertools.pairwise(stems)]


@dataclass(frozen=True)
class Prediction:
    intent: str
    probability: float


class LearnedIntents:
    """Feature counts per class; :meth:`predict` gives the most likely request."""

    def __init__(self, counts: Mapping[str, Mapping[str, int]], docs: Mapping[str, int],
                 alpha: float = ALPHA, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold  # the posterior below which the matcher ignores it
        self.heard_only = HEARD_ONLY  # classes the matcher never answers with
        self.counts = {c: dict(v) for c, v in counts.items()}
        self.docs = dict(docs)
        self.alpha = alpha
        vocab = {f for v in self.counts.values() for f in v}
        total_docs = sum(self.docs.values())
        size = len(vocab) or 1
        self._vocab = frozenset(vocab)
        self._prior = {c: math.log(n / total_docs) for c, n in self.docs.items()}
        self._denominator = {
            c: math.log(sum(v.values()) + alpha * size) for c, v in self.counts.items()
        }

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted(self.docs))

    def predict(self, text: str) -> Prediction | None:
        """The most likely class and its posterior; None when no word was ever seen."""
        seen = [f for f in features(text) if f in self._vocab]
        if not seen or not self.docs:
            return None
        scores = {
            c: self._prior[c] + sum(
                math.log(self.counts[c].get(f, 0) + self.alpha) for f in seen
            ) - len(seen) * self._denominator[c]
            for c in self.docs
        }
        best = max(sorted(scores), key=scores.__getitem__)
        top = scores[best]
        total = sum(math.exp(s - top) for s in scores.values())
        return Prediction(best, 1.0 / total)

    def to_json(self) -> str:
        body = {"format": FORMAT, "alpha": self.alpha, "docs": dict(sorted(self.docs.items())),
                "counts": {c: dict(sorted(v.items())) for c, v in sorted(self.counts.items())}}
        return json.dumps(body, indent=0, sort_keys=False, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LearnedIntents:
        body = json.loads(text)
        if body.get("format") != FORMAT:
            raise ValueError(f"learned model format {body.get('format')!r}, expected {FORMAT}")
        return cls(body["counts"], body["docs"], float(body["alpha"]))


def train(docs: Iterable[tuple[str, str]], alpha: float = ALPHA) -> LearnedIntents:
    """Count features per class over (label, text) pairs; duplicates count once."""
    counts: dict[str, Counter[str]] = {}
    n_docs: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for label, text in docs:
        key = (label, normalise(text))
        found = features(text)
        if key in seen or not found:
            continue
        seen.add(key)
        n_docs[label] += 1
        counts.setdefault(label, Counter()).update(found)
    return LearnedIntents(counts, n_docs, alpha)


def model_docs(models: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(intent, sample) from interaction models, slot references dropped."""
    out: list[tuple[str, str]] = []
    for model in models:
        for intent in model["interactionModel"]["languageModel"]["intents"]:
            name = str(intent["name"])
            if name in EXCLUDED:
                continue
            out += [(name, _SLOT_REF.sub(" ", str(s))) for s in intent.get("samples", ())]
    return out


def phrasing_docs(items: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(label, words) from labelled phrasings: a request's first accepted intent, or
    ``_none`` for ordinary talk. Red flags are triage's and are left out."""
    out: list[tuple[str, str]] = []
    for item in items:
        say, expect = item.get("say"), item.get("expect")
        if not isinstance(say, str):
            continue
        if expect == "ordinary":
            out.append((NONE, say))
        elif expect == "intent":
            wanted = item.get("intent")
            first = wanted[0] if isinstance(wanted, list) and wanted else wanted
            if isinstance(first, str) and first not in EXCLUDED:
                out.append((first, say))
    return out


def refuse_heldout(paths: Sequence[Path]) -> None:
    """Nothing under a ``heldout`` folder is ever trained on."""
    for path in paths:
        if "heldout" in Path(path).resolve().parts:
            raise ValueError(f"{path}: held-out data is never trained on")


def build(models: Iterable[Mapping[str, Any]], phrasing_paths: Sequence[Path]) -> LearnedIntents:
    """Train on the models' samples and the phrasing files (sorted: one result per data)."""
    import yaml

    refuse_heldout(phrasing_paths)
    docs = model_docs(models)
    for path in sorted(phrasing_paths):
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        docs += phrasing_docs(raw.get("items") or [])
    return train(docs)


def production_matcher(model: Mapping[str, Any]) -> Matcher:
    """The matcher every place words reach the backend uses: samples, then this model."""
    return Matcher(model, learned=default_learned())


@cache
def default_learned() -> LearnedIntents:
    """The committed model, loaded once per process."""
    text = files("skill.understanding").joinpath(ARTEFACT).read_text(encoding="utf-8")
    return LearnedIntents.from_json(text)
