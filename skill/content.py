"""Everything Hip Rest says, loaded once from ``content/`` and validated by pydantic.

Layout::

    content/sources.yaml          every source an item may cite
    content/en/*.yaml             the base English content (phrases and sections)
    content/<locale>/*.yaml       per-locale overlays: ``vars`` and any item that differs

A phrase is plain text (never SSML: the speech builder escapes it) with ``{name}``
placeholders filled from the locale's ``vars`` or from the caller's params, one or
more variants, and the id of its source. Overlays replace whole items, so a locale
only lists what differs.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cache, partial
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, InstanceOf, ValidationError, field_validator

from skill.data import data_dir
from skill.sections import Sections, validate_sections
from skill.settings import LOCALES

CONTENT_DIR = data_dir("content")
BASE = "en"
_FORMATTER = string.Formatter()
# libyaml's safe loader when PyYAML was built with it: same documents, ~10x faster,
# and content parsing is most of a Lambda cold start.
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _ContentLoader(_BASE_LOADER):  # type: ignore[valid-type,misc]
    """The safe loader with a short path for what content is made of.

    Plain mappings with string keys, sequences and strings are built directly; every
    other node (numbers, booleans, null, merge keys, explicit tags...) goes through
    the safe constructor as before, so the documents are equal to ``yaml.safe_load``'s
    (tests/test_cold_path.py). The safe constructor's generic per-node dispatch was
    about half of parsing the content (~10 ms of a cold start).
    """

    def construct_document(self, node: yaml.Node) -> Any:
        built: dict[yaml.Node, Any] = {}
        data = self._build(node, built)
        # What the safe constructor's own construct_document resets after a document.
        self.constructed_objects.clear()
        self.recursive_objects.clear()
        return data

    def _build(self, node: yaml.Node, built: dict[yaml.Node, Any]) -> Any:
        if node in built:  # an alias: the same object, as the safe constructor gives
            return built[node]
        kind = type(node)
        if kind is yaml.ScalarNode and node.tag == _STR:
            return node.value
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            items: list[Any] = []
            built[node] = items
            items.extend(self._build(child, built) for child in node.value)
            return items
        if (
            kind is yaml.MappingNode
            and node.tag == _MAP
            and all(type(k) is yaml.ScalarNode and k.tag == _STR for k, _ in node.value)
        ):
            mapping: dict[str, Any] = {}
            built[node] = mapping
            for key, value in node.value:
                mapping[key.value] = self._build(value, built)
            return mapping
        return self.construct_object(node, deep=True)


_SAFE_LOADER: type[yaml.SafeLoader] = _ContentLoader


class ContentError(Exception):
    """Content failed validation; the message names the file and item."""


def placeholders(text: str) -> set[str]:
    names: set[str] = set()
    for _, field, _, _ in _FORMATTER.parse(text):
        if field is not None:
            if not field.isidentifier():
                raise ValueError(f"placeholder {{{field}}} is not a plain name")
            names.add(field)
    return names


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=3)
    url: str | None = None
    note: str | None = None


class Phrase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    say: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=1)
    params: tuple[str, ...] = ()

    @field_validator("say", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("say")
    @classmethod
    def _non_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for variant in value:
            if not variant.strip():
                raise ValueError("empty variant")
            placeholders(variant)
        return value


class LocaleContent(BaseModel):
    """The merged view for one locale: what the renderer reads."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    locale: str
    vars: dict[str, str]
    phrases: dict[str, Phrase]
    # Validated section by section on first read (skill.sections.Sections).
    sections: InstanceOf[Sections]

    def phrase(self, key: str) -> Phrase:
        try:
            return self.phrases[key]
        except KeyError:
            raise KeyError(f"no content item {key!r} for {self.locale}") from None


class ContentLibrary:
    """All locales, merged and validated; read-only afterwards.

    ``pending`` locales are merged and validated on their first use, and their
    structured sections (routines, triage, listing) on their own first read (the
    shipped library in a serving process: a Lambda container answers one locale, and
    a launch needs no routine library). ``load_library`` without ``lazy`` - used by
    ``hiprest check``, the contract tests and CI - validates everything up front.
    """

    def __init__(
        self,
        sources: Mapping[str, Source],
        locales: Mapping[str, LocaleContent],
        pending: Mapping[str, Callable[[], LocaleContent]] | None = None,
    ):
        self.sources = dict(sources)
        self._locales = dict(locales)
        self._pending = dict(pending or {})
        self._names = tuple(dict.fromkeys([*self._locales, *self._pending]))
        self._lock = threading.Lock()

    @property
    def locales(self) -> tuple[str, ...]:
        return self._names

    def for_locale(self, locale: str | None) -> LocaleContent:
        found = self._locales.get(locale)  # type: ignore[arg-type]
        if found is not None:
            return found
        if locale not in self._names:
            # Unknown English variants fall back to en-US; anything else too, rather than fail.
            locale = "en-US" if "en-US" in self._names else self._names[0]
        return self._locales.get(locale) or self._load(locale)

    def _load(self, locale: str) -> LocaleContent:
        with self._lock:
            if locale not in self._locales:
                self._locales[locale] = self._pending[locale]()
            return self._locales[locale]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: top level must be a mapping")
    return data


