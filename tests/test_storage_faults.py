"""Bad days for the disk, through the whole skill on the real SqliteStore:
read-only database, disk full, a lock held past the timeout, a corrupted row, and
a process killed between two writes. Each time the user hears the storage
apology in valid SSML, and what was saved before is intact when read back
with a fresh connection.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skill import envelopes
from skill.builder import build_skill
from skill.content import default_library
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.runtime import SkillRuntime
from skill.settings import Settings
from skill.speech import validate_ssml
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock

NOW = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
ALICE = Caller(user_id="amzn1.ask.account.ALICE")
BOB = Caller(user_id="amzn1.ask.account.BOB")
REPO = Path(__file__).resolve().parents[1]


def _apologies() -> set[str]:
    phrase = default_library().for_locale("en-US").phrase("error.storage")
    return {" ".join(v.split()) for v in phrase.say}


def _spoken(out: dict[str, Any]) -> str:
    ssml = str(out["response"].get("outputSpeech", {}).get("ssml", ""))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", ssml)).split())


def _assert_storage_apology(out: dict[str, Any]) -> None:
    ssml = out["response"]["outputSpeech"]["ssml"]
    assert validate_ssml(ssml) == []
    assert _spoken(out) in _apologies()


def _fresh_read(path: Path) -> dict[str, Any]:
    """Every user's doc, read with a connection the skill never touched."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out: dict[str, Any] = {uid: {} for (uid,) in conn.execute("SELECT user_id FROM users")}
        for uid, ns, text in conn.execute("SELECT user_id, ns, json FROM docs"):
            out[uid][ns] = json.loads(text)
        return out
    finally:
        conn.close()


def _integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def _runtime(settings: Settings, store: SqliteStore) -> SkillRuntime:
    deps = Deps(settings=settings, store=store, content=default_library(), clock=FakeClock(NOW))
    return SkillRuntime(build_skill(deps))


def _side(caller: Caller, side: str) -> dict[str, Any]:
    slot = SlotInput(side, side, side, "HipSide")
    return envelopes.intent(caller, NOW, "WhichSideIntent", {"Side": slot})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "faults" / "hiprest.db"


@pytest.fixture
def seeded(settings: Settings, db: Path) -> Iterator[tuple[SqliteStore, dict[str, Any]]]:
    """Alice and Bob have used the skill; returns the store and what is saved."""
    store = SqliteStore(db, timeout_s=0.2)
    runtime = _runtime(settings, store)
    for caller in (ALICE, BOB):
        runtime.handle(envelopes.launch(caller, NOW))
        runtime.handle(_side(caller, "left"))
    saved = _fresh_read(db)
    assert saved[ALICE.user_id]["profile"]["launches"] == 1
    assert saved[ALICE.user_id]["profile"]["painful_side"] == "left"
    yield store, saved
    store.close()


def test_read_only_database_gets_the_apology_and_keeps_data(
    settings: Settings, db: Path, seeded: tuple[SqliteStore, dict[str, Any]]
) -> None:
    store, saved = seeded
    store.close()
    if os.geteuid() == 0:
        # root ignores file modes: open the file read-only at the SQLite level instead.
        ro = SqliteStore(db, timeout_s=0.2)
        ro._conn().execute("PRAGMA query_only = ON")
    else:
        for p in db.parent.iterdir():
            p.chmod(0o444)
        db.parent.chmod(0o555)
        ro = SqliteStore(db, timeout_s=0.2)
    try:
        # A request that writes (a returning launch would only read).
        out = _runtime(settings, ro).handle(_side(ALICE, "right"))
    finally:
        ro.close()
        db.parent.chmod(0o755)
        for p in db.parent.iterdir():
            p.chmod(0o644)
    _assert_storage_apology(out)
    assert _fresh_read(db) == saved


DISK_FULL = textwrap.dedent(
    """
    import json, resource, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from skill import envelopes, logs
    from skill.builder import build_skill
    from skill.content import default_library
    from skill.deps import Deps
    from skill.envelopes import Caller, SlotInput
    from skill.runtime import SkillRuntime
    from skill.settings import load_settings
    from skill.store.sqlite import SqliteStore

    now = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
    logs.configure("INFO")
    db = Path(sys.argv[1])
    store = SqliteStore(db, timeout_s=0.5)
    store.load("warm-up")  # open the connection while the disk still has room
    # No file may grow by a single byte: write() fails with EFBIG, as on a full disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
    deps = Deps(settings=load_settings(dev=True, data_dir=db.parent), store=store,
                content=default_library(), clock=lambda: now)
    runtime = SkillRuntime(build_skill(deps))
    side = SlotInput("both", "both", "both", "HipSide")
    outs = [
        runtime.handle(envelopes.launch(Caller(user_id="amzn1.ask.account.NEWCOMER"), now)),
        runtime.handle(envelopes.intent(Caller(user_id=sys.argv[2]), now, "WhichSideIntent",
                                        {"Side": side})),
    ]
    print(json.dumps(outs))
    """
)


