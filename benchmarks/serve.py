"""Run a skill under the production server (``skill.server.serve_production``:
gunicorn, sync workers, same options as ``python -m skill serve``).

``--skill hiprest`` serves Hip Rest's real Flask app with verification on; the
only change is the verifier's trust root (the benchmark's test CA, read from
``--pki``) so the certificate never has to be downloaded. ``--skill hello``
serves the hello-world app through the same gunicorn set-up.

    python -m benchmarks.serve --skill hiprest --port 8181 --workers 2 --pki DIR/pki.json
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import skill.app
from skill.server import serve_production
from skill.settings import Settings, load_settings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skill", choices=("hiprest", "hello"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pki", type=Path, required=True)
    args = parser.parse_args()
    settings = load_settings()  # HIPREST_* from the benchmark: skill id, data dir, store
    real_create_app = skill.app.create_app

    def create_app(settings: Settings | None = None, **_: Any) -> Any:
        # Called by gunicorn in each worker after fork (preload_app is off).
        if args.skill == "hello":
            from benchmarks.hello_skill import create_app as hello_app

            return hello_app()
        from benchmarks.pki import verifier_from_files

        assert settings is not None
        return real_create_app(settings, verifier=verifier_from_files(args.pki, settings.skill_id))

    # serve_production looks create_app up at call time; everything else is unchanged.
    skill.app.create_app = create_app
    serve_production(settings, host="127.0.0.1", port=args.port, workers=args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
