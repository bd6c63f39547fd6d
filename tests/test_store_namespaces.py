"""One stored row per (user, namespace): the v2 -> v3 migration, writes that read
and rewrite only the namespaces they touch, the texts API every store offers,
and the Turn reading a big namespace only when a handler asks for it."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from skill.store import DeleteOp, SetOp, StoreError, UserStore
from skill.store.memory import MemoryStore
from skill.store.patch import dumps
from skill.store.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteStore
from skill.turn import _Doc

FORK = mp.get_context("fork")
USER = "amzn1.ask.account.NS"

V2_DOCS: dict[str, str] = {
    "plain": json.dumps({"profile": {"name": "Ann", "side": "left"}, "checkin": {"v": 1}}),
    "unicode": json.dumps({"profile": {"name": "Zoë ❤"}, "n": 1.5, "list": [1, None]}),
    "empty": "{}",
    "broken": '{"profile": {"na',
    "not-an-object": "[1, 2]",
    # Loaded by v2's json.loads, but not storable as they stand: kept whole too.
    "nan": '{"profile": {"x": NaN}}',
    "surrogate": '{"profile": {"name": "\\ud800"}}',
    "deep": '{"profile": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ns" / "hiprest.db"


@pytest.fixture
def store(db: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(db)
    yield s
    s.close()


def _v2_file(path: Path) -> None:
    """A database exactly as schema v2 left it: its migrations, then rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:2]:
        step(conn)
    conn.execute("PRAGMA user_version = 2")
    for i, (uid, doc) in enumerate(V2_DOCS.items()):
        conn.execute(
            "INSERT INTO users (user_id, doc, rev, updated_at) VALUES (?, ?, ?, ?)",
            (uid, doc, i + 3, f"2025-01-0{i + 1}T00:00:00.000+00:00"),
        )
    conn.close()


