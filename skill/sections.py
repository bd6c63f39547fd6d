"""Typed content sections beyond plain phrases (routines, triage rules, ...).

Each capability that needs structured content adds its pydantic model to
``SECTION_MODELS``; :func:`validate_sections` parses every section once at load
time, so handlers read typed objects and never re-parse YAML per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from skill.core.routine_content import RoutineLibrary
from skill.core.triage import TriageRules
from skill.listing import StoreListing


class SectionError(Exception):
    pass


# name in YAML -> model. A section model may define ``check_sources(sources)``
# raising ValueError when an item cites an unknown source.
SECTION_MODELS: dict[str, type[BaseModel]] = {}
SECTION_MODELS["triage"] = TriageRules  # red-flag triage rules (content/en/safety.yaml)
SECTION_MODELS["listing"] = StoreListing  # store listing (skill/package.py)
SECTION_MODELS["routines"] = RoutineLibrary  # guided routines (content/en/routines.yaml)


def validate_sections(
    locale: str, raw: Mapping[str, Any], sources: Mapping[str, Any]
) -> dict[str, Any]:
    from skill.content import ContentError

    out: dict[str, Any] = {}
    for name, value in raw.items():
        model = SECTION_MODELS.get(name)
        if model is None:
            raise ContentError(f"{locale}: unknown content section {name!r}")
        try:
            parsed = model.model_validate(value)
        except ValidationError as exc:
            raise ContentError(f"{locale}: section {name!r}: {exc}") from None
        check = getattr(parsed, "check_sources", None)
        if check is not None:
            try:
                check(set(sources))
            except ValueError as exc:
                raise ContentError(f"{locale}: section {name!r}: {exc}") from None
        out[name] = parsed
    return out
