"""Old check-in days move to ``checkin_archive`` so every check-in reads a small
namespace; nothing is lost, and everything that shows the whole history includes it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from skill.conversation import Conversation
from skill.core import checkin as core
from skill.core import summary
from skill.envelopes import Caller
from skill.export import to_csv
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.support.dialog import run_script

USER = Caller().user_id
TODAY = date(2026, 3, 10)  # FakeClock: 2026-03-10 07:30 UTC


def _days(backs: range, score: int = 4) -> dict[str, int]:
    return {core.key(TODAY - timedelta(days=b)): score + b % 3 for b in backs}


def _seed(store: SqliteStore, days: dict[str, int]) -> None:
    store.update(USER, [SetOp(("checkin",), {"v": 1, "days": days, "notice_given": True})])


def test_big_stored_history_is_split_on_first_check_in_and_nothing_dropped(
    convo: Conversation, store: SqliteStore
) -> None:
    old = _days(range(1, 400))  # written before the archive existed
    _seed(store, old)
    convo.say("my stiffness is 6")
    doc = store.load(USER)
    hot, archived = doc["checkin"]["days"], doc[core.ARCHIVE_KEY]["days"]
    assert len(hot) <= core.HOT_DAYS + 1
    assert min(hot) > core.key(TODAY - timedelta(days=core.HOT_DAYS))
    assert not set(hot) & set(archived)
    assert {**archived, **hot} == {**old, core.key(TODAY): 6}


def test_short_history_writes_no_archive(convo: Conversation, store: SqliteStore) -> None:
    _seed(store, _days(range(1, core.HOT_DAYS + core.PRUNE_SLACK - 1)))
    convo.say("my stiffness is 6")
    assert core.ARCHIVE_KEY not in store.load(USER)


def test_archive_keeps_the_usual_retention(store: SqliteStore) -> None:
    archive = _days(range(200, 440))
    merged = core.archived(archive, _days(range(81, 200)), TODAY)
    assert min(merged) > core.key(TODAY - timedelta(days=core.KEEP_DAYS))
    assert core.key(TODAY - timedelta(days=core.KEEP_DAYS - 1)) in merged


def test_split_moves_only_days_older_than_the_hot_window() -> None:
    days = _days(range(0, 120))
    kept, moved = core.split_hot(days, TODAY)
    assert kept == {k: v for k, v in days.items() if k > core.key(TODAY - timedelta(days=80))}
    assert {**moved, **kept} == days
    assert core.split_hot(_days(range(0, 50)), TODAY) == (_days(range(0, 50)), {})


@pytest.mark.parametrize("today", [TODAY, TODAY - timedelta(days=3)])
def test_four_week_summary_is_the_same_from_the_hot_days_alone(today: date) -> None:
    # The summary's rules look back 75 days from its first day: the hot window holds them.
    full = _days(range(0, 400))
    kept, moved = core.split_hot(full, TODAY)
    assert moved
    whole = summary.build({"checkin": {"days": full}}, today)
    split = summary.build({"checkin": {"days": kept}, core.ARCHIVE_KEY: {"days": moved}}, today)
    assert split == whole


def test_export_includes_archived_days() -> None:
    doc = {
        "checkin": {"days": _days(range(0, 3))},
        core.ARCHIVE_KEY: {"days": _days(range(90, 92))},
    }
    csv_text = to_csv(doc)
    for day in (TODAY, TODAY - timedelta(days=91)):
        assert core.key(day) in csv_text
    assert len(csv_text.strip().splitlines()) == 1 + 5


def test_what_do_you_know_counts_archived_check_ins_once(
    convo: Conversation, store: SqliteStore
) -> None:
    store.update(
        USER,
        [
            SetOp(("checkin",), {"v": 1, "days": _days(range(1, 3)), "notice_given": True}),
            SetOp((core.ARCHIVE_KEY,), {"v": 1, "days": _days(range(100, 103))}),
        ],
    )
    reply = run_script(
        convo,
        """
        U: what do you know about me
        A: 5 morning stiffness scores
        """,
    )
    assert "archive" not in reply[-1].text


def test_delete_my_data_removes_the_archive(convo: Conversation, store: SqliteStore) -> None:
    _seed(store, _days(range(1, 400)))
    convo.say("my stiffness is 6")
    assert core.ARCHIVE_KEY in store.load(USER)
    convo.say("delete my data")
    convo.say("yes")
    assert store.load(USER) == {}
