"""A learned second reading of red flags (pure: no Flask, no ask-sdk).

The triage rules (``content/en/safety.yaml``, :mod:`skill.core.triage`) read symptoms
as cue words in clauses, with negation, other people and hypotheticals understood. Every
blind set written since round 1 shows the same thing: rules reach 96-100% on the
phrasings they were tuned on and 90-94% on fresh ones, because each new writer says a
symptom in words no cue holds ("I sat on the loo and it was like sitting on someone
else's hand"). This model is the safety net under the rules:

* a multinomial logistic regression over the learned reading's features (stemmed words
  and word pairs), classes ``_none`` and the five urgencies, trained on the labelled
  tuning phrasings only (``tests/data/tuning``; held-out sets are refused);
* consulted only when the rules place no symptom and do not read the words as a denial,
  someone else's, a hypothetical or plain bedtime talk: the rules' reading always wins;
* it answers at the most likely urgency when the probability that the words report a
  red flag at all is at least ``THRESHOLD``. The answer is that urgency's general line
  (``safety.<urgency>``), which names the symptoms it is for, so a person whose words
  were misread hears what the advice is about.

``THRESHOLD`` was chosen by leave-one-file-out runs over the tuning files
(docs/understanding.md has the figures): recall of the red flags the rules miss, against
false alarms on ordinary near-misses. The weights are a committed file built by
``hiprest learn`` (``learned_flags.json``); a test retrains and compares.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from skill.core.triage import (
    URGENCY_ORDER,
    Assessment,
    Reading,
    TriageRules,
    Urgency,
    assess,
    is_ordinary,
    read_text,
)
from skill.textnorm import normalise
from skill.understanding.learned import features, refuse_heldout

NONE = "_none"
THRESHOLD = 0.95
ARTEFACT = "learned_flags.json"
FORMAT = 1
# Training: plain stochastic gradient descent, seeded, so one data set gives one model.
EPOCHS, RATE, L2, SEED = 10, 0.2, 1e-4, 20261202
# Stored rounded, and weights under MIN_WEIGHT dropped: a fifth of the file, the same
# readings on the tuning files.
DIGITS, MIN_WEIGHT = 3, 0.01


@dataclass(frozen=True)
class FlagReading:
    urgency: Urgency
    probability: float  # that the words report a red flag at all


class LearnedFlags:
    """Weights per class (``_none`` and the urgencies); :meth:`read` gives the reading."""

    def __init__(self, weights: Mapping[str, Mapping[str, float]], bias: Mapping[str, float],
                 threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.classes = tuple(sorted(bias))
        self.weights = {c: dict(weights.get(c, {})) for c in self.classes}
        self.bias = dict(bias)

    def probabilities(self, text: str) -> dict[str, float]:
        found = set(features(text))
        return _softmax({c: self.bias[c] + sum(self.weights[c].get(f, 0.0) for f in found)
                         for c in self.classes})

    def read(self, text: str) -> FlagReading | None:
        """The most likely urgency, when the words are likely enough a red flag."""
        if not normalise(text):
            return None
        p = self.probabilities(text)
        flag = 1.0 - p.get(NONE, 0.0)
        levels = [c for c in self.classes if c != NONE]
        if flag < self.threshold or not levels:
            return None
        best = max(levels, key=lambda c: (p[c], -URGENCY_ORDER.index(cast(Urgency, c))))
        return FlagReading(cast(Urgency, best), flag)

    def to_json(self) -> str:
        body = {
            "format": FORMAT,
            "bias": {c: round(self.bias[c], DIGITS) for c in self.classes},
            "weights": {c: dict(sorted(self.weights[c].items())) for c in self.classes},
        }
        return json.dumps(body, indent=0, separators=(",", ":"), ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LearnedFlags:
        body = json.loads(text)
        if body.get("format") != FORMAT:
            raise ValueError(f"learned flags format {body.get('format')!r}, expected {FORMAT}")
        return cls(body["weights"], body["bias"])


def _softmax(scores: Mapping[str, float]) -> dict[str, float]:
    top = max(scores.values())  # shifted so exp() cannot overflow
    exp = {c: math.exp(v - top) for c, v in scores.items()}
    total = sum(exp.values())
    return {c: v / total for c, v in exp.items()}


def train(docs: Iterable[tuple[str, str]]) -> LearnedFlags:
    """Fit the weights over (label, text) pairs; duplicates count once."""
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[str, tuple[str, ...]]] = []
    for label, text in docs:
        key = (label, normalise(text))
        found = tuple(sorted(set(features(text))))
        if key in seen or not found:
            continue
        seen.add(key)
        rows.append((label, found))
    classes = sorted({label for label, _ in rows} | {NONE})
    weights: dict[str, dict[str, float]] = {c: {} for c in classes}
    bias = dict.fromkeys(classes, 0.0)
    shuffle = random.Random(SEED)
    for _ in range(EPOCHS):
        shuffle.shuffle(rows)
        for label, found in rows:
            p = _softmax({c: bias[c] + sum(weights[c].get(f, 0.0) for f in found)
                          for c in classes})
            for c in classes:
                grad = p[c] - (1.0 if c == label else 0.0)
                bias[c] -= RATE * grad
                w = weights[c]
                for f in found:
                    old = w.get(f, 0.0)
                    w[f] = old - RATE * (grad + L2 * old)
    kept = {c: {f: round(v, DIGITS) for f, v in w.items() if abs(v) >= MIN_WEIGHT}
            for c, w in weights.items()}
    return LearnedFlags(kept, {c: round(b, DIGITS) for c, b in bias.items()})


# Dialog states whose items answer a safety question: their label is the question's
# ("I don't know" after "Is it only in one leg?" is an emergency), not the words'.
ANSWER_STATES = frozenset({"numbness_followup", "fall_followup", "bladder_followup"})


def phrasing_docs(items: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(label, words): a red flag's urgency (a vague cue asked about counts at its
    level), ``_none`` for ordinary talk and for requests. Answers to a safety question
    are left out (``ANSWER_STATES``)."""
    out: list[tuple[str, str]] = []
    for item in items:
        say, expect, level = item.get("say"), item.get("expect"), item.get("level")
        if not isinstance(say, str) or item.get("state") in ANSWER_STATES:
            continue
        if expect in ("red_flag", "clarify") and level in URGENCY_ORDER:
            out.append((str(level), say))
        elif expect in ("ordinary", "intent"):
            out.append((NONE, say))
    return out


