"""The Lambda cold path stays light, and what was made lazy for it behaves the same.

Performance round 3 (docs/performance.md): settings without pydantic-settings,
content merged per locale on first use, outbound HTTP and the matcher imported
only when used. Round 4: capability modules imported on first need
(skill.registry.Capability), so a launch imports only what a launch hook needs,
and a launch hook only when its declared stored namespace exists.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill import envelopes, speech
from skill.builder import CAPABILITIES, build_registry
from skill.content import _SAFE_LOADER, CONTENT_DIR, ContentError, load_library
from skill.deps import Deps
from skill.registry import Capability, CapabilityError, Registry
from skill.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

_PROBE = """
import gc, json, sys
import skill.lambda_function as entry
gc_after_import = gc.isenabled()
after_import = sorted(m for m in ("flask", "pydantic_settings", "urllib.request", "skill.matcher")
                      if m in sys.modules)
out = entry.lambda_handler(json.loads(sys.argv[1]), None)
# (urllib.request may load now: a new user's first launch asks the Settings API for a zone.)
after_answer = sorted(
    m for m in ("flask", "pydantic_settings", "skill.matcher") if m in sys.modules
)
again = entry.lambda_handler(json.loads(sys.argv[1]), None)
print(json.dumps({"import": after_import, "answer": after_answer,
                  "spoke": bool(out.get("response", {}).get("outputSpeech")),
                  "again": bool(again.get("response", {}).get("outputSpeech")),
                  "gc": [gc_after_import, gc.isenabled()], "frozen": gc.get_freeze_count()}))
"""


def test_lambda_entry_imports_no_flask_matcher_settings_library_or_urllib(tmp_path: Path) -> None:
    caller = envelopes.Caller(
        user_id="amzn1.ask.account.COLD", application_id=SKILL_ID, api_endpoint="http://127.0.0.1:9"
    )
    event = envelopes.launch(caller, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
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
    assert seen["again"]
    assert seen["import"] == []
    assert seen["answer"] == []
    # Collection is paused only while start-up runs, and what it built is frozen.
    assert seen["gc"] == [True, True]
    assert seen["frozen"] > 10_000


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


# -- capabilities imported on first need ---------------------------------------------

_CAPABILITY_MODULES = [spec.module for spec in CAPABILITIES]
# Modules only some capability needs; a plain launch must not pay for them.
_NOT_FOR_A_LAUNCH = [
    *(m for m in _CAPABILITY_MODULES if m != "skill.handlers.routine"),
    "skill.core.checkin",
    "skill.core.summary",
    "skill.core.reminders",
    "skill.core.bedside",
    "skill.reminders_api",
    "platformdirs",
    "xml.etree.ElementTree",
]

_SEQUENCE_PROBE = """
import gc, json, sys
import skill.lambda_function as entry
gc_after_import = gc.isenabled()
watched = json.loads(sys.argv[2])
seen = []
for event in json.loads(sys.argv[1]):
    out = entry.lambda_handler(event, None)
    speech = out.get("response", {}).get("outputSpeech") or {}
    seen.append({"loaded": sorted(m for m in watched if m in sys.modules),
                 "spoke": bool(speech), "said": speech.get("ssml", "")})
