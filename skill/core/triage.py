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
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skill.textnorm import normalise

Urgency = Literal["emergency", "urgent", "same_day", "doctor", "gp"]
# Most urgent first: when several symptoms are named, the earliest urgency wins.
URGENCY_ORDER: tuple[Urgency, ...] = ("emergency", "urgent", "same_day", "doctor", "gp")

_WORD = re.compile(r"[a-z0-9]+")
_FILLERS = frozenset({
    "a", "an", "the", "i", "me", "my", "it", "its", "is", "am", "are", "was", "be", "been",
    "feel", "feels", "felt", "feeling", "this", "that", "in", "on", "of", "and", "or", "so",
    "just", "really", "very", "bit", "little", "quite", "now", "there", "here", "some", "much",
})


class SymptomRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    urgency: Urgency
    # Each cue is a few words that must all appear (as word prefixes) in the text.
    cues: tuple[str, ...] = Field(min_length=1)
    # Words that veto this rule ("fall asleep" is not a fall).
    unless: tuple[str, ...] = ()
    # Ambiguous words ("numb" with no body part): ask before answering, and rank
    # just after the specific rules of the same urgency.
    clarify: bool = False
    # Content key of the answer, when not ``safety.<urgency>``.
    say: str | None = None


class TriageRules(BaseModel):
    """The ``triage`` content section."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    symptoms: dict[str, SymptomRule] = Field(min_length=1)
    # Bedtime words that are no symptom ("a stretch", "relaxed"): words made only of
    # these (and fillers) are ordinary talk, not a red flag to ask about.
    ordinary: tuple[str, ...] = ()

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
    # Alexa's slot text says "can't"; the cues say "cannot", as the dev matcher does.
    return _WORD.findall(normalise(text))


def _cue_matches(cue: str, words: Sequence[str]) -> bool:
    return all(any(w.startswith(part) for w in words) for part in _words(cue))


def _rank(rules: TriageRules, symptom_id: str) -> tuple[int, bool]:
    rule = rules.symptoms[symptom_id]
    return URGENCY_ORDER.index(rule.urgency), rule.clarify


def classify_all(rules: TriageRules, text: str | None) -> list[str]:
    """Every symptom whose cue appears in ``text``, most urgent first."""
    if not text:
        return []
    words = _words(text)
    found = [
        symptom_id
        for symptom_id, rule in rules.symptoms.items()
        if not any(_cue_matches(veto, words) for veto in rule.unless)
        and any(_cue_matches(cue, words) for cue in rule.cues)
    ]
    return sorted(found, key=lambda s: _rank(rules, s))


def classify(rules: TriageRules, text: str | None) -> str | None:
    """The most urgent symptom whose cue appears in ``text``, or None.

    Cue parts match word prefixes ("numb" matches "numbness"), so the content can
    stay short. Checking the most urgent rules first means "numb between my legs"
    is never mistaken for one numb leg.
    """
    found = classify_all(rules, text)
    return found[0] if found else None


def is_ordinary(rules: TriageRules, text: str | None) -> bool:
    """True when every word of ``text`` is a filler or an ordinary bedtime word."""
    words = [w for w in _words(text or "") if w not in _FILLERS]
    return bool(words) and all(
        any(w.startswith(o) for o in rules.ordinary) for w in words
    )


def candidates(rules: TriageRules, resolved_id: str | None, heard: str | None) -> list[str]:
    """Every reading of one red-flag request, most urgent first.

    The id from entity resolution comes with the heard words' readings; the more
    urgent wins, so a loosely resolved value never lowers the urgency of what was
    said. A specific resolved id (the user named a body part) drops the ambiguous
    readings of the same words.
    """
    found: list[str] = []
    known = resolved_id is not None and resolved_id in rules.symptoms
    if known:
        assert resolved_id is not None
        found.append(resolved_id)
    specific = known and not rules.symptoms[resolved_id or ""].clarify
    for symptom_id in classify_all(rules, heard):
        if symptom_id in found or (specific and rules.symptoms[symptom_id].clarify):
            continue
        found.append(symptom_id)
    return sorted(found, key=lambda s: _rank(rules, s))


def triage(
    rules: TriageRules, resolved_id: str | None, heard: str | None
) -> tuple[str | None, Urgency | None]:
    """(symptom id, urgency) of the most urgent reading of one red-flag request."""
    found = candidates(rules, resolved_id, heard)
    if not found:
        return None, None
    return found[0], rules.symptoms[found[0]].urgency


AssessmentKind = Literal["answer", "clarify", "ordinary"]


@dataclass(frozen=True)
class Assessment:
    """What to do with one red-flag request.

    ``answer``: say the answer for ``symptom``/``urgency`` (both None: the cautious
    general answer). ``clarify``: ask before answering; ``symptom`` is the ambiguous
    reading (None: words we cannot place) and ``also`` the most urgent specific
    reading heard with it, if any. ``ordinary``: no symptom at all, only bedtime words.
    """

    kind: AssessmentKind
    symptom: str | None = None
    urgency: Urgency | None = None
    also: str | None = None


def assess(rules: TriageRules, resolved_id: str | None, heard: str | None) -> Assessment:
    found = candidates(rules, resolved_id, heard)
    if found:
        best = rules.symptoms[found[0]]
        if best.clarify:
            also = next((s for s in found if not rules.symptoms[s].clarify), None)
            return Assessment("clarify", found[0], best.urgency, also)
        return Assessment("answer", found[0], best.urgency)
    if not heard or not heard.strip():
        # Samples without a symptom are unambiguous ("this is an emergency").
        return Assessment("answer")
    if is_ordinary(rules, heard):
        return Assessment("ordinary")
    return Assessment("clarify")
