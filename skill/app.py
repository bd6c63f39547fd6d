"""Flask adapter: the self-hosted HTTPS endpoint (and, with --dev, the simulator page).

Our own, because flask-ask-sdk cannot be imported where OpenSSL's patch number has
two digits (oscrypto). Behaviour kept from it: 400 on a failed verification and the
``ASK_VERIFY_REQUESTS`` / ``ASK_VERIFY_TIMESTAMP_DEBUG`` config keys. Fixed: the
certificate download has a timeout and a cache, and a wrong skill id is 403, not 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from skill.bodyread import BodyError, BodyTimeout, read_body
from skill.deps import Deps
from skill.envelope_guard import envelope_problem
from skill.runtime import EnvelopeError, WrongSkillError
from skill.settings import Settings, load_settings
from skill.verify import (
    CERT_CHAIN_URL_HEADER,
    SIGNATURE_256_HEADER,
    SIGNATURE_HEADER,
    RequestVerifier,
    VerificationError,
    VerifierConfig,
)

log = logging.getLogger("hiprest.http")


def create_app(
    settings: Settings | None = None,
    *,
    deps: Deps | None = None,
    verifier: RequestVerifier | None = None,
    simulator: bool | None = None,
) -> Flask:
    """Build the Flask app. Settings come from HIPREST_* when not given.

    ``simulator`` mounts the simulator page and API (default: in dev mode only);
    the production server passes False, whatever the settings say.
    """
    from skill import logs
    from skill.factory import make_deps, make_runtime

    settings = settings or load_settings()
    logs.configure(settings.log_level)
    deps = deps or make_deps(settings)
    runtime = make_runtime(settings, deps)

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["ASK_VERIFY_REQUESTS"] = settings.verify_enabled
    app.config["ASK_VERIFY_TIMESTAMP_DEBUG"] = settings.verify_timestamp_debug
    app.config["HIPREST_SETTINGS"] = settings
    app.config["HIPREST_DEPS"] = deps
    app.config["HIPREST_RUNTIME"] = runtime
    if verifier is None:
        verifier = RequestVerifier(
            VerifierConfig(
                skill_id=settings.skill_id,
                require_sha256=settings.require_signature_256,
                verify_timestamp=not settings.verify_timestamp_debug,
            )
        )
    app.config["HIPREST_VERIFIER"] = verifier

    def error(status: int, message: str) -> tuple[Response, int]:
        return jsonify({"error": message}), status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        # JSON for every HTTP error, never Werkzeug's HTML or a traceback.
        return error(exc.code or 500, (exc.name or "error").lower())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.error("unexpected server error", extra={"error_class": type(exc).__name__})
        return error(500, "internal error")

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        # Liveness: the process answers. Cheap on purpose; /readyz touches the store.
        return jsonify({"status": "ok"}), 200

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        try:
            deps.store.check_ready()
        except Exception as exc:  # any failure means "send no traffic here"
            log.warning("not ready", extra={"error_class": type(exc).__name__})
            return error(503, "store unavailable")
        return jsonify({"status": "ready"}), 200

    @app.get("/privacy")
    @app.get("/terms")
    def legal() -> Response:
        # The store listing's policy links (hiprest package derives them from the endpoint).
        from skill import legal

        name = request.path.strip("/")
        return Response(legal.page(name, settings.profile), mimetype="text/html")

    @app.post("/alexa")
    def alexa() -> tuple[Response, int]:
        try:
            body = read_body(request.environ, settings.max_body_bytes, settings.body_timeout_s)
        except BodyError as exc:
            reply = error(exc.status, exc.message)
            if isinstance(exc, BodyTimeout):
                reply[0].headers["Connection"] = "close"
            return reply
        if not body:
            return error(400, "empty body")
        verify = app.config["ASK_VERIFY_REQUESTS"]
        try:
            payload = _verify(app, body) if verify else json.loads(body)
        except VerificationError as exc:
            log.warning("request refused", extra={"reason": exc.reason, "status": exc.status})
            return error(exc.status, "request verification failed")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return error(400, "malformed JSON")
        problem = envelope_problem(payload)
        if problem is not None:
            return error(400, f"malformed request envelope: {problem}")
        try:
            result = runtime.handle(payload)
        except (EnvelopeError, WrongSkillError) as exc:
            return error(exc.status, str(exc))
        # Plain json.dumps: jsonify sorts keys and goes through the app's JSON provider
        # (~20 us a request for the same document in another key order).
        return Response(json.dumps(result, separators=(",", ":")), mimetype="application/json"), 200

    if settings.dev if simulator is None else simulator:
        from skill.simulator import register_routes

        _guard_dev_routes(app)
        register_routes(app, runtime, deps)
    return app


# Host names a browser on this machine uses for a local server. A DNS-rebinding page
# reaches us under its own name, so only these (and IP literals) are answered.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_JSON_ROUTES = frozenset({"/alexa", "/api/simulate"})


def _host_is_local(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower()
    if name in _LOCAL_HOSTS:
        return True
    # An IP literal cannot be rebound; a LAN developer may use --host 0.0.0.0.
    return name.replace(".", "").isdigit() and name.count(".") == 3


def _guard_dev_routes(app: Flask) -> None:
    """The dev server has no verification, so any web page could drive it: refuse
    foreign Host (DNS rebinding) and foreign Origin (cross-site POSTs), and take
    only JSON bodies (a form cannot send application/json without CORS)."""

    @app.before_request
    def _same_origin_only() -> tuple[Response, int] | None:
        host = request.host
        if not _host_is_local(host):
            log.warning("dev server: foreign Host refused")
            return jsonify({"error": "forbidden host"}), 403
        origin = request.headers.get("Origin")
        if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
            log.warning("dev server: cross-origin request refused")
            return jsonify({"error": "cross-origin request refused"}), 403
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            return jsonify({"error": "cross-origin request refused"}), 403
        posting = request.method == "POST" and request.path in _JSON_ROUTES
        if posting and request.mimetype != "application/json":
            return jsonify({"error": "Content-Type must be application/json"}), 415
        return None


def _verify(app: Flask, body: bytes) -> dict[str, Any]:
    verifier: RequestVerifier = app.config["HIPREST_VERIFIER"]
    # Only the signature headers (a case-insensitive lookup each), not a copy of them all.
    headers = request.headers
    wanted = {name: headers[name] for name in _SIGNATURE_HEADERS if name in headers}
    return verifier.verify(wanted, body)


_SIGNATURE_HEADERS = (CERT_CHAIN_URL_HEADER, SIGNATURE_256_HEADER, SIGNATURE_HEADER)
