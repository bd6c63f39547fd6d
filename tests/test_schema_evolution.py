"""Data written by an earlier version is migrated, not dropped - through the skill.

Two layers evolve: the SQLite schema (``PRAGMA user_version`` and the append-only
``MIGRATIONS`` list) and the typed state documents (pydantic models with a ``v``
field). The store test builds the previous schema from ``MIGRATIONS[:-1]``, so it
follows every migration that is appended later.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skill import envelopes
from skill.builder import build_skill
from skill.content import default_library
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.runtime import SkillRuntime
from skill.settings import Settings
from skill.store.patch import SetOp
from skill.store.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteStore
from tests.support.dialog import FakeClock

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
ALICE = Caller(user_id="amzn1.ask.account.OLDALICE")

# Documents as earlier builds wrote them: the profile before the Settings API
# time-zone cache and night voice, a check-in before referrals and the notice.
OLD_PROFILE = {"v": 1, "painful_side": "left", "launches": 3, "first_seen": "2025-11-02"}
OLD_CHECKIN = {"v": 1, "days": {"2026-03-08": 6, "2026-03-09": 5}}
OLD_DOC = {"profile": OLD_PROFILE, "checkin": OLD_CHECKIN}


def _previous_schema(path: Path, docs: dict[str, dict[str, Any]]) -> None:
    """A database at schema version SCHEMA_VERSION - 1, holding ``docs``."""
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:-1]:
        step(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    for uid, doc in docs.items():
        conn.execute(
            "INSERT INTO users (user_id, doc, rev) VALUES (?, ?, 1)", (uid, json.dumps(doc))
        )
    conn.close()


def _runtime(settings: Settings, store: SqliteStore) -> SkillRuntime:
    deps = Deps(settings=settings, store=store, content=default_library(), clock=FakeClock(NOW))
    return SkillRuntime(build_skill(deps))


def _speech(out: dict[str, Any]) -> str:
    return str(out["response"]["outputSpeech"]["ssml"])


def test_previous_store_schema_is_migrated_and_the_user_is_remembered(
    settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / "old" / "hiprest.db"
    db.parent.mkdir()
    _previous_schema(db, {ALICE.user_id: OLD_DOC})
    store = SqliteStore(db)
    try:
        assert store._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        runtime = _runtime(settings, store)
        out = runtime.handle(envelopes.launch(ALICE, NOW))
        assert "welcome to hip rest" not in _speech(out).lower()  # a returning user's menu
        # A write through the migrated schema (a returning launch writes nothing).
        runtime.handle(envelopes.intent(ALICE, NOW, "CheckInIntent", {"Score": "4"}))
        doc = store.load(ALICE.user_id)
    finally:
        store.close()
    assert doc["profile"] == OLD_PROFILE
    assert doc["checkin"]["days"] == {**OLD_CHECKIN["days"], "2026-03-10": 4}
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def test_state_written_before_fields_were_added_is_used_and_kept(
    settings: Settings, tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "s" / "hiprest.db")
    try:
        store.update(ALICE.user_id, [SetOp((k,), v) for k, v in OLD_DOC.items()])
        runtime = _runtime(settings, store)
        # The bedside answer uses the remembered side without asking for it again.
        pillow = runtime.handle(
            envelopes.intent(
                ALICE,
                NOW,
                "PillowIntent",
                {"Position": SlotInput("side", "side", "side", "SleepPosition")},
            )
        )
        assert "which side" not in _speech(pillow).lower()
        runtime.handle(envelopes.intent(ALICE, NOW, "CheckInIntent", {"Score": "4"}))
        doc = store.load(ALICE.user_id)
    finally:
        store.close()
    assert doc["checkin"]["days"] == {**OLD_CHECKIN["days"], "2026-03-10": 4}
    assert doc["profile"]["painful_side"] == "left"
    assert doc["profile"]["launches"] == 3
    assert doc["profile"]["first_seen"] == "2025-11-02"


def test_documents_without_a_version_field_are_read_as_version_one(
    settings: Settings, tmp_path: Path
) -> None:
    # The first builds wrote no "v"; their data must still be read, not reset.
    store = SqliteStore(tmp_path / "nov" / "hiprest.db")
    try:
        unversioned = {k: {f: x for f, x in v.items() if f != "v"} for k, v in OLD_DOC.items()}
        store.update(ALICE.user_id, [SetOp((k,), v) for k, v in unversioned.items()])
        runtime = _runtime(settings, store)
        out = runtime.handle(envelopes.launch(ALICE, NOW))
        assert "welcome to hip rest" not in _speech(out).lower()  # a returning user's menu
        # Requests that rewrite both documents: nothing of the old data may be reset.
        runtime.handle(envelopes.intent(ALICE, NOW, "NightVoiceOnIntent"))
        runtime.handle(envelopes.intent(ALICE, NOW, "CheckInIntent", {"Score": "4"}))
        doc = store.load(ALICE.user_id)
    finally:
        store.close()
    assert doc["profile"]["night_voice"] == "on"  # the profile was written
    # The old visit count is no longer kept: a written profile stores "visited" (1).
    assert doc["profile"]["launches"] == 1
    assert doc["profile"]["painful_side"] == "left"
    assert doc["profile"]["first_seen"] == "2025-11-02"
    assert doc["checkin"]["days"] == {**OLD_CHECKIN["days"], "2026-03-10": 4}
