"""A production-mode Flask app (verification on) trusting a test CA, for gate tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask

from skill.app import create_app
from skill.deps import Deps
from skill.settings import load_settings
from skill.verify import RequestVerifier, VerifierConfig
from tests.support.certs import TestPki

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"


def production_app(
    deps: Deps, data_dir: Path, pki: TestPki, fetch: Callable[[str], bytes], now: datetime
) -> Flask:
    settings = load_settings(skill_id=SKILL_ID, data_dir=data_dir)
    deps.settings = settings
    verifier = RequestVerifier(
        VerifierConfig(skill_id=SKILL_ID), clock=lambda: now, trust_roots=[pki.root], fetch=fetch
    )
    return create_app(settings, deps=deps, verifier=verifier)
