"""The HTTP adapter: status codes, verification gate, dev simulator API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill import envelopes
from skill.app import create_app
from skill.deps import Deps
from skill.envelopes import Caller
from skill.settings import load_settings
from skill.store.sqlite import SqliteStore
from tests.support.certs import make_pki, sign_b64
from tests.support.prod_app import production_app

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"
NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"


@pytest.fixture
def dev_client(deps: Deps) -> FlaskClient:
    app = create_app(deps.settings, deps=deps)
    return app.test_client()


@pytest.fixture
def pki() -> Any:
    return make_pki(NOW)


@pytest.fixture
def prod(tmp_path: Path, deps: Deps, pki: Any) -> tuple[FlaskClient, list[str]]:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return bytes(pki.chain_pem())

    app = production_app(deps, tmp_path / "prod", pki, fetch, NOW)
    return app.test_client(), fetched


def _launch_body(app_id: str = SKILL_ID) -> bytes:
    env = envelopes.launch(Caller(application_id=app_id), NOW)
    return json.dumps(env).encode()


def _signed_headers(pki: Any, body: bytes) -> dict[str, str]:
    return {
        "SignatureCertChainUrl": CERT_URL,
        "Signature-256": sign_b64(pki.leaf_key, body),
        "Content-Type": "application/json",
    }


def test_healthz_answers_200(dev_client: FlaskClient) -> None:
    assert dev_client.get("/healthz").status_code == 200


def test_get_on_the_endpoint_is_405(dev_client: FlaskClient) -> None:
    response = dev_client.get("/alexa")
    assert response.status_code == 405
    assert response.is_json


def test_dev_launch_is_answered_with_speech(dev_client: FlaskClient) -> None:
    response = dev_client.post("/alexa", data=_launch_body(), content_type="application/json")
    assert response.status_code == 200
    assert "Hip Rest" in response.get_json()["response"]["outputSpeech"]["ssml"]


@pytest.mark.parametrize(
    "body", [b"{not json", b"\xff\xfe", b"[1,2", b'{"request": 5}', b"[]", b'"x"', b"{}"]
)
def test_malformed_bodies_are_400_with_json_error(dev_client: FlaskClient, body: bytes) -> None:
    response = dev_client.post("/alexa", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_empty_body_is_400(dev_client: FlaskClient) -> None:
    assert dev_client.post("/alexa", data=b"", content_type="application/json").status_code == 400


def test_oversized_body_is_413(dev_client: FlaskClient, deps: Deps) -> None:
    big = b"{" + b" " * (deps.settings.max_body_bytes + 10) + b"}"
    response = dev_client.post("/alexa", data=big, content_type="application/json")
    assert response.status_code == 413


def test_unknown_path_is_a_json_404(dev_client: FlaskClient) -> None:
    response = dev_client.get("/nope")
    assert response.status_code == 404
    assert response.is_json


def test_unsigned_request_is_400_and_no_handler_runs(
    prod: tuple[FlaskClient, list[str]], store: SqliteStore
) -> None:
    client, fetched = prod
    response = client.post("/alexa", data=_launch_body(), content_type="application/json")
    assert response.status_code == 400
    assert fetched == []
    assert list(store.user_ids()) == []


def test_signed_request_is_answered(prod: tuple[FlaskClient, list[str]], pki: Any) -> None:
    client, _ = prod
    body = _launch_body()
    response = client.post("/alexa", data=body, headers=_signed_headers(pki, body))
    assert response.status_code == 200, response.get_json()
    assert "outputSpeech" in response.get_json()["response"]


def test_second_signed_request_reuses_the_cached_certificate(
    prod: tuple[FlaskClient, list[str]], pki: Any
) -> None:
    client, fetched = prod
    for _ in range(3):
        body = _launch_body()
        assert (
            client.post("/alexa", data=body, headers=_signed_headers(pki, body)).status_code == 200
        )
    assert fetched == [CERT_URL]


def test_tampered_body_is_400_and_stores_nothing(
    prod: tuple[FlaskClient, list[str]], pki: Any, store: SqliteStore
) -> None:
    client, _ = prod
    body = _launch_body()
    headers = _signed_headers(pki, body)
    response = client.post(
        "/alexa", data=body.replace(b"LaunchRequest", b"LaunchRequesT"), headers=headers
    )
    assert response.status_code == 400
    assert list(store.user_ids()) == []


def test_other_skills_request_is_403_not_500(prod: tuple[FlaskClient, list[str]], pki: Any) -> None:
    client, _ = prod
    body = _launch_body(app_id="amzn1.ask.skill.99999999-2222-4333-8444-555555555555")
    response = client.post("/alexa", data=body, headers=_signed_headers(pki, body))
    assert response.status_code == 403


def test_production_settings_without_skill_id_fail_in_one_line() -> None:
    from skill.settings import SettingsError

    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "\n" not in str(info.value)
    assert "HIPREST_SKILL_ID" in str(info.value)


def test_flask_config_keeps_flask_ask_sdk_names(deps: Deps) -> None:
    app = create_app(deps.settings, deps=deps)
    assert app.config["ASK_VERIFY_REQUESTS"] is False  # dev mode
    assert app.config["ASK_VERIFY_TIMESTAMP_DEBUG"] is False


def test_simulator_page_is_served_in_dev(dev_client: FlaskClient) -> None:
    response = dev_client.get("/")
    assert response.status_code == 200
    assert b"Hip Rest simulator" in response.data


def test_simulator_is_not_served_in_production(prod: tuple[FlaskClient, list[str]]) -> None:
    client, _ = prod
    assert client.get("/").status_code == 404
    assert client.post("/api/simulate", json={"text": "help"}).status_code == 404


def test_simulator_api_carries_the_session_between_turns(dev_client: FlaskClient) -> None:
    first = dev_client.post("/api/simulate", json={"request_type": "LaunchRequest"}).get_json()
    assert first["session"] is not None
    assert "Hip Rest" in first["speech_text"]
    second = dev_client.post(
        "/api/simulate", json={"text": "help", "session": first["session"]}
    ).get_json()
    assert second["match"]["intent"] == "AMAZON.HelpIntent"
    assert second["request"]["session"]["new"] is False
    assert second["request"]["session"]["sessionId"] == first["session"]["id"]
    assert second["problems"] == []


def test_simulator_api_accepts_a_picked_intent(dev_client: FlaskClient) -> None:
    data = dev_client.post("/api/simulate", json={"intent": "AMAZON.HelpIntent"}).get_json()
    assert "<speak>" in data["ssml"]


def test_simulator_api_rejects_junk_with_400(dev_client: FlaskClient) -> None:
    junk = dev_client.post("/api/simulate", data=b"nope", content_type="application/json")
    assert junk.status_code == 400
    assert dev_client.post("/api/simulate", json={}).status_code == 400


def test_simulator_model_lists_the_intents(dev_client: FlaskClient) -> None:
    data = dev_client.get("/api/model").get_json()
    names = {i["name"] for i in data["intents"]}
    assert "AMAZON.HelpIntent" in names
    assert "en-GB" in data["locales"]
