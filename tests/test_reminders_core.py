"""Reminder times, bodies and answers (pure)."""

from __future__ import annotations

from datetime import datetime

import pytest

from skill.core import reminders as core
from skill.http import allowed_base
from skill.progressive import directive_body
from skill.speech import validate_ssml


@pytest.mark.parametrize(
    ("kind", "time_raw", "period", "expected"),
    [
        ("stretch", "nine thirty", "every night", (21, 30)),
        ("stretch", "nine thirty every night", None, (21, 30)),  # swallowed period
        ("stretch", "21:30", None, (21, 30)),
        ("stretch", "09:30", "every night", (21, 30)),
        ("stretch", "half past nine", None, (21, 30)),
        ("stretch", "quarter to ten", None, (21, 45)),
        ("stretch", "seven a m", None, (7, 0)),
        ("stretch", None, None, (21, 30)),
        ("checkin", None, "each morning", (7, 30)),
        ("checkin", "seven", "each morning", (7, 0)),
        ("checkin", "8:15", None, (8, 15)),
        ("checkin", "10 pm", None, (22, 0)),
        ("checkin", "NI", None, (21, 30)),
        ("checkin", "MO", None, (8, 0)),
        ("stretch", "midnight", None, (0, 0)),
        ("checkin", None, "every evening", (19, 0)),
    ],
)
def test_spoken_and_alexa_times_become_a_daily_time(
    kind: core.Kind, time_raw: str | None, period: str | None, expected: tuple[int, int]
) -> None:
    plan = core.schedule(kind, time_raw, period)
    assert plan is not None
    assert (plan.hour, plan.minute) == expected


@pytest.mark.parametrize("junk", ["banana", "25:00", "9:75", "thirty nine", "quarter past"])
def test_a_time_we_cannot_read_is_asked_again_not_guessed(junk: str) -> None:
    assert core.schedule("stretch", junk) is None


def test_next_occurrence_is_tonight_before_the_time_and_tomorrow_after() -> None:
    early = datetime(2026, 3, 10, 20, 0)
    late = datetime(2026, 3, 10, 22, 0)
    assert core.next_occurrence(early, 21, 30) == datetime(2026, 3, 10, 21, 30)
    assert core.next_occurrence(late, 21, 30) == datetime(2026, 3, 11, 21, 30)
    assert core.next_occurrence(datetime(2026, 3, 10, 21, 30), 21, 30).day == 11


def test_body_is_scheduled_absolute_daily_in_the_zone_without_offsets() -> None:
    plan = core.Schedule("stretch", 21, 30)
    body = core.reminder_body(
        plan, "Hip Rest: stretch", "en-GB", "Europe/London", datetime(2026, 3, 10, 22, 5, 33)
    )
    trigger = body["trigger"]
    assert trigger["timeZoneId"] == "Europe/London"
    assert trigger["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=30;BYSECOND=0"
    ]
    assert (
        trigger["scheduledTime"]
        == trigger["recurrence"]["startDateTime"]
        == "2026-03-11T21:30:00.000"
    )
    assert not trigger["scheduledTime"].endswith("Z")
    assert body["requestTime"] == "2026-03-10T22:05:33.000"
    assert body["alertInfo"]["spokenInfo"]["content"] == [
        {"locale": "en-GB", "text": "Hip Rest: stretch"}
    ]


def test_listing_reads_times_and_skips_damaged_or_finished_alerts() -> None:
    payload = {
        "alerts": [
            {
                "alertToken": "b",
                "status": "ON",
                "trigger": {
                    "recurrence": {"recurrenceRules": ["FREQ=DAILY;BYHOUR=21;BYMINUTE=30"]}
                },
                "alertInfo": {"spokenInfo": {"content": [{"text": "Hip Rest: stretch"}]}},
            },
            {
                "alertToken": "a",
                "status": "ON",
                "trigger": {"scheduledTime": "2026-03-11T07:30:00.000"},
                "alertInfo": {"spokenInfo": {"content": [{"text": "Hip Rest: check in"}]}},
            },
            {"alertToken": "c", "status": "COMPLETED"},
            {"status": "ON"},
            "junk",
        ]
    }
    listed = core.read_alerts(payload, tag="")
    assert [(r.token, r.hour, r.minute) for r in listed] == [("a", 7, 30), ("b", 21, 30)]
    assert core.read_alerts("junk") == [] and core.read_alerts({"alerts": "x"}) == []


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ({"alexa::alerts:reminders:skill:readwrite": {"status": "GRANTED"}}, "granted"),
        ({"alexa::alerts:reminders:skill:readwrite": {"status": "DENIED"}}, "denied"),
        ({}, "unknown"),
        (None, "unknown"),
        ({"other": {"status": "GRANTED"}}, "unknown"),
    ],
)
def test_consent_is_read_from_the_request_scopes(scopes: object, expected: str) -> None:
    assert core.consent_of(scopes, "alexa::alerts:reminders:skill:readwrite") == expected


@pytest.mark.parametrize(
    ("name", "code", "payload", "expected"),
    [
        ("AskFor", "200", {"status": "ACCEPTED"}, "accepted"),
        ("AskFor", "200", {"status": "DENIED"}, "denied"),
        ("AskFor", "200", {"status": "NOT_ANSWERED"}, "not_answered"),
        ("AskFor", "500", {"status": "ACCEPTED"}, "error"),
        ("Buy", "200", {"status": "ACCEPTED"}, "error"),
        ("AskFor", "200", None, "error"),
    ],
)
def test_connections_response_answers(name: str, code: str, payload: object, expected: str) -> None:
    assert core.permission_answer(name, code, payload) == expected


def test_spoken_clock_is_twelve_hour_text() -> None:
    assert core.spoken_clock(21, 30) == "9:30 PM"
    assert core.spoken_clock(0, 0) == "12 AM"
    assert core.spoken_clock(12, 5) == "12:05 PM"


def test_progressive_body_is_valid_ssml_and_only_goes_to_alexa_or_localhost() -> None:
    body = directive_body("req-1", "One moment & <more>")
    assert body["header"] == {"requestId": "req-1"}
    assert validate_ssml(body["directive"]["speech"]) == []
    assert allowed_base("https://api.amazonalexa.com/") == "https://api.amazonalexa.com"
    assert allowed_base("http://evil.example") is None and allowed_base(None) is None
