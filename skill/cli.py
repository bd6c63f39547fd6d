"""``hiprest`` / ``python -m skill``: serve, chat, check, package, export."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skill.settings import ENV_PREFIX, LOCALES, Settings, SettingsError, load_settings

# The HIPREST_* settings each command reads, listed (with defaults) under its --help.
_STORE_ENV = ("data_dir", "store", "dynamodb_table", "dynamodb_region", "dynamodb_endpoint_url")
COMMAND_ENV: dict[str, tuple[str, ...]] = {
    "serve": ("skill_id", "dev", "verify_requests", "verify_timestamp_debug",
              "require_signature_256", *_STORE_ENV, "profile", "log_level", "max_body_bytes",
              "now", "tz"),
    "chat": (*_STORE_ENV, "profile", "now", "tz"),
    "check": (),
    "learn": (),
    "package": ("lambda_arn", "endpoint_uri", "endpoint_certificate", "privacy_policy_url",
                "terms_url", "profile", "log_level", "dynamodb_region"),
    "export": _STORE_ENV,
}


def env_help(command: str) -> str:
    """The epilog naming the environment settings ``command`` reads and their defaults."""
    names = COMMAND_ENV[command]
    if not names:
        return "reads no HIPREST_* settings"
    lines = ["environment (HIPREST_* settings this command reads):"]
    for name in names:
        field = Settings.model_fields[name]
        if name == "data_dir":
            default: Any = "per-user data dir (~/.local/share/hiprest on Linux)"
        else:
            default = field.get_default(call_default_factory=False)
        shown = "unset" if default is None else default
        lines.append(f"  {ENV_PREFIX}{name.upper():<28} default: {shown}")
    if command == "serve":
        lines.append(f"  {'PORT':<36} default for --port")
    return "\n".join(lines)


def _settings(dev: bool = False, **extra: Any) -> Settings:
    overrides: dict[str, Any] = dict(extra)
    if dev:
        overrides["dev"] = True
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"hiprest: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


# -- serve -------------------------------------------------------------------
def _clock_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """--now / --tz as settings overrides: Settings refuses them outside dev mode."""
    out: dict[str, Any] = {}
    if getattr(args, "now", None):
        out["now"] = args.now
    if getattr(args, "tz", None):
        out["tz"] = args.tz
    return out


def bind_warning(host: str) -> str | None:
    """The warning for a dev server bound where other machines can reach it."""
    import ipaddress

    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False  # a host name: it may resolve to any interface
    if local:
        return None
    return (
        f"WARNING: the dev server has NO request verification and is bound to {host}:"
        " anyone who can reach this port can talk to the skill as the simulator user."
        " Bind 127.0.0.1 unless you mean it."
    )


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(dev=args.dev, **_clock_overrides(args))
    from skill.app import create_app

    if args.dev:
        # One process, threads: the simulator and a single developer.
        app = create_app(settings)
        warning = bind_warning(args.host)
        if warning:
            print(warning, file=sys.stderr)
        pinned = f", clock pinned at {settings.now}" if settings.now else ""
        zone = f", time zone {settings.tz}" if settings.tz else ""
        url = f"http://{args.host}:{args.port}/"
        print(f"Hip Rest dev server: {url}  (verification off{pinned}{zone})")
        from werkzeug.serving import run_simple

        run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
        return 0
    from skill.server import disabled_checks, production_settings, serve_production

    off = disabled_checks(production_settings(settings))
    if off and not args.insecure_no_verify:
        # HIPREST_DEV=1 or HIPREST_VERIFY_REQUESTS=0 left in an environment must not
        # quietly make a public endpoint that answers forged requests.
        print(
            "hiprest: refusing to run the production server with request checks off: "
            + "; ".join(off)
            + ". Fix the environment, use --dev for a local simulator,"
            " or pass --insecure-no-verify if you really mean it.",
            file=sys.stderr,
        )
        return 2
    serve_production(settings, host=args.host, port=args.port, workers=args.workers)
    return 0


# -- chat --------------------------------------------------------------------
def _conversation(
    user: str, locale: str, apl: bool = False, clock: dict[str, Any] | None = None
) -> Any:
    from skill.conversation import Conversation
    from skill.envelopes import Caller
    from skill.factory import make_deps, make_runtime
    from skill.models import load_model, slot_types
    from skill.understanding.learned import production_matcher

    settings = _settings(dev=True, **(clock or {}))
    model = load_model(locale)
    deps = make_deps(settings)
    return Conversation(
        runtime=make_runtime(settings, deps),
        # Envelope timestamps from the same clock the skill reads.
        clock=deps.clock,
        matcher=production_matcher(model),
        caller=Caller(user_id=f"amzn1.ask.account.{user}", locale=locale, apl=apl),
        slot_types=slot_types(model),
    )


def cmd_chat(args: argparse.Namespace) -> int:
    import logging

    convo = _conversation(args.user, args.locale, clock=_clock_overrides(args))
    logging.getLogger("hiprest").setLevel("WARNING")
    interactive = sys.stdin.isatty()
    if interactive:
        print("Talk to Hip Rest. Type what you'd say to Alexa; 'quit' leaves. Ctrl-D ends.")
    while True:
        if interactive:
            try:
                line = input("you> ")
            except EOFError:
                print()
                break
        else:
            raw = sys.stdin.readline()
            if not raw:
                break
            line = raw.rstrip("\n")
        if not line.strip():
            continue
        if line.strip().lower() in {"quit", "/quit"}:
            break
        exchange = convo.say(line)
        intent = exchange.match.intent if exchange.match else None
        kind = exchange.match.kind if exchange.match else "?"
        if args.verbose:
            slots = {k: v.value for k, v in exchange.match.slots.items()} if exchange.match else {}
            print(f"  [{kind} {intent or ''} {slots or ''}]")
        shown = exchange.ssml if args.ssml else exchange.text
        print(f"alexa> {shown}" if shown else "alexa> (no speech)")
        if exchange.card and args.verbose:
            print(f"  [card] {exchange.card.get('title')}: {exchange.card.get('content')}")
        if (
            exchange.ended
            and exchange.request.get("request", {}).get("type") != "SessionEndedRequest"
        ):
            print("  (session ended)")
    return 0


# -- check -------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from skill.checks import run_checks

    problems = run_checks()
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("ok: content, interaction models and handler coverage agree")
    return 0


# -- package / export (deployable-skill and summary work) ----------------------
def cmd_package(args: argparse.Namespace) -> int:
    from skill.package import PackageError, write_package

    settings = _settings(dev=True)
    try:
        out = write_package(
            Path(args.out), settings, draft=args.draft, deployer=args.deployer == "cfn"
        )
    except PackageError as exc:
        print(f"hiprest: {exc}", file=sys.stderr)
        return 2
    print(f"wrote ASK CLI project to {out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from skill.export import ExportError, export_user

    settings = _settings(dev=True)
    try:
        sys.stdout.write(export_user(settings, args.user, args.format))
    except ExportError as exc:
        print(f"hiprest: {exc}", file=sys.stderr)
        return 1
    return 0


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each option; the epilog's lines kept as written."""


