"""HIPREST_PROFILE=public: the skill still answers, but stores nothing about health.

Alexa's policy rejects skills that collect information about a person's physical
health unless they are HIPAA-eligible, so the public profile gives spoken feedback
and keeps no scores, painful side or red flags, and puts no health data on a card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.builder import build_skill
from skill.content import default_library
from skill.conversation import Conversation
from skill.deps import Deps
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.settings import SettingsError, load_settings
from skill.store.sqlite import SqliteStore
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock, run_script

USER = Caller().user_id


@pytest.fixture
def public(tmp_path: Path, store: SqliteStore, clock: FakeClock) -> Conversation:
    # The shared store fixture, read back by the tests; only the profile differs.
    settings = load_settings(dev=True, data_dir=tmp_path / "data", profile="public")
    deps = Deps(settings=settings, store=store, content=default_library(), clock=clock)
    return make_conversation(SkillRuntime(build_skill(deps)), clock)


def _health_keys(doc: dict[str, Any]) -> dict[str, Any]:
    found = {k: doc[k] for k in ("checkin", "checkin_archive", "safety") if k in doc}
    if isinstance(doc.get("profile"), dict) and doc["profile"].get("painful_side"):
        found["painful_side"] = doc["profile"]["painful_side"]
    return found


def test_public_check_in_gives_feedback_says_it_keeps_nothing_and_stores_nothing(
    public: Conversation, store: SqliteStore
) -> None:
    run_script(public, """
        U: my stiffness is 6
        A: Got it, 6 for this morning
        A: doesn't keep your scores
        A: !delete my data
        A: <ends>
    """)
    assert _health_keys(store.load(USER)) == {}


def test_public_week_summary_says_there_is_no_history_and_sends_no_card(
    public: Conversation,
) -> None:
    run_script(public, "U: my stiffness is 4")
    (ex,) = run_script(public, """
        U: how was my week
        A: doesn't keep your morning scores
        A: <ends>
    """)
    assert ex.card is None


def test_public_summary_for_a_physio_sends_no_card(public: Conversation) -> None:
    (ex,) = run_script(public, """
        U: send my summary to my phone
        A: no summary to send
        A: <ends>
    """)
    assert ex.card is None


def test_public_profile_keeps_neither_the_painful_side_nor_red_flags(
    public: Conversation, store: SqliteStore
) -> None:
    run_script(public, """
        U: my right hip hurts which side should i sleep on
        A: left
    """)
    run_script(public, """
        U: i have numbness between my legs
        A: 911
    """)
    assert _health_keys(store.load(USER)) == {}


def test_private_profile_is_the_default_and_keeps_the_history(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, "U: my stiffness is 6\nA: delete my data")
    assert store.load(USER)["checkin"]["days"]


def test_an_unknown_profile_is_refused_with_the_variable_named() -> None:
    with pytest.raises(SettingsError, match="HIPREST_PROFILE"):
        load_settings(dev=True, profile="beta")