def _raw(path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


# -- migration -------------------------------------------------------------


def test_v2_documents_are_split_into_namespaces_with_their_revision_and_timestamp(db: Path) -> None:
    _v2_file(db)
    store = SqliteStore(db)
    try:
        assert _raw(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        for uid in ("plain", "unicode", "empty"):
            assert store.load(uid) == json.loads(V2_DOCS[uid])
        rows = dict(_raw(db, "SELECT ns, json FROM docs WHERE user_id = 'unicode'"))
        assert rows["profile"] == '{"name":"Zoë ❤"}'  # compact, UTF-8 kept as is
        users = {
            u: (rev, at) for u, rev, at in _raw(db, "SELECT user_id, rev, updated_at FROM users")
        }
        assert users["plain"] == (3, "2025-01-01T00:00:00.000+00:00")
        assert users["empty"] == (5, "2025-01-03T00:00:00.000+00:00")
        indexes = {r[0] for r in _raw(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "users_updated_at" in indexes  # retention and export still pick users by it
        assert sorted(store.user_ids()) == sorted(V2_DOCS)
        assert store.integrity_check()
    finally:
        store.close()


@pytest.mark.parametrize("uid", ["broken", "not-an-object", "nan", "surrogate", "deep"])
def test_a_v2_document_that_does_not_parse_is_kept_verbatim_and_reported(
    db: Path, uid: str
) -> None:
    _v2_file(db)
    store = SqliteStore(db)
    try:
        with pytest.raises(StoreError, match="corrupt"):
            store.load(uid)
        with pytest.raises(StoreError, match="corrupt"):
            store.load_texts(uid)
        with pytest.raises(StoreError, match="corrupt"):
            store.load_small_texts(uid, 8192)
        with pytest.raises(StoreError, match="corrupt"):
            store.update_namespaces(uid, [SetOp(("profile", "side"), "right")])
        assert _raw(db, "SELECT unsplit FROM users WHERE user_id = ?", uid) == [(V2_DOCS[uid],)]
        assert _raw(db, "SELECT COUNT(*) FROM docs WHERE user_id = ?", uid) == [(0,)]
        assert store.load("plain")["profile"]["name"] == "Ann"  # others unaffected
    finally:
        store.close()


# -- writes touch only their namespaces -------------------------------------


def test_a_write_leaves_other_namespaces_rows_alone_even_when_damaged(
    store: SqliteStore, db: Path
) -> None:
    store.update(USER, [SetOp(("routine", "step"), 1), SetOp(("history",), {"a": 1})])
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE docs SET json = '{broken' WHERE user_id = ? AND ns = 'history'", (USER,))
    conn.close()

    written = store.update_namespaces(USER, [SetOp(("routine", "step"), 2)])

    assert written == {"routine": '{"step":2}'}
    assert _raw(db, "SELECT json FROM docs WHERE ns = 'history'") == [("{broken",)]
    assert _raw(db, "SELECT rev FROM users WHERE user_id = ?", USER) == [(2,)]


def test_a_namespace_emptied_by_its_ops_loses_its_row(store: SqliteStore, db: Path) -> None:
    store.update(USER, [SetOp(("a",), 1), SetOp(("b",), {"x": 1})])
    written = store.update_namespaces(USER, [DeleteOp(("a",)), SetOp(("c",), [1])])
    assert written == {"a": None, "c": "[1]"}
    assert store.load_texts(USER) == {"b": '{"x":1}', "c": "[1]"}
    assert store.load_texts(USER, ["b", "missing"]) == {"b": '{"x":1}'}


def test_update_still_returns_the_whole_new_doc(store: SqliteStore) -> None:
    store.update(USER, [SetOp(("a",), 1)])
    assert store.update(USER, [SetOp(("b", "c"), 2)]) == {"a": 1, "b": {"c": 2}}


def test_big_namespaces_are_named_but_not_read_by_load_small_texts(store: SqliteStore) -> None:
    big = {f"k{i}": "x" * 50 for i in range(200)}
    store.update(USER, [SetOp(("small",), {"v": 1}), SetOp(("big",), big)])
    assert store.load_small_texts(USER, 8192) == {"small": '{"v":1}', "big": None}
    assert store.load_small_texts(USER, 10**6)["big"] == dumps(big)


def test_delete_removes_every_namespace_and_the_user(store: SqliteStore, db: Path) -> None:
    store.update(USER, [SetOp(("a",), 1), SetOp(("b",), 2)])
    store.delete(USER)
    assert store.load(USER) == {}
    assert _raw(db, "SELECT COUNT(*) FROM docs") == [(0,)]
    assert list(store.user_ids()) == []


# -- many processes ---------------------------------------------------------

PROCS, WRITES = 4, 60


def _writer(path: Path, worker: int, barrier: Barrier) -> None:
    store = SqliteStore(path, timeout_s=30)
    barrier.wait()
    for i in range(WRITES):
        # Even workers share one namespace (different keys); odd ones have their own.
        ns = "shared" if worker % 2 == 0 else f"own{worker}"
        store.update_namespaces(USER, [SetOp((ns, f"{worker}-{i}"), i)])
    store.close()


def test_processes_writing_keys_of_one_namespace_and_of_different_ones_lose_nothing(
    db: Path,
) -> None:
    SqliteStore(db).update(USER, [SetOp(("kept",), True)])
    barrier = FORK.Barrier(PROCS)
    procs = [FORK.Process(target=_writer, args=(db, w, barrier)) for w in range(PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * PROCS

    store = SqliteStore(db)
    doc = store.load(USER)
    store.close()
    assert doc["kept"] is True
    shared = {f"{w}-{i}": i for w in range(0, PROCS, 2) for i in range(WRITES)}
    assert doc["shared"] == shared
    for w in range(1, PROCS, 2):
        assert doc[f"own{w}"] == {f"{w}-{i}": i for i in range(WRITES)}
    assert _raw(db, "SELECT rev FROM users") == [(1 + PROCS * WRITES,)]


# -- the texts API on every store --------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UserStore]:
    s: UserStore = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "t.db")
    yield s
    s.close()


def test_every_store_hands_out_texts_in_the_form_the_turn_compares(any_store: UserStore) -> None:
    doc = {"profile": {"name": "Zoë", "n": 1.0}, "list": [1, "a"]}
    any_store.update(USER, [SetOp((k,), v) for k, v in doc.items()])
    texts = any_store.load_texts(USER)
    assert texts == {k: dumps(v) for k, v in doc.items()}
    assert any_store.load_texts(USER, ["list"]) == {"list": dumps(doc["list"])}
    assert set(any_store.load_small_texts(USER, 10**6)) == set(doc)
    written = any_store.update_namespaces(USER, [SetOp(("profile", "n"), 2), DeleteOp(("list",))])
    assert written == {"profile": '{"name":"Zoë","n":2}', "list": None}
    assert any_store.load(USER) == {"profile": {"name": "Zoë", "n": 2}}


# -- the Turn's doc over a real store ----------------------------------------


def test_a_big_namespace_is_read_from_the_store_only_when_handed_out(store: SqliteStore) -> None:
    big = {f"k{i}": i for i in range(2000)}
    store.update(USER, [SetOp(("routine",), {"step": 1}), SetOp(("history",), big)])
    reads: list[list[str]] = []

    def fetch(names: list[str]) -> dict[str, str]:
        reads.append(list(names))
        return store.load_texts(USER, names)

    doc = _Doc(store.load_small_texts(USER, 8192), fetch)
    doc["routine"]["step"] = 2
    assert doc.changes() == ({"routine": {"step": 1}}, {"routine": {"step": 2}})
    assert reads == []
    assert doc["history"] == big
    assert reads == [["history"]]


def test_a_big_namespace_deleted_since_the_load_reads_as_absent(store: SqliteStore) -> None:
    store.update(USER, [SetOp(("history",), {f"k{i}": i for i in range(2000)})])
    doc = _Doc(store.load_small_texts(USER, 8192), lambda names: store.load_texts(USER, names))
    store.update(USER, [DeleteOp(("history",))])
    assert "history" in doc  # still named: the load saw it
    assert doc.get("history") is None
    assert "history" not in doc  # and once looked at, gone, as for a key never stored
    with pytest.raises(KeyError):
        doc["history"]
    assert doc.changes() == ({}, {})  # nothing to write back


def test_a_big_namespace_replaced_unread_and_deleted_meanwhile_is_written_as_new(
    store: SqliteStore,
) -> None:
    store.update(USER, [SetOp(("history",), {f"k{i}": i for i in range(2000)})])
    doc = _Doc(store.load_small_texts(USER, 8192), lambda names: store.load_texts(USER, names))
    store.update(USER, [DeleteOp(("history",))])
    doc["history"] = {"fresh": 1}
    assert doc.changes() == ({}, {"history": {"fresh": 1}})


def test_opening_an_old_file_waits_for_a_migration_longer_than_a_request_would(
    db: Path,
) -> None:
    # Another process migrating holds the write lock for longer than the store's
    # per-request timeout: opening must wait for it, not fail (gunicorn would halt).
    import threading

    _v2_file(db)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode = WAL")  # as every file the store wrote is
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        store = SqliteStore(db, timeout_s=0.2)
        try:
            assert store.load("plain") == json.loads(V2_DOCS["plain"])
        finally:
            store.close()
    finally:
        release.join()
        holder.close()


def test_the_production_server_migrates_once_before_its_workers_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skill import server
    from skill.settings import load_settings

    opened: list[str] = []
    real = SqliteStore.__init__

    def spy(self: SqliteStore, *args: Any, **kwargs: Any) -> None:
        opened.append("open")
        real(self, *args, **kwargs)

    class NoRun(Exception):
        pass

    def no_run(self: Any) -> None:
        raise NoRun  # stands in for gunicorn forking its workers

    monkeypatch.setattr(SqliteStore, "__init__", spy)
    monkeypatch.setattr("gunicorn.app.base.BaseApplication.run", no_run)
    settings = load_settings(dev=True, data_dir=tmp_path)
    _v2_file(settings.sqlite_path)
    with pytest.raises(NoRun):
        server.serve_production(settings, host="127.0.0.1", port=9, workers=2)
    assert opened == ["open"]
    assert _raw(settings.sqlite_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
