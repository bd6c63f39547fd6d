"""Saying "delete my data" also deletes the user's Hip Rest reminders at Amazon
(through the Reminders API client, against the fake API on 127.0.0.1), or says it
could not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from skill.builder import build_skill
from skill.conversation import Conversation
from skill.deps import Deps
from skill.handlers.reminders import SCOPE
from skill.reminders_api import RemindersClient
from skill.runtime import SkillRuntime
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock, run_script
from tests.support.fake_alexa import FakeAlexa, fake_alexa


@pytest.fixture
def fake() -> Iterator[FakeAlexa]:
    with fake_alexa() as server:
        yield server


def _convo(deps: Deps, fake: FakeAlexa, **caller: Any) -> Conversation:
    clock = FakeClock(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    deps.clock = clock
    deps.apis["timezone"] = lambda turn: "Europe/London"
    deps.apis["reminders"] = RemindersClient(timeout=0.5, allow_loopback=True)
    runtime = SkillRuntime(build_skill(deps))
    return make_conversation(runtime, clock, api_endpoint=fake.url, **caller)


def _set_stretch_reminder(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: remind me to stretch at nine thirty every night
        A: 9:30 PM
        U: no
        A: <ends>
        """,
    )


def test_delete_my_data_deletes_the_reminders_at_amazon(deps: Deps, fake: FakeAlexa) -> None:
    convo = _convo(deps, fake, permissions={SCOPE: "GRANTED"})
    _set_stretch_reminder(convo)
    fake.alerts["alert-other"] = {"alertToken": "alert-other", "status": "ON"}  # set elsewhere
    assert len(fake.alerts) == 2
    run_script(
        convo,
        """
        U: delete my data
        A: Delete it all?
        U: yes
        A: Everything Hip Rest kept about you has been deleted.
        A: <ends>
        """,
    )
    assert fake.alerts == {}
    deleted = sorted(c.path.rsplit("/", 1)[1] for c in fake.calls("DELETE"))
    assert deleted == ["alert-1", "alert-other"]
    assert deps.store.load(convo.caller.user_id) == {}


def test_when_amazon_refuses_the_user_hears_the_reminders_remain(
    deps: Deps, fake: FakeAlexa
) -> None:
    convo = _convo(deps, fake, permissions={SCOPE: "GRANTED"})
    _set_stretch_reminder(convo)
    fake.status["/v1/alerts/reminders"] = 500
    exchange = convo.say("delete my data")
    assert exchange.reprompt
    reply = convo.say("yes")
    assert "couldn't remove your Hip Rest reminders" in reply.text
    assert "Alexa app" in reply.text
    assert deps.store.load(convo.caller.user_id) == {}  # our copy is gone regardless
    assert "alert-1" in fake.alerts


def test_without_reminders_or_permission_nothing_is_said_about_them(
    deps: Deps, fake: FakeAlexa
) -> None:
    convo = _convo(deps, fake)
    convo.say("check in")
    convo.say("four")
    fake.status["/v1/alerts/reminders"] = 401
    convo.say("delete my data")
    reply = convo.say("yes")
    assert "Everything Hip Rest kept about you has been deleted." in reply.text
    assert "reminders" not in reply.text.lower()
    assert fake.calls("DELETE") == []
