"""Dev-only routes: the simulator page and its JSON API.

The page keeps the session (id and attributes) and sends it back each turn, so
the server stays stateless and several browser tabs are several conversations.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from importlib.resources import files
from typing import Any

from flask import Flask, Response, jsonify, request

from skill.conversation import Conversation, Exchange
from skill.deps import Deps
from skill.devclock import ClockError, DevClock, parse_now, parse_zone
from skill.envelopes import Caller, SlotInput
from skill.matcher import Matcher
from skill.models import intent_names, language_model, load_model, slot_types
from skill.runtime import EnvelopeError, SkillRuntime
from skill.settings import LOCALES
from skill.understanding.learned import production_matcher


@cache
def _matcher(locale: str) -> Matcher:
    return production_matcher(load_model(locale))


def _exchange_json(convo: Conversation, ex: Exchange) -> dict[str, Any]:
    match = None
    if ex.match is not None:
        match = {
            "kind": ex.match.kind,
            "intent": ex.match.intent,
            "score": round(ex.match.score, 3),
            "slots": {
                k: {"value": v.value, "id": v.resolved_id} for k, v in ex.match.slots.items()
            },
        }
    session = (
        # The last dialog directive rides along, so the next turn gets Alexa's bias.
        {"id": convo.session_id, "attributes": convo.attributes, "dialog": convo.dialog}
        if convo.in_session
        else None
    )
    return {
        "match": match,
        "speech_text": ex.text,
        "ssml": ex.ssml,
        "reprompt": ex.reprompt,
        "card": ex.card,
        "ended": ex.ended,
        "directives": ex.directives,
        "session": session,
        "problems": ex.problems(),
        "request": ex.request,
        "response": ex.response,
    }


def register_routes(app: Flask, runtime: SkillRuntime, deps: Deps) -> None:
    @app.get("/")
    def page() -> Response:
        html = files("skill").joinpath("static/simulator.html").read_text(encoding="utf-8")
        return Response(html, mimetype="text/html")

    @app.get("/api/model")
    def model() -> Response:
        locale = request.args.get("locale", "en-US")
        m = load_model(locale if locale in LOCALES else "en-US")
        lm = language_model(m)
        return jsonify(
            {
                "locales": list(LOCALES),
                "intents": [
                    {"name": i["name"], "slots": [s["name"] for s in i.get("slots", [])]}
                    for i in lm["intents"]
                ],
                "count": len(intent_names(m)),
            }
        )

    @app.post("/api/simulate")
    def simulate() -> tuple[Response, int]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return jsonify({"error": "send a JSON object"}), 400
        locale = str(data["locale"]) if data.get("locale") in LOCALES else "en-US"
        user = str(data.get("user") or "simulator")[:64]
        session = data.get("session") if isinstance(data.get("session"), dict) else None
        try:
            replay = _replay(deps, data)
        except ClockError as exc:
            return jsonify({"error": str(exc)}), 400
        model = load_model(locale)
        convo = Conversation(
            runtime=runtime,
            matcher=_matcher(locale),
            caller=Caller(
                user_id=f"amzn1.ask.account.{user}", locale=locale, apl=bool(data.get("apl"))
            ),
            clock=deps.clock,
            slot_types=slot_types(model),
        )
        if session and isinstance(session.get("id"), str):
            convo.session_id = session["id"]
            attrs = session.get("attributes")
            convo.attributes = attrs if isinstance(attrs, dict) else {}
            dialog = session.get("dialog")
            convo.dialog = dialog if isinstance(dialog, dict) else None
        with replay:
            try:
                kind = data.get("request_type")
                if isinstance(data.get("text"), str) and data["text"].strip():
                    ex = convo.say(data["text"][:2000])
                elif kind == "LaunchRequest":
                    ex = convo.launch()
                elif kind == "SessionEndedRequest":
                    ex = convo.end()
                elif isinstance(data.get("intent"), str):
                    raw_slots = data.get("slots")
                    raw_slots = raw_slots if isinstance(raw_slots, dict) else {}
                    types = slot_types(model).get(data["intent"], {})
                    slots = {
                        str(k): SlotInput(str(v), None, None, types.get(str(k)))
                        for k, v in raw_slots.items()
                        if v not in (None, "")
                    }
                    ex = convo.intent(data["intent"], _resolve(model, data["intent"], slots))
                else:
                    return jsonify({"error": "give text, an intent, or a request_type"}), 400
            except EnvelopeError as exc:
                return jsonify({"error": str(exc)}), 400
        return jsonify(_exchange_json(convo, ex)), 200


def _replay(deps: Deps, data: dict[str, Any]) -> AbstractContextManager[None]:
    """The page's "now" and "zone" fields, for this request only (see skill/devclock.py)."""
    now, tz = data.get("now"), data.get("tz")
    if not (isinstance(now, str) and now.strip()) and not (isinstance(tz, str) and tz.strip()):
        return nullcontext()
    if not isinstance(deps.clock, DevClock):
        raise ClockError("this server's clock cannot be replayed")
    zone = parse_zone(tz) if isinstance(tz, str) and tz.strip() else deps.clock.zone()
    moment = parse_now(now, zone) if isinstance(now, str) and now.strip() else None
    return deps.clock.replay(moment, zone)


def _resolve(
    model: dict[str, Any], intent: str, slots: dict[str, SlotInput]
) -> dict[str, SlotInput]:
    """Give picked slot values the entity resolution Alexa would add."""
    types = {t["name"]: t for t in language_model(model).get("types", [])}
    out: dict[str, SlotInput] = {}
    for name, slot in slots.items():
        resolved = (None, None)
        slot_type = types.get(slot.slot_type or "")
        if slot_type is not None:
            said = (slot.value or "").lower().strip()
            for value in slot_type["values"]:
                names = [value["name"]["value"], *value["name"].get("synonyms", [])]
                if said in (n.lower() for n in names):
                    resolved = (value.get("id") or value["name"]["value"], value["name"]["value"])
                    break
        out[name] = SlotInput(slot.value, resolved[0], resolved[1], slot.slot_type)
    return out
