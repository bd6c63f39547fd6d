"""Night voice: the pure rule, and what the user hears (soft, slower, shorter)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from skill.conversation import Conversation
from skill.core.night import is_night, needs_local_time, soft
from skill.deps import Deps
from skill.speech import validate_ssml
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock, run_script

SOFT_MARK = 'prosody volume="soft" rate="90%"'
USER = "amzn1.ask.account.DEVUSER"


@pytest.mark.parametrize(
    ("clock", "night"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(5, 59), True),
        (time(6, 0), False),
        (time(12, 0), False),
    ],
)
def test_the_night_window_wraps_midnight(clock: time, night: bool) -> None:
    assert is_night(clock) is night


def test_an_empty_or_daytime_window_is_handled() -> None:
    assert not is_night(time(3, 0), time(6, 0), time(6, 0))
    assert is_night(time(13, 0), time(12, 0), time(14, 0))
    assert not is_night(time(15, 0), time(12, 0), time(14, 0))


@pytest.mark.parametrize(
    ("mode", "local", "expected"),
    [
        ("on", datetime(2026, 3, 10, 12, 0), True),
        ("off", datetime(2026, 3, 10, 23, 0), False),
        ("auto", datetime(2026, 3, 10, 23, 0), True),
        ("auto", datetime(2026, 3, 10, 12, 0), False),
        ("auto", None, False),  # time unknown: never guess "night"
        ("junk", datetime(2026, 3, 10, 23, 0), True),  # unknown -> auto
    ],
)
def test_an_explicit_choice_wins_and_auto_follows_the_local_night(
    mode: str, local: datetime | None, expected: bool
) -> None:
    assert soft(mode, local) is expected


def test_only_auto_needs_the_time_zone() -> None:
    assert needs_local_time("auto") and not needs_local_time("on") and not needs_local_time("off")


def test_speak_softly_is_soft_at_once_and_persists(convo: Conversation, store: SqliteStore) -> None:
    exchanges = run_script(
        convo,
        """
        U: my partner is asleep
        A: softly now|quiet voice
        A: gentle bedtime stretch
        U: no
        A: <ends>
        U: open hip rest
        U: which side should i sleep on
        """,
    )
    assert SOFT_MARK in exchanges[0].ssml
    assert all(SOFT_MARK in e.ssml for e in exchanges)
    assert store.load(USER)["profile"]["night_voice"] == "on"


def test_soft_voice_uses_the_shorter_wordings(convo: Conversation) -> None:
    normal = convo.say("open hip rest")
    normal = convo.say("open hip rest")  # returning greeting
    convo.say("speak softly")
    convo.say("no")
    quiet = convo.say("open hip rest")
    assert SOFT_MARK in quiet.ssml and SOFT_MARK not in normal.ssml
    assert len(quiet.text.split()) < len(normal.text.split())
    assert len(quiet.reprompt.split()) < len(normal.reprompt.split())
    assert validate_ssml(quiet.ssml) == []


def test_speak_normally_turns_it_off_and_offers_automatic(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: whisper
        U: no
        U: speak normally
        A: normal voice
        A: soft voice at night on my own
        U: no
        A: normal voice day and night
        A: <ends>
        """,
    )
    assert store.load(USER)["profile"]["night_voice"] == "off"
    late = FakeClock(datetime(2026, 3, 10, 23, 0, tzinfo=UTC))
    convo.clock = late
    assert SOFT_MARK not in convo.say("open hip rest").ssml


def test_yes_to_automatic_is_soft_at_night_and_normal_by_day(
    convo: Conversation, clock: FakeClock, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: speak normally
        U: yes
        A: soft at night, normal in the day
        """,
    )
    assert store.load(USER)["profile"]["night_voice"] == "auto"
    assert SOFT_MARK not in convo.say("open hip rest").ssml  # 07:30 UTC, no zone: day
    clock.now = datetime(2026, 3, 10, 22, 15, tzinfo=UTC)
    assert SOFT_MARK in convo.say("open hip rest").ssml


def test_auto_follows_the_users_zone_not_utc(
    convo: Conversation, clock: FakeClock, deps: Deps
) -> None:
    # 07:30 UTC is 23:30 the evening before in Los Angeles.
    deps.apis["timezone"] = lambda turn: "America/Los_Angeles"
    assert SOFT_MARK in convo.say("open hip rest").ssml
    clock.now = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # noon in Los Angeles
    assert SOFT_MARK not in convo.say("open hip rest").ssml


def test_yes_to_the_stretch_offer_starts_the_bedtime_routine_softly(convo: Conversation) -> None:
    exchanges = run_script(
        convo,
        """
        U: speak softly
        U: yes
        A: move 1 of
        A: <open>
        """,
    )
    assert SOFT_MARK in exchanges[-1].ssml


def test_help_during_the_offer_explains_and_asks_again(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: speak softly
        U: help
        A: speak normally
        A: <open>
        """,
    )


def test_red_flag_wording_is_never_shortened(convo: Conversation) -> None:
    convo.say("speak softly")
    convo.say("no")
    urgent = convo.say("i can't control my bladder")
    assert SOFT_MARK in urgent.ssml
    assert "911" in urgent.text
