"""Private logs: a full session (launch, a bedside question with a side, a routine
step, a check-in with a score, delete my data, errors) leaves one JSON line per
request and nothing personal anywhere in the output of any logger, in process and
from the real dev server (whose Werkzeug access lines are checked too).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skill import envelopes, logs
from skill.app import create_app
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from tests.support.servers import running_server, server_env

USER = "amzn1.ask.account.PRIVATEUSERAE6XQ"
DEVICE = "amzn1.ask.device.PRIVATEDEVICEZ9K2"
TOKEN = "PRIVATE-ACCESS-TOKEN-f00d"
SESSION = "amzn1.echo-api.session.PRIVATESESSION-77aa"
SLOT_SECRET = "myhipsecretphrase"
SCORE = "3"  # the health number the user says
SECRETS = (USER, DEVICE, TOKEN, SESSION, SLOT_SECRET, "PRIVATEUSER", "PRIVATEDEVICE")


def _caller() -> Caller:
    return Caller(user_id=USER, device_id=DEVICE, api_access_token=TOKEN)


def session_requests() -> list[bytes]:
    """The session as raw bodies, each carrying the previous answer's attributes later."""
    c, now = _caller(), datetime(2026, 3, 10, 7, 30, tzinfo=UTC)

    def intent(name: str, slots: dict[str, SlotInput | str] | None = None) -> dict[str, Any]:
        return envelopes.intent(c, now, name, slots, session_id=SESSION, new=False)

    steps: list[Any] = [
        envelopes.launch(c, now, session_id=SESSION),
        intent("WhichSideIntent", {"Side": SlotInput("left", "left", "left", "HipSide")}),
        intent("PillowIntent", {"Position": SlotInput("side", "side", "side", "SleepPosition")}),
        intent(
            "StartRoutineIntent",
            {"RoutineName": SlotInput("bedtime", "bedtime", "bedtime", "RoutineName")},
        ),
        intent("AMAZON.NextIntent"),
        intent("AMAZON.StopIntent"),
        intent("CheckInIntent", {"Score": SCORE}),
        intent("PillowIntent", {"Position": SlotInput(SLOT_SECRET)}),
        intent("LogScoreIntent", {"Score": f"{SLOT_SECRET} {SCORE}"}),
        intent("NoSuchIntent", {"Anything": SLOT_SECRET}),
        intent("WhatDoYouKnowIntent"),
        intent("DeleteDataIntent"),
        intent("AMAZON.YesIntent"),
        envelopes.session_ended(c, now, session_id=SESSION, new=False),
    ]
    bodies = [json.dumps(s).encode() for s in steps]
    bodies.append(b'{"broken": ' + SLOT_SECRET.encode())  # malformed JSON with a secret
    return bodies


def assert_private(text: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), f"{secret!r} leaked"
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        # request ids and latencies are random digits; nothing else may carry the score.
        rest = {k: v for k, v in record.items() if k not in ("request_id", "latency_ms")}
        assert not re.search(rf"\b{SCORE}\b", json.dumps(rest)), f"score leaked: {line}"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything any logger writes: hiprest's JSON handler and the root logger."""
    buf = io.StringIO()
    root_handler = logging.StreamHandler(buf)
    root_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(root_handler)
    root.setLevel(logging.DEBUG)
    yield buf
    root.removeHandler(root_handler)
    root.setLevel(old_level)


def test_full_session_logs_one_private_line_per_request(deps: Deps, captured: io.StringIO) -> None:
    app = create_app(deps.settings, deps=deps)
    logs.configure("DEBUG", stream=captured)  # after create_app, which configures stderr
    client = app.test_client()
    attrs: dict[str, Any] = {}
    answered = 0
    for body in session_requests():
        try:
            env = json.loads(body)
            env.setdefault("session", {})["attributes"] = attrs
            body = json.dumps(env).encode()
        except ValueError:
            pass
        response = client.post("/alexa", data=body, content_type="application/json")
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            answered += 1
            attrs = response.get_json().get("sessionAttributes") or {}
    text = captured.getvalue()
    assert_private(text)
    access = [
        json.loads(line)
        for line in text.splitlines()
        if line.startswith("{") and json.loads(line).get("logger") == "hiprest.access"
    ]
    assert len(access) == answered  # one line per request the skill answered
    for record in access:
        assert {"request_id", "request_type", "outcome", "latency_ms"} <= set(record)
    intents = {r.get("intent") for r in access}
    assert {"CheckInIntent", "DeleteDataIntent", "NoSuchIntent"} <= intents


@pytest.mark.slow
def test_dev_server_process_output_is_private_too(tmp_path: Path) -> None:
    log_path = tmp_path / "dev.log"
    with running_server(server_env(tmp_path / "data"), dev=True, log_path=log_path) as server:
        for body in session_requests():
            server.post(body)
        text = server.log_text()
    assert "POST /alexa" in text  # Werkzeug's access lines ran and were read
    assert_private(text)
