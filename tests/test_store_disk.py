"""What the SQLite store leaves on disk: deleted users are gone from the database
and WAL bytes, not just from query results, and the files are private to the
account that runs the server."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from skill.conversation import Conversation
from skill.envelopes import Caller
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore

USER = Caller().user_id


def _disk_bytes(db: Path) -> bytes:
    """The database and every companion file SQLite keeps beside it, read by another
    process: closing our own descriptor on a file SQLite has open would drop its
    POSIX locks in this process (a documented SQLite hazard)."""
    files = [str(p) for p in sorted(db.parent.glob(db.name + "*"))]
    read = "import sys; [sys.stdout.buffer.write(open(f, 'rb').read()) for f in sys.argv[1:]]"
    return subprocess.run(
        [sys.executable, "-c", read, *files], capture_output=True, check=True, timeout=30
    ).stdout


def test_skill_disabled_leaves_no_user_id_or_check_in_in_the_db_or_wal_bytes(
    convo: Conversation, store: SqliteStore
) -> None:
    for score in ("4", "6", "3"):
        convo.say("check in")
        convo.say(score)
    store.update(USER, [SetOp(("profile", "painful_side"), "left")])
    checkin_text = store.load_texts(USER, ["checkin"])["checkin"].encode()
    user = USER.encode()
    before = _disk_bytes(store.path)
    assert user in before and checkin_text in before  # the probe can see them

    exchange = convo.event("AlexaSkillEvent.SkillDisabled")

    assert exchange.text == ""
    after = _disk_bytes(store.path)
    assert user not in after
    assert checkin_text not in after
    assert b'"days"' not in after and b"painful_side" not in after
    wal = store.path.with_name(store.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_deletion_keeps_other_users_data(store: SqliteStore) -> None:
    other = "amzn1.ask.account.OTHER"
    store.update(other, [SetOp(("checkin",), {"days": {"2026-03-09": 4}})])
    store.update(USER, [SetOp(("checkin",), {"days": {"2026-03-09": 7}})])
    store.delete(USER)
    assert store.load(other) == {"checkin": {"days": {"2026-03-09": 4}}}
    assert store.integrity_check()


def test_a_new_database_and_its_folder_are_private(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "hiprest.db"
    store = SqliteStore(db)
    try:
        store.update(USER, [SetOp(("checkin",), {"days": {"2026-03-09": 4}})])
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        companions = list(db.parent.glob("hiprest.db-*"))
        assert companions  # WAL mode keeps -wal and -shm beside the file
        for path in companions:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        store.close()
