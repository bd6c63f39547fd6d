"""DynamoStore specifics, on moto's ``mock_aws`` (an in-process DynamoDB
emulation, not AWS: no network, fake credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")

from moto import mock_aws  # noqa: E402

from skill.store import SetOp, StoreError  # noqa: E402
from skill.store.dynamo import DynamoStore, from_dynamo, to_dynamo  # noqa: E402

TABLE = "hiprest-users"
REGION = "eu-west-1"


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[DynamoStore]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with mock_aws():
        s = DynamoStore(TABLE, region=REGION, create_table=True)
        yield s
        s.close()


def _raw_table() -> Any:
    return boto3.resource("dynamodb", region_name=REGION).Table(TABLE)


class _RacingTable:
    """Table proxy: before each of our first ``races`` puts, another writer
    updates the same item, so our conditional write must fail and retry."""

    def __init__(self, table: Any, races: int) -> None:
        self._table = table
        self.races = races
        self.puts = 0

    def get_item(self, **kw: Any) -> Any:
        return self._table.get_item(**kw)

    def put_item(self, **kw: Any) -> Any:
        self.puts += 1
        if self.races > 0:
            self.races -= 1
            item = self._table.get_item(Key={"id": kw["Item"]["id"]}, ConsistentRead=True)["Item"]
            item["attributes"].setdefault("checkin", {})[f"other-{self.races}"] = {"pain": 1}
            item["rev"] = item["rev"] + 1
            self._table.put_item(Item=item)
        return self._table.put_item(**kw)


def test_conflicting_write_is_retried_and_both_changes_survive(store: DynamoStore) -> None:
    store.update("u1", [SetOp(("checkin", "2024-05-01"), {"pain": 5})])
    racing = _RacingTable(store._table, races=2)
    store._table = racing

    store.update("u1", [SetOp(("checkin", "2024-05-02"), {"pain": 2})])

    assert racing.puts == 3
    doc = store.load("u1")
    assert set(doc["checkin"]) == {"2024-05-01", "2024-05-02", "other-0", "other-1"}
    assert _raw_table().get_item(Key={"id": "u1"})["Item"]["rev"] == 4


def test_endless_conflicts_give_store_error_and_keep_the_other_writes(
    store: DynamoStore,
) -> None:
    store.update("u1", [SetOp(("a",), 1)])
    store._table = _RacingTable(store._table, races=100)
    store.max_attempts = 3

    with pytest.raises(StoreError):
        store.update("u1", [SetOp(("mine",), 1)])

    doc = store.load("u1")
    assert "mine" not in doc
    assert len(doc["checkin"]) == 3


def test_item_saved_by_plain_ask_sdk_adapter_is_read_and_updated(store: DynamoStore) -> None:
    # The shape ask-sdk's DynamoDbAdapter writes: no revision attribute.
    _raw_table().put_item(
        Item={"id": "u1", "attributes": {"profile": {"name": "Ann"}, "w": Decimal("0.5")}}
    )
    assert store.load("u1") == {"profile": {"name": "Ann"}, "w": 0.5}

    store.update("u1", [SetOp(("profile", "side"), "left")])

    item = _raw_table().get_item(Key={"id": "u1"})["Item"]
    assert item["rev"] == 1
    assert store.load("u1") == {"profile": {"name": "Ann", "side": "left"}, "w": 0.5}


def test_number_outside_dynamodb_range_is_store_error_and_data_kept(store: DynamoStore) -> None:
    store.update("u1", [SetOp(("a",), 1)])
    with pytest.raises(StoreError):
        store.update("u1", [SetOp(("huge",), 1e200)])
    assert store.load("u1") == {"a": 1}


def test_missing_table_without_create_is_store_error(
    store: DynamoStore,
) -> None:
    other = DynamoStore("no-such-table", region=REGION)
    with pytest.raises(StoreError):
        other.load("u1")
    with pytest.raises(StoreError):
        other.update("u1", [SetOp(("a",), 1)])


@pytest.mark.parametrize("value", [0.1, -1.5e-7, 1 / 3, 2.5e100, 123456789.125])
def test_floats_cross_the_decimal_boundary_exactly(value: float) -> None:
    dec = to_dynamo(value)
    assert isinstance(dec, Decimal)
    back = from_dynamo(dec)
    assert type(back) is float and back == value


def test_integral_decimals_come_back_as_int_and_containers_are_converted() -> None:
    raw = {"n": Decimal("3"), "l": [Decimal("1.0"), Decimal("2.5"), True, None], "s": "x"}
    assert from_dynamo(raw) == {"n": 3, "l": [1, 2.5, True, None], "s": "x"}
    assert type(from_dynamo(raw)["l"][0]) is int
    assert to_dynamo({"b": True, "i": 7}) == {"b": True, "i": 7}


@pytest.mark.parametrize("value", [2**53 + 1, 10**20, -(10**37) - 7, 12345678901234567891])
def test_big_ints_come_back_as_the_same_int(value: int) -> None:
    back = from_dynamo(Decimal(value))
    assert type(back) is int and back == value
