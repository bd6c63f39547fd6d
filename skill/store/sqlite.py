"""SQLite-backed UserStore for self-hosting: one file, several processes.

Durability: WAL with ``synchronous=NORMAL`` — a committed update survives a
crash of the process; a power loss may lose the last few commits but never
corrupts the file. Concurrency: every ``update`` is one ``BEGIN IMMEDIATE``
transaction (read, merge, write), so writers in any thread or process are
serialised by SQLite's write lock and none loses another's update; waiting
longer than ``timeout_s`` raises StoreError instead of hanging a request.

Layout (schema v3): ``docs`` holds one row per (user, namespace) with that
namespace's JSON text; ``users`` one row per user (``rev``, ``updated_at`` for
retention and export). A write reads, merges and rewrites only the namespaces
its ops touch, so its cost does not grow with what else the user has stored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path

from skill.store.base import StoreError, Texts, UserStore
from skill.store.patch import Doc, Op, apply, check_ops, dumps, namespaces_of

log = logging.getLogger("hiprest.store")


def _create_private(path: Path) -> None:
    """Make the folder (0700) and an empty database file (0600) if they are missing.

    SQLite gives its -wal and -shm files the database file's mode, so they are
    private too. Existing folders and files keep the mode their owner chose.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # An empty file is an empty SQLite database; O_CREAT without O_EXCL is
        # safe when another process creates it at the same moment.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _v1_create_users(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS users ("
        " user_id TEXT PRIMARY KEY,"
        " doc TEXT NOT NULL,"
        " rev INTEGER NOT NULL,"
        " updated_at TEXT)"
    )


def _v2_timestamp_every_row(conn: sqlite3.Connection) -> None:
    # Retention and export pick users by last activity: give rows that were
    # written without a timestamp one (the migration time, so they're kept
    # for a full retention period rather than purged) and index the column.
    conn.execute("UPDATE users SET updated_at = ? WHERE updated_at IS NULL", (_utc_now(),))
    conn.execute("CREATE INDEX IF NOT EXISTS users_updated_at ON users(updated_at)")


def _v3_one_row_per_namespace(conn: sqlite3.Connection) -> None:
    # One JSON document per user made every request parse and rewrite all of
    # it (a routine step paid for 10,000 nights of history). Now ``docs`` holds
    # one row per (user, namespace) and ``users`` only the per-user facts.
    # A v2 document that does not parse as an object is kept verbatim in
    # ``users.unsplit`` (load and update then raise StoreError, as v2 did), so
    # it can still be repaired.
    conn.execute(
        "CREATE TABLE users_v3 ("
        " user_id TEXT PRIMARY KEY,"
        " rev INTEGER NOT NULL,"
        " updated_at TEXT,"
        " unsplit TEXT)"
    )
    conn.execute(
        "CREATE TABLE docs ("
        " user_id TEXT NOT NULL,"
        " ns TEXT NOT NULL,"
        # Before json: reading ns and size never touches a big value's overflow pages.
        " size INTEGER NOT NULL,"
        " json TEXT NOT NULL,"
        # A rowid table, not WITHOUT ROWID: there a 1.4 MB value in the key's
        # b-tree made even a names-only read of that user 5x slower (measured).
        " PRIMARY KEY (user_id, ns))"
    )
    cur = conn.execute("SELECT user_id, doc, rev, updated_at FROM users")
    while rows := cur.fetchmany(200):
        for user_id, raw, rev, updated_at in rows:
            texts = _split_v2(raw)
            if texts is not None:
                conn.executemany(
                    "INSERT INTO docs (user_id, ns, size, json) VALUES (?, ?, ?, ?)",
                    [(user_id, ns, len(text), text) for ns, text in texts],
                )
                unsplit = None
            else:
                unsplit = raw  # kept as is, bytes included: it is all there is
            conn.execute(
                "INSERT INTO users_v3 (user_id, rev, updated_at, unsplit) VALUES (?, ?, ?, ?)",
                (user_id, rev, updated_at, unsplit),
            )
    conn.execute("DROP TABLE users")  # drops its index too
    conn.execute("ALTER TABLE users_v3 RENAME TO users")
    conn.execute("CREATE INDEX users_updated_at ON users(updated_at)")


def _split_v2(raw: object) -> list[tuple[str, str]] | None:
    """A v2 document's namespaces as stored texts, or None when it cannot be split
    as it stands (not JSON, not an object, NaN, a lone surrogate, nested past the
    parser's depth): such a row is kept whole rather than failing the migration."""
    if not isinstance(raw, str):
        return None
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            return None
        texts = [(ns, dumps(value)) for ns, value in doc.items()]
        for ns, text in texts:  # SQLite stores UTF-8: a lone surrogate cannot go in
            ns.encode("utf-8")
            text.encode("utf-8")
    except (ValueError, RecursionError, UnicodeError):
        return None
    return texts


