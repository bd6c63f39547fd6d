"""Content lint: no disease or treatment claims anywhere in content/, and no spoken
item longer than the stated limit.

Limit: 25 seconds per content item, estimated by ``skill.speech.estimate_seconds``
(2.6 words per second, long words count more): about 65 words. Someone in bed in
the dark should never have to sit through more than that at once. Structured
sections (routine steps) are timed by their own capability; this checks phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.content import CONTENT_DIR, default_library
from skill.settings import LOCALES
from skill.speech import estimate_seconds

MAX_ITEM_SECONDS = 25.0
# Claims the FDA general-wellness line and the clinical notes rule out. Word starts,
# so "treatment" and "healing" are caught too.
BANNED = re.compile(
    r"\bcur(?:e|es|ed|ing)\b|\btreat|\bheal|diagnos|\brelie(?:f|ve|ves|ving)\b|"
    r"\bfix(?:es)? your\b|\bguarantee|\bremed(?:y|ies)\b|\bprescri",
    re.I,
)
# Proper names of services, not claims about what Hip Rest does.
ALLOWED_NAMES = ("urgent treatment centre",)
# A disclaimer ("not a diagnosis", "not a substitute for ... diagnosis or treatment")
# uses the words to deny the claim: allowed when a negation comes shortly before.
NEGATION = re.compile(r"\b(?:not|no|never|nor|substitute)\b", re.I)
NEGATION_WINDOW_WORDS = 8


def _strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{where}[{index}]")


def _claims(text: str) -> list[str]:
    cleaned = text
    for name in ALLOWED_NAMES:
        cleaned = re.sub(re.escape(name), "", cleaned, flags=re.I)
    found = []
    for hit in BANNED.finditer(cleaned):
        before = cleaned[: hit.start()].split()[-NEGATION_WINDOW_WORDS:]
        if not NEGATION.search(" ".join(before)):
            found.append(hit.group(0))
    return found


# The triage section is what the skill listens for, never what it says: a person
# must be heard saying "I was treated for cancer" or "my bladder is healthy".
HEARD_SECTIONS = ("triage",)


def _all_content_strings(root: Path = CONTENT_DIR) -> Iterator[tuple[str, str]]:
    for path in sorted(root.rglob("*.yaml")):
        if path.name == "sources.yaml":
            continue  # titles of cited papers, not words we speak
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key not in HEARD_SECTIONS}
        yield from _strings(data, str(path.relative_to(root)))


def test_no_content_makes_a_disease_or_treatment_claim() -> None:
    found = [f"{where}: {_claims(text)} in {text!r}" for where, text in _all_content_strings()
             if _claims(text)]
    assert not found, "\n".join(found)


def test_the_lint_reads_spoken_safety_lines_but_not_the_words_it_listens_for(
    tmp_path: Path,
) -> None:
    (tmp_path / "safety.yaml").write_text(
        "triage:\n  symptoms:\n    x:\n      cues: [treated for cancer]\n"
        "phrases:\n  safety.x:\n    say: This treats it.\n",
        encoding="utf-8",
    )
    walked = list(_all_content_strings(tmp_path))
    assert walked == [("safety.yaml.phrases.safety.x.say", "This treats it.")]
    assert any(where.startswith("en/safety.yaml.phrases.") for where, _ in _all_content_strings())


@pytest.mark.parametrize(
    "text",
    ["This cures hip pain.", "Stretching treats tendinopathy.", "It heals the tendon.",
     "I can diagnose it.", "This relieves the pain.", "We'll fix your hip.",
     "Guaranteed to work.", "A proven remedy.",
     "This is not a gimmick: gentle stretching may ease and even heals the tendon."],
)
def test_the_lint_catches_each_kind_of_claim(text: str) -> None:
    assert _claims(text)


@pytest.mark.parametrize(
    "text",
    ["Many people find this may ease the ache.", "Call an urgent treatment centre or NHS 111.",
     "It can help you get comfortable.", "A secure hold.",
     "As a rule of thumb, not a diagnosis, that is worth checking.",
     "It is not a substitute for professional medical advice, diagnosis or treatment."],
)
def test_the_lint_leaves_careful_wording_alone(text: str) -> None:
    assert not _claims(text)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_spoken_item_fits_the_time_limit(locale: str) -> None:
    content = default_library().for_locale(locale)
    too_long = []
    for key, phrase in content.phrases.items():
        for variant in phrase.say:
            # Fill placeholders with their locale words (or a two-word stand-in).
            values = {**content.vars, **{p: "two words" for p in phrase.params}}
            seconds = estimate_seconds(variant.format_map(values))
            if seconds > MAX_ITEM_SECONDS:
                too_long.append(f"{key}: {seconds:.1f} s")
    assert not too_long, "\n".join(too_long)


def test_every_red_flag_answer_names_the_emergency_number() -> None:
    content = default_library().for_locale("en-US")
    for key in ("safety.emergency", "safety.urgent", "safety.same_day", "safety.doctor",
                "safety.gp", "safety.unclear", "safety.clarify", "safety.clarify.no",
                "safety.call_now", "safety.clarify.where", "safety.clarify.where.reprompt"):
        for variant in content.phrase(key).say:
            assert "{emergency_number}" in variant, key


# -- sources and stop rules (issue 15) -------------------------------------------------

# A stop rule names when to stop or ease off (the pain-monitoring rule's short form,
# "ease off if pain sharpens", "stop if it hurts", ...).
STOP_RULE = re.compile(r"\bstop\b|\bease off\b", re.I)
# LEAP's dosing table: static abduction, bridging, squats, side-stepping, band
# side-slides. A move citing LEAP must be one of these kinds; clams, side-lying lifts
# and fire hydrants come from the brief.
LEAP_MOVES = {
    "isometric_abduction", "isometric_abduction_light", "standing_hip_press",
    "glute_bridge", "glute_bridge_small", "lateral_band_walk", "side_steps_small",
}


def _sources_cited(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source" and isinstance(value, str):
                yield where, value
            else:
                yield from _sources_cited(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _sources_cited(value, f"{where}[{index}]")


def _cited(root: Path = CONTENT_DIR) -> list[tuple[str, str]]:
    cited: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*.yaml")):
        if path.name != "sources.yaml":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            cited += _sources_cited(data, str(path.relative_to(root)))
    return cited


def _moves() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((CONTENT_DIR / "en" / "routines.yaml").read_text(encoding="utf-8"))
    moves = data["routines"]["moves"]
    assert isinstance(moves, dict)
    return moves


def test_every_cited_source_id_exists() -> None:
    known = yaml.safe_load((CONTENT_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    cited = _cited()
    assert len(cited) > 300  # the walk reaches phrases, moves, routines and triage
    unknown = [f"{where}: {source}" for where, source in cited if source not in known]
    assert not unknown, "\n".join(unknown)


def test_the_source_walk_finds_a_made_up_source(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "phrases:\n  a.b:\n    source: nowhere\n    say: hi\n", encoding="utf-8"
    )
    assert _cited(tmp_path) == [("x.yaml.phrases.a.b", "nowhere")]


@pytest.mark.parametrize("mid", sorted(_moves()))
def test_every_exercise_has_a_stop_rule(mid: str) -> None:
    assert STOP_RULE.search(_moves()[mid]["stop"]), mid


def test_moves_citing_leap_are_ones_leap_dosed_and_the_rest_cite_the_brief() -> None:
    moves = _moves()
    assert {mid for mid, m in moves.items() if m["source"] == "leap"} <= LEAP_MOVES
    for mid in ("clam", "clam_small", "side_leg_lift", "fire_hydrant"):
        assert moves[mid]["source"] == "brief", mid
