"""Production WSGI server: gunicorn with several worker processes.

Why gunicorn: pre-forked processes keep one slow request (a Settings API call at
its timeout) from holding up the others, a worker that dies is replaced, and
SQLite in WAL mode is safe across processes. Waitress would be the choice on
Windows; Alexa endpoints are usually Linux hosts or containers.
"""

from __future__ import annotations

from typing import Any

from skill.settings import Settings


def serve_production(settings: Settings, *, host: str, port: int, workers: int = 2) -> None:
    from gunicorn.app.base import BaseApplication

    from skill.app import create_app

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
                "worker_class": "sync",
                "timeout": 30,
                "graceful_timeout": 10,
                "keepalive": 5,
                "accesslog": None,
                "loglevel": settings.log_level.lower(),
                # Each worker builds its own app (and SQLite connections) after fork.
                "preload_app": False,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(settings)

    _App().run()