# MIGRATIONS[i] takes the schema from user_version i to i + 1. Append only.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_create_users,
    _v2_timestamp_every_row,
    _v3_one_row_per_namespace,
]
SCHEMA_VERSION = len(MIGRATIONS)

# How long opening the store waits for another process's migration to finish.
MIGRATION_WAIT_S = 300.0

# How long SQLite itself waits for the write lock before we poll again.
_BUSY_SLICE_MS = 2


def _safe_message(action: str, exc: BaseException) -> str:
    # sqlite3 messages name the failure ("database is locked", "database or
    # disk is full") but never contain row data, so they are safe to keep.
    return f"{action} failed: {type(exc).__name__}: {exc}"


class SqliteStore(UserStore):
    """UserStore on a SQLite file; one reused connection per thread (and process)."""

    def __init__(self, path: Path | str, *, timeout_s: float = 2.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._local = threading.local()
        self._all: list[tuple[int, sqlite3.Connection]] = []
        self._all_lock = threading.Lock()
        self._closed = False
        try:
            _create_private(self.path)
        except OSError as exc:
            raise StoreError(_safe_message("creating the database folder", exc)) from exc
        self._migrate()

    # -- connections -----------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            return conn
        # New thread, or a forked child holding the parent's connection: a
        # SQLite handle must not cross fork(), so open a fresh one (and leave
        # the inherited one unclosed — closing it could disturb the parent).
        if self._closed:
            raise StoreError("store is closed")
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self.timeout_s,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,  # only so close() can close every thread's handle
            )
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("opening the database", exc)) from exc
        try:
            mode = self._enable_wal(conn)
            if mode != "wal":
                raise StoreError(f"could not enable WAL (journal_mode={mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows are overwritten with zeros, not just unlinked from the
            # b-tree: "delete my data" must not leave the text in free pages.
            conn.execute("PRAGMA secure_delete = ON")
            # Short busy slices for good: _begin_immediate and load poll up to
            # timeout_s themselves (set here once, not twice per write).
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_SLICE_MS}")
        except (sqlite3.Error, StoreError) as exc:
            conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(_safe_message("opening the database", exc)) from exc
        local.conn = conn
        local.pid = os.getpid()
        with self._all_lock:
            self._all.append((os.getpid(), conn))
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> str:
        # Switching a rollback-journal file to WAL needs an exclusive lock and
        # SQLite reports "locked" at once, without its busy handler, when
        # another process is opening the same file: retry until the timeout.
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)

    def _begin_immediate(self, conn: sqlite3.Connection, timeout_s: float | None = None) -> None:
        # SQLite's own busy handler backs off to 100 ms sleeps, so under a
        # steady stream of writers a waiting process can lose every race
        # until its timeout. Poll with short slices instead (about 1 ms
        # apart, jittered), which keeps waits near the real queue length.
        # The connection's busy_timeout is that slice (set once in _conn).
        self._polling(conn, "BEGIN IMMEDIATE", timeout_s=timeout_s)

    @contextlib.contextmanager
    def _write(self, conn: sqlite3.Connection, timeout_s: float | None = None) -> Iterator[None]:
        """One write transaction: commit if the block finishes, roll back on anything."""
        self._begin_immediate(conn, timeout_s)
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    def _polling(
        self,
        conn: sqlite3.Connection,
        sql: str,
        params: tuple[str | int, ...] = (),
        *,
        timeout_s: float | None = None,
    ) -> sqlite3.Cursor:
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else timeout_s)
        while True:
            try:
                return conn.execute(sql, params)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(random.uniform(0, 0.001))

    def _migrate(self) -> None:
        conn = self._conn()
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return
            # Several processes may open an old file at once (gunicorn workers):
            # one migrates, the others wait for it rather than for a request's
            # timeout (splitting a big v2 file takes seconds).
            with self._write(conn, timeout_s=max(self.timeout_s, MIGRATION_WAIT_S)):
                # Re-read under the write lock: another process may have
                # migrated while we waited.
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"database schema v{version} is newer than this code (v{SCHEMA_VERSION})"
                    )
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](conn)
                    conn.execute(f"PRAGMA user_version = {step + 1}")
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("migrating the database", exc)) from exc

    # -- UserStore ---------------------------------------------------------

    @staticmethod
    def _parse(ns: str, raw: object) -> object:
        # A row we can't parse is reported, never treated as "no data": a
        # later write of {} + ops would otherwise overwrite what's left of it.
        if not isinstance(raw, str):
            raise StoreError(f"stored namespace {ns!r} is corrupt (not text)")
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise StoreError(f"stored namespace {ns!r} is corrupt (invalid JSON)") from exc

    @staticmethod
    def _check_split(row: tuple[object, ...] | None) -> None:
        # ``unsplit`` holds a v2 document the v3 migration could not parse.
        if row is not None and row[-1] is not None:
            raise StoreError("stored document is corrupt (kept from schema v2 for repair)")

    def _rows(self, conn: sqlite3.Connection, user_id: str) -> list[tuple[str, object]]:
        """(namespace, stored JSON) of every namespace; StoreError for an unsplit user."""
        # One statement, so a write committed between two reads can't tear the result.
        rows: list[tuple[str | None, object]] = self._polling(
            conn,
            "SELECT ns, json FROM docs WHERE user_id = ?"
            " UNION ALL SELECT NULL, unsplit FROM users WHERE user_id = ? AND unsplit IS NOT NULL",
            (user_id, user_id),
        ).fetchall()
        out: list[tuple[str, object]] = []
        for ns, raw in rows:
            if ns is None:
                self._check_split((raw,))
            else:
                out.append((ns, raw))
        return out

    def load(self, user_id: str) -> Doc:
        try:
            # WAL readers are not blocked by writers; only recovery or a
            # checkpoint-restart can report "locked", so poll as writes do.
            rows = self._rows(self._conn(), user_id)
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("loading", exc)) from exc
        return {ns: self._parse(ns, raw) for ns, raw in rows}

    def load_texts(self, user_id: str, names: Collection[str] | None = None) -> dict[str, str]:
        try:
            conn = self._conn()
            if names is None:
                rows = self._rows(conn, user_id)
            else:
                marks = ",".join("?" * len(names))
                rows = self._polling(
                    conn,
                    f"SELECT ns, json FROM docs WHERE user_id = ? AND ns IN ({marks})",
                    (user_id, *names),
                ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("loading", exc)) from exc
        # Not parsed here: the caller parses (and reports damage in) only what it
        # uses. A value that isn't text is handed on as "", which is no JSON.
        return {ns: raw if isinstance(raw, str) else "" for ns, raw in rows}

    def load_small_texts(self, user_id: str, max_chars: int) -> dict[str, str | None]:
        try:
            # The CASE keeps SQLite from reading a big value at all (its size
            # column comes first in the row), so this costs the same however
            # much history the user has.
            rows = self._polling(
                self._conn(),
                "SELECT ns, CASE WHEN size <= ? THEN json END FROM docs WHERE user_id = ?"
                " UNION ALL SELECT NULL, unsplit FROM users"
                " WHERE user_id = ? AND unsplit IS NOT NULL",
                (max_chars, user_id, user_id),
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("loading", exc)) from exc
        out: dict[str, str | None] = {}
        for ns, raw in rows:
            if ns is None:
                self._check_split((raw,))
            else:
                out[ns] = None if raw is None else raw if isinstance(raw, str) else ""
        return out

    def update(self, user_id: str, ops: list[Op]) -> Doc:
        doc: Doc = {}
        self._update(user_id, ops, whole=doc)
        return doc

    def update_namespaces(self, user_id: str, ops: list[Op]) -> Texts:
        return self._update(user_id, ops, whole=None)

    def _update(self, user_id: str, ops: list[Op], whole: Doc | None) -> Texts:
        """Read, merge and rewrite only the namespaces ``ops`` touch, in one
        BEGIN IMMEDIATE transaction; fill ``whole`` with the new doc if given."""
        check_ops(ops)
        touched = namespaces_of(ops)
        conn = self._conn()
        marks = ",".join("?" * len(touched))  # "IN ()" (no ops) is valid SQLite
        try:
            with self._write(conn):
                user = conn.execute(
                    "SELECT rev, unsplit FROM users WHERE user_id = ?", (user_id,)
                ).fetchone()
                self._check_split(user)
                current: Doc = {
                    ns: self._parse(ns, raw)
                    for ns, raw in conn.execute(
                        f"SELECT ns, json FROM docs WHERE user_id = ? AND ns IN ({marks})",
                        (user_id, *touched),
                    )
                }
                current = apply(current, ops, copy=False)
                texts: Texts = {}
                for ns in touched:
                    if ns in current:
                        text = texts[ns] = dumps(current[ns])
                        conn.execute(
                            "INSERT INTO docs (user_id, ns, size, json) VALUES (?, ?, ?, ?)"
                            " ON CONFLICT (user_id, ns)"
                            " DO UPDATE SET size = excluded.size, json = excluded.json",
                            (user_id, ns, len(text), text),
                        )
                    else:
                        texts[ns] = None
                        conn.execute("DELETE FROM docs WHERE user_id = ? AND ns = ?", (user_id, ns))
                if user is None:
                    conn.execute(
                        "INSERT INTO users (user_id, rev, updated_at) VALUES (?, 1, ?)",
                        (user_id, _utc_now()),
                    )
                else:
                    conn.execute(
                        "UPDATE users SET rev = rev + 1, updated_at = ? WHERE user_id = ?",
                        (_utc_now(), user_id),
                    )
                if whole is not None:
                    # Same transaction: the doc as this write left it.
                    rows = self._rows(conn, user_id)
                    whole.update({ns: self._parse(ns, raw) for ns, raw in rows})
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("updating", exc)) from exc
        return texts

    def delete(self, user_id: str) -> None:
        conn = self._conn()
        try:
            with self._write(conn):
                conn.execute("DELETE FROM docs WHERE user_id = ?", (user_id,))
                conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("deleting", exc)) from exc
        self._erase_wal(conn)

    def _erase_wal(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL into the (zeroed) database file and cut the WAL to 0 bytes.

        Until then the WAL still holds the old pages, user id and check-ins
        included. The deletion itself is committed already, so a checkpoint that
        cannot finish now (another connection mid-read) is only logged; the next
        deletion or SQLite's own auto-checkpoint completes it.
        """
        # Bounded well inside a request: readers finish in milliseconds.
        deadline = time.monotonic() + min(self.timeout_s, 0.5)
        while True:
            try:
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.Error as exc:
                log.warning("checkpoint after a deletion failed: %s", type(exc).__name__)
                return
            if not busy:
                return
            if time.monotonic() >= deadline:
                log.warning("checkpoint after a deletion incomplete: readers still open")
                return
            time.sleep(0.01)

    def user_ids(self) -> Iterator[str]:
        # Keyset pages: no read transaction is held open between yields, so
        # a slow export never pins the WAL or blocks checkpoints.
        last: str | None = None
        while True:
            try:
                if last is None:
                    cur = self._conn().execute(
                        "SELECT user_id FROM users ORDER BY user_id LIMIT 500"
                    )
                else:
                    cur = self._conn().execute(
                        "SELECT user_id FROM users WHERE user_id > ? ORDER BY user_id LIMIT 500",
                        (last,),
                    )
                rows = cur.fetchall()
            except sqlite3.Error as exc:
                raise StoreError(_safe_message("listing users", exc)) from exc
            if not rows:
                return
            for (uid,) in rows:
                yield uid
            last = rows[-1][0]

    def check_ready(self) -> None:
        """Open the file afresh, read the schema and take the write lock, then
        roll back: a corrupt or vanished file, a read-only file or folder, or a
        full disk fails here, cheaply (no full integrity scan), and nothing
        changes. A fresh connection, because a long-lived one keeps answering
        from its cache after the file underneath has been damaged."""
        if self._closed:
            raise StoreError("store is closed")
        try:
            # mode=rw: a vanished file is reported, not silently recreated empty.
            uri = f"{self.path.absolute().as_uri()}?mode=rw"
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("readiness check", exc)) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_SLICE_MS}")
            self._begin_immediate(conn)
            conn.execute("SELECT count(*) FROM users").fetchone()
            # A real page write, rolled back: BEGIN IMMEDIATE alone succeeds on
            # a read-only file.
            conn.execute(
                "INSERT OR REPLACE INTO users (user_id, rev, updated_at) VALUES (?, 0, NULL)",
                ("\x00readiness-probe",),
            )
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("readiness check", exc)) from exc
        finally:
            conn.close()

    def integrity_check(self) -> bool:
        """True when SQLite's full integrity check reports no problem (reads the whole file)."""
        try:
            rows = self._conn().execute("PRAGMA integrity_check").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(_safe_message("integrity check", exc)) from exc
        return rows == [("ok",)]

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            conns, self._all = self._all, []
        me = os.getpid()
        for pid, conn in conns:
            if pid != me:
                continue  # inherited across fork: the parent still owns it
            with contextlib.suppress(sqlite3.Error):  # best effort: nothing left to protect
                conn.close()
        self._local = threading.local()
