"""Contracts that tie the interaction model, the handlers and the content together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill import envelopes
from skill.checks import check_deps, claiming_handlers, referenced_keys, run_checks
from skill.content import default_library
from skill.envelopes import Caller
from skill.handlers.bedside import TOPICS
from skill.models import check_model, intent_names, load_model
from skill.settings import LOCALES

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
MODEL = load_model("en-US")


def test_hiprest_check_finds_no_drift() -> None:
    assert run_checks() == []


@pytest.mark.parametrize("intent", intent_names(MODEL))
def test_every_intent_has_exactly_one_handler(intent: str) -> None:
    deps = check_deps()
    claimed = claiming_handlers(deps, envelopes.intent(Caller(), NOW, intent, new=False))
    assert len(claimed) == 1, [type(h).__name__ for h in claimed]


@pytest.mark.parametrize(
    "fixture",
    [
        envelopes.launch(Caller(), NOW),
        envelopes.session_ended(Caller(), NOW, new=False),
        envelopes.skill_event(Caller(), NOW, "AlexaSkillEvent.SkillDisabled"),
        envelopes.envelope(
            envelopes.request_body(
                "System.ExceptionEncountered",
                locale="en-US",
                now=NOW,
                extra={"error": {"type": "INVALID_RESPONSE"}, "cause": {"requestId": "r"}},
            ),
            Caller(),
            with_session=False,
        ),
    ],
    ids=["launch", "session-ended", "skill-disabled", "exception-encountered"],
)
def test_each_request_type_fixture_has_exactly_one_handler(fixture: dict[str, object]) -> None:
    claimed = claiming_handlers(check_deps(), fixture)
    assert len(claimed) == 1, [type(h).__name__ for h in claimed]


def test_no_sample_utterance_is_in_two_intents() -> None:
    assert [p for p in check_model(MODEL) if "is in both" in p] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_content_key_the_code_names_exists_in_every_locale(locale: str) -> None:
    phrases = default_library().for_locale(locale).phrases
    keys = set(referenced_keys())
    for answer, offer in TOPICS.values():
        keys |= {answer, offer}
    assert sorted(k for k in keys if k not in phrases) == []


def test_the_key_scan_really_finds_keys() -> None:
    # Guards the contract above against a regex that silently matches nothing.
    keys = referenced_keys()
    assert {"launch.first", "help.main", "goodbye"} <= set(keys)
