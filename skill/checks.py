"""Drift checks between content, interaction models and handlers.

``hiprest check`` prints these; the contract tests assert them one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill import envelopes
from skill.builder import build_registry
from skill.content import ContentError, ContentLibrary, load_library
from skill.deps import Deps
from skill.handlers.builtin import UnhandledHandler
from skill.interceptors import TurnInterceptor
from skill.models import ModelError, check_model, intent_names, load_model
from skill.settings import LOCALES, load_settings
from skill.store.memory import MemoryStore

SKILL_DIR = Path(__file__).resolve().parent
# Calls like voice.line(<literal key>) in code: the content keys the code relies on.
_KEY_CALL = re.compile(
    r"""(?:\.(?:line|phrase|has)\(|\bmenu\(turn,)\s*["']([a-z0-9_.\-]+)["']"""
)
_SERIALIZER = DefaultSerializer()


def referenced_keys(root: Path = SKILL_DIR) -> dict[str, set[str]]:
    """Content keys named literally in the code, with the files naming them."""
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        for key in _KEY_CALL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(key, set()).add(path.name)
    return found


def check_deps(library: ContentLibrary | None = None) -> Deps:
    settings = load_settings(dev=True, skill_id=None)
    return Deps(
        settings=settings,
        store=MemoryStore(),
        content=library or load_library(),
        clock=lambda: datetime(2026, 1, 1, 8, tzinfo=UTC),
    )


def handler_input_for(deps: Deps, envelope: dict[str, Any]) -> HandlerInput:
    request_envelope = _SERIALIZER.deserialize(__import__("json").dumps(envelope), RequestEnvelope)
    hi = HandlerInput(
        request_envelope=request_envelope,
        attributes_manager=AttributesManager(request_envelope=request_envelope),
    )
    TurnInterceptor(deps).process(hi)
    return hi


def claiming_handlers(deps: Deps, envelope: dict[str, Any]) -> list[Any]:
    """Every registered handler (but the last-resort one) whose can_handle is True."""
    registry = build_registry(deps)
    hi = handler_input_for(deps, envelope)
    return [
        h for h in registry.handlers if not isinstance(h, UnhandledHandler) and h.can_handle(hi)
    ]


def _intent_problems(deps: Deps, locale: str, model: dict[str, Any]) -> Iterator[str]:
    caller = envelopes.Caller(locale=locale)
    now = deps.clock()
    for name in intent_names(model):
        env = envelopes.intent(caller, now, name, new=False)
        claimed = claiming_handlers(deps, env)
        if len(claimed) != 1:
            owners = ", ".join(type(h).__name__ for h in claimed) or "none"
            yield f"{locale}: intent {name} is claimed by {len(claimed)} handlers ({owners})"


def run_checks() -> list[str]:
    problems: list[str] = []
    try:
        library = load_library()
    except ContentError as exc:
        return [f"content: {exc}"]
    base_keys = set(library.for_locale("en-US").phrases)
    for key, files in sorted(referenced_keys().items()):
        for locale in LOCALES:
            if key not in library.for_locale(locale).phrases:
                problems.append(f"content: {locale} lacks {key!r} used in {sorted(files)}")
    for locale in LOCALES:
        missing = base_keys - set(library.for_locale(locale).phrases)
        problems += [f"content: {locale} lacks {k!r}" for k in sorted(missing)]
    deps = check_deps(library)
    base_intents: list[str] | None = None
    for locale in LOCALES:
        try:
            model = load_model(locale)
        except ModelError as exc:
            problems.append(f"model {locale}: {exc}")
            continue
        problems += [f"model {locale}: {p}" for p in check_model(model)]
        names = intent_names(model)
        if base_intents is None:
            base_intents = names
        elif set(names) != set(base_intents):
            problems.append(
                f"model {locale}: intents differ from en-US: "
                f"{sorted(set(names) ^ set(base_intents))}"
            )
        problems += list(_intent_problems(deps, locale, model))
        problems += [f"model {locale}: {p}" for p in dialog_model_problems(model)]
    problems += package_problems(library)
    return problems


def dialog_model_problems(model: dict[str, Any]) -> list[str]:
    """The intents and slots the handlers elicit or confirm must be in the model's
    dialog section (Alexa rejects the directive otherwise), and the catch-all must
    carry its AMAZON.SearchQuery slot."""
    from skill.handlers.dialog import DIALOG_DIRECTIVES
    from skill.turn import CATCH_ALL, UTTERANCE

    slots = {
        (i["name"], s["name"]): s["type"]
        for i in model["interactionModel"]["languageModel"]["intents"]
        for s in i.get("slots", [])
    }
    dialog = {
        str(i.get("name")): {str(s.get("name")) for s in i.get("slots", [])}
        for i in (model["interactionModel"].get("dialog") or {}).get("intents", [])
    }
    problems: list[str] = []
    if slots.get((CATCH_ALL, UTTERANCE)) != "AMAZON.SearchQuery":
        problems.append(f"{CATCH_ALL} needs slot {UTTERANCE} of type AMAZON.SearchQuery")
    for intent, slot in DIALOG_DIRECTIVES:
        if intent not in dialog:
            problems.append(f"dialog model lacks {intent} (the skill sends dialog directives)")
        elif slot is not None and slot not in dialog[intent]:
            problems.append(f"dialog model lacks slot {slot} of {intent} (Dialog.ElicitSlot)")
    return problems


def package_problems(library: ContentLibrary) -> list[str]:
    """What ``hiprest package`` would refuse: model structure, locales with
    different intents, slots or slot types, and store listings whose text or
    example phrases do not fit that locale's model."""
    from skill.package import (
        PackageError,
        interaction_model_problems,
        locale_listing,
        same_intents_problems,
    )

    models: dict[str, dict[str, Any]] = {}
    for locale in LOCALES:
        try:
            models[locale] = load_model(locale)
        except ModelError:
            continue  # reported by run_checks already
    problems = [f"model {p}" for p in same_intents_problems(models)]
    for locale, model in models.items():
        problems += [f"model {p}" for p in interaction_model_problems(model, locale)]
        try:
            locale_listing(library.for_locale(locale), model)
        except PackageError as exc:
            problems.append(f"listing {locale}: {exc}")
    return problems
