"""The store listing (skill.json ``publishingInformation.locales.<locale>``) as content.

``content/en/listing.yaml`` holds the English listing; text fields take the
locale's ``vars`` (``{physio}``, ``{listing_emergency}``, ...), so most locales
need no overlay at all. A locale that words something differently replaces the
whole ``listing`` section in ``content/<locale>/listing.yaml``.

Example phrases are *candidates* in order of preference: the packager keeps the
launch phrase and the first one-shot phrases whose request part is a sample of
that locale's interaction model (certification rejects any other), so the
listing keeps working while capabilities add or rename samples.

Pure: pydantic only (imported by ``skill.sections`` when the listing section is first read).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

# What certification accepts in an example phrase: words, the comma after the
# wake word, apostrophes; an optional final full stop or question mark.
EXAMPLE_PHRASE_RE = re.compile(r"^Alexa, [A-Za-z][A-Za-z' ]*[A-Za-z][.?]?$")
EXAMPLE_PHRASES = 3
SUMMARY_MAX = 160
DESCRIPTION_MAX = 4000
KEYWORDS_MAX = 30


class StoreListing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1)
    name: str = Field(min_length=2, max_length=50)
    summary: str = Field(min_length=10)
    description: str = Field(min_length=50)
    keywords: tuple[str, ...] = Field(min_length=1, max_length=KEYWORDS_MAX)
    launch_phrase: str
    # Candidates for the two one-shot example phrases, best first.
    example_phrases: tuple[str, ...] = Field(min_length=EXAMPLE_PHRASES - 1)
    testing_instructions: str = Field(min_length=10)

    @field_validator("launch_phrase")
    @classmethod
    def _launch_shape(cls, value: str) -> str:
        if not EXAMPLE_PHRASE_RE.match(value) or " open " not in value:
            raise ValueError(f"launch phrase {value!r} must be 'Alexa, open <invocation name>'")
        return value

    @field_validator("example_phrases")
    @classmethod
    def _phrase_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for phrase in value:
            if not EXAMPLE_PHRASE_RE.match(phrase):
                raise ValueError(
                    f"example phrase {phrase!r} must be 'Alexa, ask <name> ...' in plain words"
                )
        return value

    def check_sources(self, sources: set[str]) -> None:
        if self.source not in sources:
            raise ValueError(f"listing cites unknown source {self.source!r}")
