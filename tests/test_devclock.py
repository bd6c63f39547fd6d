"""The development clock seam (issue 18): chat, serve --dev and the simulator can pin
"now" and the user's time zone; production refuses both."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from skill import lambda_function
from skill.app import create_app
from skill.devclock import ClockError, DevClock, parse_now, parse_zone
from skill.factory import make_deps
from skill.settings import SettingsError, load_settings

LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def test_now_without_an_offset_is_wall_clock_time_in_the_given_zone() -> None:
    assert parse_now("2026-12-02T07:30", AUCKLAND) == datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    assert parse_now("2026-07-02T07:30", LONDON) == datetime(2026, 7, 2, 6, 30, tzinfo=UTC)


def test_now_without_offset_or_zone_is_utc() -> None:
    assert parse_now("2026-12-02T07:30") == datetime(2026, 12, 2, 7, 30, tzinfo=UTC)


def test_an_explicit_offset_wins_over_the_zone() -> None:
    assert parse_now("2026-12-02T07:30+01:00", AUCKLAND) == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["tomorrow morning", "", "2026-13-40T07:00", "07:30"])
def test_unreadable_now_is_a_clock_error_that_says_how_to_write_it(text: str) -> None:
    with pytest.raises(ClockError, match="2026-12-02T07:30"):
        parse_now(text)


def test_unknown_zone_is_a_clock_error() -> None:
    with pytest.raises(ClockError, match="IANA"):
        parse_zone("Mars/Olympus")


def test_pinned_clock_starts_at_the_pin_and_runs_on() -> None:
    ticks = iter([100.0, 100.0, 160.5])
    start = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    clock = DevClock(start, monotonic=lambda: next(ticks))
    assert clock() == start
    assert clock() == start + timedelta(seconds=60.5)


def test_unpinned_clock_is_the_real_clock_it_was_given() -> None:
    real = datetime(2030, 1, 1, tzinfo=UTC)
    assert DevClock(real_now=lambda: real)() == real
    assert DevClock(real_now=lambda: real).zone() is None


def test_a_replay_holds_only_inside_its_block_and_its_thread() -> None:
    start = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    clock = DevClock(start, LONDON, monotonic=lambda: 0.0)
    morning = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
    seen_elsewhere: list[datetime] = []
    with clock.replay(morning, AUCKLAND):
        assert clock() == morning and clock.zone() is AUCKLAND
        other = threading.Thread(target=lambda: seen_elsewhere.append(clock()))
        other.start()
        other.join()
    assert seen_elsewhere == [start]
    assert clock() == start and clock.zone() is LONDON


def test_a_replay_of_the_zone_alone_keeps_the_runs_now() -> None:
    start = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    clock = DevClock(start, monotonic=lambda: 0.0)
    with clock.replay(None, AUCKLAND):
        assert clock() == start and clock.zone() is AUCKLAND


def test_dev_settings_give_the_runtime_a_pinned_clock_and_zone(tmp_path: Path) -> None:
    settings = load_settings(
        dev=True, data_dir=tmp_path, now="2026-12-02T07:30", tz="Europe/London"
    )
    deps = make_deps(settings)
    try:
        assert abs(deps.clock() - datetime(2026, 12, 2, 7, 30, tzinfo=UTC)) < timedelta(seconds=5)
        assert deps.zone is not None and deps.zone() == LONDON
    finally:
        deps.store.close()


@pytest.mark.parametrize("override", [{"now": "2026-12-02T07:30"}, {"tz": "Europe/London"}])
def test_production_settings_refuse_a_clock_override(override: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="development runs only"):
        load_settings(skill_id="amzn1.ask.skill.12345678-aaaa", **override)


def test_lambda_refuses_a_pinned_clock_even_in_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPREST_DEV", "1")
    monkeypatch.setenv("HIPREST_NOW", "2026-12-02T07:30")
    with pytest.raises(SettingsError, match="real clock"):
        lambda_function._build()


def _simulator(tmp_path: Path, **clock: str):  # type: ignore[no-untyped-def]
    settings = load_settings(dev=True, data_dir=tmp_path, **clock)
    return create_app(settings).test_client()


def test_simulator_replays_a_night_then_a_morning_for_the_same_user(tmp_path: Path) -> None:
    client = _simulator(tmp_path, now="2026-12-02T15:00")
    client.post("/api/simulate", json={"request_type": "LaunchRequest", "user": "sim1"})
    night = client.post(
        "/api/simulate",
        json={"request_type": "LaunchRequest", "user": "sim1", "now": "2026-12-02T23:30"},
    ).get_json()
    day = client.post(
        "/api/simulate", json={"request_type": "LaunchRequest", "user": "sim1"}
    ).get_json()
    assert night["speech_text"].startswith("Hi. Pillows, a stretch")
    assert not day["speech_text"].startswith("Hi. Pillows, a stretch")


def test_simulator_reads_the_replayed_now_in_the_replayed_zone(tmp_path: Path) -> None:
    client = _simulator(tmp_path, now="2026-12-02T15:00")
    client.post("/api/simulate", json={"request_type": "LaunchRequest", "user": "sim2"})
    # 08:00 UTC is 21:00 in Auckland: night there, day in UTC.
    data = client.post(
        "/api/simulate",
        json={
            "request_type": "LaunchRequest",
            "user": "sim2",
            "now": "2026-12-02T21:00",
            "tz": "Pacific/Auckland",
        },
    ).get_json()
    assert data["speech_text"].startswith("Hi. Pillows, a stretch")


@pytest.mark.parametrize(
    "field", [{"now": "soon"}, {"tz": "Nowhere/Land"}], ids=["bad-now", "bad-zone"]
)
def test_simulator_answers_a_bad_replay_with_400(tmp_path: Path, field: dict[str, str]) -> None:
    client = _simulator(tmp_path)
    answer = client.post("/api/simulate", json={"request_type": "LaunchRequest", **field})
    assert answer.status_code == 400
    assert "error" in answer.get_json()
