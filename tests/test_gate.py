"""The production gate over HTTP: every forged, stale, misdirected or malformed
request is refused with a 4xx (never a 5xx), no handler runs, nothing is stored,
and a certificate URL that breaks the rules is never downloaded.

The in-process cases run the real Flask app with the real verifier (test trust
root, recording fetcher, fixed clock); a subset runs against the real production
server process (gunicorn, ``python -m skill serve``) to show the same statuses
end to end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from flask.testing import FlaskClient

from skill import envelopes
from skill.deps import Deps
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.store.sqlite import SqliteStore
from tests.support.certs import TestPki, make_pki, rsa_key, sign_b64, to_pem
from tests.support.prod_app import production_app
from tests.support.servers import http_call, running_server, server_env

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"
OTHER_SKILL = "amzn1.ask.skill.99999999-2222-4333-8444-555555555555"
NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
MAX_BODY = 128 * 1024


@dataclass
class Attempt:
    """One HTTP request to the endpoint and what the fake upstream serves."""

    body: bytes
    headers: dict[str, str]
    method: str = "POST"
    chain: Callable[[TestPki], bytes] = field(default=lambda pki: pki.chain_pem())


def _body(now: datetime = NOW, app_id: str = SKILL_ID) -> bytes:
    return json.dumps(envelopes.launch(Caller(application_id=app_id), now)).encode()


def _signed(pki: TestPki, body: bytes, url: str = CERT_URL) -> dict[str, str]:
    return {
        "SignatureCertChainUrl": url,
        "Signature-256": sign_b64(pki.leaf_key, body),
        "Content-Type": "application/json",
    }


def _signed_attempt(pki: TestPki, body: bytes, url: str = CERT_URL, **kw: Any) -> Attempt:
    return Attempt(body, _signed(pki, body, url), **kw)


def _url_attempt(url: str) -> Callable[[TestPki], Attempt]:
    return lambda pki: _signed_attempt(pki, _body(), url=url)


def _headers_changed(
    change: Callable[[TestPki, bytes, dict[str, str]], dict[str, str]],
) -> Callable[[TestPki], Attempt]:
    """A correctly signed launch whose headers ``change`` then breaks."""

    def make(pki: TestPki) -> Attempt:
        body = _body()
        return Attempt(body, change(pki, body, _signed(pki, body)))

    return make


# Certificate URLs that break Amazon's rules; each must be refused before any download.
BAD_CERT_URLS = {
    "http_scheme": "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "ftp_scheme": "ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "other_host": "https://notamazon.com/echo.api/echo-api-cert.pem",
    "lookalike_host": "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
    "userinfo_host": "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem",
    "other_port": "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
    "empty_port": "https://s3.amazonaws.com:/echo.api/echo-api-cert.pem",
    "path_case": "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
    "path_other_dir": "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "dotdot_escape": "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
    "encoded_dotdot": "https://s3.amazonaws.com/echo.api/%2e%2e/invalid/cert.pem",
    "backslash_dotdot": "https://s3.amazonaws.com/echo.api/..\\evil/cert.pem",
    "prefix_without_slash": "https://s3.amazonaws.com/echo.apievil/cert.pem",
    "bare_prefix": "https://s3.amazonaws.com/echo.api/",
    "query_string": "https://s3.amazonaws.com/echo.api/cert.pem?x=/echo.api/",
    "fragment": "https://s3.amazonaws.com/echo.api/cert.pem#frag",
    "relative": "/echo.api/echo-api-cert.pem",
    "ip_literal": "https://52.216.0.1/echo.api/echo-api-cert.pem",
}


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


def _wrong_signature(pki: TestPki) -> Attempt:
    body = _body()
    headers = _signed(pki, body)
    headers["Signature-256"] = sign_b64(rsa_key(5), body)  # a key that is not the leaf's
    return Attempt(body, headers)


def _tampered(pki: TestPki) -> Attempt:
    body = _body()
    headers = _signed(pki, body)
    return Attempt(body.replace(b"LaunchRequest", b"LaunchRequesT"), headers)


def _leaf_chain(make: Callable[[TestPki], Any]) -> Callable[[TestPki], bytes]:
    return lambda pki: to_pem(make(pki), pki.intermediate)


# Refused after the certificate was fetched (the URL itself is fine).
HOSTILE: dict[str, Callable[[TestPki], Attempt]] = {
    "unsigned": lambda pki: Attempt(_body(), {"Content-Type": "application/json"}),
    "signature_256_missing": _headers_changed(lambda p, b, h: _without(h, "Signature-256")),
    "only_legacy_sha1_signature": _headers_changed(
        lambda p, b, h: {
            **_without(h, "Signature-256"),
            "Signature": sign_b64(p.leaf_key, b, hashes.SHA1()),
        }
    ),
    "signature_256_wrong_key": _wrong_signature,
    "signature_256_not_base64": _headers_changed(
        lambda p, b, h: {**h, "Signature-256": "%%% not base64 %%%"}
    ),
    "signature_256_empty_after_decode": _headers_changed(
        lambda p, b, h: {**h, "Signature-256": "===="}
    ),
    "signature_256_sha1_in_the_sha256_header": _headers_changed(
        lambda p, b, h: {**h, "Signature-256": sign_b64(p.leaf_key, b, hashes.SHA1())}
    ),
    "signature_over_tampered_body": _tampered,
    "cert_url_missing": _headers_changed(lambda p, b, h: _without(h, "SignatureCertChainUrl")),
    "cert_expired": lambda pki: _signed_attempt(
        pki,
        _body(),
        chain=_leaf_chain(
            lambda p: p.leaf_with(
                not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(seconds=1)
            )
        ),
    ),
    "cert_not_yet_valid": lambda pki: _signed_attempt(
        pki,
        _body(),
        chain=_leaf_chain(lambda p: p.leaf_with(not_before=NOW + timedelta(minutes=5))),
    ),
    "cert_wrong_san": lambda pki: _signed_attempt(
        pki, _body(), chain=_leaf_chain(lambda p: p.leaf_with(sans=("echo-api.amazon.co",)))
    ),
    "cert_wildcard_san": lambda pki: _signed_attempt(
        pki, _body(), chain=_leaf_chain(lambda p: p.leaf_with(sans=("*.amazon.com",)))
    ),
    "cert_no_san": lambda pki: _signed_attempt(
        pki, _body(), chain=_leaf_chain(lambda p: p.leaf_with(sans=()))
    ),
    "cert_self_signed": lambda pki: _signed_attempt(
        pki, _body(), chain=lambda p: to_pem(p.self_signed_leaf())
    ),
    "cert_untrusted_root": lambda pki: _signed_attempt(
        pki, _body(), chain=lambda p: to_pem(*p.untrusted_chain())
    ),
    "cert_chain_junk": lambda pki: _signed_attempt(pki, _body(), chain=lambda p: b"not a pem"),
    "cert_chain_empty": lambda pki: _signed_attempt(pki, _body(), chain=lambda p: b""),
    "cert_chain_huge": lambda pki: _signed_attempt(
        pki, _body(), chain=lambda p: p.chain_pem() * 40
    ),
    "timestamp_stale": lambda pki: _signed_attempt(pki, _body(now=NOW - timedelta(seconds=151))),
    "timestamp_an_hour_old": lambda pki: _signed_attempt(pki, _body(now=NOW - timedelta(hours=1))),
    "timestamp_future": lambda pki: _signed_attempt(pki, _body(now=NOW + timedelta(seconds=151))),
    "timestamp_missing": lambda pki: _signed_attempt(
        pki, _body().replace(b'"timestamp"', b'"timestampX"')
    ),
    "timestamp_junk": lambda pki: _signed_attempt(
        pki, _body().replace(b'"timestamp": "', b'"timestamp": "junk')
    ),
    "malformed_json_signed": lambda pki: _signed_attempt(pki, b'{"version": "1.0", "request": '),
    "json_array_signed": lambda pki: _signed_attempt(pki, b"[1, 2, 3]"),
    "json_string_signed": lambda pki: _signed_attempt(pki, b'"LaunchRequest"'),
    "deeply_nested_json_signed": lambda pki: _signed_attempt(pki, b"[" * 100_000 + b"]" * 100_000),
    "not_utf8_signed": lambda pki: _signed_attempt(pki, b"\xff\xfe\x00{"),
    "application_id_missing": lambda pki: _signed_attempt(pki, _body(app_id="")),
    "empty_body": lambda pki: Attempt(b"", _signed(pki, b"")),
    "empty_body_unsigned": lambda pki: Attempt(b"", {"Content-Type": "application/json"}),
    "oversized_body": lambda pki: _signed_attempt(pki, b"{" + b" " * (MAX_BODY + 1) + b"}"),
    "method_get": lambda pki: Attempt(b"", {}, method="GET"),
    "method_put": lambda pki: _signed_attempt(pki, _body(), method="PUT"),
    "method_delete": lambda pki: Attempt(b"", {}, method="DELETE"),
    "method_patch": lambda pki: _signed_attempt(pki, _body(), method="PATCH"),
}
FORBIDDEN: dict[str, Callable[[TestPki], Attempt]] = {
    "wrong_application_id": lambda pki: _signed_attempt(pki, _body(app_id=OTHER_SKILL)),
}
URL_CASES = {f"cert_url_{name}": _url_attempt(url) for name, url in BAD_CERT_URLS.items()}

# The figure for docs/reliability.md: distinct hostile requests the gate refuses.
GATE_CASE_COUNT = len(HOSTILE) + len(FORBIDDEN) + len(URL_CASES)


@dataclass
class Gate:
    client: FlaskClient
    fetched: list[str]
    handled: list[object]
    store: SqliteStore
    serve: dict[str, Callable[[TestPki], bytes]]

    def send(self, attempt: Attempt) -> tuple[int, Any]:
        self.serve["chain"] = attempt.chain
        response = self.client.open(
            "/alexa", method=attempt.method, data=attempt.body, headers=attempt.headers
        )
        return response.status_code, response.get_json(silent=True)


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_pki(NOW)


@pytest.fixture
def gate(tmp_path: Path, deps: Deps, pki: TestPki, store: SqliteStore) -> Gate:
    fetched: list[str] = []
    handled: list[object] = []
    serve: dict[str, Callable[[TestPki], bytes]] = {"chain": lambda p: p.chain_pem()}

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return serve["chain"](pki)

    app = production_app(deps, tmp_path / "prod", pki, fetch, NOW)
    runtime: SkillRuntime = app.config["HIPREST_RUNTIME"]
    real_handle = runtime.handle

    def spy(payload: Any) -> dict[str, Any]:
        handled.append(payload)
        return real_handle(payload)

    runtime.handle = spy  # type: ignore[method-assign]
    return Gate(app.test_client(), fetched, handled, store, serve)


def _assert_refused(gate: Gate, status: int, body: Any, expected: range | int) -> None:
    if isinstance(expected, int):
        assert status == expected, body
    else:
        assert status in expected, body
    assert body is not None and "error" in body  # JSON, never HTML or a traceback
    assert gate.handled == []
    assert list(gate.store.user_ids()) == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_request_is_refused_with_4xx_and_no_handler_runs(
    gate: Gate, pki: TestPki, name: str
) -> None:
    status, body = gate.send(HOSTILE[name](pki))
    _assert_refused(gate, status, body, range(400, 500))


@pytest.mark.parametrize("name", sorted(URL_CASES))
def test_cert_url_breaking_the_rules_is_refused_without_downloading(
    gate: Gate, pki: TestPki, name: str
) -> None:
    status, body = gate.send(URL_CASES[name](pki))
    _assert_refused(gate, status, body, 400)
    assert gate.fetched == []


def test_request_for_another_skill_is_403(gate: Gate, pki: TestPki) -> None:
    status, body = gate.send(FORBIDDEN["wrong_application_id"](pki))
    _assert_refused(gate, status, body, 403)


def test_wrong_methods_are_405(gate: Gate, pki: TestPki) -> None:
    for name in ("method_get", "method_put", "method_delete", "method_patch"):
        status, body = gate.send(HOSTILE[name](pki))
        _assert_refused(gate, status, body, 405)


def test_oversized_body_is_413_before_verification(gate: Gate, pki: TestPki) -> None:
    status, body = gate.send(HOSTILE["oversized_body"](pki))
    _assert_refused(gate, status, body, 413)
    assert gate.fetched == []


def test_genuine_request_passes_the_same_gate(gate: Gate, pki: TestPki) -> None:
    # The control: the refusals above are the rules, not a gate that refuses everything.
    status, body = gate.send(_signed_attempt(pki, _body()))
    assert status == 200, body
    assert "outputSpeech" in body["response"]
    assert len(gate.handled) == 1
    assert len(list(gate.store.user_ids())) == 1


def test_dot_segments_that_stay_inside_echo_api_are_fetched_canonically(
    gate: Gate, pki: TestPki
) -> None:
    url = "https://S3.AMAZONAWS.COM:443/echo.api/../echo.api/./echo-api-cert.pem"
    status, body = gate.send(_signed_attempt(pki, _body(), url=url))
    assert status == 200, body
    assert gate.fetched == ["https://s3.amazonaws.com/echo.api/echo-api-cert.pem"]


def test_replayed_request_outside_the_window_is_refused_even_with_a_cached_certificate(
    gate: Gate, pki: TestPki
) -> None:
    assert gate.send(_signed_attempt(pki, _body()))[0] == 200
    handled_before = len(gate.handled)
    status, _ = gate.send(_signed_attempt(pki, _body(now=NOW - timedelta(minutes=10))))
    assert status == 400
    assert len(gate.handled) == handled_before


# --------------------------------------------------------------------------
# The same refusals from the real production server process
# --------------------------------------------------------------------------

# Only cases decided before any certificate download: the real server trusts
# Amazon's roots and would otherwise reach the network.
END_TO_END = {
    "unsigned": 400,
    "signature_256_missing": 400,
    "cert_url_missing": 400,
    **{f"cert_url_{n}": 400 for n in BAD_CERT_URLS},
    "empty_body_unsigned": 400,
    "oversized_body": 413,
    "method_get": 405,
    "method_put": 405,
    "method_delete": 405,
}


@pytest.mark.slow
def test_production_server_process_refuses_the_same_requests(tmp_path: Path, pki: TestPki) -> None:
    data_dir = tmp_path / "server-data"
    env = server_env(data_dir, HIPREST_SKILL_ID=SKILL_ID)
    cases = {**HOSTILE, **URL_CASES}
    with running_server(env, workers=2, log_path=tmp_path / "server.log") as server:
        seen: dict[str, int] = {}
        for name in END_TO_END:
            attempt = cases[name](pki)
            answer = http_call(
                server.port, attempt.method, "/alexa", attempt.body or None, attempt.headers
            )
            seen[name] = answer.status
            if answer.status != 405:  # Werkzeug's 405 lists the allowed methods, as JSON
                assert "error" in answer.json()
        health = http_call(server.port, "GET", "/healthz").status
        log_text = server.log_text()
    assert seen == END_TO_END
    assert health == 200
    assert "Traceback" not in log_text
    store = SqliteStore(data_dir / "hiprest.db")
    try:
        assert list(store.user_ids()) == []
    finally:
        store.close()