def _layer(directory: Path) -> tuple[dict[str, str], dict[str, Phrase], dict[str, Any]]:
    vars_: dict[str, str] = {}
    phrases: dict[str, Phrase] = {}
    sections: dict[str, Any] = {}
    if not directory.is_dir():
        return vars_, phrases, sections
    for path in sorted(directory.glob("*.yaml")):
        data = _read_yaml(path)
        for key, value in data.items():
            where = f"{directory.name}/{path.name}"
            if key == "vars":
                if not isinstance(value, dict):
                    raise ContentError(f"{where}: vars must be a mapping")
                vars_.update({str(k): str(v) for k, v in value.items()})
            elif key == "phrases":
                if not isinstance(value, dict):
                    raise ContentError(f"{where}: phrases must be a mapping")
                for pid, raw in value.items():
                    if pid in phrases:
                        raise ContentError(f"{where}: phrase {pid!r} defined twice")
                    try:
                        phrases[pid] = Phrase.model_validate(raw)
                    except ValidationError as exc:
                        raise ContentError(f"{where}: phrase {pid!r}: {exc}") from None
            else:
                if key in sections:
                    raise ContentError(f"{where}: section {key!r} defined twice")
                sections[key] = value
    return vars_, phrases, sections


def _check_phrases(
    locale: str, vars_: Mapping[str, str], phrases: Mapping[str, Phrase], sources: Iterable[str]
) -> None:
    known = set(sources)
    for pid, phrase in phrases.items():
        if phrase.source not in known:
            raise ContentError(f"{locale}: phrase {pid!r} cites unknown source {phrase.source!r}")
        allowed = set(vars_) | set(phrase.params)
        for variant in phrase.say:
            missing = placeholders(variant) - allowed
            if missing:
                raise ContentError(
                    f"{locale}: phrase {pid!r} uses undeclared placeholder(s) {sorted(missing)}"
                )


def load_library(
    root: Path = CONTENT_DIR, locales: Iterable[str] = LOCALES, *, lazy: bool = False
) -> ContentLibrary:
    """Load, merge and validate every locale. Raises ContentError on any drift.

    With ``lazy`` the sources and the base layer are validated now and each locale's
    overlay and sections on its first use (see ContentLibrary).
    """
    raw_sources = _read_yaml(root / "sources.yaml").get("sources", {})
    try:
        sources = {k: Source.model_validate(v) for k, v in raw_sources.items()}
    except ValidationError as exc:
        raise ContentError(f"sources.yaml: {exc}") from None
    base = _layer(root / BASE)
    if lazy:
        pending = {
            locale: partial(_merge, root, locale, base, sources, lazy=True) for locale in locales
        }
        return ContentLibrary(sources, {}, pending)
    return ContentLibrary(
        sources, {locale: _merge(root, locale, base, sources) for locale in locales}
    )


def _merge(
    root: Path,
    locale: str,
    base: tuple[dict[str, str], dict[str, Phrase], dict[str, Any]],
    sources: Mapping[str, Source],
    *,
    lazy: bool = False,
) -> LocaleContent:
    base_vars, base_phrases, base_sections = base
    o_vars, o_phrases, o_sections = _layer(root / locale)
    unknown = set(o_phrases) - set(base_phrases)
    if unknown:
        raise ContentError(f"{locale}: overlay items missing from base: {sorted(unknown)}")
    vars_ = {**base_vars, **o_vars}
    phrases = {**base_phrases, **o_phrases}
    sections = {**base_sections, **o_sections}
    _check_phrases(locale, vars_, phrases, sources)
    return LocaleContent(
        locale=locale,
        vars=vars_,
        phrases=phrases,
        sections=validate_sections(locale, sections, sources, lazy=lazy),
    )


@cache
def default_library() -> ContentLibrary:
    """The shipped content, parsed once per process; each locale validated on first use."""
    return load_library(lazy=True)
