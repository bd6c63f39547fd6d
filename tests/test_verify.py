"""Alexa request verification: URL rules, chain, signature, timestamp, app id,
cache, the default fetcher's transport, and real signed requests from Alexa."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.verify import (
    DEFAULT_FETCH_TIMEOUT_S,
    FAILED_FETCH_TTL_S,
    CertificateCache,
    HttpsCertFetcher,
    RequestVerifier,
    VerificationError,
    VerifierConfig,
    canonical_cert_url,
    check_application_id,
    check_cert_url,
    check_timestamp,
    load_chain,
    verify_chain,
    verify_signature,
)
from tests.support.certs import TestPki, make_pki, rsa_key, sign_b64, to_pem

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
VECTORS = Path(__file__).parent / "fixtures" / "signatures"
G5_ROOT = VECTORS / "roots" / "verisign-class3-public-primary-g5.pem"


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_pki(NOW)


@dataclass
class FakeFetch:
    """Stands in for the network: returns queued responses, records URLs."""

    responses: list[bytes | BaseException]
    calls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        item = self.responses[0] if len(self.responses) == 1 else self.responses.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def envelope(
    *,
    timestamp: datetime = NOW,
    request_type: str = "IntentRequest",
    app_id: str | None = SKILL_ID,
    where: str = "context",
) -> dict[str, Any]:
    env: dict[str, Any] = {
        "version": "1.0",
        "request": {
            "type": request_type,
            "requestId": "amzn1.echo-api.request.test",
            "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }
    if app_id is not None and where == "context":
        env["context"] = {"System": {"application": {"applicationId": app_id}}}
    if app_id is not None and where == "session":
        env["session"] = {"application": {"applicationId": app_id}}
    return env


def body_of(env: dict[str, Any]) -> bytes:
    return json.dumps(env, separators=(",", ":")).encode()


def signed(pki: TestPki, body: bytes, url: str = CERT_URL) -> dict[str, str]:
    return {"SignatureCertChainUrl": url, "Signature-256": sign_b64(pki.leaf_key, body)}


def make_verifier(
    pki: TestPki,
    fetch: FakeFetch | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    **config: Any,
) -> RequestVerifier:
    return RequestVerifier(
        VerifierConfig(skill_id=config.pop("skill_id", SKILL_ID), **config),
        clock=clock or Clock(NOW),
        trust_roots=[pki.root],
        fetch=fetch or FakeFetch([pki.chain_pem()]),
    )


def status_of(call: Callable[[], object]) -> int:
    with pytest.raises(VerificationError) as info:
        call()
    return info.value.status


# ---------------------------------------------------------------- URL rules


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "Https://S3.Amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/./echo.api/./echo-api-cert.pem",
        "https://s3.amazonaws.com/../echo.api/echo-api-cert.pem",
    ],
)
def test_cert_url_following_the_rules_is_accepted(url: str) -> None:
    check_cert_url(url)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://s3.amazonaws.com/echo.api/cert.pem", id="http"),
        pytest.param("ftp://s3.amazonaws.com/echo.api/cert.pem", id="ftp"),
        pytest.param("badUrl", id="not-a-url"),
        pytest.param("", id="empty"),
        pytest.param("https://very.bad/echo.api/cert.pem", id="other-host"),
        pytest.param("https://s3.amazonaws.com.evil.com/echo.api/cert.pem", id="host-suffix"),
        pytest.param("https://evil-s3.amazonaws.com/echo.api/cert.pem", id="host-prefix"),
        pytest.param("https://s3.amazonaws.com./echo.api/cert.pem", id="trailing-dot-host"),
        pytest.param("https://s3.amazonaws.com:563/echo.api/cert.pem", id="other-port"),
        pytest.param("https://s3.amazonaws.com:/echo.api/cert.pem", id="empty-port"),
        pytest.param("https://s3.amazonaws.com:0443/echo.api/cert.pem", id="padded-port"),
        pytest.param("https://s3.amazonaws.com/cert.pem", id="path-outside"),
        pytest.param("https://s3.amazonaws.com/echo.api/../cert.pem", id="dotdot-escape"),
        pytest.param("https://s3.amazonaws.com/echo.api/./../x/cert", id="dot-dotdot-escape"),
        pytest.param("https://s3.amazonaws.com/ECHO.API/cert.pem", id="uppercase-path"),
        pytest.param("https://s3.amazonaws.com/echo.api", id="no-trailing-slash"),
        pytest.param("https://s3.amazonaws.com/echo.api/", id="directory-only"),
        pytest.param("https://s3.amazonaws.com/echo.apix/cert.pem", id="prefix-lookalike"),
        pytest.param("https://s3.amazonaws.com/echo.api/%2e%2e/cert.pem", id="pct-dotdot"),
        pytest.param("https://s3.amazonaws.com/echo.api%2f..%2fcert.pem", id="pct-slash"),
        pytest.param("https://s3.amazonaws.com/%65cho.api/cert.pem", id="pct-letter"),
        pytest.param("https://s3.amazonaws.com/echo.api\\..\\cert.pem", id="backslash"),
        pytest.param("https://s3.amazonaws.com@evil.com/echo.api/cert.pem", id="userinfo-host"),
        pytest.param("https://evil.com@s3.amazonaws.com/echo.api/cert.pem", id="userinfo"),
        pytest.param("https://u:p@s3.amazonaws.com/echo.api/cert.pem", id="user-password"),
        pytest.param("https://evil.com#@s3.amazonaws.com/echo.api/c", id="fragment-at"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert.pem?x=1", id="query"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert.pem#f", id="fragment"),
        pytest.param("https:///echo.api/cert.pem", id="no-host"),
        pytest.param("https://s3.amazonaws.com/echo.api/ cert.pem", id="space"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert\n.pem", id="newline"),
        pytest.param("https://s3.amazonaws.com/echo.api/cért.pem", id="non-ascii"),
        pytest.param("https://[::1]/echo.api/cert.pem", id="ip-literal"),
    ],
)
def test_cert_url_breaking_a_rule_is_rejected_with_400(url: str) -> None:
    assert status_of(lambda: check_cert_url(url)) == 400


def test_canonical_cert_url_is_what_was_checked() -> None:
    # The fetched URL must be the normalised one, not the raw header value.
    url = "HTTPS://S3.AmazonAWS.com:443/echo.api/../echo.api/./echo-api-cert-9.pem"
    assert canonical_cert_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert-9.pem"


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/cert.pem",
        "https://evil.com/echo.api/cert.pem",
        "https://s3.amazonaws.com/echo.api/%2e%2e/cert.pem",
    ],
)
def test_request_with_bad_cert_url_makes_no_outbound_fetch(pki: TestPki, url: str) -> None:
    fetch = FakeFetch([pki.chain_pem()])
    body = body_of(envelope())
    verifier = make_verifier(pki, fetch)
    assert status_of(lambda: verifier.verify(signed(pki, body, url), body)) == 400
    assert fetch.calls == []


def test_bad_cert_url_is_rejected_every_time_after_a_good_one(pki: TestPki) -> None:
    # Good URLs are remembered once checked; a bad one must never ride on that.
    body = body_of(envelope())
    verifier = make_verifier(pki)
    verifier.verify(signed(pki, body), body)
    verifier.verify(signed(pki, body), body)
    bad = "https://evil.com/echo.api/echo-api-cert.pem"
    for _ in range(3):
        assert status_of(lambda: verifier.verify(signed(pki, body, bad), body)) == 400


def test_many_distinct_good_cert_urls_fetch_each_and_keep_verifying(pki: TestPki) -> None:
    # A client cycling through valid-looking URLs cannot grow the URL memory without
    # bound; every one is still checked and fetched as its own URL.
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{i}.pem" for i in range(80)]
    fetch = FakeFetch([pki.chain_pem()] * len(urls))
    verifier = make_verifier(pki, fetch)
    body = body_of(envelope())
    for url in urls:
        verifier.verify(signed(pki, body, url), body)
    assert fetch.calls == urls
    assert len(verifier._urls) <= 32


# ---------------------------------------------------------------- chain


def test_load_chain_returns_certificates_leaf_first(pki: TestPki) -> None:
    chain = load_chain(pki.chain_pem())
    assert [c.subject for c in chain] == [pki.leaf.subject, pki.intermediate.subject]


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"not a certificate",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        b"<html>404</html>",
    ],
)
def test_load_chain_rejects_junk(pem: bytes) -> None:
    assert status_of(lambda: load_chain(pem)) == 400


def test_load_chain_rejects_oversized_input(pki: TestPki) -> None:
    assert status_of(lambda: load_chain(pki.chain_pem() * 40)) == 400


def test_valid_chain_to_trusted_root_passes(pki: TestPki) -> None:
    verify_chain([pki.leaf, pki.intermediate], NOW, [pki.root])


def test_expired_leaf_is_rejected(pki: TestPki) -> None:
    leaf = pki.leaf_with(not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(seconds=1))
    assert status_of(lambda: verify_chain([leaf, pki.intermediate], NOW, [pki.root])) == 400


def test_not_yet_valid_leaf_is_rejected(pki: TestPki) -> None:
    leaf = pki.leaf_with(not_before=NOW + timedelta(minutes=1), not_after=NOW + timedelta(days=9))
    assert status_of(lambda: verify_chain([leaf, pki.intermediate], NOW, [pki.root])) == 400


@pytest.mark.parametrize(
    "sans",
    [
        pytest.param(("example.com",), id="other-name"),
        pytest.param(("*.amazon.com",), id="wildcard"),
        pytest.param(("echo-api.amazon.com.evil.com",), id="suffix"),
        pytest.param((), id="no-san"),
    ],
)
def test_leaf_without_exact_alexa_san_is_rejected(pki: TestPki, sans: tuple[str, ...]) -> None:
    leaf = pki.leaf_with(sans=sans)
    assert status_of(lambda: verify_chain([leaf, pki.intermediate], NOW, [pki.root])) == 400


def test_leaf_with_extra_sans_including_alexa_passes(pki: TestPki) -> None:
    leaf = pki.leaf_with(sans=("other.example", "ECHO-API.amazon.com"))
    verify_chain([leaf, pki.intermediate], NOW, [pki.root])


def test_self_signed_leaf_is_rejected(pki: TestPki) -> None:
    leaf = pki.self_signed_leaf()
    assert status_of(lambda: verify_chain([leaf], NOW, [pki.root])) == 400


def test_chain_to_untrusted_root_is_rejected_even_if_root_is_in_the_pem(pki: TestPki) -> None:
    chain = pki.untrusted_chain()
    assert status_of(lambda: verify_chain(chain, NOW, [pki.root])) == 400


def test_chain_missing_its_intermediate_is_rejected(pki: TestPki) -> None:
    assert status_of(lambda: verify_chain([pki.leaf], NOW, [pki.root])) == 400


# ---------------------------------------------------------------- signature


def test_sha256_signature_over_body_verifies(pki: TestPki) -> None:
    body = b'{"a": 1}'
    verify_signature(pki.leaf, sign_b64(pki.leaf_key, body), body, hashes.SHA256())


def test_signature_by_another_key_is_rejected(pki: TestPki) -> None:
    body = b'{"a": 1}'
    sig = sign_b64(rsa_key(5), body)
    assert status_of(lambda: verify_signature(pki.leaf, sig, body, hashes.SHA256())) == 400


def test_signature_over_a_tampered_body_is_rejected(pki: TestPki) -> None:
    sig = sign_b64(pki.leaf_key, b'{"a": 1}')
    assert status_of(lambda: verify_signature(pki.leaf, sig, b'{"a": 2}', hashes.SHA256())) == 400


def test_signature_checked_with_the_requested_hash_algorithm(pki: TestPki) -> None:
    body = b"payload"
    sha1_sig = sign_b64(pki.leaf_key, body, hashes.SHA1())
    verify_signature(pki.leaf, sha1_sig, body, hashes.SHA1())
    assert status_of(lambda: verify_signature(pki.leaf, sha1_sig, body, hashes.SHA256())) == 400


@pytest.mark.parametrize("sig", ["", "not base64!", "QUJD=extra", "===="])
def test_signature_that_is_not_base64_is_rejected(pki: TestPki, sig: str) -> None:
    assert status_of(lambda: verify_signature(pki.leaf, sig, b"x", hashes.SHA256())) == 400


# ---------------------------------------------------------------- timestamp and app id


@pytest.mark.parametrize(
    ("offset_s", "ok"),
    [(0, True), (-150, True), (-151, False), (150, True), (151, False), (-3600, False)],
)
def test_request_timestamp_must_be_within_150_seconds(offset_s: int, ok: bool) -> None:
    env = envelope(timestamp=NOW + timedelta(seconds=offset_s))
    if ok:
        check_timestamp(env, NOW)
    else:
        assert status_of(lambda: check_timestamp(env, NOW)) == 400


@pytest.mark.parametrize(
    ("offset_s", "ok"),
    [(-3599, True), (-3601, False), (151, False)],
)
def test_skill_event_may_be_up_to_an_hour_old_but_not_in_the_future(
    offset_s: int, ok: bool
) -> None:
    env = envelope(
        timestamp=NOW + timedelta(seconds=offset_s), request_type="AlexaSkillEvent.SkillDisabled"
    )
    if ok:
        check_timestamp(env, NOW)
    else:
        assert status_of(lambda: check_timestamp(env, NOW)) == 400


@pytest.mark.parametrize(
    "request_obj",
    [None, {}, {"timestamp": 12}, {"timestamp": "yesterday"}, {"timestamp": ""}],
)
def test_missing_or_unreadable_timestamp_is_rejected(request_obj: object) -> None:
    env: dict[str, Any] = {"request": request_obj}
    assert status_of(lambda: check_timestamp(env, NOW)) == 400


def test_millisecond_timestamps_are_understood() -> None:
    check_timestamp({"request": {"timestamp": "2025-06-01T11:59:00.123Z"}}, NOW)


def test_tolerances_wider_than_amazons_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        VerifierConfig(skill_id=None, timestamp_tolerance_s=151)
    with pytest.raises(ValueError):
        VerifierConfig(skill_id=None, timestamp_tolerance_s=-1)
    with pytest.raises(ValueError):
        VerifierConfig(skill_id=None, event_tolerance_s=3601)


def test_application_id_is_read_from_context_then_session() -> None:
    check_application_id(envelope(where="context"), SKILL_ID)
    check_application_id(envelope(where="session"), SKILL_ID)


def test_context_application_id_wins_over_session() -> None:
    env = envelope(app_id="amzn1.ask.skill.other", where="session")
    env["context"] = {"System": {"application": {"applicationId": SKILL_ID}}}
    check_application_id(env, SKILL_ID)


def test_wrong_application_id_is_403() -> None:
    env = envelope(app_id="amzn1.ask.skill.someone-else")
    assert status_of(lambda: check_application_id(env, SKILL_ID)) == 403


def test_missing_application_id_is_400() -> None:
    assert status_of(lambda: check_application_id(envelope(app_id=None), SKILL_ID)) == 400


# ---------------------------------------------------------------- whole request


def test_genuine_request_returns_the_parsed_envelope(pki: TestPki) -> None:
    env = envelope()
    body = body_of(env)
    fetch = FakeFetch([pki.chain_pem()])
    assert make_verifier(pki, fetch).verify(signed(pki, body), body) == env
    assert fetch.calls == [CERT_URL]


def test_header_names_are_case_insensitive(pki: TestPki) -> None:
    body = body_of(envelope())
    headers = {k.upper(): v for k, v in signed(pki, body).items()}
    make_verifier(pki).verify(headers, body)


@pytest.mark.parametrize("drop", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_signature_headers_are_400(pki: TestPki, drop: str) -> None:
    body = body_of(envelope())
    headers = signed(pki, body)
    del headers[drop]
    assert status_of(lambda: make_verifier(pki).verify(headers, body)) == 400


def test_legacy_sha1_signature_is_refused_by_default(pki: TestPki) -> None:
    body = body_of(envelope())
    headers = {
        "SignatureCertChainUrl": CERT_URL,
        "Signature": sign_b64(pki.leaf_key, body, hashes.SHA1()),
    }
    assert status_of(lambda: make_verifier(pki).verify(headers, body)) == 400
    make_verifier(pki, require_sha256=False).verify(headers, body)


def test_signature_256_is_used_when_both_headers_are_present(pki: TestPki) -> None:
    body = body_of(envelope())
    good_legacy = sign_b64(pki.leaf_key, body, hashes.SHA1())
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature-256": "AAAA", "Signature": good_legacy}
    # A valid SHA-1 signature must not rescue a bad Signature-256.
    assert status_of(lambda: make_verifier(pki, require_sha256=False).verify(headers, body)) == 400


def test_signature_over_the_raw_bytes_not_the_json_value(pki: TestPki) -> None:
    env = envelope()
    headers = signed(pki, body_of(env))
    reserialised = json.dumps(env, indent=1).encode()
    assert status_of(lambda: make_verifier(pki).verify(headers, reserialised)) == 400


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"', b""])
def test_signed_but_malformed_or_non_object_body_is_400(pki: TestPki, body: bytes) -> None:
    assert status_of(lambda: make_verifier(pki).verify(signed(pki, body), body)) == 400


def test_stale_request_is_rejected_after_signature_passes(pki: TestPki) -> None:
    body = body_of(envelope(timestamp=NOW - timedelta(seconds=151)))
    assert status_of(lambda: make_verifier(pki).verify(signed(pki, body), body)) == 400


def test_timestamp_debug_switch_lets_stale_requests_through(pki: TestPki) -> None:
    body = body_of(envelope(timestamp=NOW - timedelta(days=3)))
    make_verifier(pki, verify_timestamp=False).verify(signed(pki, body), body)


def test_skill_disabled_event_40_minutes_old_is_accepted(pki: TestPki) -> None:
    env = envelope(
        timestamp=NOW - timedelta(minutes=40), request_type="AlexaSkillEvent.SkillDisabled"
    )
    body = body_of(env)
    assert make_verifier(pki).verify(signed(pki, body), body) == env


def test_request_for_another_skill_is_403(pki: TestPki) -> None:
    body = body_of(envelope(app_id="amzn1.ask.skill.someone-else"))
    assert status_of(lambda: make_verifier(pki).verify(signed(pki, body), body)) == 403


def test_no_skill_id_configured_skips_the_application_check(pki: TestPki) -> None:
    body = body_of(envelope(app_id="amzn1.ask.skill.someone-else"))
    make_verifier(pki, skill_id=None).verify(signed(pki, body), body)


def test_signature_switch_off_needs_no_headers_and_fetches_nothing(pki: TestPki) -> None:
    fetch = FakeFetch([pki.chain_pem()])
    body = body_of(envelope())
    make_verifier(pki, fetch, verify_signature=False).verify({}, body)
    assert fetch.calls == []


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(TimeoutError("timed out"), id="timeout"),
        pytest.param(OSError("connection refused"), id="oserror"),
        pytest.param(RuntimeError("bug in fetcher"), id="unexpected"),
        pytest.param(b"<Error><Code>AccessDenied</Code></Error>", id="junk-pem"),
    ],
)
def test_certificate_download_problems_are_400(
    pki: TestPki, response: bytes | BaseException
) -> None:
    body = body_of(envelope())
    verifier = make_verifier(pki, FakeFetch([response]))
    assert status_of(lambda: verifier.verify(signed(pki, body), body)) == 400


@pytest.mark.parametrize(
    "bad_leaf",
    ["expired", "not-yet-valid", "wrong-san", "self-signed", "untrusted-root"],
)
def test_bad_certificate_fails_the_whole_request(pki: TestPki, bad_leaf: str) -> None:
    pems = {
        "expired": pki.chain_pem(pki.leaf_with(not_after=NOW - timedelta(hours=1))),
        "not-yet-valid": pki.chain_pem(pki.leaf_with(not_before=NOW + timedelta(hours=1))),
        "wrong-san": pki.chain_pem(pki.leaf_with(sans=("example.com",))),
        "self-signed": to_pem(pki.self_signed_leaf()),
        "untrusted-root": to_pem(*pki.untrusted_chain()),
    }
    body = body_of(envelope())
    verifier = make_verifier(pki, FakeFetch([pems[bad_leaf]]))
    assert status_of(lambda: verifier.verify(signed(pki, body), body)) == 400
    assert len(verifier.cache) == 0


# ---------------------------------------------------------------- cache


def test_warm_request_does_not_download_again(pki: TestPki) -> None:
    fetch = FakeFetch([pki.chain_pem()])
    verifier = make_verifier(pki, fetch)
    for _ in range(3):
        body = body_of(envelope())
        verifier.verify(signed(pki, body), body)
    assert fetch.calls == [CERT_URL]


def test_equivalent_urls_share_one_cache_entry(pki: TestPki) -> None:
    fetch = FakeFetch([pki.chain_pem()])
    verifier = make_verifier(pki, fetch)
    body = body_of(envelope())
    verifier.verify(signed(pki, body), body)
    alias = "HTTPS://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-test.pem"
    verifier.verify(signed(pki, body, alias), body)
    assert fetch.calls == [CERT_URL]


def test_cached_certificate_past_not_after_is_fetched_again(pki: TestPki) -> None:
    short = pki.leaf_with(not_after=NOW + timedelta(minutes=10))
    fetch = FakeFetch([pki.chain_pem(short), pki.chain_pem()])
    clock = Clock(NOW)
    verifier = make_verifier(pki, fetch, clock=clock)
    body = body_of(envelope())
    verifier.verify(signed(pki, body), body)

    clock.now = NOW + timedelta(minutes=11)
    body = body_of(envelope(timestamp=clock.now))
    verifier.verify(signed(pki, body), body)
    assert fetch.calls == [CERT_URL, CERT_URL]


def test_failed_chain_is_not_cached_and_is_retried_after_a_short_pause(pki: TestPki) -> None:
    fetch = FakeFetch([b"junk", pki.chain_pem()])
    clock = Clock(NOW)
    verifier = make_verifier(pki, fetch, clock=clock)
    body = body_of(envelope())
    assert status_of(lambda: verifier.verify(signed(pki, body), body)) == 400
    clock.now = NOW + timedelta(seconds=FAILED_FETCH_TTL_S + 1)
    verifier.verify(signed(pki, body), body)
    assert len(fetch.calls) == 2


def test_cache_is_bounded_and_drops_least_recently_used(pki: TestPki) -> None:
    cache = CertificateCache(max_entries=2)
    cache.put("a", pki.leaf)
    cache.put("b", pki.leaf)
    assert cache.get("a", NOW) is pki.leaf  # "a" now most recently used
    cache.put("c", pki.leaf)
    assert cache.get("b", NOW) is None
    assert cache.get("a", NOW) is pki.leaf
    assert cache.get("c", NOW) is pki.leaf


def test_cache_survives_concurrent_use(pki: TestPki) -> None:
    cache = CertificateCache(max_entries=8)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(300):
                cache.put(f"u{(n * 7 + i) % 20}", pki.leaf)
                cache.get(f"u{i % 20}", NOW)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 8


# ---------------------------------------------------------------- never a 5xx


class ExplodingHeaders(dict[str, str]):
    def items(self) -> Any:
        raise RuntimeError("broken mapping")


def test_unexpected_internal_error_becomes_400(pki: TestPki) -> None:
    body = body_of(envelope())
    assert status_of(lambda: make_verifier(pki).verify(ExplodingHeaders(), body)) == 400


def test_deeply_nested_json_is_400_not_a_crash(pki: TestPki) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    assert status_of(lambda: make_verifier(pki, verify_signature=False).verify({}, body)) == 400


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    headers=st.dictionaries(
        st.sampled_from(["SignatureCertChainUrl", "Signature-256", "Signature", "X"]),
        st.one_of(st.just(CERT_URL), st.text(max_size=80)),
    ),
    body=st.one_of(st.binary(max_size=200), st.just(body_of(envelope()))),
)
def test_arbitrary_input_only_ever_raises_verification_error(
    pki: TestPki, headers: dict[str, str], body: bytes
) -> None:
    verifier = make_verifier(pki, require_sha256=False)
    try:
        verifier.verify(headers, body)
    except VerificationError as exc:
        assert exc.status in (400, 403)


# ---------------------------------------------------------------- default fetcher transport


class _Handler(http.server.BaseHTTPRequestHandler):
    stop: threading.Event
    seen: list[str]
    payload: bytes

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(self.path)
        if self.path == "/ok":
            self._send(200, self.payload)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/missing":
            self._send(404, b"nope")
        elif self.path == "/huge":
            self._send(200, b"A" * (200 * 1024))
        elif self.path == "/stall":
            self.stop.wait(10)
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if self.stop.wait(0.1):
                    return
                self.wfile.write(b"A")
                self.wfile.flush()

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def local_server(pki: TestPki) -> Iterator[tuple[str, list[str]]]:
    stop = threading.Event()
    seen: list[str] = []
    handler = type("H", (_Handler,), {"stop": stop, "seen": seen, "payload": pki.chain_pem()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def local_fetcher(timeout_s: float = 0.5) -> HttpsCertFetcher:
    # Same transport as production (opener refusing redirects); http allowed for 127.0.0.1.
    return HttpsCertFetcher(timeout_s=timeout_s, allowed_schemes=("http",))


def test_fetcher_returns_the_served_chain(
    pki: TestPki, local_server: tuple[str, list[str]]
) -> None:
    base, _ = local_server
    assert load_chain(local_fetcher()(f"{base}/ok"))[0] == pki.leaf


def test_fetcher_refuses_to_follow_redirects(local_server: tuple[str, list[str]]) -> None:
    base, seen = local_server
    seen.clear()
    assert status_of(lambda: local_fetcher()(f"{base}/redirect")) == 400
    assert seen == ["/redirect"]


def test_fetcher_rejects_error_status(local_server: tuple[str, list[str]]) -> None:
    base, _ = local_server
    assert status_of(lambda: local_fetcher()(f"{base}/missing")) == 400


def test_fetcher_caps_response_size(local_server: tuple[str, list[str]]) -> None:
    base, _ = local_server
    assert status_of(lambda: local_fetcher()(f"{base}/huge")) == 400


def test_fetcher_gives_up_on_a_stalled_server(local_server: tuple[str, list[str]]) -> None:
    base, _ = local_server
    started = time.monotonic()
    assert status_of(lambda: local_fetcher(0.5)(f"{base}/stall")) == 400
    assert time.monotonic() - started < 1.5


def test_fetcher_deadline_bounds_a_server_dripping_bytes(
    local_server: tuple[str, list[str]],
) -> None:
    # Each byte arrives well inside the socket timeout; only the overall deadline stops it.
    base, _ = local_server
    started = time.monotonic()
    assert status_of(lambda: local_fetcher(0.5)(f"{base}/drip")) == 400
    assert time.monotonic() - started < 1.5


def test_default_fetcher_only_speaks_https(local_server: tuple[str, list[str]]) -> None:
    base, seen = local_server
    seen.clear()
    assert status_of(lambda: HttpsCertFetcher()(f"{base}/ok")) == 400
    assert seen == []


@pytest.mark.slow
def test_default_fetch_timeout_is_at_most_two_seconds(local_server: tuple[str, list[str]]) -> None:
    assert HttpsCertFetcher().timeout_s == DEFAULT_FETCH_TIMEOUT_S <= 2.0
    base, _ = local_server
    fetcher = HttpsCertFetcher(allowed_schemes=("http",))
    started = time.monotonic()
    assert status_of(lambda: fetcher(f"{base}/stall")) == 400
    assert 1.5 < time.monotonic() - started < 3.0


# ---------------------------------------------------------------- real Alexa requests


@dataclass(frozen=True)
class Vector:
    name: str
    headers: dict[str, str]
    body: bytes
    chain: bytes

    @property
    def timestamp(self) -> datetime:
        ts = json.loads(self.body)["request"]["timestamp"]
        return datetime.fromisoformat(ts)

    @property
    def app_id(self) -> str:
        env = json.loads(self.body)
        app = env.get("context", {}).get("System", {}).get("application")
        return str((app or env["session"]["application"])["applicationId"])


def load_vector(name: str) -> Vector:
    folder = VECTORS / name
    return Vector(
        name=name,
        headers=json.loads((folder / "headers.json").read_text()),
        body=(folder / "body.json").read_bytes(),
        chain=(folder / "chain.pem").read_bytes(),
    )


VECTOR_NAMES = sorted(p.name for p in VECTORS.iterdir() if (p / "body.json").exists())
POSITIVE = [n for n in VECTOR_NAMES if not n.startswith("NEGATIVE_")]
NEGATIVE = [n for n in VECTOR_NAMES if n.startswith("NEGATIVE_")]


def g5_root() -> x509.Certificate:
    return x509.load_pem_x509_certificate(G5_ROOT.read_bytes())


def trust_for(vector: Vector) -> list[x509.Certificate] | None:
    """certifi (None) for Amazon-rooted chains; the VeriSign G5 root for Symantec ones."""
    issuer = load_chain(vector.chain)[-1].issuer.rfc4514_string()
    return [g5_root()] if "VeriSign" in issuer else None


def vector_verifier(
    vector: Vector, fetch: FakeFetch, *, require_sha256: bool = False
) -> RequestVerifier:
    return RequestVerifier(
        VerifierConfig(skill_id=vector.app_id, require_sha256=require_sha256),
        clock=lambda: vector.timestamp,
        trust_roots=trust_for(vector),
        fetch=fetch,
    )


def test_vector_set_is_complete() -> None:
    assert len(POSITIVE) == 6
    assert len(NEGATIVE) == 3
    assert all((VECTORS / n / "SOURCE.txt").exists() for n in VECTOR_NAMES)


def test_injected_verisign_root_is_the_published_g5_root() -> None:
    fingerprint = g5_root().fingerprint(hashes.SHA256()).hex().upper()
    assert fingerprint == "9ACFAB7E43C8D880D06B262A94DEEEE4B4659989C3D0CAF19BAF6405E41AB7DF"


@pytest.mark.parametrize("name", POSITIVE)
def test_real_alexa_request_verifies_end_to_end(name: str) -> None:
    vector = load_vector(name)
    fetch = FakeFetch([vector.chain])
    env = vector_verifier(vector, fetch).verify(vector.headers, vector.body)
    assert env["request"]["timestamp"] == json.loads(vector.body)["request"]["timestamp"]
    assert fetch.calls == [canonical_cert_url(vector.headers["SignatureCertChainUrl"])]


def test_amazon_rooted_vector_chains_to_certifi_without_help() -> None:
    vector = load_vector("deeppavlov_cert6ats_intent_2018-12-19")
    assert trust_for(vector) is None
    verify_chain(load_chain(vector.chain), vector.timestamp, _certifi_roots_list())


def _certifi_roots_list() -> list[x509.Certificate]:
    import warnings

    import certifi
    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())


@pytest.mark.parametrize("name", [n for n in POSITIVE if "deeppavlov" not in n])
def test_symantec_chains_do_not_reach_certifi_roots(name: str) -> None:
    # Documents why the G5 root is injected: certifi no longer carries it.
    vector = load_vector(name)
    chain = load_chain(vector.chain)
    assert status_of(lambda: verify_chain(chain, vector.timestamp, _certifi_roots_list())) == 400


@pytest.mark.parametrize("name", POSITIVE)
def test_real_sha1_only_request_is_refused_when_sha256_is_required(name: str) -> None:
    vector = load_vector(name)
    fetch = FakeFetch([vector.chain])
    verifier = vector_verifier(vector, fetch, require_sha256=True)
    assert status_of(lambda: verifier.verify(vector.headers, vector.body)) == 400
    assert fetch.calls == []


@pytest.mark.parametrize("name", POSITIVE)
def test_real_request_fails_once_its_certificate_has_expired(name: str) -> None:
    vector = load_vector(name)
    leaf = load_chain(vector.chain)[0]
    later = leaf.not_valid_after_utc + timedelta(seconds=1)
    verifier = RequestVerifier(
        VerifierConfig(skill_id=None, require_sha256=False, verify_timestamp=False),
        clock=lambda: later,
        trust_roots=trust_for(vector),
        fetch=FakeFetch([vector.chain]),
    )
    assert status_of(lambda: verifier.verify(vector.headers, vector.body)) == 400


@pytest.mark.parametrize("name", NEGATIVE)
def test_real_negative_vector_is_rejected(name: str) -> None:
    vector = load_vector(name)
    verifier = vector_verifier(vector, FakeFetch([vector.chain]))
    assert status_of(lambda: verifier.verify(vector.headers, vector.body)) == 400


@pytest.mark.parametrize("name", NEGATIVE)
def test_real_negative_vector_fails_on_the_signature_itself(name: str) -> None:
    # Not on a side check: the leaf and time are fine, the bytes are not.
    vector = load_vector(name)
    leaf = load_chain(vector.chain)[0]
    sig = vector.headers["Signature"]
    assert status_of(lambda: verify_signature(leaf, sig, vector.body, hashes.SHA1())) == 400
