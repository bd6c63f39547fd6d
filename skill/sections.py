"""Typed content sections beyond plain phrases (routines, triage rules, ...).

Each capability that needs structured content names its pydantic model in
``SECTION_MODELS`` (as "module:Class", imported when first needed). A locale's
:class:`Sections` validate each section once, on its first read, so handlers read
typed objects and never re-parse YAML per request; ``load_library()`` (used by
``hiprest check``, the contract tests and CI) validates every section of every
locale up front, so broken content still fails before it ships. Lazily, a Lambda
cold start that answers a launch does not import or validate the routine library
(~20-30 ms).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError


class SectionError(Exception):
    pass


# name in YAML -> "module:Class" of its model. A section model may define
# ``check_sources(sources)`` raising ValueError when an item cites an unknown source.
SECTION_MODELS: dict[str, str] = {
    "triage": "skill.core.triage:TriageRules",  # red-flag triage rules (content/en/safety.yaml)
    "listing": "skill.listing:StoreListing",  # store listing (skill/package.py)
    "routines": "skill.core.routine_content:RoutineLibrary",  # guided routines (routines.yaml)
}


def section_model(name: str) -> type[BaseModel]:
    module, _, cls = SECTION_MODELS[name].partition(":")
    model = getattr(importlib.import_module(module), cls)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"section {name!r}: {SECTION_MODELS[name]} is not a pydantic model")
    return model


def validate_section(locale: str, name: str, value: Any, sources: Mapping[str, Any]) -> BaseModel:
    from skill.content import ContentError

    try:
        parsed = section_model(name).model_validate(value)
    except ValidationError as exc:
        raise ContentError(f"{locale}: section {name!r}: {exc}") from None
    check = getattr(parsed, "check_sources", None)
    if check is not None:
        try:
            check(set(sources))
        except ValueError as exc:
            raise ContentError(f"{locale}: section {name!r}: {exc}") from None
    return parsed


class Sections(Mapping[str, Any]):
    """One locale's sections, each validated on its first read (then kept).

    An unknown section name fails at once; a section that does not validate raises
    ContentError when read (in a request: the apology, and the log names it).
    """

    def __init__(self, locale: str, raw: Mapping[str, Any], sources: Mapping[str, Any]) -> None:
        from skill.content import ContentError

        unknown = sorted(set(raw) - set(SECTION_MODELS))
        if unknown:
            raise ContentError(f"{locale}: unknown content section {unknown[0]!r}")
        self._locale = locale
        self._raw = dict(raw)
        self._sources = sources
        self._parsed: dict[str, BaseModel] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Any:
        parsed = self._parsed.get(name)
        if parsed is not None:
            return parsed
        if name not in self._raw:
            raise KeyError(name)
        with self._lock:  # threaded servers: validate once
            parsed = self._parsed.get(name)
            if parsed is None:
                parsed = validate_section(self._locale, name, self._raw[name], self._sources)
                self._parsed[name] = parsed
        return parsed

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    @property
    def validated(self) -> frozenset[str]:
        return frozenset(self._parsed)

    def validate_all(self) -> None:
        for name in self._raw:
            self[name]


def validate_sections(
    locale: str, raw: Mapping[str, Any], sources: Mapping[str, Any], *, lazy: bool = False
) -> Sections:
    sections = Sections(locale, raw, sources)
    if not lazy:
        sections.validate_all()
    return sections
