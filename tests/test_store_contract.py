"""One contract for every UserStore backend.

Runs against SqliteStore on a temporary file, the in-process MemoryStore,
and DynamoStore on
moto's ``mock_aws`` — an in-process *emulation* of DynamoDB, not AWS: no
network, fake credentials. Passing here shows our code speaks the DynamoDB
API correctly as moto models it; it does not prove behaviour of the real
service (throttling, real 400 KB accounting, latency).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.store import SetOp, UserStore, diff, open_store
from skill.store.patch import DeleteOp, copy_plain, same

BACKENDS = ["sqlite", "memory", "dynamodb"]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Fake credentials and no config files, so nothing real can be reached.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UserStore]:
    if request.param == "sqlite":
        s = open_store("sqlite", path=tmp_path / "db" / "users.db")
        yield s
        s.close()
        return
    if request.param == "memory":
        from skill.store.memory import MemoryStore

        yield MemoryStore()
        return
    request.getfixturevalue("aws_env")
    from moto import mock_aws

    with mock_aws():
        s = open_store(
            "dynamodb", table_name="hiprest-users", region="eu-west-1", create_table=True
        )
        yield s
        s.close()


def _is_dynamo(store: UserStore) -> bool:
    return type(store).__name__ == "DynamoStore"


def test_unknown_user_loads_as_empty(store: UserStore) -> None:
    assert store.load("amzn1.ask.account.nobody") == {}


def test_update_returns_the_new_doc_and_load_reads_it_back(store: UserStore) -> None:
    returned = store.update("u1", [SetOp(("profile", "name"), "Ann"), SetOp(("n",), 3)])
    assert returned == {"profile": {"name": "Ann"}, "n": 3}
    assert store.load("u1") == returned


def test_updates_merge_into_nested_dicts(store: UserStore) -> None:
    store.update("u1", [SetOp(("profile", "name"), "Ann")])
    store.update("u1", [SetOp(("profile", "side"), "left"), SetOp(("routine", "step"), 2)])
    store.update("u1", [DeleteOp(("profile", "name"))])
    assert store.load("u1") == {"profile": {"side": "left"}, "routine": {"step": 2}}


def test_delete_removes_everything_for_that_user_only(store: UserStore) -> None:
    store.update("u1", [SetOp(("profile", "name"), "Ann")])
    store.update("u2", [SetOp(("profile", "name"), "Bob")])

    store.delete("u1")
    store.delete("never-seen")  # deleting an unknown user is not an error

    assert store.load("u1") == {}
    assert list(store.user_ids()) == ["u2"]
    assert store.load("u2") == {"profile": {"name": "Bob"}}
    assert store.update("u1", [SetOp(("x",), 1)]) == {"x": 1}  # starts afresh


def test_user_ids_lists_every_stored_user(store: UserStore) -> None:
    ids = {f"amzn1.ask.account.{i:03d}" for i in range(25)}
    for uid in ids:
        store.update(uid, [SetOp(("seen",), True)])
    assert sorted(store.user_ids()) == sorted(ids)


VALUES: dict[str, Any] = {
    "tenth": 0.1,
    "neg": -2.5,
    "tiny": 1e-100,
    "precise": 0.1 + 0.2,
    "int": 123456789012345,
    "negint": -7,
    "zero": 0,
    "yes": True,
    "no": False,
    "none": None,
    "unicode": 'Grüße — 髋关节 🦴 \u2028 "quoted" \\',
    "empty": "",
    "list": [1, 2.5, "x", None, True, False, {"deep": [[], {}]}],
    "empty_dict": {},
    "empty_list": [],
}


def test_scalars_lists_and_unicode_round_trip_exactly(store: UserStore) -> None:
    store.update("u1", [SetOp(("v",), copy_plain(VALUES))])
    loaded = store.load("u1")["v"]
    # Type-aware: 0 must not come back as False, 0.1 not as Decimal, etc.
    assert same(loaded, VALUES)


def test_integral_float_comes_back_equal(store: UserStore) -> None:
    store.update("u1", [SetOp(("f",), 2.0)])
    loaded = store.load("u1")["f"]
    assert loaded == 2.0
    # DynamoDB keeps numbers without a type: 2.0 comes back as int 2 (documented).
    assert isinstance(loaded, int if _is_dynamo(store) else float)


def test_a_200_kb_doc_round_trips(store: UserStore) -> None:
    checkins = {
        f"2024-{m:02d}-{d:02d}": {"pain": (m * d) % 11, "note": f"night {m}/{d} " * 50}
        for m in range(1, 13)
        for d in range(1, 29)
    }
    assert 180_000 < len(json.dumps(checkins)) < 300_000  # the size under test
    store.update("u1", [SetOp(("checkin",), checkins)])
    assert store.load("u1") == {"checkin": checkins}


def test_updates_made_from_the_same_stale_snapshot_both_survive(store: UserStore) -> None:
    store.update("u1", [SetOp(("checkin", "2024-05-01"), {"pain": 5})])
    snapshot = store.load("u1")

    first = copy_plain(snapshot)
    first["checkin"]["2024-05-02"] = {"pain": 4}
    second = copy_plain(snapshot)
    second["checkin"]["2024-05-03"] = {"pain": 3}
    second["profile"] = {"side": "right"}

    store.update("u1", diff(snapshot, first))
    store.update("u1", diff(snapshot, second))

    doc = store.load("u1")
    assert set(doc["checkin"]) == {"2024-05-01", "2024-05-02", "2024-05-03"}
    assert doc["profile"] == {"side": "right"}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "int key"}, (1, 2)])
def test_non_json_values_are_refused_and_nothing_is_written(store: UserStore, bad: Any) -> None:
    store.update("u1", [SetOp(("ok",), 1)])
    with pytest.raises((TypeError, ValueError)):
        store.update("u1", [SetOp(("ok",), 2), SetOp(("bad",), bad)])
    assert store.load("u1") == {"ok": 1}


def test_sqlite_path_does_not_import_boto3(tmp_path: Path) -> None:
    code = (
        "import sys; from skill.store import open_store; "
        f"s = open_store('sqlite', path={str(tmp_path / 'x.db')!r}); "
        "s.update('u', []); s.load('u'); "
        "sys.exit(1 if 'boto3' in sys.modules or 'botocore' in sys.modules else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_unknown_store_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        open_store("redis", path="x")  # type: ignore[arg-type]