@pytest.mark.slow
def test_disk_full_gets_the_apology_and_keeps_data(
    settings: Settings, db: Path, seeded: tuple[SqliteStore, dict[str, Any]]
) -> None:
    _, saved = seeded
    # Empty the WAL into the main file so the next commit must grow a file.
    holder = sqlite3.connect(db)
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
        done = subprocess.run(
            [sys.executable, "-c", DISK_FULL, str(db), ALICE.user_id],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        holder.close()
    outs = json.loads(done.stdout)
    for out in outs:
        _assert_storage_apology(out)
    assert "database or disk is full" in done.stderr or "disk I/O error" in done.stderr
    assert _fresh_read(db) == saved
    assert _integrity_ok(db)


def test_lock_held_past_the_timeout_gets_the_apology_quickly_and_keeps_data(
    settings: Settings, db: Path, seeded: tuple[SqliteStore, dict[str, Any]]
) -> None:
    store, saved = seeded
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        started = time.perf_counter()
        out = _runtime(settings, store).handle(_side(ALICE, "right"))
        elapsed = time.perf_counter() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _assert_storage_apology(out)
    assert elapsed < store.timeout_s + 2.0  # waited for the timeout, not for ever
    assert _fresh_read(db) == saved
    # Once the lock is gone the same request saves normally.
    _runtime(settings, store).handle(_side(ALICE, "right"))
    assert _fresh_read(db)[ALICE.user_id]["profile"]["painful_side"] == "right"


@pytest.mark.parametrize(
    # Not JSON at all: a namespace that parses to the wrong shape is "damaged
    # state" instead, replaced by a fresh default (Turn.state).
    "damage",
    ["{not json", '{"v": 1, "launch', "", "\x00\x01"],
    ids=repr,
)
def test_corrupted_row_gets_the_apology_and_is_not_overwritten(
    settings: Settings, db: Path, seeded: tuple[SqliteStore, dict[str, Any]], damage: str
) -> None:
    store, saved = seeded
    profile = "SELECT json FROM docs WHERE user_id = ? AND ns = 'profile'"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "UPDATE docs SET json = ? WHERE user_id = ? AND ns = 'profile'", (damage, ALICE.user_id)
    )
    conn.close()
    runtime = _runtime(settings, store)
    for request in (envelopes.launch(ALICE, NOW), _side(ALICE, "right")):
        _assert_storage_apology(runtime.handle(request))
    conn = sqlite3.connect(db)
    row = conn.execute(profile, (ALICE.user_id,)).fetchone()
    bob = conn.execute(profile, (BOB.user_id,)).fetchone()
    conn.close()
    assert row[0] == damage  # kept for repair, never replaced by {} + this request's change
    assert json.loads(bob[0]) == saved[BOB.user_id]["profile"]
    # Bob, on the same database, is unaffected.
    out = runtime.handle(envelopes.launch(BOB, NOW))
    assert _spoken(out) not in _apologies()


CRASHER = textwrap.dedent(
    """
    import json, sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from skill import envelopes
    from skill.builder import build_skill
    from skill.content import default_library
    from skill.deps import Deps
    from skill.envelopes import Caller, SlotInput
    from skill.runtime import SkillRuntime
    from skill.settings import load_settings
    from skill.store.patch import apply
    from skill.store.sqlite import SqliteStore

    class DiesMidWrite(SqliteStore):
        # The first write commits; the second stops after its UPDATE, before COMMIT.
        writes = 0

        def update_namespaces(self, user_id, ops):
            self.writes += 1
            if self.writes == 1:
                return super().update_namespaces(user_id, ops)
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            doc = apply(self.load(user_id), ops)
            conn.execute(
                "UPDATE docs SET json = ? WHERE user_id = ? AND ns = 'profile'",
                (json.dumps(doc["profile"]), user_id),
            )
            print("mid-transaction", flush=True)
            time.sleep(60)

    now = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
    store = DiesMidWrite(Path(sys.argv[1]))
    deps = Deps(settings=load_settings(dev=True, data_dir=Path(sys.argv[1]).parent),
                store=store, content=default_library(), clock=lambda: now)
    runtime = SkillRuntime(build_skill(deps))
    caller = Caller(user_id=sys.argv[2])
    runtime.handle(envelopes.launch(caller, now))  # a first launch: writes the profile
    print("first write committed", flush=True)
    side = SlotInput("left", "left", "left", "HipSide")
    runtime.handle(envelopes.intent(caller, now, "WhichSideIntent", {"Side": side}))
    """
)


@pytest.mark.slow
def test_process_killed_between_two_writes_leaves_the_first_and_no_lock(
    settings: Settings, db: Path, tmp_path: Path
) -> None:
    carol = Caller(user_id="amzn1.ask.account.CAROL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHER, str(db), carol.user_id],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "first write committed"
        assert child.stdout.readline().strip() == "mid-transaction"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    after = _fresh_read(db)
    # The first write, not the second.
    assert after[carol.user_id]["profile"]["launches"] == 1
    assert after[carol.user_id]["profile"]["painful_side"] is None
    assert _integrity_ok(db)
    # The dead writer's lock died with it: the skill reads and writes normally.
    store = SqliteStore(db, timeout_s=0.5)
    try:
        out = _runtime(settings, store).handle(envelopes.launch(carol, NOW))
        assert _spoken(out) not in _apologies()
        assert validate_ssml(out["response"]["outputSpeech"]["ssml"]) == []
        out = _runtime(settings, store).handle(_side(carol, "left"))
        assert _spoken(out) not in _apologies()
    finally:
        store.close()
    assert _fresh_read(db)[carol.user_id]["profile"]["painful_side"] == "left"
