"""SqliteStore specifics: WAL, migrations, many writers, and failure modes."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

import pytest

from skill.store import SetOp, StoreError
from skill.store.sqlite import SCHEMA_VERSION, SqliteStore

# Fork, not spawn: children start in milliseconds and the fork-safety of a
# store opened in the parent gets exercised too.
FORK = mp.get_context("fork")
PROCS, UPDATES_PER_PROC = 4, 200
THREADS, UPDATES_PER_THREAD = 4, 100
USER = "amzn1.ask.account.A"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "users.db"


@pytest.fixture
def store(db: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(db)
    yield s
    s.close()


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=10)


def _row(path: Path, user_id: str = USER) -> tuple[dict[str, Any], int]:
    """(the user's doc as stored, namespace by namespace; its revision), read raw."""
    conn = _raw(path)
    try:
        row = conn.execute("SELECT rev FROM users WHERE user_id = ?", (user_id,)).fetchone()
        docs = conn.execute("SELECT ns, json FROM docs WHERE user_id = ?", (user_id,)).fetchall()
    finally:
        conn.close()
    assert row is not None
    return {ns: json.loads(text) for ns, text in docs}, row[0]


# -- setup, WAL, schema ---------------------------------------------------


def test_new_store_creates_parent_dirs_and_uses_wal(store: SqliteStore, db: Path) -> None:
    store.update(USER, [SetOp(("a",), 1)])
    assert db.is_file()
    conn = _raw(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert store.integrity_check()


def _make_v1_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = _raw(path)
    conn.execute(
        "CREATE TABLE users (user_id TEXT PRIMARY KEY, doc TEXT NOT NULL,"
        " rev INTEGER NOT NULL, updated_at TEXT)"
    )
    conn.execute('INSERT INTO users VALUES (\'old-1\', \'{"profile":{"name":"Ann"}}\', 3, NULL)')
    conn.execute(
        "INSERT INTO users VALUES ('old-2', '{\"n\":1.5}', 1, '2024-01-02T03:04:05.000+00:00')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_data_written_under_schema_v1_is_migrated_not_dropped(db: Path) -> None:
    _make_v1_file(db)

    store = SqliteStore(db)

    assert store.load("old-1") == {"profile": {"name": "Ann"}}
    assert store.load("old-2") == {"n": 1.5}
    conn = _raw(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    stamps = dict(conn.execute("SELECT user_id, updated_at FROM users").fetchall())
    assert stamps["old-1"] is not None  # backfilled
    assert stamps["old-2"] == "2024-01-02T03:04:05.000+00:00"  # kept
    assert _row(db, "old-1")[1] == 3  # revision history continues
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "users_updated_at" in indexes
    conn.close()
    store.update("old-1", [SetOp(("profile", "side"), "left")])
    assert store.load("old-1") == {"profile": {"name": "Ann", "side": "left"}}
    store.close()


def _open_store(path: Path, barrier: Barrier) -> None:
    barrier.wait()
    SqliteStore(path, timeout_s=10).load("old-1")


def test_processes_opening_an_old_file_at_once_migrate_it_once(db: Path) -> None:
    _make_v1_file(db)
    barrier = FORK.Barrier(PROCS)
    procs = [FORK.Process(target=_open_store, args=(db, barrier)) for _ in range(PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0] * PROCS
    store = SqliteStore(db)
    assert store.load("old-1") == {"profile": {"name": "Ann"}}
    assert store.integrity_check()


def test_database_from_newer_code_is_refused(db: Path) -> None:
    SqliteStore(db).close()
    conn = _raw(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SqliteStore(db)


def test_user_ids_pages_through_many_users(store: SqliteStore) -> None:
    ids = [f"user-{i:05d}" for i in range(1201)]
    for uid in ids:
        store.update(uid, [SetOp(("seen",), True)])
    assert list(store.user_ids()) == ids


def test_closed_store_raises_store_error(store: SqliteStore) -> None:
    store.update(USER, [SetOp(("a",), 1)])
    store.close()
    with pytest.raises(StoreError):
        store.load(USER)


# -- concurrency ---------------------------------------------------------


def _hammer(path: Path, worker: int, count: int, barrier: Barrier) -> None:
    store = SqliteStore(path, timeout_s=30)
    barrier.wait()
    for i in range(count):
        store.update(
            USER,
            [
                SetOp(("log", f"{worker}-{i}"), i),  # disjoint keys
                SetOp(("per", str(worker)), i),  # disjoint per worker
                SetOp(("last",), worker),  # the same key for everyone
            ],
        )


def _assert_no_lost_update(path: Path, workers: int, count: int, base_rev: int) -> None:
    store = SqliteStore(path)
    doc = store.load(USER)
    assert len(doc["log"]) == workers * count
    assert doc["per"] == {str(w): count - 1 for w in range(workers)}
    assert doc["last"] in range(workers)
    assert _row(path)[1] == base_rev + workers * count  # every update committed once
    assert doc["first"] == "kept"
    assert store.integrity_check()
    store.close()


def test_processes_updating_one_user_lose_no_update(db: Path) -> None:
    # Closed before forking, as `serve` does: a connection still open in the parent
    # (the temporary store's is freed only by the cycle collector) is inherited with
    # SQLite's per-process lock bookkeeping, and children then lose updates.
    first = SqliteStore(db)
    first.update(USER, [SetOp(("first",), "kept")])
    first.close()
    barrier = FORK.Barrier(PROCS)
    procs = [
        FORK.Process(target=_hammer, args=(db, w, UPDATES_PER_PROC, barrier)) for w in range(PROCS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * PROCS
    _assert_no_lost_update(db, PROCS, UPDATES_PER_PROC, base_rev=1)


def test_threads_sharing_a_store_lose_no_update(db: Path) -> None:
    store = SqliteStore(db, timeout_s=30)
    store.update(USER, [SetOp(("first",), "kept")])
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(UPDATES_PER_THREAD):
                store.update(
                    USER,
                    [
                        SetOp(("log", f"{worker}-{i}"), i),
                        SetOp(("per", str(worker)), i),
                        SetOp(("last",), worker),
                    ],
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    _assert_no_lost_update(db, THREADS, UPDATES_PER_THREAD, base_rev=1)
    store.close()


def _use_inherited_store(store: SqliteStore) -> None:
    store.update(USER, [SetOp(("child",), os.getpid())])
    store.close()  # must not close the parent's connection


def test_store_opened_before_fork_keeps_working_in_parent_and_child(
    store: SqliteStore, db: Path
) -> None:
    store.update(USER, [SetOp(("parent",), 1)])
    child = FORK.Process(target=_use_inherited_store, args=(store,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    store.update(USER, [SetOp(("parent",), 2)])
    assert store.load(USER) == {"parent": 2, "child": child.pid}
    assert store.integrity_check()


# -- failures ------------------------------------------------------------


def test_write_lock_held_past_timeout_is_store_error_not_a_hang(
    store: SqliteStore, db: Path
) -> None:
    store.update(USER, [SetOp(("a",), 1)])
    blocker = _raw(db)
    blocker.execute("BEGIN IMMEDIATE")
    impatient = SqliteStore(db, timeout_s=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked"):
            impatient.update(USER, [SetOp(("a",), 2)])
        assert time.monotonic() - started < 2.0
        assert impatient.load(USER) == {"a": 1}  # WAL: readers are not blocked
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert impatient.update(USER, [SetOp(("a",), 3)]) == {"a": 3}  # usable afterwards
    impatient.close()


def _write_read_only(path: Path, result: Any) -> None:
    if os.geteuid() == 0:  # root ignores file modes: act as an ordinary user
        os.setgid(65534)
        os.setuid(65534)
    assert os.access(path, os.R_OK) and not os.access(path, os.W_OK)
    try:
        SqliteStore(path).update(USER, [SetOp(("a",), 2)])
    except StoreError:
        result.value = 1
    else:
        result.value = 2


def test_read_only_database_is_store_error_and_data_intact() -> None:
    # Not under tmp_path: its parents are private to root, and the
    # unprivileged child must be able to reach the file.
    folder = Path(tempfile.mkdtemp(prefix="hiprest-ro-"))
    try:
        folder.chmod(0o755)
        db = folder / "users.db"
        SqliteStore(db).update(USER, [SetOp(("a",), 1)])  # closes -> WAL files removed
        db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        folder.chmod(0o555)
        result = FORK.Value("i", 0)
        child = FORK.Process(target=_write_read_only, args=(db, result))
        child.start()
        child.join(30)
        assert child.exitcode == 0
        assert result.value == 1  # StoreError, not success or another exception
        folder.chmod(0o755)
        db.chmod(0o644)
        assert SqliteStore(db).load(USER) == {"a": 1}
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_disk_full_is_store_error_and_earlier_data_intact(store: SqliteStore, db: Path) -> None:
    store.update(USER, [SetOp(("a",), 1)])
    conn = store._conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow: like a full disk
    with pytest.raises(StoreError, match="full"):
        store.update(USER, [SetOp(("big",), "x" * 300_000)])
    assert store.load(USER) == {"a": 1}
    fresh = SqliteStore(db)
    assert fresh.load(USER) == {"a": 1}
    assert fresh.integrity_check()
    fresh.close()


@pytest.mark.parametrize("damage", ['{"name": "An', "", "{not json", "\x00\x01"])
def test_corrupt_namespace_is_store_error_and_never_overwritten(
    store: SqliteStore, db: Path, damage: str
) -> None:
    store.update(USER, [SetOp(("profile", "name"), "Ann"), SetOp(("checkin", "v"), 1)])
    conn = _raw(db)
    conn.execute("UPDATE docs SET json = ? WHERE user_id = ? AND ns = 'profile'", (damage, USER))
    conn.close()

    with pytest.raises(StoreError, match="corrupt"):
        store.load(USER)
    with pytest.raises(StoreError, match="corrupt"):
        store.update(USER, [SetOp(("profile", "side"), "left")])
    with pytest.raises(StoreError, match="corrupt"):
        store.update_namespaces(USER, [SetOp(("profile", "side"), "left")])

    # The damage is handed on as text (for the caller to report when it reads it)...
    assert store.load_texts(USER) == {"profile": damage, "checkin": '{"v":1}'}
    # ...and other namespaces of the same user can still be written.
    assert store.update_namespaces(USER, [SetOp(("checkin", "v"), 2)]) == {"checkin": '{"v":2}'}
    conn = _raw(db)
    stored = conn.execute(
        "SELECT json FROM docs WHERE user_id = ? AND ns = 'profile'", (USER,)
    ).fetchone()
    conn.close()
    assert stored == (damage,)
    store.update("someone-else", [SetOp(("a",), 1)])  # the rest of the store still works
    assert store.load("someone-else") == {"a": 1}


class _StallBeforeCommit:
    """Connection proxy that stops right before COMMIT, so the parent can
    kill the process with the transaction's writes already made."""

    def __init__(self, conn: sqlite3.Connection, ready: Event) -> None:
        self._conn = conn
        self._ready = ready

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            self._ready.set()
            time.sleep(60)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _die_mid_transaction(path: Path, ready: Event) -> None:
    store = SqliteStore(path)
    store.update(USER, [SetOp(("n",), 1), SetOp(("note",), "committed")])
    conn = store._conn()
    conn.execute("PRAGMA cache_size = 5")  # spill the uncommitted pages into the WAL file
    store._local.conn = _StallBeforeCommit(conn, ready)
    store.update(USER, [SetOp(("n",), 2), SetOp(("blob",), "x" * 2_000_000)])


def test_process_killed_mid_transaction_leaves_last_commit_intact(db: Path) -> None:
    SqliteStore(db).close()
    ready = FORK.Event()
    child = FORK.Process(target=_die_mid_transaction, args=(db, ready))
    child.start()
    assert ready.wait(30)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)

    store = SqliteStore(db, timeout_s=5)
    assert store.integrity_check()
    assert store.load(USER) == {"n": 1, "note": "committed"}
    assert _row(db)[1] == 1
    assert store.update(USER, [SetOp(("n",), 3)]) == {"n": 3, "note": "committed"}
    store.close()


def _count_forever(path: Path, started: Event) -> None:
    store = SqliteStore(path, timeout_s=10)
    n = store.load(USER).get("n", 0)
    started.set()
    while True:
        n += 1
        store.update(USER, [SetOp(("n",), n), SetOp(("seen", str(n)), "y" * 300)])


def test_processes_killed_at_random_moments_leave_consistent_data(db: Path) -> None:
    SqliteStore(db).close()
    rng = random.Random(20240501)
    for _ in range(5):
        started = FORK.Event()
        child = FORK.Process(target=_count_forever, args=(db, started))
        child.start()
        assert started.wait(30)
        time.sleep(rng.uniform(0.01, 0.15))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)

        store = SqliteStore(db, timeout_s=5)
        assert store.integrity_check()
        doc = store.load(USER)
        # Each update set n and added seen[n] together: all or nothing.
        assert sorted(map(int, doc["seen"])) == list(range(1, doc["n"] + 1))
        assert _row(db)[1] == doc["n"]
        store.close()
    assert _row(db)[0]["n"] > 0
