"""The routine history's own namespace: migration from ``routine.history``, bounded
pruning, and every reader (check-in, summary, export, privacy) finding it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from skill.conversation import Conversation
from skill.core.routine import HISTORY_SLACK, add_record, completed_nights, record_of
from skill.core.routine_history import HISTORY_KEY, HISTORY_LIMIT, history_of, migrate_history
from skill.envelopes import Caller
from skill.export import to_csv
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock

USER = Caller().user_id


def record(night: date, completed: bool = True) -> dict[str, Any]:
    return {
        "routine": "bedtime",
        "moves_done": 6 if completed else 2,
        "moves_total": 6,
        "gentler": [],
        "completed": completed,
        "at": f"{night.isoformat()}T22:00:00+00:00",
    }


def nights(count: int, last: date) -> dict[str, Any]:
    return {
        (last - timedelta(days=i)).isoformat(): record(last - timedelta(days=i))
        for i in range(count)
    }


# --------------------------------------------------------------------------- pure


def test_migration_moves_the_old_history_and_keeps_the_rest_of_the_namespace() -> None:
    old = nights(3, date(2026, 3, 9))
    doc: dict[str, Any] = {"routine": {"hold_scale": 1.5, "saved": None, "history": dict(old)}}
    assert migrate_history(doc) is True
    assert doc[HISTORY_KEY] == old
    assert doc["routine"] == {"hold_scale": 1.5, "saved": None}
    assert migrate_history(doc) is False  # nothing left to move


def test_migration_merges_with_the_new_place_which_wins_for_the_same_night() -> None:
    newer = {"2026-03-09": record(date(2026, 3, 9), completed=False)}
    doc: dict[str, Any] = {
        "routine": {"history": nights(2, date(2026, 3, 9))},
        HISTORY_KEY: dict(newer),
    }
    migrate_history(doc)
    assert set(doc[HISTORY_KEY]) == {"2026-03-09", "2026-03-08"}
    assert doc[HISTORY_KEY]["2026-03-09"]["completed"] is False


def test_migration_keeps_only_the_newest_nights_of_a_huge_old_history() -> None:
    doc: dict[str, Any] = {"routine": {"history": nights(HISTORY_LIMIT + 50, date(2026, 3, 9))}}
    migrate_history(doc)
    kept = doc[HISTORY_KEY]
    assert len(kept) == HISTORY_LIMIT
    assert (
        "2026-03-09" in kept
        and min(kept) == (date(2026, 3, 9) - timedelta(days=HISTORY_LIMIT - 1)).isoformat()
    )


def test_history_of_reads_both_places_and_ignores_junk() -> None:
    assert history_of(None) == {} and history_of({"routine": "x", HISTORY_KEY: 3}) == {}
    doc = {
        "routine": {"history": nights(1, date(2026, 3, 1))},
        HISTORY_KEY: nights(1, date(2026, 3, 2)),
    }
    assert set(history_of(doc)) == {"2026-03-01", "2026-03-02"}


def test_completed_nights_accepts_the_new_namespace_and_a_whole_doc() -> None:
    history = nights(2, date(2026, 3, 9))
    expected = {date(2026, 3, 9), date(2026, 3, 8)}
    assert completed_nights(history) == expected
    assert completed_nights({HISTORY_KEY: history}) == expected
    assert completed_nights({"routine": {"history": history}}) == expected


def test_adding_records_prunes_with_slack_to_the_newest_keys() -> None:
    from tests.test_routine_core import NOW, at

    rec = record_of(at("knee_rocks", phase="stopped"), NOW)
    history: dict[str, Any] = {}
    sizes = []
    for i in range(60):
        history = add_record(
            history, (date(2026, 1, 1) + timedelta(days=i)).isoformat(), rec, limit=10, slack=5
        )
        sizes.append(len(history))
    assert max(sizes) == 15 and min(sizes[20:]) == 10  # bounded, pruned in batches
    assert "2026-03-01" in history  # day 59: the newest survives
    assert "2026-01-01" not in history


def test_a_damaged_key_is_pruned_first() -> None:
    from tests.test_routine_core import NOW, at

    rec = record_of(at("knee_rocks", phase="stopped"), NOW)
    history: dict[str, Any] = {"junk": {"routine": "bedtime"}}
    for i in range(3):
        history = add_record(history, f"2026-01-0{i + 1}", rec, limit=3)
    assert "junk" not in history and len(history) == 3


# --------------------------------------------------------------------------- dialogs


def test_a_routine_step_moves_an_old_history_without_losing_a_night(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    old = nights(30, clock.now.date() - timedelta(days=1))
    store.update(USER, [SetOp(("routine",), {"v": 1, "hold_scale": 1.25, "history": old})])
    convo.say("start my bedtime stretches")
    doc = store.load(USER)
    assert doc[HISTORY_KEY] == old
    assert "history" not in doc["routine"] and doc["routine"]["hold_scale"] == 1.25


def test_steps_leave_the_history_alone_and_the_end_records_into_it(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=22)
    old = nights(5, clock.now.date() - timedelta(days=1))
    store.update(USER, [SetOp((HISTORY_KEY,), old)])
    convo.say("start my bedtime stretches")
    convo.say("next")
    assert store.load(USER)[HISTORY_KEY] == old
    for _ in range(20):
        if convo.say("next").ended:
            break
    stored = store.load(USER)[HISTORY_KEY]
    assert set(stored) == set(old) | {clock.now.date().isoformat()}
    assert stored[clock.now.date().isoformat()]["completed"] is True


def test_the_history_is_bounded_however_many_routines_are_recorded(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    store.update(
        USER,
        [
            SetOp(
                (HISTORY_KEY,),
                # Ends before last night, which the stop adds as one more.
                nights(HISTORY_LIMIT + HISTORY_SLACK, clock.now.date() - timedelta(days=2)),
            )
        ],
    )
    convo.say("start my bedtime stretches")
    convo.say("stop")
    assert len(store.load(USER)[HISTORY_KEY]) == HISTORY_LIMIT


def test_check_in_summary_reads_the_new_namespace(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    today = clock.now.date()
    days = {
        (today - timedelta(days=b)).isoformat(): s
        for b, s in {0: 3, 1: 4, 2: 3, 3: 5, 4: 5, 5: 5}.items()
    }
    linked = {(today - timedelta(days=b + 1)).isoformat(): record(today) for b in (0, 1, 2)}
    store.update(
        USER,
        [
            SetOp(("checkin",), {"v": 1, "days": days, "notice_given": True}),
            SetOp((HISTORY_KEY,), linked),
        ],
    )
    reply = convo.say("how has my stiffness been this week")
    assert re.search(r"after your bedtime stretches your stiffness averaged 3\.3", reply.text)
    assert "yes" in to_csv(store.load(USER))


def test_privacy_names_the_routine_once_when_both_namespaces_exist(
    convo: Conversation, store: SqliteStore
) -> None:
    store.update(
        USER,
        [
            SetOp(("routine",), {"v": 1, "hold_scale": 1.5}),
            SetOp((HISTORY_KEY,), nights(2, date(2026, 3, 9))),
        ],
    )
    with_both = convo.say("what do you know about me").text
    store.update(USER, [SetOp((HISTORY_KEY,), {})])
    routine_only = convo.say("what do you know about me").text
    assert with_both == routine_only
