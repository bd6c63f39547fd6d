"""The runtime's faster envelope reader must build exactly what ask-sdk's own
DefaultSerializer builds (the performance work must not change behaviour)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import given
from hypothesis import strategies as st

from skill import envelopes
from skill.envelopes import Caller, SlotInput
from skill.runtime import EnvelopeError, FastSerializer, SkillRuntime

FIXTURES = Path(__file__).parent / "fixtures" / "signatures"
SDK = DefaultSerializer()
NOW = datetime(2024, 5, 1, 21, 30, tzinfo=UTC)


def _real_bodies() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for body in sorted(FIXTURES.glob("*/body.json")):
        out.append((body.parent.name, json.loads(body.read_bytes())))
    return out


def _built_bodies() -> list[tuple[str, dict[str, Any]]]:
    caller = Caller(apl=True)
    slots = {
        "Position": SlotInput("side", "SIDE", "side", "PositionType"),
        "Score": SlotInput("6"),
        "Side": SlotInput("leftish", None, None, "SideType"),
    }
    return [
        ("launch", envelopes.launch(caller, NOW)),
        (
            "intent",
            envelopes.intent(
                caller,
                NOW,
                "PillowIntent",
                slots,
                new=False,
                attributes={"pending": {"kind": "x", "data": {"a": [1]}}},
            ),
        ),
        ("ended", envelopes.session_ended(caller, NOW, new=False)),
        ("event", envelopes.skill_event(caller, NOW, "AlexaSkillEvent.SkillDisabled")),
    ]


def _plain(envelope: Any) -> Any:
    return SDK.serialize(envelope)


CASES = _real_bodies() + _built_bodies()


@pytest.mark.parametrize("payload", [p for _, p in CASES], ids=[n for n, _ in CASES])
def test_fast_reader_builds_the_same_envelope_as_the_sdk(payload: dict[str, Any]) -> None:
    expected = SDK.deserialize(json.dumps(payload), RequestEnvelope)
    got = FastSerializer().envelope(json.loads(json.dumps(payload)))
    assert type(got.request) is type(expected.request)
    assert _plain(got) == _plain(expected)
    assert got.request.timestamp == expected.request.timestamp


@pytest.mark.parametrize(
    "stamp",
    [
        "2024-05-01T21:30:00Z",
        "2024-05-01T21:30:00.123Z",
        "2024-05-01T23:30:00+02:00",
        "2024-05-01T21:30:00",
        "2024-05-01 21:30:00",
        "May 1 2024 21:30 UTC",
    ],
)
def test_timestamps_in_any_form_mean_the_same_instant(stamp: str) -> None:
    payload = envelopes.launch(Caller(), NOW)
    payload["request"]["timestamp"] = stamp
    expected = SDK.deserialize(json.dumps(payload), RequestEnvelope).request.timestamp
    assert FastSerializer().envelope(payload).request.timestamp == expected


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.update(request="not an object"),
        lambda p: p["request"].update(timestamp="the day after tomorrow"),
        lambda p: p.update(session=5),
        lambda p: p["request"].update(type="NoSuchRequest"),
    ],
)
def test_damaged_envelopes_fail_where_the_sdk_fails(damage: Any) -> None:
    payload = envelopes.launch(Caller(), NOW)
    damage(payload)
    try:
        SDK.deserialize(json.dumps(payload), RequestEnvelope)
        sdk_failed = False
    except SerializationException:
        sdk_failed = True
    try:
        FastSerializer().envelope(payload)
        fast_failed = False
    except SerializationException:
        fast_failed = True
    assert fast_failed == sdk_failed


def test_runtime_does_not_change_the_callers_payload(runtime: SkillRuntime) -> None:
    payload = envelopes.intent(
        Caller(),
        NOW,
        "AMAZON.HelpIntent",
        new=False,
        attributes={"pending": {"kind": "x", "data": {}}},
    )
    before = json.dumps(payload, sort_keys=True)
    runtime.handle(payload)
    assert json.dumps(payload, sort_keys=True) == before


def test_malformed_envelope_is_still_a_400(runtime: SkillRuntime) -> None:
    with pytest.raises(EnvelopeError):
        runtime.handle(
            {
                "version": "1.0",
                "request": {"type": "LaunchRequest", "timestamp": 5},
                "session": "junk",
            }
        )


def test_fast_writer_gives_the_same_json_as_the_sdk(runtime: SkillRuntime) -> None:
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective
    from ask_sdk_model.ui import SimpleCard

    caller = Caller(apl=True)
    payloads = [
        envelopes.launch(caller, NOW),
        envelopes.intent(caller, NOW, "AMAZON.HelpIntent", new=False),
        envelopes.intent(caller, NOW, "AMAZON.StopIntent", new=False),
        envelopes.session_ended(caller, NOW, new=False),
    ]
    for payload in payloads:
        response = runtime.skill.invoke(
            request_envelope=FastSerializer().envelope(payload), context=None
        )
        response.response.card = SimpleCard(title="t", content="c")
        response.response.directives = [
            RenderDocumentDirective(token="x", document={"type": "APL", "n": [1, 2.5, None]})
        ]
        assert FastSerializer().serialize(response) == SDK.serialize(response)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_paths(item, (*prefix, i)))
    return out


def _outcome(read: Any) -> tuple[bool, Any]:
    try:
        envelope = read()
    except SerializationException:
        return False, None
    return True, (type(envelope.request).__name__, _plain(envelope))


_ODD_VALUES = [None, 0, 7, -1.5, True, "", "x", "2024-05-01T21:30:00Z", [], [1, "a"], {}, {"k": 1}]


@pytest.mark.parametrize("name,body", CASES, ids=[n for n, _ in CASES])
def test_any_field_replaced_by_an_odd_value_reads_as_the_sdk_reads_it(
    name: str, body: dict[str, Any]
) -> None:
    # The compiled reader must agree with the SDK's not only on good bodies: on every
    # field of every body, with every kind of JSON value in its place.
    for path in _paths(body):
        for odd in _ODD_VALUES:
            payload = json.loads(json.dumps(body))
            holder = payload
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = odd
            text = json.dumps(payload)
            expected = _outcome(lambda t=text: SDK.deserialize(t, RequestEnvelope))
            got = _outcome(lambda t=text: FastSerializer().envelope(json.loads(t)))
            assert got == expected, (name, path, odd)


def test_session_attributes_reach_the_handler_as_a_copy_and_come_back_intact(
    runtime: SkillRuntime,
) -> None:
    from skill.runtime import JsonAttributesManager

    attrs = {"pending": {"kind": "x", "data": {"list": [1, 2.5, None, True], "é": "ü"}}}
    payload = envelopes.intent(Caller(), NOW, "AMAZON.HelpIntent", new=False, attributes=attrs)
    envelope = FastSerializer().envelope(json.loads(json.dumps(payload)))
    manager = JsonAttributesManager(envelope)
    assert manager.session_attributes == attrs
    assert manager.session_attributes is not envelope.session.attributes
    manager.session_attributes["pending"]["data"]["list"].append(9)
    assert envelope.session.attributes == attrs  # the request's own copy is untouched


def test_session_attributes_json_cannot_copy_still_get_the_sdks_copy() -> None:
    from skill.runtime import JsonAttributesManager

    payload = envelopes.intent(Caller(), NOW, "AMAZON.HelpIntent", new=False)
    envelope = FastSerializer().envelope(payload)
    odd = {"nan": float("nan"), "t": (1, 2)}
    envelope.session.attributes = odd
    manager = JsonAttributesManager(envelope)
    copied = manager.session_attributes
    assert copied is not odd and copied["t"] == (1, 2)  # deepcopy keeps the tuple
    assert envelope.session.attributes is odd


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.update(context=None),
        lambda p: p["context"].update(System=None),
        lambda p: p["context"]["System"].update(application=None),
        lambda p: p["context"]["System"]["application"].update(applicationId="amzn1.ask.skill.x"),
    ],
)
def test_with_a_skill_id_set_an_envelope_without_ours_is_refused_not_crashed(
    runtime: SkillRuntime, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    from skill.runtime import WrongSkillError

    monkeypatch.setattr(runtime.skill, "skill_id", envelopes.APP_ID)
    payload = envelopes.launch(Caller(), NOW)
    assert runtime.handle(json.loads(json.dumps(payload)))["response"]  # ours: answered
    damage(payload)
    with pytest.raises(WrongSkillError):
        runtime.handle(payload)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=25,
)


@given(attributes=st.dictionaries(st.text(max_size=6), _json, max_size=5))
def test_fast_writer_matches_the_sdk_on_any_session_attributes(attributes: dict[str, Any]) -> None:
    from ask_sdk_model import ResponseEnvelope
    from ask_sdk_model.response import Response

    envelope = ResponseEnvelope(
        version="1.0", response=Response(should_end_session=False), session_attributes=attributes
    )
    assert FastSerializer().serialize(envelope) == SDK.serialize(envelope)
