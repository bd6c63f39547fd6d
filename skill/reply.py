"""What a handler decided to say, before it becomes SSML (pure, no ask-sdk).

Handlers and pure cores produce a :class:`Reply` made of plain-text parts and
pauses; :func:`render_speech` is the one place that turns it into SSML through
the speech builder, so escaping and platform limits are enforced in one spot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from skill.speech import Speech, SpeechBuilder


@dataclass(frozen=True)
class Pause:
    seconds: float


Part = str | Pause
Style = Literal["normal", "soft"]


@dataclass(frozen=True)
class Card:
    title: str
    text: str


@dataclass
class Reply:
    speech: list[Part] = field(default_factory=list)
    reprompt: list[Part] | None = None
    card: Card | None = None
    # None: decided from the reprompt (a question keeps the session open).
    end_session: bool | None = None
    directives: list[Any] = field(default_factory=list)

    def say(self, *parts: Part) -> Reply:
        self.speech.extend(parts)
        return self

    def ask(self, *parts: Part) -> Reply:
        self.reprompt = list(parts)
        return self

    @property
    def ends_session(self) -> bool:
        if self.end_session is not None:
            return self.end_session
        return self.reprompt is None

    @property
    def text(self) -> str:
        return render_speech(self.speech).text


def render_speech(parts: list[Part], *, style: Style = "normal", reprompt: bool = False) -> Speech:
    builder = SpeechBuilder.for_reprompt(style=style) if reprompt else SpeechBuilder(style=style)
    for part in parts:
        if isinstance(part, Pause):
            builder.pause(part.seconds)
        else:
            builder.say(part)
    return builder.build()
