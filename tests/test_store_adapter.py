"""AttributesAdapter: ask-sdk's AttributesManager over a UserStore (SQLite here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_model import Context, LaunchRequest, RequestEnvelope, Session, User
from ask_sdk_model.interfaces.system import SystemState

from skill.store import AttributesAdapter, SetOp, SqliteStore, StoreError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "users.db")
    yield s
    s.close()


def _envelope(
    request_id: str, *, user: str = "amzn1.ask.account.A", in_context: bool = True
) -> RequestEnvelope:
    context = Context(system=SystemState(user=User(user_id=user))) if in_context else None
    return RequestEnvelope(
        context=context,
        session=Session(user=User(user_id=user)),
        request=LaunchRequest(request_id=request_id),
    )


def test_attributes_saved_through_ask_sdk_are_stored_for_the_user(store: SqliteStore) -> None:
    manager = AttributesManager(_envelope("r1"), AttributesAdapter(store))
    manager.persistent_attributes["profile"] = {"name": "Ann"}
    manager.save_persistent_attributes()

    assert store.load("amzn1.ask.account.A") == {"profile": {"name": "Ann"}}
    fresh = AttributesManager(_envelope("r2"), AttributesAdapter(store))
    assert fresh.persistent_attributes == {"profile": {"name": "Ann"}}


def test_two_overlapping_requests_keep_each_others_changes(store: SqliteStore) -> None:
    store.update("amzn1.ask.account.A", [SetOp(("checkin", "d1"), 5)])
    adapter = AttributesAdapter(store)
    first = AttributesManager(_envelope("r1"), adapter)
    second = AttributesManager(_envelope("r2"), adapter)

    first_attrs: Any = first.persistent_attributes  # both load before either saves
    second_attrs: Any = second.persistent_attributes
    first_attrs["checkin"]["d2"] = 4
    second_attrs["checkin"]["d3"] = 3
    second_attrs["profile"] = {"side": "left"}
    first.save_persistent_attributes()
    second.save_persistent_attributes()

    doc = store.load("amzn1.ask.account.A")
    assert doc == {"checkin": {"d1": 5, "d2": 4, "d3": 3}, "profile": {"side": "left"}}


def test_a_key_removed_by_the_handler_is_deleted_from_the_store(store: SqliteStore) -> None:
    store.update("amzn1.ask.account.A", [SetOp(("routine",), {"step": 2}), SetOp(("x",), 1)])
    manager = AttributesManager(_envelope("r1"), AttributesAdapter(store))
    del manager.persistent_attributes["routine"]
    manager.save_persistent_attributes()
    assert store.load("amzn1.ask.account.A") == {"x": 1}


def test_save_without_a_prior_load_replaces_the_stored_doc(store: SqliteStore) -> None:
    store.update("amzn1.ask.account.A", [SetOp(("old",), 1)])
    manager = AttributesManager(_envelope("r1"), AttributesAdapter(store))
    manager.persistent_attributes = {"new": 2}
    manager.save_persistent_attributes()
    assert store.load("amzn1.ask.account.A") == {"new": 2}


def test_delete_forgets_the_user(store: SqliteStore) -> None:
    store.update("amzn1.ask.account.A", [SetOp(("profile",), {"name": "Ann"})])
    manager = AttributesManager(_envelope("r1"), AttributesAdapter(store))
    manager.delete_persistent_attributes()
    assert store.load("amzn1.ask.account.A") == {}
    assert list(store.user_ids()) == []


def test_user_id_falls_back_to_the_session(store: SqliteStore) -> None:
    adapter = AttributesAdapter(store)
    env = _envelope("r1", user="amzn1.ask.account.S", in_context=False)
    adapter.save_attributes(env, {"a": 1})
    assert store.load("amzn1.ask.account.S") == {"a": 1}


def test_request_without_a_user_is_a_store_error(store: SqliteStore) -> None:
    with pytest.raises(StoreError):
        AttributesAdapter(store).get_attributes(
            RequestEnvelope(request=LaunchRequest(request_id="r"))
        )
