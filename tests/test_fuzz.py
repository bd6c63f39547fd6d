"""Fuzzed envelopes against the dev app (verification off), through Flask's test
client: fields removed, wrong types, unknown request types and intents, hostile
slot values for every intent of the model, damaged session and stored state.

However hostile the request: never a 5xx, every 200 carries SSML within
Alexa's limits, the answer stays small, and a refused request changes nothing.
``python -m tests.stress --cases 10000`` runs the same generators at scale.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import envelopes
from skill.envelopes import Caller, SlotInput
from skill.store.patch import SetOp
from tests.support.fuzz import (
    HOSTILE_STRINGS,
    NOW,
    USERS,
    Case,
    Harness,
    judge,
    model_intents,
)

FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(tmp_path_factory.mktemp("fuzz"))
    yield h
    h.close()


def test_harvest_reached_real_state_of_the_capabilities(harness: Harness) -> None:
    # Damaging state only proves something if genuine state was reached first.
    assert harness.corpus.sessions, "no session attributes were ever set"
    assert any("pending" in s for s in harness.corpus.sessions)
    assert harness.corpus.docs and "profile" in harness.corpus.namespaces


@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_envelopes_never_break_the_skill(harness: Harness, data: st.DataObject) -> None:
    case: Case = data.draw(harness.strategy())
    outcome = harness.run(case)
    assert outcome.problems == [], (case.label, outcome.status, case.body[:500])


@pytest.mark.parametrize("intent", [i.name for i in model_intents()])
def test_every_intent_survives_every_hostile_slot_value(harness: Harness, intent: str) -> None:
    spec = next(i for i in harness.intents if i.name == intent)
    caller = Caller(user_id=USERS[0])
    limit = harness.deps.settings.max_body_bytes
    for value in HOSTILE_STRINGS:
        slots = {
            name: SlotInput(value, None, None, None if t.startswith("AMAZON.") else t)
            for name, t in spec.slots
        }
        env = envelopes.intent(caller, NOW, intent, slots, new=False)
        body = json.dumps(env).encode()
        outcome = harness.run(Case("intent", body, USERS[0]))
        assert outcome.problems == [], (value[:40], outcome.problems)
        # Answered, unless several 10,000-character slots outgrow the body limit or
        # the value is not text UTF-8 can carry (a lone surrogate: refused at the door).
        text_ok = _is_utf8(value) or not spec.slots
        expected = 413 if len(body) > limit else 200 if text_ok else 400
        assert outcome.status == expected, value[:40]


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize("namespace", ["profile", "bedside", "routine", "checkin", "junk"])
def test_junk_stored_under_each_namespace_is_survived_on_launch(
    harness: Harness, namespace: str
) -> None:
    for junk in ("x" * 10_000, -1, [1, 2], {"v": 99, "days": "nope"}, None, True):
        env = envelopes.launch(Caller(user_id=USERS[1]), NOW)
        case = Case("launch", json.dumps(env).encode(), USERS[1], [SetOp((namespace,), junk)])
        outcome = harness.run(case)
        assert outcome.status == 200
        assert outcome.problems == []


def test_judge_catches_what_it_claims_to(tmp_path: Path) -> None:
    # The checker itself: a 500, broken SSML and a refused-but-changed request are caught.
    assert judge(500, b"{}", {}, {})
    broken = {"response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>a</speak></speak>"}}}
    assert judge(200, json.dumps(broken).encode(), {}, {})
    assert judge(400, b"{}", {"u": {}}, {"u": {"profile": {}}})
    good = {"response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>fine</speak>"}}}
    assert judge(200, json.dumps(good).encode(), {}, {}) == []
