"""Structured content sections are validated on first read when served, and all up
front for `hiprest check` and CI: broken content never ships, a launch pays for none."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skill.content import CONTENT_DIR, ContentError, load_library
from skill.sections import SECTION_MODELS, Sections, section_model

ROOT = Path(__file__).resolve().parents[1]


def _content_with_broken_routines(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    path = root / "en" / "routines.yaml"
    text = path.read_text(encoding="utf-8")
    # A routine library that is not a mapping of routines at all.
    path.write_text(text.split("routines:", 1)[0] + "routines: 5\n", encoding="utf-8")
    return root


def test_every_declared_section_model_resolves_to_a_pydantic_model() -> None:
    for name in SECTION_MODELS:
        assert section_model(name).model_fields


def test_eager_library_rejects_a_broken_section(tmp_path: Path) -> None:
    root = _content_with_broken_routines(tmp_path)
    with pytest.raises(ContentError, match="routines"):
        load_library(root)


def test_served_library_rejects_a_broken_section_when_it_is_read(tmp_path: Path) -> None:
    root = _content_with_broken_routines(tmp_path)
    content = load_library(root, lazy=True).for_locale("en-US")
    assert type(content.sections["triage"]).__name__ == "TriageRules"  # healthy ones serve
    with pytest.raises(ContentError, match="routines"):
        content.sections["routines"]
    with pytest.raises(ContentError, match="routines"):  # and again: never half-parsed
        content.sections.get("routines")


def test_unknown_section_fails_when_the_locale_loads(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    (root / "en-GB" / "extra.yaml").write_text("horoscopes: {}\n", encoding="utf-8")
    library = load_library(root, lazy=True)
    try:
        library.for_locale("en-GB")
    except ContentError as exc:
        assert "horoscopes" in str(exc)
    else:
        pytest.fail("an unknown section was accepted")


def test_a_section_is_validated_once_and_the_same_object_served_after() -> None:
    sections = load_library(lazy=True).for_locale("en-US").sections
    assert isinstance(sections, Sections)
    assert "routines" not in sections.validated
    first = sections["routines"]
    assert sections["routines"] is first
    assert "routines" in sections.validated
    assert set(sections) == set(SECTION_MODELS) & set(sections)


def test_a_launch_on_the_lambda_path_neither_imports_nor_validates_the_routines(
    tmp_path: Path,
) -> None:
    script = (
        "import json, sys\n"
        "from datetime import datetime, UTC\n"
        "from skill import envelopes\n"
        "import skill.lambda_function as entry\n"
        "event = envelopes.launch(envelopes.Caller(), datetime(2026, 12, 2, 15, 0, tzinfo=UTC))\n"
        "assert entry.lambda_handler(event, None)['response']['outputSpeech']\n"
        "from skill.content import default_library\n"
        "sections = default_library().for_locale('en-US').sections\n"
        "print(json.dumps({'validated': sorted(sections.validated),\n"
        "  'imported': 'skill.core.routine_content' in sys.modules}))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HIPREST_SKILL_ID": "amzn1.ask.skill.00000000-0000-4000-8000-000000000000",
        "HIPREST_STORE": "sqlite",
        "HIPREST_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    result = out.stdout.strip().splitlines()[-1]
    found = json.loads(result)
    assert "routines" not in found["validated"]
    assert found["imported"] is False
