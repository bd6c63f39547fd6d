"""Reminders by voice through the real runtime, against a fake Alexa API on 127.0.0.1:
permission by voice (AskFor / Connections.Response), create, list, cancel, every
failure spoken, and the progressive "one moment"."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from skill import envelopes
from skill.builder import build_skill
from skill.conversation import Conversation, Exchange
from skill.deps import Deps
from skill.handlers.reminders import ASK_TOKEN, SCOPE
from skill.progressive import ProgressiveClient
from skill.reminders_api import RemindersClient
from skill.runtime import SkillRuntime
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock, run_script
from tests.support.fake_alexa import FakeAlexa, fake_alexa

GRANTED = {SCOPE: "GRANTED"}


@pytest.fixture
def fake() -> Iterator[FakeAlexa]:
    with fake_alexa() as server:
        yield server


@pytest.fixture
def night_clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))


def _convo(deps: Deps, clock: FakeClock, fake: FakeAlexa, **caller: Any) -> Conversation:
    deps.clock = clock
    deps.apis["reminders"] = RemindersClient(timeout=0.5, allow_loopback=True)
    deps.apis["progressive"] = ProgressiveClient(wait=True, allow_loopback=True)
    runtime = SkillRuntime(build_skill(deps))
    return make_conversation(runtime, clock, api_endpoint=fake.url, **caller)


def _permission_answer(convo: Conversation, status: str, card: bool = False) -> Exchange:
    body = envelopes.request_body(
        "Connections.Response",
        locale="en-US",
        now=convo.clock(),
        extra={
            "name": "AskFor",
            "status": {"code": "200", "message": "OK"},
            "token": ASK_TOKEN,
            "payload": {
                "permissionScope": SCOPE,
                "status": status,
                "isCardThrown": "true" if card else "false",
            },
        },
    )
    env = envelopes.envelope(
        body, convo.caller, session_id=convo.session_id, new=False, attributes=convo.attributes
    )
    return convo.send(env)


def test_set_reminder_with_consent_posts_a_daily_recurrence_in_the_users_zone(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    deps.apis["timezone"] = lambda turn: "Europe/London"
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    run_script(
        convo,
        """
        U: remind me to stretch at nine thirty every night
        A: remind you to do your bedtime stretch at 9:30 PM, every day
        A: check in each morning too
        U: no
        A: rest easy
        A: <ends>
        """,
    )
    (post,) = fake.calls("POST")
    assert post.headers["Authorization"] == "Bearer dev-token"
    trigger = post.body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["timeZoneId"] == "Europe/London"
    assert trigger["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=30;BYSECOND=0"
    ]
    # 20:00 UTC is 20:00 in London in March: the first one is tonight.
    assert trigger["recurrence"]["startDateTime"] == "2026-03-10T21:30:00.000"
    (spoken,) = post.body["alertInfo"]["spokenInfo"]["content"]
    assert spoken["locale"] == "en-US" and "stretch" in spoken["text"]


def test_yes_to_the_follow_up_sets_the_morning_check_in_at_the_default_time(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    run_script(
        convo,
        """
        U: remind me to stretch every night
        A: 9:30 PM
        U: yes
        A: check in with Hip Rest at 7:30 AM
        A: <ends>
        """,
    )
    rules = [c.body["trigger"]["recurrence"]["recurrenceRules"][0] for c in fake.calls("POST")]
    assert rules == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=30;BYSECOND=0",
        "FREQ=DAILY;BYHOUR=7;BYMINUTE=30;BYSECOND=0",
    ]


def test_without_consent_alexa_is_asked_by_voice_and_nothing_is_posted(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake)
    exchange = convo.say("remind me to check in each morning")
    (directive,) = exchange.directives
    assert directive["type"] == "Connections.SendRequest"
    assert directive["name"] == "AskFor"
    assert directive["token"] == ASK_TOKEN
    assert directive["payload"] == {
        "@type": "AskForPermissionsConsentRequest",
        "@version": "2",
        "permissionScopes": [{"permissionScope": SCOPE, "consentLevel": "ACCOUNT"}],
    }
    assert "shouldEndSession" not in exchange.body  # Alexa leads the permission prompt
    assert "outputSpeech" not in exchange.body
    assert fake.calls("POST") == []


def _ask_then(convo: Conversation, status: str, card: bool = False) -> Exchange:
    first = convo.say("remind me to check in each morning")
    assert first.directives[0]["type"] == "Connections.SendRequest"
    # Alexa resumes the same session with our attributes and the answer.
    convo.session_id = first.request["session"]["sessionId"]
    convo.attributes = first.session_attributes
    return _permission_answer(convo, status, card)


def test_accepted_permission_creates_the_planned_reminder(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake)
    answer = _ask_then(convo, "ACCEPTED")
    assert "check in with Hip Rest at 7:30 AM" in answer.text
    assert not answer.problems()
    (post,) = fake.calls("POST")
    assert post.body["trigger"]["recurrence"]["recurrenceRules"][0].startswith(
        "FREQ=DAILY;BYHOUR=7;BYMINUTE=30"
    )


def test_accepted_permission_without_the_session_finds_the_plan_in_storage(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake)
    first = convo.say("remind me to stretch every night")
    assert first.directives[0]["type"] == "Connections.SendRequest"
    convo.session_id, convo.attributes = None, {}
    answer = _permission_answer(convo, "ACCEPTED")
    assert "9:30 PM" in answer.text
    assert len(fake.calls("POST")) == 1


def test_a_stale_stored_plan_is_not_set_on_a_late_answer(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake)
    convo.say("remind me to stretch every night")
    convo.session_id, convo.attributes = None, {}
    night_clock.advance(hours=2)
    answer = _permission_answer(convo, "ACCEPTED")
    assert "which one would you like" in answer.text.lower()
    assert fake.calls("POST") == []


@pytest.mark.parametrize(
    ("status", "card", "said"),
    [
        ("DENIED", False, "no reminder.*Alexa app"),
        ("NOT_ANSWERED", False, "didn't hear an answer"),
        ("NOT_ANSWERED", True, "note in the Alexa app"),
    ],
)
def test_denied_or_unanswered_permission_is_spoken_and_nothing_is_set(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa, status: str, card: bool, said: str
) -> None:
    import re

    convo = _convo(deps, night_clock, fake)
    answer = _ask_then(convo, status, card)
    assert re.search(said, answer.text, re.I), answer.text
    assert answer.ended
    assert fake.calls("POST") == []


def test_a_403_from_the_api_asks_for_permission_instead_of_failing(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    fake.status["/v1/alerts/reminders"] = 403
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    exchange = convo.say("remind me to stretch every night")
    assert exchange.directives[0]["type"] == "Connections.SendRequest"


@pytest.mark.parametrize(
    ("status", "raw", "said"),
    [
        (401, b"", "isn't allowed to manage reminders"),
        (429, b"", "busy right now"),
        (500, b"", "busy right now"),
        (503, b"", "busy right now"),
        (400, b'{"code": "INVALID_TIMEZONE"}', "nothing was changed"),
        (None, b"<html>not json</html>", "nothing was changed"),
        (None, b'{"no": "token"}', "nothing was changed"),
    ],
)
def test_every_api_failure_after_consent_has_its_own_clear_sentence(
    deps: Deps,
    night_clock: FakeClock,
    fake: FakeAlexa,
    status: int | None,
    raw: bytes,
    said: str,
) -> None:
    if status is not None:
        fake.status["/v1/alerts/reminders"] = status
    fake.raw["/v1/alerts/reminders"] = raw
    convo = _convo(deps, night_clock, fake)
    answer = _ask_then(convo, "ACCEPTED")
    assert "couldn't set that reminder" in answer.text
    assert said.lower() in answer.text.lower()
    assert answer.ended and not answer.problems()


def test_a_slow_api_times_out_and_says_so(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    fake.delay = 1.5
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    started = time.monotonic()
    exchange = convo.say("remind me to stretch every night")
    elapsed = time.monotonic() - started
    assert "didn't answer in time" in exchange.text
    assert elapsed < 4  # the client timeout (0.5 s) plus the progressive thread join


def test_an_unknown_time_zone_with_a_settings_api_refuses_rather_than_guess(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    deps.apis["timezone"] = lambda turn: None
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    exchange = convo.say("remind me to stretch every night")
    assert "time zone" in exchange.text
    assert fake.calls("POST") == []


def test_progressive_response_is_posted_with_the_request_id(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    exchange = convo.say("remind me to stretch every night")
    (sent,) = fake.directives()
    assert sent.body["header"]["requestId"] == exchange.request["request"]["requestId"]
    assert sent.body["directive"]["type"] == "VoicePlayer.Speak"
    assert "One moment" in sent.body["directive"]["speech"]
    assert sent.headers["Authorization"] == "Bearer dev-token"


def test_list_and_cancel_only_touch_hip_rest_reminders(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    run_script(
        convo,
        """
        U: remind me to stretch at ten every night
        A: 10 PM
        U: yes
        A: 7:30 AM
        U: what reminders do i have
        A: 2 Hip Rest reminders: check in with Hip Rest at 7:30 AM, and do your bedtime stretch
        A: cancel all of them
        U: no
        A: stay as they are
        U: cancel my stretch reminder
        A: cancelled the reminder to do your bedtime stretch at 10 PM
        U: list my reminders
        A: one Hip Rest reminder: check in with Hip Rest at 7:30 AM
        U: yes
        A: cancelled the reminder to check in
        U: list my reminders
        A: don't have any Hip Rest reminders
        """,
    )
    assert len(fake.calls("DELETE")) == 2
    assert fake.alerts == {}


def test_cancel_when_the_api_fails_keeps_the_user_informed(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    convo.say("remind me to stretch every night")
    fake.status["/v1/alerts/reminders/"] = 500
    exchange = convo.say("cancel my stretch reminder")
    assert "couldn't cancel" in exchange.text and "busy" in exchange.text


def test_listing_without_permission_explains_how_to_allow_it(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake)
    exchange = convo.say("what reminders do i have")
    assert "allow reminders" in exchange.text
    assert fake.received == []


def test_a_time_without_a_kind_is_confirmed_before_anything_is_set(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    run_script(
        convo,
        """
        U: remind me at nine
        A: Shall I remind you to do your bedtime stretch at 9 PM
        U: no
        A: Which reminder would you like|remind me to check in
        """,
    )
    assert fake.calls("POST") == []


def test_console_stand_in_sets_lists_and_cancels_without_any_network(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: remind me to check in each morning
        A: 7:30 AM
        U: no
        U: what reminders do i have
        A: one Hip Rest reminder
        U: yes
        A: cancelled
        """,
    )


def test_request_json_is_what_the_reminders_api_documents(
    deps: Deps, night_clock: FakeClock, fake: FakeAlexa
) -> None:
    convo = _convo(deps, night_clock, fake, permissions=GRANTED)
    convo.say("remind me to stretch every night")
    (post,) = fake.calls("POST")
    assert post.headers["Content-Type"] == "application/json"
    assert set(post.body) == {"requestTime", "trigger", "alertInfo", "pushNotification"}
    assert post.body["pushNotification"] == {"status": "ENABLED"}
    json.dumps(post.body)  # plain JSON all the way down
