"""JSON in, JSON out: the one path every transport (Flask, Lambda, console) uses.

It turns a parsed envelope into ask-sdk objects, runs the skill, serialises the
answer and writes one private JSON log line per request (request id, type,
intent, outcome, latency - never user ids, tokens, or what the user said).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import AskSdkException, SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.utils import RESPONSE_FORMAT_VERSION
from ask_sdk_core.view_resolvers import TemplateFactory
from ask_sdk_model import Request, RequestEnvelope, ResponseEnvelope
from ask_sdk_model.services import ApiConfiguration, ServiceClientFactory
from ask_sdk_runtime.utils import UserAgentManager

from skill import logs

ACCESS_LOG = logging.getLogger("hiprest.access")
# Alexa's timestamps ("2024-05-01T21:30:00Z", with or without fractions or an offset);
# anything else still goes to the SDK's dateutil parser.
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?")


# The SDK's private (name-mangled) steps, reached through Any: they are not typed API.
_SDK: Any = DefaultSerializer


class FastSerializer(DefaultSerializer):
    """The SDK's serializer with its per-request hot spots cached away.

    ``DefaultSerializer`` resolves every nested model class by importing its dotted
    name, rebuilds each class's attribute map for every object and parses every
    timestamp with dateutil: together about 0.5 ms of a 1 ms hello-world request.
    Same objects out (tests/test_runtime_serializer.py compares them on real bodies
    and on every field replaced by odd values): ``envelope`` reads through converters
    compiled per declared type, classes and field lists are cached per class, and
    timestamps in Alexa's ISO format use ``datetime.fromisoformat`` (the same instant; UTC as
    ``datetime.timezone.utc`` rather than dateutil's ``tzutc()``).
    """

    _classes: ClassVar[dict[str, Any]] = {}
    # model class -> ((attribute, payload key, declared type), ...), payload keys
    _plans: ClassVar[dict[type, tuple[tuple[tuple[str, str, Any], ...], frozenset[str]]]] = {}

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        cls = self._classes.get(class_name)
        if cls is None:
            cls = _SDK._DefaultSerializer__load_class_from_name(self, class_name)
            self._classes[class_name] = cls
        return cls

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if isinstance(payload, str) and _ISO_TIMESTAMP.fullmatch(payload):
            parsed = datetime.fromisoformat(payload)
            return parsed.date() if obj_type is date else parsed
        return _SDK._DefaultSerializer__deserialize_datetime(self, payload, obj_type)

    def _plan(self, cls: type) -> tuple[tuple[tuple[str, str, Any], ...], frozenset[str]]:
        plan = self._plans.get(cls)
        if plan is None:
            types: dict[str, Any] = cls.deserialized_types  # type: ignore[attr-defined]
            names = {**{k: k for k in types}, **getattr(cls, "attribute_map", {})}
            fields = tuple((attr, key, types[attr]) for attr, key in names.items() if attr in types)
            plan = (fields, frozenset(names.values()))
            self._plans[cls] = plan
        return plan

    # model class -> ((attribute, JSON key), ...) for serialising responses
    _out: ClassVar[dict[type, tuple[tuple[str, str], ...]]] = {}

    def serialize(self, obj: Any) -> Any:
        """The SDK's ``serialize`` for models, dicts and lists with each class's keys
        worked out once; everything else (dates, enums, decimals...) goes to the SDK."""
        if obj is None or isinstance(obj, str | bool | int | float):
            return obj
        # Leaves of exactly a JSON type are copied inline (most of a response's nodes:
        # the session attributes are plain JSON); anything else recurses.
        if isinstance(obj, dict):
            return {
                key: value if type(value) in _LEAVES else self.serialize(value)
                for key, value in obj.items()
            }
        if isinstance(obj, list):
            return [item if type(item) in _LEAVES else self.serialize(item) for item in obj]
        cls = type(obj)
        fields = self._out.get(cls)
        if fields is None:
            types = getattr(cls, "deserialized_types", None)
            if types is None or isinstance(obj, tuple | date | Enum):
                return super().serialize(obj)
            names = {**{k: k for k in types}, **getattr(cls, "attribute_map", {})}
            fields = tuple((attr, names[attr]) for attr in types)
            self._out[cls] = fields
        out: dict[str, Any] = {}
        for attr, key in fields:
            value = getattr(obj, attr)
            if value is not None:
                out[key] = value if type(value) in _LEAVES else self.serialize(value)
        return out

    def envelope(self, payload: dict[str, Any]) -> Any:
        """A RequestEnvelope from the already-parsed body: no json.dumps/json.loads round trip."""
        return self.converter(RequestEnvelope)(payload)

    # -- compiled reading: one converter per declared type, built once -------------------
    # The SDK's reader re-dispatches on the declared type's *string* for every field of
    # every object ("list[...]"? "dict(...)"? a primitive? import the class...). The
    # envelope's shape is fixed per model class, so each declared type becomes a
    # closure once and reading a body is a walk of closures. Same objects out as the
    # SDK's (tests/test_runtime_serializer.py compares them field by field).
    _converters: ClassVar[dict[Any, Callable[[Any], Any]]] = {}

    def converter(self, declared: Any) -> Callable[[Any], Any]:
        conv = self._converters.get(declared)
        if conv is None:
            conv = self._build_converter(declared)
            self._converters[declared] = conv
        return conv

    def _lazy(self, declared: Any) -> Callable[[Any], Any]:
        """The converter for ``declared``, built (and its model class imported) only when
        a payload first has such a field: ask-sdk-model declares ~200 modules' worth of
        types an Alexa request rarely carries, ~60-100 ms of a Lambda cold start."""
        ready = self._converters.get(declared)
        if ready is not None:
            return ready
        built: list[Callable[[Any], Any]] = []

        def first_use(payload: Any) -> Any:
            if not built:
                built.append(self.converter(declared))
            return built[0](payload)

        return first_use

    def _build_converter(self, declared: Any) -> Callable[[Any], Any]:
        if isinstance(declared, str):
            if declared.startswith("list["):
                return self._list_converter(declared)
            if declared.startswith("dict("):
                return self._dict_converter(declared)
            native = self.NATIVE_TYPES_MAPPING.get(declared)
            cls = (
                native
                if native is not None
                else self._DefaultSerializer__load_class_from_name(declared)
            )
            return self.converter(cls)
        if declared in self.PRIMITIVE_TYPES:
            return _primitive_converter(declared)
        if declared is object:
            return _same
        if declared is date or declared is datetime:
            when: Any = declared

            def moment(payload: Any) -> Any:
                if payload is None:
                    return None
                return self._DefaultSerializer__deserialize_datetime(payload, when)

            return moment
        return self._model_converter(declared)

    def _list_converter(self, declared: str) -> Callable[[Any], Any]:
        match = re.match(r"list\[(.*)\]", declared)
        if match is None:
            return lambda payload: None if payload is None else []
        inner = match.group(1)
        if "," in inner:  # a tuple-like list: one declared type per position
            convs = [self._lazy(part.strip()) for part in inner.split(",")]

            def mixed(payload: Any) -> Any:
                if payload is None:
                    return None
                return [conv(item) for item, conv in zip(payload, convs, strict=False)]

            return mixed
        item_conv = self._lazy(inner.strip())

        def each(payload: Any) -> Any:
            return None if payload is None else [item_conv(item) for item in payload]

        return each

    def _dict_converter(self, declared: str) -> Callable[[Any], Any]:
        match = re.match(r"dict\(([^,]*), (.*)\)", declared)
        if match is None:
            return lambda payload: None if payload is None else {}
        value_conv = self._lazy(match.group(2))

        def mapping(payload: Any) -> Any:
            if payload is None:
                return None
            return {key: value_conv(value) for key, value in payload.items()}

        return mapping

    def _model_converter(self, cls: Any) -> Callable[[Any], Any]:
        if isinstance(cls, type) and issubclass(cls, Enum):
            enum_cls = cls

            def enum(payload: Any) -> Any:
                if payload is None:
                    return None
                try:
                    return enum_cls(payload)
                except Exception as exc:
                    raise SerializationException(str(exc)) from None

            return enum
        if not hasattr(cls, "deserialized_types"):
            return _same
        if hasattr(cls, "get_real_child_model"):
            # Which subclass (IntentRequest, LaunchRequest...) depends on the payload.
            parent = cls

            def polymorphic(payload: Any) -> Any:
                if payload is None:
                    return None
                try:
                    real = _SDK._DefaultSerializer__get_obj_by_discriminator(self, payload, parent)
                except SerializationException:
                    raise
                except Exception as exc:
                    raise SerializationException(str(exc)) from None
                return self._fill(real, payload)

            return polymorphic
        fixed = cls

        def model(payload: Any) -> Any:
            return None if payload is None else self._fill(fixed, payload)

        return model

    # model class -> (template attributes, ((attribute, payload key, converter), ...), keys)
    _fills: ClassVar[dict[type, tuple[dict[str, Any] | None, tuple[Any, ...], frozenset[str]]]] = {}

    def _fill(self, cls: type, payload: Any) -> Any:
        plan = self._fills.get(cls)
        if plan is None:
            fields, known = self._plan(cls)
            # The attributes a fresh instance starts with, if they are all immutable:
            # then an instance is a copy of them instead of a call to the generated
            # keyword-heavy __init__ (None everywhere, the discriminator strings).
            blank = cls().__dict__
            immutable = all(isinstance(v, _IMMUTABLE) for v in blank.values())
            convs = tuple((attr, key, self._lazy(declared)) for attr, key, declared in fields)
            plan = (dict(blank) if immutable else None, convs, known)
            self._fills[cls] = plan
        template, convs, known = plan
        try:
            if template is None:
                obj = cls()
            else:
                obj = object.__new__(cls)
                obj.__dict__.update(template)
            values = obj.__dict__
            for attr, key, conv in convs:
                if key in payload:
                    values[attr] = conv(payload[key])
            for key in payload:
                if key not in known:
                    setattr(obj, key, payload[key])
            return obj
        except SerializationException:
            raise
        except Exception as exc:
            raise SerializationException(str(exc)) from None


_IMMUTABLE = (str, int, float, bool, type(None))
_LEAVES = frozenset(_IMMUTABLE)


def _same(payload: Any) -> Any:
    return payload


def _primitive_converter(kind: type) -> Callable[[Any], Any]:
    """The SDK's primitive cast (``kind(payload)``; TypeError keeps the payload)."""

    def cast(payload: Any) -> Any:
        if payload is None:
            return None
        if type(payload) is kind:
            return payload
        try:
            return kind(payload)
        except TypeError:
            return payload
        except ValueError:
            raise SerializationException(
                f"Failed to parse {payload} into '{kind.__name__}' object"
            ) from None

    return cast