def _add_clock_arguments(parser: argparse.ArgumentParser, note: str) -> None:
    parser.add_argument(
        "--now",
        metavar="WHEN",
        help=f"pin 'now' to an ISO time, e.g. 2026-12-02T07:30 (in --tz; {note}; HIPREST_NOW)",
    )
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        help="the user's time zone, e.g. Europe/London (default UTC; HIPREST_TZ)",
    )


def cmd_learn(args: argparse.Namespace) -> int:
    from skill.models import available_locales, load_model
    from skill.understanding import alarm, learned

    folders = args.data or [Path(__file__).resolve().parents[1] / "tests" / "data" / "tuning"]
    paths = sorted(p for folder in folders for p in Path(folder).glob("*.yaml"))
    if not paths:
        print(f"hiprest learn: no phrasing files in {', '.join(map(str, folders))}",
              file=sys.stderr)
        return 2
    try:
        intents = learned.build([load_model(loc) for loc in available_locales()], paths)
        flags = alarm.build(paths)
    except ValueError as exc:
        print(f"hiprest learn: {exc}", file=sys.stderr)
        return 2
    here = Path(learned.__file__).parent
    built = {
        here / learned.ARTEFACT: (intents.to_json(), f"{len(intents.classes)} classes, "
                                  f"{sum(intents.docs.values())} phrasings"),
        here / alarm.ARTEFACT: (flags.to_json(), f"{len(flags.classes)} classes"),
    }
    if args.check:
        stale = 0
        for target, (text, _) in built.items():
            fresh = target.is_file() and target.read_text(encoding="utf-8") == text
            stale += not fresh
            print(f"{target.name}: {'up to date' if fresh else 'STALE: run hiprest learn'}")
        return 1 if stale else 0
    for target, (text, summary) in built.items():
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target} ({summary}, {len(paths)} files)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hiprest",
        description="Hip Rest: an Alexa skill for night-time hip pain (general wellness guidance).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, **kw: Any) -> argparse.ArgumentParser:
        # Defaults in every option's help, the environment it reads in the epilog.
        return sub.add_parser(
            name, epilog=env_help(name), formatter_class=_HelpFormatter, **kw
        )

    serve = command("serve", help="run the HTTPS endpoint's WSGI server")
    serve.add_argument(
        "--dev", action="store_true", help="no request verification; serve the simulator page at /"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "8080")),
        help="TCP port ($PORT if set, else 8080)",
    )
    serve.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes (production)"
    )
    _add_clock_arguments(serve, "with --dev only; production always uses the real clock")
    serve.add_argument(
        "--insecure-no-verify",
        action="store_true",
        help="let the production server start although settings turn request checks off",
    )
    serve.set_defaults(func=cmd_serve)

    chat = command("chat", help="talk to the skill in this terminal (reads stdin when piped)")
    chat.add_argument("--ssml", action="store_true", help="show raw SSML instead of plain text")
    chat.add_argument("--user", default="console", help="user id to talk as (keeps separate data)")
    chat.add_argument(
        "--locale", default="en-US", choices=LOCALES, metavar="LOCALE",
        help=f"one of {', '.join(LOCALES)}",
    )
    chat.add_argument(
        "-v", "--verbose", action="store_true", help="show matched intent, slots and cards"
    )
    _add_clock_arguments(chat, "e.g. replay tomorrow morning")
    chat.set_defaults(func=cmd_chat)

    check = command("check", help="validate content, interaction models and handler coverage")
    check.set_defaults(func=cmd_check)

    package = command("package", help="write an ASK CLI project (skill.json + models)")
    package.add_argument("--out", required=True, help="output directory")
    package.add_argument(
        "--draft",
        action="store_true",
        help="write even if certification would reject it (placeholder policy URLs, icons)",
    )
    package.add_argument(
        "--deployer",
        choices=("none", "cfn"),
        default="none",
        help="cfn: add the Lambda code and ask-cli's CloudFormation deployer, so one"
        " `ask deploy` deploys package, code, stack and endpoint",
    )
    package.set_defaults(func=cmd_package)

    learn = command(
        "learn", help="retrain the learned readings of requests and of red flags"
        " (skill/understanding) from the models and the tuning phrasings",
    )
    learn.add_argument(
        "--data", action="append", type=Path, metavar="DIR",
        help="folder of labelled phrasing files (default tests/data/tuning; never held-out)",
    )
    learn.add_argument("--check", action="store_true",
                       help="only report whether the committed model is up to date (exit 1 if not)")
    learn.set_defaults(func=cmd_learn)

    export = command("export", help="print one user's stored data (self-hosted installs)")
    export.add_argument(
        "--user",
        required=True,
        metavar="ID",
        help="the Alexa user id (amzn1.ask.account.…, as in the request's"
        " context.System.user.userId) or a `chat --user` name",
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        # Any command, any path: a bad setting is one line, never a traceback.
        print(f"hiprest: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
