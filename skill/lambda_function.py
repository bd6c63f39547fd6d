"""AWS Lambda entry point: ``skill.lambda_function.lambda_handler``.

Must not import Flask (cold start). The skill is built once per container, on
the first call, from HIPREST_* settings (store=dynamodb on Lambda). Lambda's
Alexa trigger checks the skill id and Amazon signs nothing here, so there is no
signature check; ask-sdk still rejects a foreign applicationId.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Hip Rest uses no pydantic plugins; without this pydantic scans every installed
# distribution's entry points when it builds its first model (~15-40 ms of a cold start).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


@contextmanager
def _startup() -> Iterator[None]:
    """Build without cyclic-GC passes, restoring the collector's state afterwards.

    Start-up creates ~40,000 long-lived objects (modules, classes, pydantic schemas,
    content); the collector would walk them ~100 times while they are being made
    (20-50 ms of a cold start) and free next to nothing. Refcounting still frees
    everything acyclic meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


with _startup():
    from skill.runtime import EMPTY_RESPONSE, EnvelopeError, SkillRuntime, WrongSkillError

_runtime: SkillRuntime | None = None


def _build() -> SkillRuntime:
    from skill import logs
    from skill.factory import make_runtime
    from skill.settings import SettingsError, load_settings

    settings = load_settings()
    if settings.now is not None or settings.tz is not None:
        # Even with HIPREST_DEV set, Lambda answers real people: the real clock only.
        raise SettingsError(
            "HIPREST_NOW / HIPREST_TZ are for development runs only; Lambda uses the real clock"
        )
    logs.configure(settings.log_level)
    return make_runtime(settings)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _runtime
    if _runtime is None:
        # The first answer still imports what it needs (envelope classes, the
        # capability a launch hook asks): part of start-up too.
        with _startup():
            _runtime = _build()
            answer = _answer(_runtime, event)
            # What start-up made lives as long as the container: later collections
            # need not walk it again (nor does the first one, right after this).
            gc.freeze()
        return answer
    return _answer(_runtime, event)


def _answer(runtime: SkillRuntime, event: dict[str, Any]) -> dict[str, Any]:
    try:
        return runtime.handle(event)
    except (EnvelopeError, WrongSkillError):
        # Nothing sensible to say to a request that is not ours; Lambda has no 4xx.
        return dict(EMPTY_RESPONSE)
