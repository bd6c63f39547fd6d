"""DynamoDB-backed UserStore (for Alexa-hosted / AWS Lambda deployments).

Built on ask-sdk's ``DynamoDbAdapter`` (partition key ``id``, the document
under ``attributes``), so a table written by a plain ask-sdk skill is read as
is. Each item also carries ``rev``, a revision number used for concurrency.

What ``update`` guarantees:
  * It reads the item with a strongly consistent read, applies the ops and
    writes with a condition on ``rev`` (or on the item's absence). If another
    writer got in between, the condition fails and it re-reads and retries
    (up to ``max_attempts``), so no update that returned is lost and two
    updates of disjoint keys both survive.
  * Writers that bypass ``rev`` (e.g. ask-sdk's own ``save_attributes``)
    are not detected: their whole-item put can still overwrite ours.
  * After ``max_attempts`` conflicts, StoreError; nothing was written.
  * ``delete`` is unconditional; an update racing it may recreate the item
    with only its own ops applied on top of {} (the delete is not undone
    piecemeal).

Numbers: floats go in as Decimal(repr(f)), so they come back exactly, and
ints exactly up to DynamoDB's 38 digits. DynamoDB stores 1.0 and 1 the same,
so an integral float comes back as an equal int (2.0 -> 2); above 2**53 a
value that an int can't equal comes back as float (2.5e100), which also
means a rare huge int with few digits (123 * 10**30) comes back as float.
Magnitudes beyond 9.99E+125 fail with StoreError.
Items are limited to 400 KB by DynamoDB.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from decimal import Context, Decimal
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from skill.store.base import StoreError, UserStore
from skill.store.patch import Doc, Op, apply, check_ops

_PK = "id"
_ATTR = "attributes"
_REV = "rev"
# DynamoDB's own number precision; no float repr needs more than 17 digits.
_DECIMAL_CTX = Context(prec=38)


def to_dynamo(value: Any) -> Any:
    """JSON-plain -> what boto3 accepts (floats as exact Decimal)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return _DECIMAL_CTX.create_decimal(repr(value))
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_dynamo(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not JSON-plain")


def from_dynamo(value: Any) -> Any:
    """boto3 item value -> JSON-plain (Decimal as int when integral, else float)."""
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            return float(value)
        as_int = int(value)
        if abs(as_int) < 2**53:
            return as_int
        # Beyond 2**53 an int may differ from every float. Return a float only
        # if the number is exactly some float's repr and the int isn't equal
        # to that float (2.5e100 is not 25 * 10**99); otherwise the int.
        as_float = float(value)
        if as_float != as_int and Decimal(repr(as_float)) == value:
            return as_float
        return as_int
    if isinstance(value, dict):
        return {str(k): from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    if isinstance(value, set | frozenset | bytes | bytearray):
        # Sets/binary can only appear if something else wrote the item.
        raise StoreError("stored document holds a non-JSON type")
    return value


def _import_adapter() -> Any:
    # ask_sdk_dynamodb.adapter builds a default boto3 resource at import time,
    # which fails without a default region; give it one just for the import.
    had = "AWS_DEFAULT_REGION" in os.environ
    if not had and boto3.session.Session().region_name is None:
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
        try:
            from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        finally:
            del os.environ["AWS_DEFAULT_REGION"]
    else:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    return DynamoDbAdapter


class _UserKey:
    """Stands in for a request envelope: the adapter only needs its key."""

    __slots__ = ("user_id",)

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id


def _user_key(key: _UserKey) -> str:
    return key.user_id


class DynamoStore(UserStore):
    """UserStore on a DynamoDB table (see the module docstring for guarantees)."""

    loads_parsed = True  # one item per user: the whole document comes back parsed

    def __init__(
        self,
        table_name: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        create_table: bool = False,
        max_attempts: int = 8,
    ) -> None:
        adapter_cls = _import_adapter()
        try:
            self._resource = boto3.resource(
                "dynamodb", region_name=region, endpoint_url=endpoint_url
            )
            self.adapter = adapter_cls(
                table_name=table_name,
                partition_key_name=_PK,
                attribute_name=_ATTR,
                create_table=create_table,
                partition_keygen=_user_key,
                dynamodb_resource=self._resource,
            )
        except Exception as exc:  # adapter wraps everything in PersistenceException
            raise StoreError(f"opening DynamoDB table failed: {type(exc).__name__}") from exc
        self._table = self._resource.Table(table_name)
        self.max_attempts = max_attempts

    def load(self, user_id: str) -> Doc:
        try:
            raw = self.adapter.get_attributes(_UserKey(user_id))
        except Exception as exc:
            raise StoreError(f"loading failed: {type(exc).__name__}") from exc
        doc = from_dynamo(raw)
        if not isinstance(doc, dict):
            raise StoreError("stored document is corrupt (not a map)")
        return doc

    def update(self, user_id: str, ops: list[Op]) -> Doc:
        check_ops(ops)
        for attempt in range(self.max_attempts):
            try:
                item = self._table.get_item(Key={_PK: user_id}, ConsistentRead=True).get("Item")
            except (ClientError, BotoCoreError) as exc:
                raise StoreError(f"updating failed: {_aws_code(exc)}") from exc
            if item is None:
                current: Any = {}
                condition = "attribute_not_exists(#pk)"
                values: dict[str, Any] = {}
                rev = 0
            else:
                current = from_dynamo(item.get(_ATTR, {}))
                if not isinstance(current, dict):
                    raise StoreError("stored document is corrupt (not a map)")
                if _REV in item:
                    rev = int(item[_REV])
                    condition = "#rev = :rev"
                    values = {":rev": rev}
                else:  # written by plain ask-sdk: claim it only if still rev-less
                    rev = 0
                    condition = "attribute_exists(#pk) AND attribute_not_exists(#rev)"
                    values = {}
            doc = apply(current, ops, copy=False)
            kwargs: dict[str, Any] = {
                "Item": {_PK: user_id, _ATTR: to_dynamo(doc), _REV: rev + 1},
                "ConditionExpression": condition,
                # DynamoDB rejects names the expression doesn't use.
                "ExpressionAttributeNames": {
                    name: attr for name, attr in (("#pk", _PK), ("#rev", _REV)) if name in condition
                },
            }
            if values:
                kwargs["ExpressionAttributeValues"] = values
            try:
                self._table.put_item(**kwargs)
                return doc
            except ClientError as exc:
                if _aws_code(exc) != "ConditionalCheckFailedException":
                    raise StoreError(f"updating failed: {_aws_code(exc)}") from exc
            except (BotoCoreError, ArithmeticError) as exc:
                # ArithmeticError: boto3's Decimal context rejects numbers
                # outside DynamoDB's range.
                raise StoreError(f"updating failed: {type(exc).__name__}") from exc
            # Lost the race: back off a little (jittered) and merge again.
            time.sleep(random.uniform(0, 0.01 * (2**attempt)))
        raise StoreError(f"updating failed: {self.max_attempts} concurrent-write conflicts")

    def delete(self, user_id: str) -> None:
        try:
            self.adapter.delete_attributes(_UserKey(user_id))
        except Exception as exc:
            raise StoreError(f"deleting failed: {type(exc).__name__}") from exc

    def user_ids(self) -> Iterator[str]:
        kwargs: dict[str, Any] = {
            "ProjectionExpression": "#pk",
            "ExpressionAttributeNames": {"#pk": _PK},
        }
        while True:
            try:
                page = self._table.scan(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError(f"listing users failed: {_aws_code(exc)}") from exc
            for item in page.get("Items", []):
                yield str(item[_PK])
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            kwargs["ExclusiveStartKey"] = start

    def close(self) -> None:
        # boto3 resources hold a pooled HTTP client; nothing needs flushing.
        self._resource.meta.client.close()


def _aws_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
