"""Turn scripts: dialogues written as ``U: …`` / ``A: …`` lines.

``A:`` lines are case-insensitive regular expressions searched in the spoken
text of the answer to the preceding ``U:``. Special A lines:
``A: <ends>`` the session ended; ``A: <open>`` it stayed open;
``A: <silent>`` no speech; ``A: !pattern`` the pattern must NOT appear.
Every answer is also checked for well-formed SSML within platform limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from skill.conversation import Conversation, Exchange


@dataclass
class FakeClock:
    now: datetime = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now = self.now + timedelta(**kw)


def run_script(convo: Conversation, script: str) -> list[Exchange]:
    exchanges: list[Exchange] = []
    last: Exchange | None = None
    for lineno, raw in enumerate(script.strip().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        who, _, text = line.partition(":")
        text = text.strip()
        if who == "U":
            last = convo.launch() if text == "<launch>" else convo.say(text)
            exchanges.append(last)
            problems = last.problems()
            assert not problems, f"line {lineno}: {problems}"
        elif who == "A":
            assert last is not None, f"line {lineno}: A before any U"
            said = last.text
            where = f"line {lineno} ({raw.strip()!r}); skill said: {said!r}"
            if text == "<ends>":
                assert last.ended, f"session should have ended: {where}"
            elif text == "<open>":
                assert not last.ended, f"session should be open: {where}"
            elif text == "<silent>":
                assert not said, f"expected no speech: {where}"
            elif text.startswith("!"):
                assert not re.search(text[1:], said, re.I), f"must not say: {where}"
            else:
                assert re.search(text, said, re.I), f"expected /{text}/: {where}"
        else:
            raise AssertionError(f"line {lineno}: start lines with U: or A:")
    return exchanges