print(json.dumps(seen))
"""


def _run_fresh(tmp_path: Path, events: list[dict[str, Any]], watched: list[str]) -> list[Any]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HIPREST_SKILL_ID": SKILL_ID,
        "HIPREST_DATA_DIR": str(tmp_path),
        "HIPREST_STORE": "sqlite",
        # Dev: no Settings API call, so the probe stays on 127.0.0.1 and quick.
        "HIPREST_DEV": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _SEQUENCE_PROBE, json.dumps(events), json.dumps(watched)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen: list[Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def _caller() -> envelopes.Caller:
    return envelopes.Caller(user_id="amzn1.ask.account.LAZY", application_id=SKILL_ID)


def test_first_launch_imports_no_capability_module(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    watched = [*_NOT_FOR_A_LAUNCH, "skill.handlers.routine", "skill.core.routine"]
    (first,) = _run_fresh(tmp_path, [envelopes.launch(_caller(), now)], watched)
    assert first["spoke"]
    assert first["loaded"] == []


def test_returning_launch_without_a_stored_routine_imports_no_capability_module(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    _run_fresh(tmp_path, [envelopes.launch(_caller(), now)], [])
    watched = [*_NOT_FOR_A_LAUNCH, "skill.handlers.routine", "skill.core.routine"]
    (again,) = _run_fresh(tmp_path, [envelopes.launch(_caller(), now)], watched)
    assert again["spoke"]
    # The routine's launch hook needs the stored ``routine`` namespace: not asked.
    assert again["loaded"] == []


def test_returning_launch_with_a_routine_left_mid_way_imports_it_and_offers_to_resume(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    first = [
        envelopes.launch(_caller(), now),
        envelopes.intent(_caller(), now, "StartRoutineIntent", new=False),
    ]
    launch, started = _run_fresh(tmp_path, first, [])
    assert "carry on" not in launch["said"].lower() and started["spoke"]
    watched = [*_NOT_FOR_A_LAUNCH, "skill.handlers.routine"]
    (again,) = _run_fresh(tmp_path, [envelopes.launch(_caller(), now)], watched)
    assert "carry on" in again["said"].lower()
    # Only the capability whose launch hook could answer is imported.
    assert again["loaded"] == ["skill.handlers.routine"]


def test_an_intent_imports_capabilities_only_up_to_the_one_that_answers(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    events = [
        envelopes.launch(_caller(), now),
        envelopes.intent(_caller(), now, "NightVoiceOnIntent", new=False),
        envelopes.intent(_caller(), now, "AMAZON.StopIntent", new=False),
    ]
    launch, night, stop = _run_fresh(tmp_path, events, _CAPABILITY_MODULES)
    assert all(step["spoke"] for step in (launch, night, stop))
    assert launch["loaded"] == []
    # Capabilities registered after night voice are never asked about its intent.
    upto = _CAPABILITY_MODULES.index("skill.handlers.night") + 1
    assert night["loaded"] == sorted(_CAPABILITY_MODULES[:upto])
    # No capability claims Stop, so every one is asked before the built-in answers.
    assert stop["loaded"] == sorted(_CAPABILITY_MODULES)


def _deps(tmp_path: Path) -> Deps:
    from skill.factory import make_deps

    return make_deps(load_settings(dev=True, data_dir=tmp_path))


def _names(handlers: list[Any]) -> list[str]:
    return [type(h).__qualname__ for h in handlers]


def _flat(registry: Registry) -> tuple[list[str], dict[str, list[str]]]:
    handlers: list[Any] = []
    for handler in registry.handlers:
        handlers.extend(handler.handlers if isinstance(handler, Capability) else [handler])
    hooks: dict[str, list[str]] = {}
    for event, entries in registry.hooks.items():
        names = hooks.setdefault(event, [])
        for entry in entries:
            inner = entry.hooks_for(event) if isinstance(entry, Capability) else [entry]  # type: ignore[arg-type]
            names.extend(f"{h.__module__}.{h.__qualname__}" for h in inner)
    return _names(handlers), hooks


def test_lazy_registry_has_the_eager_handler_and_hook_order(tmp_path: Path) -> None:
    deps = _deps(tmp_path)
    lazy = build_registry(deps, lazy=True)
    eager = build_registry(deps)
    assert any(isinstance(h, Capability) for h in lazy.handlers)
    # Loading every capability also checks each module against its declaration.
    assert _flat(lazy) == _flat(eager)


def test_capability_with_an_undeclared_hook_or_request_type_fails_to_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cold_fake_capability.py").write_text(
        "from skill.handlers.base import RequestTypeHandler\n"
        "class Connections(RequestTypeHandler):\n"
        "    request_types = ('Connections.Response',)\n"
        "    def reply(self, turn):\n"
        "        raise AssertionError\n"
        "def register(registry):\n"
        "    registry.add(Connections(registry.deps))\n"
        "    registry.on('help', lambda turn: None)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    deps = _deps(tmp_path)
    no_hook = Capability(deps, "cold_fake_capability", ["Connections.Response"], ["yes"])
    with pytest.raises(CapabilityError, match="undeclared hooks"):
        no_hook.load()
    no_type = Capability(deps, "cold_fake_capability", ["IntentRequest"], ["help"])
    with pytest.raises(CapabilityError, match="undeclared"):
        no_type.load()
    assert Capability(deps, "cold_fake_capability", ["Connections.Response"], ["help"]).handlers


def test_capability_declaring_an_unknown_event_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CapabilityError, match="unknown hook events"):
        Capability(_deps(tmp_path), "skill.handlers.night", ["IntentRequest"], ["bedtime"])  # type: ignore[list-item]


def test_escape_drops_exactly_the_characters_not_fit_for_speech() -> None:
    # XML 1.0 Char, minus DEL and the C1 controls (legal XML, never meaningful speech).
    allowed = re.compile("[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    every = "".join(chr(c) for c in range(0x110000) if c not in (0x26, 0x3C, 0x3E, 0x22, 0x27))
    assert speech.escape(every) == "".join(allowed.findall(every))


# -- content parsed with the short-path loader ---------------------------------------


def test_content_loader_reads_every_shipped_file_as_safe_load_does() -> None:
    files = sorted(CONTENT_DIR.rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=_SAFE_LOADER) == yaml.safe_load(text), path.name


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: *x\n",
        "base: &b {x: 1, y: two}\nd:\n  <<: *b\n  y: 3\n",
        "1: a\nnull: c\n2.5: d\n",
        "a: [1, 2.5, yes, ~, 2024-01-02, '3', '']\n",
        "a: !!str 12\nb: !!int '7'\nc: !!float '1'\n",
        "? [1, 2]\n: x\n",
        "s: x\ns: y\n",
        "- a\n- {b: [c, {d: e}]}\n",
        "",
        "plain",
    ],
)
def test_content_loader_matches_safe_load(text: str) -> None:
    def load(loader: Any) -> Any:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            return type(exc)

    assert load(_SAFE_LOADER) == load(yaml.SafeLoader)


def test_content_loader_keeps_aliases_shared_and_refuses_python_tags() -> None:
    doc = yaml.load("a: &x {b: [1]}\nc: *x\nl: &r [*r]\n", Loader=_SAFE_LOADER)
    assert doc["a"] is doc["c"]
    assert doc["l"][0] is doc["l"]
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("a: !!python/object:os.system {}\n", Loader=_SAFE_LOADER)
