"""The request's apiEndpoint is pinned to Amazon's API hosts: the user's API token
(time zone, progressive response, reminders) never goes anywhere else, and a
fake on this machine is reachable only when a test injects it explicitly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from skill.alexa_api import SettingsClient
from skill.builder import build_skill
from skill.deps import Deps
from skill.handlers.reminders import SCOPE
from skill.http import allowed_base
from skill.progressive import ProgressiveClient
from skill.reminders_api import RemindersClient
from skill.runtime import SkillRuntime
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock
from tests.support.fake_alexa import FakeAlexa, fake_alexa

TOKEN = "secret-api-token"

HOSTILE = [
    "http://127.0.0.1.attacker.example",
    "http://localhost.attacker.example:8080",
    "http://127.0.0.1:8080",  # loopback, but no fake was injected
    "http://localhost",
    "https://attacker.example",
    "https://api.amazonalexa.com.attacker.example",
    "https://api.amazonalexa.com@attacker.example",
    "https://attacker.example@api.amazonalexa.com",
    "https://api.amazonalexa.com:8443",
    "https://api.amazonalexa.com:",
    "http://api.amazonalexa.com",
    "https://api.amazonalexa.com/v1/../../attacker",
    "https://api.amazonalexa.com?x=https://attacker.example",
    "https://api.amazonalexa.com#frag",
    "https://[::1]",
    "ftp://api.amazonalexa.com",
    "https://xn--pi-ama.amazonalexa.com",
    "",
]
AMAZON = [
    ("https://api.amazonalexa.com", "https://api.amazonalexa.com"),
    ("https://api.eu.amazonalexa.com/", "https://api.eu.amazonalexa.com"),
    ("https://api.fe.amazonalexa.com:443", "https://api.fe.amazonalexa.com"),
    ("HTTPS://API.AMAZONALEXA.COM", "https://api.amazonalexa.com"),
]


@pytest.mark.parametrize("base", HOSTILE)
def test_only_amazon_api_hosts_are_called_on_the_requests_say_so(base: str) -> None:
    assert allowed_base(base) is None


@pytest.mark.parametrize(("base", "root"), AMAZON)
def test_amazon_api_hosts_are_accepted_exactly(base: str, root: str) -> None:
    assert allowed_base(base) == root


def test_loopback_needs_an_explicit_opt_in_and_is_never_matched_by_prefix() -> None:
    assert allowed_base("http://127.0.0.1:8080") is None
    assert allowed_base("http://127.0.0.1:8080", loopback=True) == "http://127.0.0.1:8080"
    assert allowed_base("http://localhost:9/", loopback=True) == "http://localhost:9"
    assert allowed_base("http://127.0.0.1.attacker.example", loopback=True) is None
    assert allowed_base("http://localhost@attacker.example", loopback=True) is None
    assert allowed_base("https://attacker.example", loopback=True) is None


# -- through the skill: the token goes to Amazon or nowhere --------------------------


class Recorder:
    """Stand-in transports for the three clients: they record and answer like Alexa."""

    def __init__(self) -> None:
        self.urls: list[tuple[str, str]] = []  # (api, url)
        self.tokens: list[str] = []

    def settings(self, url: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        self._seen("timezone", url, headers)
        return 200, b'"Europe/London"'

    def reminders(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
    ) -> tuple[int, bytes]:
        self._seen("reminders", url, headers)
        return 201, b'{"alertToken": "a-1", "status": "ON"}'

    def progressive(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
        self._seen("progressive", url, headers)
        return 204

    def _seen(self, api: str, url: str, headers: dict[str, str]) -> None:
        self.urls.append((api, url))
        self.tokens.append(headers.get("Authorization", ""))


def _set_a_reminder(deps: Deps, endpoint: str, recorder: Recorder) -> str:
    deps.clock = FakeClock(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    deps.apis["timezone"] = SettingsClient(transport=recorder.settings)
    deps.apis["reminders"] = RemindersClient(transport=recorder.reminders)
    deps.apis["progressive"] = ProgressiveClient(post=recorder.progressive, wait=True)
    convo = make_conversation(
        SkillRuntime(build_skill(deps)),
        deps.clock,
        api_endpoint=endpoint,
        api_access_token=TOKEN,
        permissions={SCOPE: "GRANTED"},
    )
    convo.say("check in")
    convo.say("four")
    return convo.say("remind me to stretch at nine thirty every night").text


@pytest.mark.parametrize("endpoint", [b for b in HOSTILE if b])
def test_the_api_token_is_never_sent_to_a_host_that_is_not_amazons(
    deps: Deps, endpoint: str
) -> None:
    recorder = Recorder()
    spoken = _set_a_reminder(deps, endpoint, recorder)
    assert recorder.urls == []
    assert spoken  # still answered, in words, without the API


def test_amazons_endpoint_gets_all_three_calls_with_the_token(deps: Deps) -> None:
    recorder = Recorder()
    _set_a_reminder(deps, "https://api.eu.amazonalexa.com", recorder)
    apis = {api for api, _ in recorder.urls}
    assert apis == {"timezone", "reminders", "progressive"}
    assert all(url.startswith("https://api.eu.amazonalexa.com/") for _, url in recorder.urls)
    assert set(recorder.tokens) == {f"Bearer {TOKEN}"}


@pytest.fixture
def listener() -> Iterator[FakeAlexa]:
    with fake_alexa() as server:
        yield server


def test_a_listener_on_this_machine_gets_nothing_unless_injected(
    deps: Deps, listener: FakeAlexa
) -> None:
    deps.clock = FakeClock(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    deps.apis["timezone"] = SettingsClient()
    deps.apis["reminders"] = RemindersClient(timeout=0.5)
    deps.apis["progressive"] = ProgressiveClient(wait=True)
    convo = make_conversation(
        SkillRuntime(build_skill(deps)),
        deps.clock,
        api_endpoint=listener.url,
        api_access_token=TOKEN,
        permissions={SCOPE: "GRANTED"},
    )
    convo.say("check in")
    convo.say("four")
    convo.say("remind me to stretch at nine thirty every night")
    assert listener.received == []
