"""Slow, failing and junk upstreams: the certificate download (real
HttpsCertFetcher) and the Alexa Settings API (real SettingsClient), each served
by a misbehaving server on 127.0.0.1. The request is still answered well inside
Alexa's 8 seconds, with a sensible fallback: a 400 for an unverifiable request,
UTC for an unknown time zone.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from skill import envelopes
from skill.alexa_api import SettingsClient
from skill.app import create_app
from skill.builder import build_skill
from skill.deps import Deps
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.settings import load_settings
from skill.speech import validate_ssml
from skill.verify import HttpsCertFetcher, RequestVerifier, VerifierConfig
from tests.support.certs import TestPki, make_pki, sign_b64

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"
NOW = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already the 11th in Asia
ALEXA_DEADLINE_S = 8.0
STALL_S = 6.0  # longer than every timeout we set, shorter than a test should hang


class Upstream(BaseHTTPRequestHandler):
    """Behaviour by path: /slow, /drip, /error, /junk, /redirect, /huge, /tokyo; else the PEM."""

    pem: bytes = b""

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        path = self.path
        if "/slow" in path:
            time.sleep(STALL_S)
            self._send(200, b'"Asia/Tokyo"')
        elif "/drip" in path:
            self.send_response(200)
            self.end_headers()
            for _ in range(int(STALL_S * 4)):
                self.wfile.write(b"-")
                self.wfile.flush()
                time.sleep(0.25)
        elif "/error" in path:
            self._send(500, b"oops")
        elif "/junk" in path:
            self._send(200, b"\x00\xff{<not json or pem>")
        elif "/tokyo" in path:
            self._send(200, b'"Asia/Tokyo"')
        elif "/unknownzone" in path:
            self._send(200, b'"Mars/Olympus_Mons"')
        elif "/redirect" in path:
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/evil.pem")
            self.end_headers()
        elif "/huge" in path:
            self._send(200, b"A" * (1024 * 1024))
        else:
            self._send(200, self.pem or b'"Asia/Tokyo"')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up: the point of the slow cases
            self.wfile.write(body)


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_pki(NOW)


@pytest.fixture(scope="module")
def upstream(pki: TestPki) -> Iterator[str]:
    handler = type("Handler", (Upstream,), {"pem": pki.chain_pem()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------
# Certificate download
# --------------------------------------------------------------------------

CERT_CASES = ["slow", "drip", "error", "junk", "redirect", "huge"]


def _prod_client(tmp_path: Path, deps: Deps, pki: TestPki, upstream: str, mode: str) -> Any:
    fetcher = HttpsCertFetcher(timeout_s=1.0, allowed_schemes=("http",))

    def fetch(url: str) -> bytes:
        # The URL rules pass only Amazon's host; send the download to our stand-in.
        return fetcher(url.replace("https://s3.amazonaws.com", f"{upstream}/{mode}"))

    settings = load_settings(skill_id=SKILL_ID, data_dir=tmp_path / "prod")
    deps.settings = settings
    verifier = RequestVerifier(
        VerifierConfig(skill_id=SKILL_ID), clock=lambda: NOW, trust_roots=[pki.root], fetch=fetch
    )
    return create_app(settings, deps=deps, verifier=verifier).test_client()


def _signed_launch(pki: TestPki) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelopes.launch(Caller(application_id=SKILL_ID), NOW)).encode()
    headers = {
        "SignatureCertChainUrl": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "Signature-256": sign_b64(pki.leaf_key, body),
        "Content-Type": "application/json",
    }
    return body, headers


@pytest.mark.parametrize("mode", CERT_CASES)
def test_bad_certificate_download_is_a_quick_400(
    tmp_path: Path, deps: Deps, pki: TestPki, upstream: str, mode: str
) -> None:
    client = _prod_client(tmp_path, deps, pki, upstream, mode)
    body, headers = _signed_launch(pki)
    started = time.perf_counter()
    response = client.post("/alexa", data=body, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert elapsed < 2.5  # the 1 s fetch budget plus overhead, far inside 8 s


def test_the_stand_in_serves_a_good_chain_when_asked(
    tmp_path: Path, deps: Deps, pki: TestPki, upstream: str
) -> None:
    # Control: the same path succeeds when the upstream behaves.
    client = _prod_client(tmp_path, deps, pki, upstream, "ok")
    body, headers = _signed_launch(pki)
    assert client.post("/alexa", data=body, headers=headers).status_code == 200


# --------------------------------------------------------------------------
# Alexa Settings API (time zone)
# --------------------------------------------------------------------------

# "drip": a server that drips bytes defeats a socket timeout alone (each read returns
# in time); skill/http.py's overall deadline is what keeps it inside the budget.
SETTINGS_CASES = [
    "slow",
    "drip",
    "error",
    "junk",
    "unknownzone",
    "redirect",
    "huge",
]


def _checkin(deps: Deps, base: str, user: str) -> tuple[dict[str, Any], float]:
    deps.apis["timezone"] = SettingsClient(base=base, timeout=1.5)
    deps.clock = lambda: NOW
    runtime = SkillRuntime(build_skill(deps))
    env = envelopes.intent(Caller(user_id=user), NOW, "CheckInIntent", {"Score": "4"})
    started = time.perf_counter()
    out = runtime.handle(env)
    return out, time.perf_counter() - started


@pytest.mark.parametrize("mode", SETTINGS_CASES)
def test_failing_settings_api_falls_back_to_utc_in_time(
    deps: Deps, upstream: str, mode: str
) -> None:
    user = f"amzn1.ask.account.TZ{mode}"
    out, elapsed = _checkin(deps, f"{upstream}/{mode}", user)
    assert elapsed < 3.0  # the 1.5 s budget plus overhead; Alexa allows 8 s
    ssml = out["response"]["outputSpeech"]["ssml"]
    assert validate_ssml(ssml) == []
    assert "couldn" not in ssml
    days = deps.store.load(user)["checkin"]["days"]
    assert list(days) == ["2026-03-10"]  # UTC's date: the fallback
    assert deps.store.load(user)["profile"].get("time_zone") is None


def test_working_settings_api_gives_the_local_date(deps: Deps, upstream: str) -> None:
    # Control: Tokyo is already on the 11th, so the fallback above was a fallback.
    _checkin(deps, f"{upstream}/tokyo", "amzn1.ask.account.TZok")
    assert list(deps.store.load("amzn1.ask.account.TZok")["checkin"]["days"]) == ["2026-03-11"]


def test_stalled_settings_api_stays_well_inside_alexas_deadline(deps: Deps, upstream: str) -> None:
    _, elapsed = _checkin(deps, f"{upstream}/slow", "amzn1.ask.account.TZstall")
    assert elapsed < ALEXA_DEADLINE_S / 4
