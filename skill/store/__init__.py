"""Per-user persistence: a small UserStore interface, SQLite and DynamoDB backends.

``open_store`` picks a backend; DynamoDB (and so boto3) is imported only when
asked for, so a self-hosted SQLite deployment never loads boto3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from skill.store.base import AttributesAdapter, StoreError, UserStore
from skill.store.patch import DeleteOp, Doc, Op, SetOp, apply, diff
from skill.store.sqlite import SqliteStore

__all__ = [
    "AttributesAdapter",
    "DeleteOp",
    "Doc",
    "Op",
    "SetOp",
    "SqliteStore",
    "StoreError",
    "UserStore",
    "apply",
    "diff",
    "open_store",
]


def open_store(kind: Literal["sqlite", "dynamodb"], **kw: Any) -> UserStore:
    """Open a store: ``sqlite`` takes ``path`` (and ``timeout_s``); ``dynamodb``
    takes ``table_name``, ``region`` (and ``endpoint_url``, ``create_table``)."""
    if kind == "sqlite":
        path = kw.pop("path")
        return SqliteStore(Path(path), **kw)
    if kind == "dynamodb":
        from skill.store.dynamo import DynamoStore  # lazy: keeps boto3 off the SQLite path

        table_name = kw.pop("table_name")
        return DynamoStore(table_name, **kw)
    raise ValueError(f"unknown store kind {kind!r}")
