"""The reference: the cheapest possible Alexa skill on ask-sdk-core and Flask.

One handler per request type (launch, help, session end), a fixed sentence
each, no state, no content files, no request verification. Hip Rest is timed
against this in the same run.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import RequestEnvelope, Response


class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        rb = handler_input.response_builder
        return rb.speak("Hello. Ask me for help.").ask("Say help.").response


class HelpHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.HelpIntent")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        rb = handler_input.response_builder
        return rb.speak("I say hello. That is all.").ask("Say help.").response


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


def build_skill() -> CustomSkill:
    sb = SkillBuilder()
    sb.add_request_handler(LaunchHandler())
    sb.add_request_handler(HelpHandler())
    sb.add_request_handler(SessionEndedHandler())
    skill: CustomSkill = sb.create()
    return skill


_SERIALIZER = DefaultSerializer()


def handle(skill: CustomSkill, payload: bytes | str) -> dict[str, Any]:
    """The usual hello-world path: deserialize the body, invoke, serialize."""
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    envelope = _SERIALIZER.deserialize(text, RequestEnvelope)
    response = skill.invoke(request_envelope=envelope, context=None)
    result: Any = _SERIALIZER.serialize(response)
    assert isinstance(result, dict)
    return result


def lambda_handler() -> Any:
    """The SDK's own Lambda entry (``SkillBuilder.lambda_handler``), for the cold start."""
    sb = SkillBuilder()
    sb.add_request_handler(LaunchHandler())
    sb.add_request_handler(HelpHandler())
    sb.add_request_handler(SessionEndedHandler())
    return sb.lambda_handler()


def create_app() -> Any:
    """Flask app with the one POST route, as flask-ask-sdk sets it up minus verification."""
    from flask import Flask, jsonify, request

    skill = build_skill()
    app = Flask(__name__)

    @app.post("/alexa")
    def alexa() -> Any:
        return jsonify(handle(skill, request.get_data()))

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    return app
