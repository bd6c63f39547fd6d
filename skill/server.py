"""Production WSGI server: gunicorn, several worker processes, threads in each.

Why gunicorn: pre-forked processes keep one slow request (a Settings API call at
its timeout) from holding up the others, a worker that dies is replaced, and
SQLite in WAL mode is safe across processes. Waitress would be the choice on
Windows; Alexa endpoints are usually Linux hosts or containers.

Why ``gthread`` workers: with ``sync`` workers two clients dripping a body a
byte a second held both workers, and /healthz took 30 s. Threaded workers keep
idle and slow connections off the request threads (gunicorn parks a connection
that has sent nothing in its poller), each worker has ``threads`` of them, and
the app cuts a body that is not in after ``body_timeout_s`` (skill/bodyread.py).
The worker timeout fits inside Alexa's 8 s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skill.settings import Settings

if TYPE_CHECKING:
    from flask import Flask

# Alexa waits 8 s for an answer: a worker silent for longer is stuck, not busy.
WORKER_TIMEOUT_S = 8
# Request threads per worker: enough that a handful of slow clients (each cut off
# at the body deadline) leave most of them free.
DEFAULT_THREADS = 16

log = logging.getLogger("hiprest.server")


def disabled_checks(settings: Settings) -> list[str]:
    """One line per request check these settings turn off (empty: all on)."""
    off: list[str] = []
    if not settings.verify_enabled:
        why = "HIPREST_DEV=1" if settings.dev else "HIPREST_VERIFY_REQUESTS=0"
        off.append(f"request signature and certificate chain NOT verified ({why})")
        off.append(f"request timestamp NOT checked: replays accepted ({why})")
    else:
        if settings.verify_timestamp_debug:
            off.append(
                "request timestamp NOT checked: replays accepted (HIPREST_VERIFY_TIMESTAMP_DEBUG=1)"
            )
        if not settings.require_signature_256:
            off.append(
                "SHA-1 'Signature' accepted without 'Signature-256'"
                " (HIPREST_REQUIRE_SIGNATURE_256=0)"
            )
    if settings.skill_id is None:
        off.append(
            "application id NOT checked: any skill's requests answered (no HIPREST_SKILL_ID)"
        )
    return off


def production_settings(settings: Settings) -> Settings:
    """The settings the production server runs with: never dev mode (no simulator,
    no stand-in APIs), verification as configured."""
    if not settings.dev:
        return settings
    return settings.model_copy(update={"dev": False, "verify_requests": False})


def serve_production(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int = 2,
    threads: int = DEFAULT_THREADS,
    app_factory: Callable[[Settings], Flask] | None = None,
) -> None:
    """Run gunicorn. ``app_factory`` builds each worker's app (tests inject one
    whose verifier trusts a test PKI); the default is ``create_app`` without the
    simulator."""
    from gunicorn.app.base import BaseApplication

    from skill import logs
    from skill.app import create_app

    settings = production_settings(settings)
    logs.configure(settings.log_level)
    for line in disabled_checks(settings):
        # Loud and one per check, so a log search for "INSECURE" finds each of them.
        log.warning(f"INSECURE: {line}")

    def default_factory(s: Settings) -> Flask:
        return create_app(s, simulator=False)

    factory = app_factory or default_factory

    if settings.store == "sqlite":
        # Migrate once, here, before the workers fork: each worker opening an old
        # file at once would queue behind one migration that can outlast
        # gunicorn's boot timeout (splitting a big v2 file takes seconds).
        from skill.factory import make_store

        make_store(settings).close()

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": max(1, workers),
                "worker_class": "skill.gunicorn_worker.JsonErrorWorker",
                "threads": max(1, threads),
                "timeout": WORKER_TIMEOUT_S,
                "graceful_timeout": WORKER_TIMEOUT_S,
                "keepalive": 5,
                "accesslog": None,
                "loglevel": settings.log_level.lower(),
                # Each worker builds its own app (and SQLite connections) after fork.
                "preload_app": False,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return factory(settings)

    _App().run()
