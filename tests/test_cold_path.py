"""The Lambda cold path stays light, and what was made lazy for it behaves the same.

Performance round 3 (docs/performance.md): settings without pydantic-settings,
content merged per locale on first use, outbound HTTP and the matcher imported
only when used.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill import envelopes
from skill.content import CONTENT_DIR, ContentError, load_library
from skill.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

_PROBE = """
import json, sys
import skill.lambda_function as entry
after_import = sorted(m for m in ("flask", "pydantic_settings", "urllib.request", "skill.matcher")
                      if m in sys.modules)
out = entry.lambda_handler(json.loads(sys.argv[1]), None)
# (urllib.request may load now: a new user's first launch asks the Settings API for a zone.)
after_answer = sorted(
    m for m in ("flask", "pydantic_settings", "skill.matcher") if m in sys.modules
)
print(json.dumps({"import": after_import, "answer": after_answer,
                  "spoke": bool(out.get("response", {}).get("outputSpeech"))}))
"""


def test_lambda_entry_imports_no_flask_matcher_settings_library_or_urllib(tmp_path: Path) -> None:
    caller = envelopes.Caller(
        user_id="amzn1.ask.account.COLD", application_id=SKILL_ID, api_endpoint="http://127.0.0.1:9"
    )
    event = envelopes.launch(caller, datetime.now(UTC))
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HIPREST_SKILL_ID": SKILL_ID,
        "HIPREST_DATA_DIR": str(tmp_path),
        "HIPREST_STORE": "sqlite",
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(event)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["spoke"]
    assert seen["import"] == []
    assert seen["answer"] == []


def test_settings_read_prefixed_environment_case_insensitively(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HIPREST_SKILL_ID", SKILL_ID)
    monkeypatch.setenv("hiprest_verify_requests", "0")
    monkeypatch.setenv("HIPREST_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("HIPREST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HIPREST_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.skill_id == SKILL_ID
    assert settings.verify_requests is False
    assert settings.max_body_bytes == 2048
    assert settings.data_dir == tmp_path
    assert settings.log_level == "DEBUG"


def test_settings_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPREST_DEV", "false")
    assert load_settings(dev=True).dev is True


def test_bad_environment_value_is_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPREST_SKILL_ID", SKILL_ID)
    monkeypatch.setenv("HIPREST_MAX_BODY_BYTES", "lots")
    with pytest.raises(SettingsError, match="HIPREST_MAX_BODY_BYTES"):
        load_settings()


def _content_with_broken_overlay(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    (root / "en-GB" / "broken.yaml").write_text(
        "phrases:\n  no.such.base.item:\n    say: hello\n    source: nope\n", encoding="utf-8"
    )
    return root


def test_lazy_library_validates_a_locale_on_first_use(tmp_path: Path) -> None:
    root = _content_with_broken_overlay(tmp_path)
    library = load_library(root, lazy=True)
    assert library.for_locale("en-US").locale == "en-US"
    with pytest.raises(ContentError, match="en-GB"):
        library.for_locale("en-GB")


def test_eager_library_still_validates_every_locale(tmp_path: Path) -> None:
    root = _content_with_broken_overlay(tmp_path)
    with pytest.raises(ContentError, match="en-GB"):
        load_library(root)


def test_lazy_and_eager_libraries_hold_the_same_content() -> None:
    eager = load_library()
    lazy = load_library(lazy=True)
    assert lazy.locales == eager.locales
    for locale in eager.locales:
        assert lazy.for_locale(locale) == eager.for_locale(locale)
    assert lazy.for_locale("fr-FR").locale == "en-US"
    assert lazy.for_locale(None).locale == "en-US"