def build(phrasing_paths: Sequence[Path]) -> LearnedFlags:
    """Train on the phrasing files (sorted: one result per data)."""
    import yaml

    refuse_heldout(phrasing_paths)
    docs: list[tuple[str, str]] = []
    for path in sorted(phrasing_paths):
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        items = raw.get("items") if isinstance(raw, dict) else None
        docs += phrasing_docs(items or [])
    return train(docs)


@cache
def default_flags() -> LearnedFlags:
    """The committed model, loaded once per process."""
    text = files("skill.understanding").joinpath(ARTEFACT).read_text(encoding="utf-8")
    return LearnedFlags.from_json(text)


def second_reading(rules: TriageRules, heard: str | None, flags: LearnedFlags | None,
                   ruled: Reading | None = None) -> Assessment | None:
    """The learned answer for words the rules place no symptom in, or None. Words the
    rules read as a denial, someone else's, a hypothetical or bedtime talk stay theirs.
    ``ruled``: the rules' :func:`read_text` of the words, when the caller has it."""
    if flags is None or not heard or not heard.strip() or is_ordinary(rules, heard):
        return None
    ruled = ruled if ruled is not None else read_text(rules, heard)
    if ruled.found or ruled.discounted:
        return None
    reading = flags.read(heard)
    if reading is None:
        return None
    return Assessment("answer", None, reading.urgency)


def assess_words(rules: TriageRules, resolved_id: str | None, heard: str | None, *,
                 free_text: bool = False, flags: LearnedFlags | None = None) -> Assessment:
    """:func:`skill.core.triage.assess`, then the learned reading where the rules
    found no symptom: every place a person's words reach triage calls this."""
    ruled = read_text(rules, heard)  # once, for the rules and the check beside them
    found = assess(rules, resolved_id, heard, free_text=free_text, reading=ruled)
    if found.kind == "answer" or (found.kind == "clarify" and found.symptom is not None):
        return found
    if resolved_id is not None:
        return found  # a resolved slot value is the model's, not free words
    learned = second_reading(rules, heard, flags, ruled)
    return learned if learned is not None else found
