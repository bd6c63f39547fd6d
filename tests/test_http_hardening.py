"""The HTTP adapter against hostile browsers and bodies: the dev server refuses
foreign Host/Origin and non-JSON bodies (DNS rebinding, cross-site forms);
chunked bodies over the limit, deep nesting and wrong field types are refused
as 4xx in dev and production; /readyz reports a broken store."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill import envelopes
from skill.app import create_app
from skill.cli import bind_warning
from skill.deps import Deps
from skill.envelopes import Caller
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.support.certs import TestPki, make_pki, sign_b64
from tests.support.prod_app import SKILL_ID, production_app

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
USER = Caller().user_id


@pytest.fixture
def dev_client(deps: Deps) -> FlaskClient:
    return create_app(deps.settings, deps=deps).test_client()


@pytest.fixture
def pki() -> TestPki:
    return make_pki(NOW)


@pytest.fixture
def prod_client(tmp_path: Path, deps: Deps, pki: TestPki) -> FlaskClient:
    app = production_app(deps, tmp_path / "prod", pki, lambda url: pki.chain_pem(), NOW)
    return app.test_client()


def _post(client: FlaskClient, env: dict[str, Any], **headers: str) -> Any:
    return client.post(
        "/alexa", data=json.dumps(env), headers={"Content-Type": "application/json", **headers}
    )


def _intent(name: str, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    env = envelopes.intent(Caller(), NOW, name, {}, new=attributes is None)
    if attributes is not None:
        env["session"]["attributes"] = attributes
    return env


# -- point 4: the dev server cannot be driven by another web page -------------------


def test_a_cross_site_form_saying_yes_to_delete_my_data_deletes_nothing(
    dev_client: FlaskClient, deps: Deps
) -> None:
    deps.store.update(USER, [SetOp(("checkin",), {"days": {"2026-03-09": 4}})])
    asked = _post(dev_client, _intent("DeleteDataIntent"))
    assert asked.status_code == 200
    attributes = asked.get_json()["sessionAttributes"]
    yes = json.dumps(_intent("AMAZON.YesIntent", attributes))
    # What a hostile page's <form enctype="text/plain"> sends from the victim's browser.
    for headers in (
        {"Content-Type": "text/plain", "Origin": "https://attacker.example"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "application/json", "Origin": "https://attacker.example"},
        {"Content-Type": "application/json", "Origin": "null"},
    ):
        answer = dev_client.post("/alexa", data=yes, headers=headers)
        assert answer.status_code in (403, 415), headers
        assert "error" in answer.get_json()
    assert deps.store.load(USER)["checkin"]["days"] == {"2026-03-09": 4}
    # The same "yes" from the simulator page itself still works.
    same_origin = _post(
        dev_client, _intent("AMAZON.YesIntent", attributes), Origin="http://localhost"
    )
    assert same_origin.status_code == 200
    assert deps.store.load(USER) == {}


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8080", "127.0.0.1.nip.io"])
def test_a_foreign_host_is_refused_by_the_dev_server(dev_client: FlaskClient, host: str) -> None:
    # DNS rebinding: the attacker's name resolves to 127.0.0.1 and the page reads the answers.
    for method, path in (("GET", "/api/model"), ("GET", "/"), ("POST", "/api/simulate")):
        answer = dev_client.open(
            path, method=method, json={"text": "what do you know about me"}, headers={"Host": host}
        )
        assert answer.status_code == 403, (method, path)
        assert answer.get_json() == {"error": "forbidden host"}


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "192.168.1.20"])
def test_local_names_and_ip_literals_are_answered(dev_client: FlaskClient, host: str) -> None:
    assert dev_client.get("/api/model", headers={"Host": host}).status_code == 200


def test_the_simulator_api_takes_only_json(dev_client: FlaskClient) -> None:
    body = json.dumps({"text": "hello"})
    assert dev_client.post("/api/simulate", data=body, content_type="text/plain").status_code == 415
    assert (
        dev_client.post("/api/simulate", data=body, content_type="application/json").status_code
        == 200
    )


# -- point 8: bodies and envelopes refused at the door -------------------------------


def _chunked(client: FlaskClient, body: bytes) -> Any:
    # No Content-Length and a terminated input stream: what a server hands over
    # for Transfer-Encoding: chunked.
    return client.post(
        "/alexa",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413_not_cut_and_misread(
    dev_client: FlaskClient, deps: Deps
) -> None:
    big = json.dumps(_intent("LaunchRequest")).encode() + b" " * deps.settings.max_body_bytes
    answer = _chunked(dev_client, big)
    assert answer.status_code == 413
    assert answer.get_json() == {"error": "request entity too large"}
    small = _chunked(dev_client, json.dumps(envelopes.launch(Caller(), NOW)).encode())
    assert small.status_code == 200


DEEP_JSON = b"[" * 50_000 + b"]" * 50_000  # under the body limit


def _nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"k": value}
    return value


def test_deeply_nested_json_is_400_in_dev(dev_client: FlaskClient) -> None:
    answer = dev_client.post("/alexa", data=DEEP_JSON, content_type="application/json")
    assert answer.status_code == 400
    assert "error" in answer.get_json()


def test_deeply_nested_json_is_400_in_production(prod_client: FlaskClient, pki: TestPki) -> None:
    headers = {
        "SignatureCertChainUrl": CERT_URL,
        "Signature-256": sign_b64(pki.leaf_key, DEEP_JSON),
        "Content-Type": "application/json",
    }
    answer = prod_client.post("/alexa", data=DEEP_JSON, headers=headers)
    assert answer.status_code == 400


@pytest.mark.parametrize("levels", [100, 497, 900])
def test_session_attributes_nested_past_the_limit_are_400(
    dev_client: FlaskClient, prod_client: FlaskClient, pki: TestPki, levels: int
) -> None:
    env = _intent("AMAZON.HelpIntent", {"deep": _nested(levels)})
    assert _post(dev_client, env).status_code == 400
    env["context"]["System"]["application"]["applicationId"] = SKILL_ID
    env["session"]["application"]["applicationId"] = SKILL_ID
    body = json.dumps(env).encode()
    headers = {
        "SignatureCertChainUrl": CERT_URL,
        "Signature-256": sign_b64(pki.leaf_key, body),
        "Content-Type": "application/json",
    }
    assert prod_client.post("/alexa", data=body, headers=headers).status_code == 400


def test_ordinary_session_attributes_still_pass(dev_client: FlaskClient) -> None:
    env = _intent("AMAZON.HelpIntent", {"routine": {"place": {"step": 2, "of": [1, 2, 3]}}})
    assert _post(dev_client, env).status_code == 200


def _set(env: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    node = env
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return env


WRONG_TYPES = [
    (("request", "intent", "name"), True),
    (("request", "locale"), True),
    (("request", "requestId"), 12),
    (("request", "timestamp"), 1741591800),
    (("session", "sessionId"), False),
    (("session", "new"), "yes"),
    (("session", "attributes"), ["not", "an", "object"]),
    (("session", "user", "userId"), {"id": 1}),
    (("context", "System", "apiEndpoint"), True),
    (("context", "System", "user", "userId"), 5),
    (("request", "intent", "slots"), "Score"),
    (("request", "intent", "slots", "Score", "value"), True),
    (("request", "intent", "slots", "Score", "value"), "\ud800"),
    (("session", "attributes", "\udfff"), 1),
    (("request", "intent", "name"), "CheckIn\udc80Intent"),
]


@pytest.mark.parametrize(("path", "value"), WRONG_TYPES, ids=lambda v: repr(v)[:30])
def test_malformed_field_types_are_refused_at_the_envelope(
    dev_client: FlaskClient, deps: Deps, path: tuple[str, ...], value: Any
) -> None:
    env = envelopes.intent(Caller(), NOW, "CheckInIntent", {"Score": "4"}, new=False)
    env["session"]["attributes"] = {}
    answer = _post(dev_client, _set(env, path, value))
    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith("malformed request envelope")
    assert deps.store.load(USER) == {}  # no handler ran


# -- point 9: readiness touches the store, liveness stays cheap ---------------------


def test_readyz_is_ready_with_a_working_store(dev_client: FlaskClient) -> None:
    answer = dev_client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ready"}


def test_readyz_is_503_json_with_a_corrupt_database_while_healthz_stays_ok(
    tmp_path: Path, deps: Deps
) -> None:
    db = tmp_path / "broken" / "hiprest.db"
    deps.store = SqliteStore(db)
    client = create_app(deps.settings, deps=deps).test_client()
    assert client.get("/readyz").status_code == 200
    other = sqlite3.connect(db)  # everything into the main file, WAL emptied
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    with db.open("r+b") as fh:  # overwrite the header: "file is not a database"
        fh.write(b"this is not a database file at all" * 4)
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json() == {"error": "store unavailable"}
        assert client.get("/healthz").status_code == 200
    finally:
        deps.store.close()


def test_readyz_is_503_when_the_database_file_vanished_and_does_not_recreate_it(
    tmp_path: Path, deps: Deps
) -> None:
    db = tmp_path / "gone" / "hiprest.db"
    deps.store = SqliteStore(db)
    client = create_app(deps.settings, deps=deps).test_client()
    try:
        for path in db.parent.glob("hiprest.db*"):
            path.unlink()
        assert client.get("/readyz").status_code == 503
        assert not db.exists()
    finally:
        deps.store.close()


def test_the_readiness_probe_changes_nothing(dev_client: FlaskClient, deps: Deps) -> None:
    deps.store.update(USER, [SetOp(("checkin",), {"days": {"2026-03-09": 4}})])
    for _ in range(3):
        assert dev_client.get("/readyz").status_code == 200
    assert list(deps.store.user_ids()) == [USER]
    assert deps.store.load(USER) == {"checkin": {"days": {"2026-03-09": 4}}}


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "myhost.example"])
def test_the_dev_server_warns_loudly_when_bound_beyond_this_machine(host: str) -> None:
    warning = bind_warning(host)
    assert warning is not None
    assert warning.startswith("WARNING") and "NO request verification" in warning


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_a_loopback_bind_needs_no_warning(host: str) -> None:
    assert bind_warning(host) is None
