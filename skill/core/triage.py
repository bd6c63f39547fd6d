"""Red-flag triage: which symptom means which urgency (pure, data-driven).

The rules live in ``content/en/safety.yaml`` (section ``triage``) so a clinician
can review them without reading code. This module only parses them, picks the
most urgent of several symptoms, and recognises a symptom in free text that the
interaction model's slot values did not resolve (Alexa passes such words through
as ER_SUCCESS_NO_MATCH).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Urgency = Literal["emergency", "urgent", "same_day", "doctor", "gp"]
# Most urgent first: when several symptoms are named, the earliest urgency wins.
URGENCY_ORDER: tuple[Urgency, ...] = ("emergency", "urgent", "same_day", "doctor", "gp")

_WORD = re.compile(r"[a-z0-9]+")


class SymptomRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    urgency: Urgency
    # Each cue is a few words that must all appear (as word prefixes) in the text.
    cues: tuple[str, ...] = Field(min_length=1)
    # Words that veto this rule ("fall asleep" is not a fall).
    unless: tuple[str, ...] = ()


class TriageRules(BaseModel):
    """The ``triage`` content section."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    symptoms: dict[str, SymptomRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_urgency_has_a_symptom(self) -> TriageRules:
        used = {rule.urgency for rule in self.symptoms.values()}
        missing = set(URGENCY_ORDER) - used
        if missing:
            raise ValueError(f"no symptom maps to urgency {sorted(missing)}")
        return self

    def check_sources(self, sources: set[str]) -> None:
        if self.source not in sources:
            raise ValueError(f"unknown source {self.source!r}")

    def urgency_of(self, symptom_id: str) -> Urgency | None:
        rule = self.symptoms.get(symptom_id)
        return rule.urgency if rule is not None else None


def most_urgent(urgencies: Iterable[Urgency | None]) -> Urgency | None:
    found = [u for u in urgencies if u is not None]
    if not found:
        return None
    return min(found, key=URGENCY_ORDER.index)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _cue_matches(cue: str, words: Sequence[str]) -> bool:
    return all(any(w.startswith(part) for w in words) for part in _words(cue))


def classify(rules: TriageRules, text: str | None) -> str | None:
    """The most urgent symptom whose cue appears in ``text``, or None.

    Cue parts match word prefixes ("numb" matches "numbness"), so the content can
    stay short. Checking the most urgent rules first means "numb between my legs"
    is never mistaken for one numb leg.
    """
    if not text:
        return None
    words = _words(text)
    by_urgency = sorted(
        rules.symptoms.items(), key=lambda item: URGENCY_ORDER.index(item[1].urgency)
    )
    for symptom_id, rule in by_urgency:
        if any(_cue_matches(veto, words) for veto in rule.unless):
            continue
        if any(_cue_matches(cue, words) for cue in rule.cues):
            return symptom_id
    return None


def triage(
    rules: TriageRules, resolved_id: str | None, heard: str | None
) -> tuple[str | None, Urgency | None]:
    """(symptom id, urgency) for one red-flag request.

    A resolved slot id wins when it is known; otherwise the heard words are
    classified. The more urgent of the two is kept when both say something, so a
    loosely resolved value can never lower the urgency of what was actually said.
    """
    candidates: list[str] = []
    if resolved_id is not None and resolved_id in rules.symptoms:
        candidates.append(resolved_id)
    guessed = classify(rules, heard)
    if guessed is not None:
        candidates.append(guessed)
    if not candidates:
        return None, None
    best = min(candidates, key=lambda s: URGENCY_ORDER.index(rules.symptoms[s].urgency))
    return best, rules.symptoms[best].urgency
