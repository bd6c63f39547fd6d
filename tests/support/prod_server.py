"""``python -m tests.support.prod_server serve --host H --port P --workers N``: the
real production server (skill.server.serve_production: gunicorn, the same worker
class and app) with one injected difference, the request verifier trusts a test
root, serves a test chain instead of downloading one, and reads a fixed clock.

Read from the environment (set by the test): TEST_ROOT_PEM, TEST_CHAIN_PEM
(paths) and TEST_NOW (ISO time). The product never reads these names.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from cryptography import x509
from flask import Flask

from skill.app import create_app
from skill.server import serve_production
from skill.settings import Settings, load_settings
from skill.verify import RequestVerifier, VerifierConfig


def app_trusting_test_pki(settings: Settings) -> Flask:
    root = x509.load_pem_x509_certificate(Path(os.environ["TEST_ROOT_PEM"]).read_bytes())
    chain = Path(os.environ["TEST_CHAIN_PEM"]).read_bytes()
    now = datetime.fromisoformat(os.environ["TEST_NOW"])
    verifier = RequestVerifier(
        VerifierConfig(skill_id=settings.skill_id),
        clock=lambda: now,
        trust_roots=[root],
        fetch=lambda url: chain,
    )
    return create_app(settings, verifier=verifier, simulator=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve_production(
        load_settings(),
        host=args.host,
        port=args.port,
        workers=args.workers,
        app_factory=app_trusting_test_pki,
    )


if __name__ == "__main__":
    main()