_SERIALIZER = FastSerializer()
EMPTY_RESPONSE: dict[str, Any] = {"version": "1.0", "response": {}}


class JsonAttributesManager(AttributesManager):
    """ask-sdk's AttributesManager with the session attributes copied through JSON.

    They arrive as JSON and leave as JSON, so a JSON round trip makes the same copy
    ``deepcopy`` makes, at C speed: deepcopy was 40-100 us of a routine step, whose
    session carries the routine's place. Anything that is not JSON-plain falls back
    to the SDK's own copy.
    """

    def __init__(self, request_envelope: Any, persistence_adapter: Any = None) -> None:
        session: Any = getattr(request_envelope, "session", None)
        attributes = getattr(session, "attributes", None)
        copied = _json_copy(attributes) if isinstance(attributes, dict) else None
        if copied is None:
            super().__init__(request_envelope, persistence_adapter)
            return
        # The SDK's constructor with nothing to copy, then our copy in its place.
        session.attributes = None
        try:
            super().__init__(request_envelope, persistence_adapter)
        finally:
            session.attributes = attributes
        self._session_attributes = copied


def _json_copy(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return None


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
            # Straight from the parsed dict (the verifier already parsed the body once).
            # Sharing sub-objects with ``payload`` is safe: JsonAttributesManager
            # copies the session attributes, the only part handlers change.
            envelope = _SERIALIZER.envelope(payload)
        except Exception:
            raise EnvelopeError("malformed request envelope") from None
        if not isinstance(envelope, RequestEnvelope) or envelope.request is None:
            raise EnvelopeError("not an Alexa request envelope")
        return envelope

    def invoke(self, envelope: Any) -> Any:
        """``CustomSkill.invoke``, step for step, with a JSON copy of the session
        attributes (``JsonAttributesManager``) instead of ask-sdk's deepcopy."""
        skill: Any = self.skill
        # The SDK's checks, except that an envelope without a context (so without an
        # application id) is refused as another skill's instead of raising AttributeError.
        if skill.skill_id is not None:
            system = getattr(envelope.context, "system", None)
            application = getattr(system, "application", None)
            if getattr(application, "application_id", None) != skill.skill_id:
                raise AskSdkException("Skill ID Verification failed!!")
        factory: Any = None
        if skill.api_client is not None:
            system = envelope.context.system
            factory = ServiceClientFactory(
                api_configuration=ApiConfiguration(
                    serializer=skill.serializer,
                    api_client=skill.api_client,
                    authorization_value=system.api_access_token,
                    api_endpoint=system.api_endpoint,
                )
            )
        handler_input = HandlerInput(
            request_envelope=envelope,
            attributes_manager=JsonAttributesManager(envelope, skill.persistence_adapter),
            context=None,
            service_client_factory=factory,
            template_factory=TemplateFactory(
                template_loaders=skill.loaders, template_renderer=skill.renderer
            ),
        )
        response = skill.request_dispatcher.dispatch(handler_input=handler_input)
        session = None
        if envelope.session is not None:
            session = handler_input.attributes_manager.session_attributes
        return ResponseEnvelope(
            response=response,
            version=RESPONSE_FORMAT_VERSION,
            session_attributes=session,
            user_agent=UserAgentManager.get_user_agent(),
        )

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
                response = self.invoke(envelope)
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
            logs.access(
                "request",
                {
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
