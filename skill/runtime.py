"""JSON in, JSON out: the one path every transport (Flask, Lambda, console) uses.

It turns a parsed envelope into ask-sdk objects, runs the skill, serialises the
answer and writes one private JSON log line per request (request id, type,
intent, outcome, latency - never user ids, tokens, or what the user said).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import Request, RequestEnvelope

ACCESS_LOG = logging.getLogger("hiprest.access")
_SERIALIZER = DefaultSerializer()
EMPTY_RESPONSE: dict[str, Any] = {"version": "1.0", "response": {}}


class EnvelopeError(Exception):
    """The body is not an Alexa request envelope we can read (HTTP 400)."""

    status = 400


class WrongSkillError(Exception):
    """The envelope is for another skill (HTTP 403)."""

    status = 403


def _request_type(payload: Any) -> str | None:
    request = payload.get("request") if isinstance(payload, dict) else None
    kind = request.get("type") if isinstance(request, dict) else None
    return kind if isinstance(kind, str) else None


def _intent_name(payload: dict[str, Any]) -> str | None:
    intent = payload.get("request", {}).get("intent")
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def _known_request_types() -> frozenset[str]:
    return frozenset(Request.discriminator_value_class_map)


KNOWN_TYPES = _known_request_types()


class SkillRuntime:
    def __init__(self, skill: CustomSkill) -> None:
        self.skill = skill

    def deserialize(self, payload: Any) -> RequestEnvelope:
        kind = _request_type(payload)
        if kind is None:
            raise EnvelopeError("not an Alexa request envelope")
        try:
            envelope = _SERIALIZER.deserialize(json.dumps(payload), RequestEnvelope)
        except Exception:
            raise EnvelopeError("malformed request envelope") from None
        if not isinstance(envelope, RequestEnvelope) or envelope.request is None:
            raise EnvelopeError("not an Alexa request envelope")
        return envelope

    def handle(self, payload: Any) -> dict[str, Any]:
        """Answer one envelope (already verified). Raises EnvelopeError/WrongSkillError."""
        started = time.perf_counter()
        kind = _request_type(payload)
        outcome = "ok"
        try:
            if kind is not None and kind not in KNOWN_TYPES:
                # A request type newer than our model classes: answer nothing, not 4xx.
                outcome = "unsupported"
                return dict(EMPTY_RESPONSE)
            envelope = self.deserialize(payload)
            try:
                response = self.skill.invoke(request_envelope=envelope, context=None)
            except AskSdkException as exc:
                if "Skill ID Verification" in str(exc):
                    outcome = "wrong_skill"
                    raise WrongSkillError("application id does not match") from None
                outcome = "error"
                ACCESS_LOG.error("skill failed", extra={"error_class": type(exc).__name__})
                raise
            result = _SERIALIZER.serialize(response)
            assert isinstance(result, dict)
            return result
        except EnvelopeError:
            outcome = "bad_envelope"
            raise
        finally:
            ACCESS_LOG.info(
                "request",
                extra={
                    "request_id": _request_id(payload),
                    "request_type": kind,
                    "intent": _intent_name(payload) if kind == "IntentRequest" else None,
                    "outcome": outcome,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


def _request_id(payload: Any) -> str | None:
    request = payload.get("request") if isinstance(payload, dict) else None
    rid = request.get("requestId") if isinstance(request, dict) else None
    return rid[:120] if isinstance(rid, str) else None
