"""The Settings API time-zone client against a fake Alexa API on 127.0.0.1, and the
per-user cache in ``profile`` that keeps it off most requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from skill import envelopes
from skill.alexa_api import DEFAULT_TIMEOUT_S, SettingsClient
from skill.builder import build_skill
from skill.deps import Deps
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock

DEVICE = "amzn1.ask.device.DEVDEVICE"
TOKEN = "token-123"
SLOW_S = 3.0


class FakeAlexa(BaseHTTPRequestHandler):
    """Answers by device id: behaviour is chosen per test through ``mode``."""

    mode: ClassVar[str] = "ok"
    hits: ClassVar[list[dict[str, Any]]] = []

    def do_GET(self) -> None:
        FakeAlexa.hits.append({"path": self.path, "auth": self.headers.get("Authorization")})
        mode = FakeAlexa.mode
        if mode == "slow":
            time.sleep(SLOW_S)
        if mode == "500":
            self.send_response(500)
            self.end_headers()
            return
        body = {
            "ok": b'"Europe/Berlin"',
            "slow": b'"Europe/Berlin"',
            "junk": b"{not json",
            "unknown": b'"Mars/Olympus"',
            "number": b"42",
        }[mode]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def fake_alexa() -> Iterator[str]:
    FakeAlexa.mode, FakeAlexa.hits = "ok", []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAlexa)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def lookup(base: str) -> str | None:
    return SettingsClient(allow_loopback=True).time_zone(base, DEVICE, TOKEN)


def test_zone_is_read_with_the_device_path_and_bearer_token(fake_alexa: str) -> None:
    assert lookup(fake_alexa) == "Europe/Berlin"
    assert FakeAlexa.hits == [
        {"path": f"/v2/devices/{DEVICE}/settings/System.timeZone", "auth": f"Bearer {TOKEN}"}
    ]


@pytest.mark.parametrize("mode", ["500", "junk", "unknown", "number"])
def test_a_failing_or_confused_api_gives_no_zone(fake_alexa: str, mode: str) -> None:
    FakeAlexa.mode = mode
    assert lookup(fake_alexa) is None


def test_a_slow_api_is_abandoned_at_the_timeout(fake_alexa: str) -> None:
    FakeAlexa.mode = "slow"
    started = time.monotonic()
    assert lookup(fake_alexa) is None
    assert time.monotonic() - started < SLOW_S - 0.5  # gave up well before the answer


def test_a_closed_port_gives_no_zone() -> None:
    assert lookup("http://127.0.0.1:9") is None


def test_missing_token_device_or_a_plain_http_host_makes_no_call(fake_alexa: str) -> None:
    client = SettingsClient(allow_loopback=True)
    assert client.time_zone(fake_alexa, DEVICE, None) is None
    assert client.time_zone(fake_alexa, None, TOKEN) is None
    assert client.time_zone("http://example.com", DEVICE, TOKEN) is None
    assert FakeAlexa.hits == []


def test_the_timeout_never_exceeds_one_and_a_half_seconds() -> None:
    seen: list[float] = []

    def transport(url: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        seen.append(timeout)
        return 200, b'"Asia/Tokyo"'

    client = SettingsClient(base="https://api.amazonalexa.com", timeout=30, transport=transport)
    assert client.time_zone(None, DEVICE, TOKEN) == "Asia/Tokyo"
    assert seen == [DEFAULT_TIMEOUT_S]


# --------------------------------------------------------------------------- through the skill


@pytest.fixture
def zone_runtime(deps: Deps) -> SkillRuntime:
    deps.apis["timezone"] = SettingsClient(allow_loopback=True)
    return SkillRuntime(build_skill(deps))


def check_in(runtime: SkillRuntime, base: str, now: datetime, score: str = "4") -> dict[str, Any]:
    caller = Caller(api_endpoint=base, api_access_token=TOKEN)
    return runtime.handle(envelopes.intent(caller, now, "CheckInIntent", {"Score": score}))


def stored(store: SqliteStore) -> dict[str, Any]:
    return store.load(Caller().user_id)


def test_check_in_uses_the_api_zone_and_caches_it_in_the_profile(
    fake_alexa: str, zone_runtime: SkillRuntime, store: SqliteStore, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 00:30 on the 10th in Berlin
    check_in(zone_runtime, fake_alexa, clock.now)
    doc = stored(store)
    assert doc["checkin"]["days"] == {"2026-03-10": 4}
    assert doc["profile"]["time_zone"] == "Europe/Berlin"
    # The next request reads the cache: no second call.
    clock.advance(days=1)
    check_in(zone_runtime, fake_alexa, clock.now, "5")
    assert len(FakeAlexa.hits) == 1
    assert stored(store)["checkin"]["days"]["2026-03-11"] == 5


def test_a_cached_zone_is_refreshed_after_a_week(
    fake_alexa: str, zone_runtime: SkillRuntime, store: SqliteStore, clock: FakeClock
) -> None:
    check_in(zone_runtime, fake_alexa, clock.now)
    clock.advance(days=7)
    FakeAlexa.mode = "500"  # a failed refresh keeps the zone we knew
    check_in(zone_runtime, fake_alexa, clock.now)
    assert len(FakeAlexa.hits) == 2
    assert stored(store)["profile"]["time_zone"] == "Europe/Berlin"


@pytest.mark.parametrize("mode", ["slow", "500", "junk", "unknown"])
def test_check_in_falls_back_to_utc_and_still_answers(
    fake_alexa: str,
    zone_runtime: SkillRuntime,
    store: SqliteStore,
    clock: FakeClock,
    mode: str,
) -> None:
    FakeAlexa.mode = mode
    clock.now = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    started = time.monotonic()
    response = check_in(zone_runtime, fake_alexa, clock.now)
    assert time.monotonic() - started < 8  # Alexa's limit, with a wide margin
    assert "4 for this morning" in str(response)
    assert stored(store)["checkin"]["days"] == {"2026-03-09": 4}  # UTC date
    assert stored(store)["profile"].get("time_zone") is None


def test_after_a_failed_first_lookup_we_retry_an_hour_later_not_every_request(
    fake_alexa: str, zone_runtime: SkillRuntime, store: SqliteStore, clock: FakeClock
) -> None:
    FakeAlexa.mode = "500"
    check_in(zone_runtime, fake_alexa, clock.now)
    clock.advance(minutes=30)
    check_in(zone_runtime, fake_alexa, clock.now)
    assert len(FakeAlexa.hits) == 1
    FakeAlexa.mode = "ok"
    clock.advance(minutes=31)
    check_in(zone_runtime, fake_alexa, clock.now)
    assert len(FakeAlexa.hits) == 2
    assert stored(store)["profile"]["time_zone"] == "Europe/Berlin"


def test_a_client_that_raises_never_breaks_the_request(
    deps: Deps, store: SqliteStore, clock: FakeClock
) -> None:
    def broken(turn: object) -> str:
        raise RuntimeError("boom")

    deps.apis["timezone"] = broken
    runtime = SkillRuntime(build_skill(deps))
    env = envelopes.intent(Caller(), clock.now, "CheckInIntent", {"Score": "4"})
    response = runtime.handle(env)
    assert "4 for this morning" in str(response)
