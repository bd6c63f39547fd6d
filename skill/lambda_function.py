"""AWS Lambda entry point: ``skill.lambda_function.lambda_handler``.

Must not import Flask (cold start). The skill is built once per container, on
the first call, from HIPREST_* settings (store=dynamodb on Lambda). Lambda's
Alexa trigger checks the skill id and Amazon signs nothing here, so there is no
signature check; ask-sdk still rejects a foreign applicationId.
"""

from __future__ import annotations

import os
from typing import Any

# Hip Rest uses no pydantic plugins; without this pydantic scans every installed
# distribution's entry points when it builds its first model (~15-40 ms of a cold start).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from skill.runtime import EMPTY_RESPONSE, EnvelopeError, SkillRuntime, WrongSkillError

_runtime: SkillRuntime | None = None


def _get_runtime() -> SkillRuntime:
    global _runtime
    if _runtime is None:
        from skill import logs
        from skill.factory import make_runtime
        from skill.settings import load_settings

        settings = load_settings()
        logs.configure(settings.log_level)
        _runtime = make_runtime(settings)
    return _runtime


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _get_runtime().handle(event)
    except (EnvelopeError, WrongSkillError):
        # Nothing sensible to say to a request that is not ours; Lambda has no 4xx.
        return dict(EMPTY_RESPONSE)
