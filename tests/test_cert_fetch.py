"""The certificate download under hostile conditions: one deadline that covers DNS,
a cap on concurrent downloads, failures remembered for a short time, and a cache
that never outlives the chain's earliest expiry."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from skill import envelopes
from skill.envelopes import Caller
from skill.verify import (
    FAILED_FETCH_TTL_S,
    HttpsCertFetcher,
    RequestVerifier,
    VerificationError,
    VerifierConfig,
)
from tests.support.certs import TestPki, make_ca, make_leaf, make_pki, rsa_key, sign_b64, to_pem

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
STALL_HOST = "stalled-resolver.invalid"


class StallingResolver:
    """socket.getaddrinfo that hangs for STALL_HOST (a resolver that never answers)
    until released, and passes every other name through."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = 0
        self._lock = threading.Lock()
        self._real = socket.getaddrinfo

    def __call__(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == STALL_HOST:
            with self._lock:
                self.entered += 1
            self.release.wait(10)  # bounded, so a failing test still ends
            raise socket.gaierror("resolver gave up")
        return self._real(host, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[StallingResolver]:
    fake = StallingResolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield fake
    fake.release.set()


@pytest.fixture
def chain_server() -> Iterator[str]:
    pem = make_pki(NOW).chain_pem()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(pem)))
            self.end_headers()
            self.wfile.write(pem)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/echo.api/cert.pem"
    server.shutdown()
    server.server_close()


def _status(call: Any) -> int:
    with pytest.raises(VerificationError) as info:
        call()
    return info.value.status


# -- one deadline, DNS included ------------------------------------------------------


def test_a_stalled_resolver_is_cut_off_at_the_fetch_deadline(resolver: StallingResolver) -> None:
    fetcher = HttpsCertFetcher(timeout_s=0.5, allowed_schemes=("http",))
    started = time.monotonic()
    assert _status(lambda: fetcher(f"http://{STALL_HOST}/echo.api/cert.pem")) == 400
    assert time.monotonic() - started < 0.9
    assert resolver.entered == 1


def test_concurrent_downloads_are_capped_and_the_slots_come_back(
    resolver: StallingResolver, chain_server: str
) -> None:
    fetcher = HttpsCertFetcher(timeout_s=0.5, allowed_schemes=("http",), max_concurrent=3)
    statuses: list[int] = []
    took: list[float] = []

    def attempt() -> None:
        started = time.monotonic()
        statuses.append(_status(lambda: fetcher(f"http://{STALL_HOST}/echo.api/cert.pem")))
        took.append(time.monotonic() - started)

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert statuses == [400] * 10
    assert resolver.entered == 3  # the other 7 were refused without a lookup
    assert max(took) < 0.9
    # Abandoned lookups still hold their slots until they end...
    assert _status(lambda: fetcher(chain_server)) == 400
    resolver.release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            pem = fetcher(chain_server)
            break
        except VerificationError:
            time.sleep(0.05)
    else:
        pytest.fail("slots never came back")
    assert b"BEGIN CERTIFICATE" in pem  # ...and then every slot is usable again


# -- failures remembered ---------------------------------------------------------------


class CountingFetch:
    def __init__(self, result: bytes | Exception) -> None:
        self.result = result
        self.calls = 0

    def __call__(self, url: str) -> bytes:
        self.calls += 1
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _signed_launch(pki: TestPki, now: datetime) -> tuple[dict[str, str], bytes]:
    body = json.dumps(envelopes.launch(Caller(application_id=SKILL_ID), now)).encode()
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature-256": sign_b64(pki.leaf_key, body)}
    return headers, body


@pytest.mark.parametrize("failure", [OSError("unreachable"), b"not a certificate"])
def test_a_failed_download_is_remembered_for_a_short_bounded_time(
    failure: bytes | Exception,
) -> None:
    pki = make_pki(NOW)
    fetch = CountingFetch(failure)
    clock = Clock(NOW)
    verifier = RequestVerifier(
        VerifierConfig(skill_id=SKILL_ID), clock=clock, trust_roots=[pki.root], fetch=fetch
    )
    headers, body = _signed_launch(pki, NOW)
    for _ in range(200):
        assert _status(lambda: verifier.verify(headers, body)) == 400
    assert fetch.calls == 1
    clock.now = NOW + timedelta(seconds=FAILED_FETCH_TTL_S + 1)
    headers, body = _signed_launch(pki, clock.now)
    fetch.result = pki.chain_pem()
    verifier.verify(headers, body)  # the URL works again once the pause is over
    assert fetch.calls == 2


# -- cache lifetime: the chain's earliest expiry --------------------------------------


def test_a_cached_certificate_is_not_trusted_after_its_intermediate_expires() -> None:
    pki = make_pki(NOW)
    short_intermediate = make_ca(
        "Short-lived Intermediate",
        rsa_key(1),
        not_before=NOW - timedelta(days=30),
        not_after=NOW + timedelta(days=1),
        issuer=pki.root,
        issuer_key=pki.root_key,
    )
    leaf = make_leaf(
        pki.leaf_key,
        issuer=short_intermediate,
        issuer_key=rsa_key(1),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=60),
    )
    fetch = CountingFetch(to_pem(leaf, short_intermediate))
    clock = Clock(NOW)
    verifier = RequestVerifier(
        VerifierConfig(skill_id=SKILL_ID), clock=clock, trust_roots=[pki.root], fetch=fetch
    )
    verifier.verify(*_signed_launch(pki, NOW))
    clock.now = NOW + timedelta(hours=12)
    verifier.verify(*_signed_launch(pki, clock.now))
    assert fetch.calls == 1  # cached while the whole chain is valid
    clock.now = NOW + timedelta(days=2)  # intermediate expired, leaf still "valid"
    headers, body = _signed_launch(pki, clock.now)
    assert _status(lambda: verifier.verify(headers, body)) == 400
    assert fetch.calls == 2  # checked again, not served from the cache
