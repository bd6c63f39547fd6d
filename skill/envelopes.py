"""Real-shaped Alexa request envelopes, for the console, the simulator and tests.

Shapes follow the ASK request JSON (version 1.0): session, context.System with
user, device (supportedInterfaces), apiEndpoint and apiAccessToken, and slots
with entity-resolution blocks for custom slot types.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

APP_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class SlotInput:
    value: str | None  # None: a declared slot the user did not fill (Alexa sends no value)
    resolved_id: str | None = None
    resolved_name: str | None = None
    slot_type: str | None = None


@dataclass
class Caller:
    """Who is talking and on what device."""

    user_id: str = "amzn1.ask.account.DEVUSER"
    device_id: str = "amzn1.ask.device.DEVDEVICE"
    locale: str = "en-US"
    application_id: str = APP_ID
    api_endpoint: str = "https://api.amazonalexa.com"
    api_access_token: str = "dev-token"
    apl: bool = False
    extra_interfaces: dict[str, Any] = field(default_factory=dict)
    # Granted/denied permission scopes, e.g. {"alexa::alerts:reminders:skill:readwrite": "GRANTED"}
    permissions: dict[str, str] = field(default_factory=dict)


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_json(name: str, slot: SlotInput | str) -> dict[str, Any]:
    if isinstance(slot, str):
        slot = SlotInput(slot)
    out: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if slot.value is None:
        return out
    out["value"] = slot.value
    if slot.slot_type is not None:
        authority = f"amzn1.er-authority.echo-sdk.{APP_ID}.{slot.slot_type}"
        if slot.resolved_id is not None:
            status: dict[str, Any] = {
                "authority": authority,
                "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [
                    {"value": {"name": slot.resolved_name or slot.value, "id": slot.resolved_id}}
                ],
            }
        else:
            status = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
        out["resolutions"] = {"resolutionsPerAuthority": [status]}
    return out


def request_body(
    kind: str,
    *,
    locale: str,
    now: datetime,
    intent: str | None = None,
    slots: Mapping[str, SlotInput | str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": _timestamp(now),
        "locale": locale,
    }
    if kind == "IntentRequest":
        body["dialogState"] = "STARTED"
        body["intent"] = {
            "name": intent,
            "confirmationStatus": "NONE",
            "slots": {k: slot_json(k, v) for k, v in (slots or {}).items()},
        }
    if kind == "SessionEndedRequest":
        body["reason"] = "USER_INITIATED"
    if extra:
        body.update(extra)
    return body


def envelope(
    request: dict[str, Any],
    caller: Caller,
    *,
    session_id: str | None = None,
    new: bool = True,
    attributes: Mapping[str, Any] | None = None,
    with_session: bool = True,
) -> dict[str, Any]:
    interfaces: dict[str, Any] = dict(caller.extra_interfaces)
    if caller.apl:
        interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": "2023.3"}}
    user: dict[str, Any] = {"userId": caller.user_id}
    if caller.permissions:
        user["permissions"] = {
            "scopes": {scope: {"status": status} for scope, status in caller.permissions.items()}
        }
    system = {
        "application": {"applicationId": caller.application_id},
        "user": user,
        "device": {"deviceId": caller.device_id, "supportedInterfaces": interfaces},
        "apiEndpoint": caller.api_endpoint,
        "apiAccessToken": caller.api_access_token,
    }
    env: dict[str, Any] = {"version": "1.0", "context": {"System": system}, "request": request}
    if with_session:
        env["session"] = {
            "new": new,
            "sessionId": session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": {"applicationId": caller.application_id},
            "attributes": dict(attributes or {}),
            "user": {"userId": caller.user_id},
        }
    return env


def launch(caller: Caller, now: datetime, **kw: Any) -> dict[str, Any]:
    return envelope(request_body("LaunchRequest", locale=caller.locale, now=now), caller, **kw)


def intent(
    caller: Caller,
    now: datetime,
    name: str,
    slots: Mapping[str, SlotInput | str] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    body = request_body("IntentRequest", locale=caller.locale, now=now, intent=name, slots=slots)
    return envelope(body, caller, **kw)


def session_ended(caller: Caller, now: datetime, **kw: Any) -> dict[str, Any]:
    body = request_body("SessionEndedRequest", locale=caller.locale, now=now)
    return envelope(body, caller, **kw)


def skill_event(caller: Caller, now: datetime, kind: str) -> dict[str, Any]:
    body = request_body(
        kind, locale=caller.locale, now=now, extra={"eventCreationTime": _timestamp(now)}
    )
    return envelope(body, caller, with_session=False)
