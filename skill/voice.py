"""Wording: turns a content key (what to say) into a sentence (how it is worded).

The renderer is pure: it reads a :class:`LocaleContent`, picks a variant with an
injected random source (seeded in tests) and fills placeholders from the
locale's vars and the caller's params. Parameters are plain text; escaping is
the speech builder's job.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from skill.content import LocaleContent


class Voice:
    def __init__(
        self,
        content: LocaleContent,
        rng: random.Random | None = None,
        short: Callable[[], bool] | None = None,
    ) -> None:
        self.content = content
        self._rng = rng or random.Random()
        # Night voice: asked only when a key has a "<key>.short" sibling, so the
        # (possibly slow) decision is made lazily and only where it matters.
        self._short = short

    @property
    def locale(self) -> str:
        return self.content.locale

    def var(self, name: str) -> str:
        return self.content.vars[name]

    def line(self, key: str, **params: Any) -> str:
        short = key + ".short"
        if self._short is not None and short in self.content.phrases and self._short():
            key = short
        phrase = self.content.phrase(key)
        variant = phrase.say[0] if len(phrase.say) == 1 else self._rng.choice(phrase.say)
        values = {**self.content.vars, **{k: str(v) for k, v in params.items()}}
        return variant.format_map(values)

    def lines(self, *keys: str, **params: Any) -> str:
        return " ".join(self.line(k, **params) for k in keys)

    def has(self, key: str) -> bool:
        return key in self.content.phrases
