"""``python -m benchmarks [--quick] [--workers N]``: every figure, one run, one table.

Sections (each prints a markdown table; ratios are to the hello-world skill
measured in the same run, interleaved request by request where possible):

1. per request, Flask test client (verification on, warm certificate cache)
2. per request, HTTP against gunicorn with several workers
3. cold start (fresh interpreter: import the Lambda entry point, answer once)
4. growth (check-in + weekly summary with 10 / 1,000 / 10,000 stored check-ins)
5. storage (SQLite WAL latency, several writer processes)
6. throughput and memory (requests/s and resident memory per worker)
7. verification (signature check with a warm cache)
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import hello_skill
from benchmarks.pki import BenchPki, make_bench_pki, verifier_from, write_pki
from benchmarks.scenarios import (
    BEDSIDE,
    ROUTINE,
    SKILL_ID,
    SUMMARY,
    Builder,
    Scenario,
    caller,
    checkin_days,
    hello_scenarios,
    local_today,
    routine_history,
    seed_profile,
)
from benchmarks.stats import Section, median, ms, percentile, ratio, render, us

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    "per request (Flask test client)",
    "per request (HTTP, gunicorn)",
    "cold start",
    "growth",
    "storage",
    "throughput and memory",
    "verification",
)
# Targets from issue 9 (ratios to hello-world, same run).
P50_LIMIT, P99_LIMIT, COLD_LIMIT, GROWTH_LIMIT = 1.2, 1.5, 1.2, 1.1
SQLITE_WRITE_P50_LIMIT_S = 0.001


@dataclass
class Config:
    quick: bool
    workers: int
    work: Path
    pki: BenchPki
    verbose: bool = False
    # figures later sections compare with (e.g. hello launch p50 in-process)
    shared: dict[str, float] = field(default_factory=dict)

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def _hiprest_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env.update(
        HIPREST_SKILL_ID=SKILL_ID,
        HIPREST_DATA_DIR=str(data_dir),
        HIPREST_STORE="sqlite",
        HIPREST_LOG_LEVEL="INFO",
        # Prepended, not replaced: a test run's time travel (issue 18) must reach the
        # servers too, or their clock and the signer's disagree.
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    )
    return env


def _devnull() -> Any:
    return open(os.devnull, "w")


def _hiprest_app(data_dir: Path, pki: BenchPki) -> Any:
    from skill import logs
    from skill.app import create_app
    from skill.settings import load_settings

    settings = load_settings(skill_id=SKILL_ID, data_dir=data_dir, log_level="INFO")
    app = create_app(settings, verifier=verifier_from(pki.root_pem, pki.chain_pem, SKILL_ID))
    # Production logs one JSON line per request: keep the cost, not the noise.
    logs.configure("INFO", stream=_devnull())
    return app


# --------------------------------------------------------------------------- per request


def _interleaved(
    scenarios: Sequence[Scenario],
    send: Callable[[Scenario, bytes, dict[str, str]], tuple[int, bytes]],
    headers: Callable[[Scenario, bytes], dict[str, str]],
    rounds: int,
    warmup: int,
) -> dict[str, list[float]]:
    """Round robin over every scenario, so noise hits both skills alike. Only ``send``
    is timed: resets, fresh bodies and signing (the client's work) happen before."""
    samples: dict[str, list[float]] = {f"{s.skill}:{s.name}": [] for s in scenarios}
    for i in range(warmup + rounds):
        for scenario in scenarios:
            if scenario.reset is not None:
                scenario.reset()
            body = scenario.body()
            extra = headers(scenario, body)
            started = time.perf_counter()
            status, answer = send(scenario, body, extra)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(
                    f"{scenario.skill} {scenario.name}: HTTP {status} {answer[:200]!r}"
                )
            if i >= warmup:
                samples[f"{scenario.skill}:{scenario.name}"].append(elapsed)
    return samples


def _headers(cfg: Config) -> Callable[[Scenario, bytes], dict[str, str]]:
    """Alexa's signature headers, for both skills: Alexa signs every request it sends
    to an HTTPS endpoint, whether or not the skill checks (signing is Alexa's cost,
    never timed). Hello-world receives and ignores them; Hip Rest verifies them. Sending
    them to one skill only made the test client's header handling (~0.1 ms a request
    in werkzeug's environ builder, client side) look like Hip Rest's cost."""

    def headers(scenario: Scenario, body: bytes) -> dict[str, str]:
        return cfg.pki.headers(body)

    return headers


def _report_requests(
    section: Section,
    scenarios: Sequence[Scenario],
    samples: dict[str, list[float]],
    key: str,
    cfg: Config,
) -> None:
    hello = {s.reference: samples[f"hello:{s.name}"] for s in scenarios if s.skill == "hello"}
    for s in scenarios:
        if s.skill != "hello":
            continue
        data = samples[f"hello:{s.name}"]
        section.add(
            f"hello-world {s.name} p50 / p99",
            f"{ms(percentile(data, 50))} / {ms(percentile(data, 99))}",
        )
        cfg.shared[f"{key}:hello:{s.reference}:p50"] = percentile(data, 50)
    for s in scenarios:
        if s.skill != "hiprest":
            continue
        if s.skip:
            section.skip(s.name, s.skip)
            continue
        data = samples[f"hiprest:{s.name}"]
        ref = hello[s.reference]
        for q, limit in ((50, P50_LIMIT), (99, P99_LIMIT)):
            mine, theirs = percentile(data, q), percentile(ref, q)
            section.add(
                f"{s.name} p{q}",
                ms(mine),
                f"{ms(theirs)} (hello {s.reference})",
                ratio(mine, theirs),
                limit,
            )
        cfg.shared[f"{key}:hiprest:{s.name}:p50"] = percentile(data, 50)


def section_flask(cfg: Config) -> Section:
    section = Section(SECTIONS[0])
    app = _hiprest_app(cfg.work / "flask", cfg.pki)
    builder = Builder(app.config["HIPREST_RUNTIME"], app.config["HIPREST_DEPS"].store)
    hip = builder.per_request("flask")
    hello = hello_scenarios()
    # Verification's own share: the same requests with the check switched off, so the
    # skill's own cost can be compared with hello-world's on equal terms.
    unverified = [
        builder.launch("flask-unverified"),
        builder.spoken(BEDSIDE, "flask-unverified-bedside"),
        builder.session_end("flask-unverified-end"),
    ]
    for s in unverified:
        s.name = f"{s.name}, verification off"
    hip_client, hello_client = app.test_client(), hello_skill.create_app().test_client()

    def send(scenario: Scenario, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if scenario.skill == "hello":
            r = hello_client.post("/alexa", data=body, headers=headers)
        else:
            app.config["ASK_VERIFY_REQUESTS"] = scenario not in unverified
            r = hip_client.post("/alexa", data=body, headers=headers)
        if cfg.verbose and scenario.skill == "hiprest":
            speech = json.loads(r.data).get("response", {}).get("outputSpeech", {})
            log(f"{scenario.name}: {str(speech.get('ssml', ''))[:100]}")
        return r.status_code, r.data

    active = [s for s in [*hip, *unverified, *hello] if not s.skip]
    log(f"flask: {len(active)} scenarios")
    samples = _interleaved(active, send, _headers(cfg), cfg.n(300, 15), cfg.n(20, 2))
    for s in hip:
        samples.setdefault(f"hiprest:{s.name}", [])
    _report_requests(section, [*hip, *hello], samples, "flask", cfg)
    hello_p50 = {s.reference: percentile(samples[f"hello:{s.name}"], 50) for s in hello}
    for s in unverified:
        if s.skip:
            continue
        off = percentile(samples[f"hiprest:{s.name}"], 50)
        on = percentile(samples.get(f"hiprest:{s.name.split(',')[0]}", []), 50)
        ref = hello_p50[s.reference]
        section.add(
            f"{s.name} p50 (the skill's own cost)",
            ms(off),
            f"{ms(ref)} (hello {s.reference})",
            ratio(off, ref),
            P50_LIMIT,
        )
        section.add("  verification's share (p50 on - off)", ms(on - off))
    section.notes.append(
        "Verification on (Signature-256 over the body, test CA, warm certificate cache), "
        "timestamp and skill-id checks on; the hello-world skill verifies nothing."
    )
    return section


# --------------------------------------------------------------------------- HTTP servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    skill: str
    port: int
    proc: subprocess.Popen[bytes]

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(skill: str, cfg: Config, pki_info: Path, data_dir: Path) -> Server:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.serve",
        "--skill",
        skill,
        "--port",
        str(port),
        "--workers",
        str(cfg.workers),
        "--pki",
        str(pki_info),
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=_hiprest_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(skill, port, proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{skill} server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200 and len(server.workers()) >= cfg.workers:
                conn.close()
                return server
        except OSError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{skill} server did not start")


class Client:
    """One connection to 127.0.0.1 (reopened when gunicorn's sync worker closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            self.conn.request("POST", "/alexa", body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.conn.request("POST", "/alexa", body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return r.status, data


@dataclass
class Servers:
    hiprest: Server
    hello: Server
    builder: Builder
    data_dir: Path


def start_servers(cfg: Config) -> Servers:
    data_dir = cfg.work / "http"
    pki_info = write_pki(cfg.pki, cfg.work / "pki")
    # The main process prepares users and sessions in the same SQLite file the workers use.
    app = _hiprest_app(data_dir, cfg.pki)
    builder = Builder(app.config["HIPREST_RUNTIME"], app.config["HIPREST_DEPS"].store)
    log(f"starting gunicorn: 2 x {cfg.workers} workers")
    hiprest = start_server("hiprest", cfg, pki_info, data_dir)
    try:
        hello = start_server("hello", cfg, pki_info, data_dir)
    except Exception:
        hiprest.stop()
        raise
    return Servers(hiprest, hello, builder, data_dir)


def section_http(cfg: Config, servers: Servers) -> Section:
    section = Section(f"{SECTIONS[1]}, {cfg.workers} workers each")
    hip = servers.builder.per_request("http")
    hello = hello_scenarios()
    clients = {"hiprest": Client(servers.hiprest.port), "hello": Client(servers.hello.port)}

    def send(scenario: Scenario, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return clients[scenario.skill].post(body, headers)

    active = [s for s in [*hip, *hello] if not s.skip]
    log(f"http: {len(active)} scenarios")
    samples = _interleaved(active, send, _headers(cfg), cfg.n(200, 10), cfg.n(20, 2))
    for s in hip:
        samples.setdefault(f"hiprest:{s.name}", [])
    _report_requests(section, [*hip, *hello], samples, "http", cfg)
    section.notes.append(
        "One client on 127.0.0.1, one request at a time; gunicorn sync workers close the "
        "connection after each response, so every request includes a TCP connect."
    )
    return section


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _throughput(
    server: Server,
    bodies: list[tuple[bytes, dict[str, str]]],
    threads: int,
    limit: int,
    seconds: float,
) -> tuple[float, int]:
    done = 0
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        nonlocal done, errors
        client = Client(server.port)
        i = offset
        while time.monotonic() < stop_at:
            with lock:
                if done >= limit:
                    return
                done += 1
            body, headers = bodies[i % len(bodies)]
            status, _ = client.post(body, headers)
            if status != 200:
                with lock:
                    errors += 1
            i += threads

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return done / (time.perf_counter() - started), errors


def section_throughput(cfg: Config, servers: Servers) -> Section:
    section = Section(SECTIONS[5])
    threads = 2 * cfg.workers
    limit, seconds = cfg.n(4000, 60), (6.0 if not cfg.quick else 1.0)
    count = cfg.n(48, 8)
    # A mix of users: launches of returning users (since a returning launch stores
    # nothing, neither request writes) and a bedside question, against hello's launch/help.
    mixes: dict[str, list[tuple[bytes, dict[str, str]]]] = {"launch": [], "question": []}
    for k in range(count):
        for kind, scenario in (
            ("launch", servers.builder.launch(f"tput-{k % 16}")),
            ("question", servers.builder.spoken(BEDSIDE, f"tput-q-{k % 16}")),
        ):
            if scenario.skip:
                continue
            body = scenario.body()
            mixes[kind].append((body, cfg.pki.headers(body)))
    hello_launch, hello_help = hello_scenarios()[:2]
    hello_mixes: dict[str, list[tuple[bytes, dict[str, str]]]] = {"launch": [], "question": []}
    for kind, scenario in (("launch", hello_launch), ("question", hello_help)):
        for _ in range(count):
            body = scenario.body()
            hello_mixes[kind].append((body, cfg.pki.headers(body)))  # as Alexa sends them
    results: dict[str, float] = {}
    for kind in ("launch", "question"):
        if not mixes[kind]:
            section.skip(f"{kind} requests/s per worker", "scenario skipped")
            continue
        for name, server, bodies in (
            ("hello", servers.hello, hello_mixes[kind]),
            ("hiprest", servers.hiprest, mixes[kind]),
        ):
            log(f"throughput: {name} {kind}")
            _throughput(server, bodies, threads, limit // 10, seconds / 5)  # warm every worker
            rps, errors = _throughput(server, bodies, threads, limit, seconds)
            if errors:
                section.notes.append(f"{name}: {errors} non-200 answers during the {kind} run")
            results[f"{name}:{kind}"] = rps / cfg.workers
            rss = [r for r in (_rss_kib(p) for p in server.workers()) if r is not None]
            results[f"{name}:rss"] = sum(rss) / len(rss) / 1024 if rss else float("nan")
        label = "launch (returning user)" if kind == "launch" else "bedside question / help"
        section.add(
            f"{label} requests/s per worker",
            f"{results[f'hiprest:{kind}']:.0f}",
            f"{results[f'hello:{kind}']:.0f}",
            ratio(results[f"hello:{kind}"], results[f"hiprest:{kind}"]),
        )
    section.add(
        "resident memory per worker (VmRSS)",
        f"{results.get('hiprest:rss', math.nan):.1f} MiB",
        f"{results.get('hello:rss', math.nan):.1f} MiB",
        ratio(results.get("hiprest:rss", math.nan), results.get("hello:rss", math.nan)),
    )
    section.notes.append(
        f"{threads} client threads on 127.0.0.1 for at most {limit} requests or {seconds:g} s, "
        f"{cfg.workers} sync workers per skill; client and servers share the machine's "
        f"{os.cpu_count()} cores, so these are lower bounds. The requests/s ratio is "
        "hello/Hip Rest (time per request)."
    )
    return section


# --------------------------------------------------------------------------- cold start

# One timing script for both skills; only what is imported and how it is called differ.
_COLD_TEMPLATE = """
import json, sys, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
out = {handler}(json.loads(sys.argv[1]), None)
t2 = time.perf_counter()
assert out.get("response", {{}}).get("outputSpeech"), out
print(json.dumps({{"import": t1 - t0, "first": t2 - t1, "modules": len(sys.modules)}}))
"""
_HIPREST_COLD = _COLD_TEMPLATE.format(
    imports="import skill.lambda_function as entry", handler="entry.lambda_handler"
)
_HELLO_COLD = _COLD_TEMPLATE.format(
    imports="import flask, ask_sdk_core, ask_sdk_model\nfrom benchmarks import hello_skill",
    handler="hello_skill.lambda_handler()",
)


# Where the time goes: the same work with the big libraries imported first, one by one.
_HIPREST_PARTS = """
import json, sys, time
t0 = time.perf_counter()
import ask_sdk_core.skill_builder, ask_sdk_model
t1 = time.perf_counter()
import pydantic, yaml
t2 = time.perf_counter()
import skill.lambda_function as entry
out = entry.lambda_handler(json.loads(sys.argv[1]), None)
t3 = time.perf_counter()
print(json.dumps({"sdk": t1 - t0, "libs": t2 - t1, "own": t3 - t2}))
"""

_HELLO_PARTS = """
import json, sys, time
t0 = time.perf_counter()
import ask_sdk_core.skill_builder, ask_sdk_model
t1 = time.perf_counter()
import flask
t2 = time.perf_counter()
from benchmarks import hello_skill
out = hello_skill.lambda_handler()(json.loads(sys.argv[1]), None)
t3 = time.perf_counter()
print(json.dumps({"sdk": t1 - t0, "libs": t2 - t1, "own": t3 - t2}))
"""


def _cold_once(script: str, event: dict[str, Any], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"cold start failed: {out.stderr[-800:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def section_cold(cfg: Config) -> Section:
    from skill import envelopes

    section = Section(SECTIONS[2])
    data_dir = cfg.work / "cold"
    env = _hiprest_env(data_dir)
    runs = cfg.n(7, 2)
    hip: list[dict[str, float]] = []
    back: list[dict[str, float]] = []
    hello: list[dict[str, float]] = []
    returning = caller("cold-returning")
    for i in range(runs + 1):  # run 0 writes .pyc files and creates the database: dropped
        event = envelopes.launch(caller(f"cold-{i}"), datetime.now(UTC))
        h = _cold_once(_HIPREST_COLD, event, env)
        # A returning user (profile stored by run 0): launch hooks run, as for most
        # real cold starts.
        b = _cold_once(_HIPREST_COLD, envelopes.launch(returning, datetime.now(UTC)), env)
        r = _cold_once(_HELLO_COLD, event, env)
        if i:
            hip.append(h)
            back.append(b)
            hello.append(r)
    log(f"cold start: {runs} runs each")
    for key, label in (
        ("import", "import entry point (median)"),
        ("first", "first request after import (median)"),
    ):
        a, b2 = median([x[key] for x in hip]), median([x[key] for x in hello])
        section.add(label, ms(a), ms(b2), ratio(a, b2))
    total_h = median([x["import"] + x["first"] for x in hip])
    total_b = median([x["import"] + x["first"] for x in back])
    total_r = median([x["import"] + x["first"] for x in hello])
    section.add(
        "import + first answer, a new user's launch (median)",
        ms(total_h),
        ms(total_r),
        ratio(total_h, total_r),
        COLD_LIMIT,
    )
    section.add(
        "import + first answer, a returning user's launch (median)",
        ms(total_b),
        ms(total_r),
        ratio(total_b, total_r),
        COLD_LIMIT,
    )
    wall_h, wall_r = median([x["wall"] for x in hip]), median([x["wall"] for x in hello])
    section.add(
        "whole process incl. interpreter (median)", ms(wall_h), ms(wall_r), ratio(wall_h, wall_r)
    )
    section.add(
        "modules loaded",
        f"{int(median([x['modules'] for x in hip]))}",
        f"{int(median([x['modules'] for x in hello]))}",
    )
    parts_h: list[dict[str, float]] = []
    parts_r: list[dict[str, float]] = []
    for i in range(cfg.n(3, 1)):
        event = envelopes.launch(caller(f"cold-parts-{i}"), datetime.now(UTC))
        parts_h.append(_cold_once(_HIPREST_PARTS, event, env))
        parts_r.append(_cold_once(_HELLO_PARTS, event, env))
    for key, label in (
        ("sdk", "  of which ask-sdk-core + ask-sdk-model import"),
        ("libs", "  of which pydantic + yaml (Hip Rest) / flask (hello)"),
        ("own", "  of which own code, content and first answer"),
    ):
        a, c = median([x[key] for x in parts_h]), median([x[key] for x in parts_r])
        section.add(label, ms(a), ms(c), ratio(a, c))
    section.notes.append(
        f"{runs} fresh interpreters each, alternating, after one discarded warm-up run. "
        "Hip Rest: `import skill.lambda_function` + a LaunchRequest, from a new user and from "
        "one whose profile is stored (HIPREST_STORE=sqlite in a "
        "temporary directory; DynamoDB is not timed). Hello-world: `import flask, ask_sdk_core, "
        "ask_sdk_model` + the SDK's own `SkillBuilder.lambda_handler()`."
    )
    return section


# --------------------------------------------------------------------------- growth


def section_growth(cfg: Config) -> Section:
    from skill import logs
    from skill.content import default_library
    from skill.deps import Deps
    from skill.factory import make_runtime
    from skill.settings import load_settings
    from skill.store.patch import SetOp
    from skill.store.sqlite import SqliteStore

    section = Section(SECTIONS[3])
    settings = load_settings(skill_id=SKILL_ID, data_dir=cfg.work / "growth")
    store = SqliteStore(settings.sqlite_path)
    deps = Deps(settings=settings, store=store, content=default_library())
    runtime = make_runtime(settings, deps)
    logs.configure("INFO", stream=_devnull())
    builder = Builder(runtime, store)
    sizes = (10, 1000, 10000)
    pairs: dict[int, tuple[Scenario, Scenario, str]] = {}
    for n in sizes:
        checkin = builder.checkin(f"growth-{n}", history=n)
        if checkin.skip:
            section.skip("check-in + weekly summary", checkin.skip)
            return section
        summary = builder.spoken(SUMMARY, f"growth-{n}")
        if summary.skip:
            section.skip("check-in + weekly summary", summary.skip)
            return section
        pairs[n] = (checkin, summary, caller(f"growth-{n}").user_id)

    def measure(restore: bool) -> dict[int, list[float]]:
        out: dict[int, list[float]] = {n: [] for n in sizes}
        rounds, warmup = cfg.n(40, 3), cfg.n(3, 1)
        for i in range(warmup + rounds):
            for n in sizes:
                checkin, summary, user_id = pairs[n]
                if restore:
                    days = checkin_days(n, local_today())
                    store.update_namespaces(user_id, [SetOp(("checkin", "days"), days)])
                else:
                    assert checkin.reset is not None
                    checkin.reset()
                a, b = json.loads(checkin.body()), json.loads(summary.body())
                started = time.perf_counter()
                runtime.handle(a)
                runtime.handle(b)
                if i >= warmup:
                    out[n].append(time.perf_counter() - started)
        return out

    log("growth: as stored")
    fresh = measure(restore=True)
    log("growth: steady state")
    steady = measure(restore=False)
    stored = {n: len(store.load(pairs[n][2]).get("checkin", {}).get("days", {})) for n in sizes}
    for label, data in (("as written", fresh), ("steady state", steady)):
        base = percentile(data[10], 50)
        for n in sizes:
            value = percentile(data[n], 50)
            section.add(
                f"check-in + summary p50, {n:,} check-ins ({label})",
                ms(value),
                f"{ms(base)} (10 check-ins)",
                ratio(value, base),
                GROWTH_LIMIT if label == "steady state" and n != 10 else None,
            )
    section.notes.append(
        "'as written': the history is written into the store before every timed pair (so "
        "each request meets all N entries, the first-request cost). 'steady state': after that "
        "first check-in the module's retention leaves "
        + ", ".join(f"{stored[n]:,}" for n in sizes)
        + " entries, and only today's entry is removed between pairs. Runtime called directly "
        "(no HTTP, no verification), SQLite store."
    )
    _routine_growth(cfg, section, builder, store, runtime)
    return section


def _routine_growth(
    cfg: Config, section: Section, builder: Builder, store: Any, runtime: Any
) -> None:
    from skill.core.routine import HISTORY_SLACK
    from skill.core.routine_history import HISTORY_KEY, HISTORY_LIMIT
    from skill.store.patch import SetOp

    sizes = (10, 1000, 10000)
    steps: dict[int, Scenario] = {}
    for n in sizes:

        def seed(user_id: str, n: int = n) -> None:
            # Its own namespace, as the skill writes it; a step never touches it.
            history = routine_history(n, local_today())
            store.update_namespaces(user_id, [SetOp((HISTORY_KEY,), history)])

        step = builder.spoken(ROUTINE, f"growth-routine-{n}", seed=seed)
        if step.skip:
            section.skip("routine step with long histories", step.skip)
            return
        steps[n] = step
    out: dict[int, list[float]] = {n: [] for n in sizes}
    rounds, warmup = cfg.n(40, 3), cfg.n(3, 1)
    for i in range(warmup + rounds):
        for n in sizes:
            step = steps[n]
            assert step.reset is not None
            step.reset()
            payload = json.loads(step.body())
            started = time.perf_counter()
            runtime.handle(payload)
            if i >= warmup:
                out[n].append(time.perf_counter() - started)
    base = percentile(out[10], 50)
    for n in sizes:
        value = percentile(out[n], 50)
        section.add(
            f"routine step p50, {n:,} nights of routine history",
            ms(value),
            f"{ms(base)} (10 nights)",
            ratio(value, base),
            GROWTH_LIMIT if n != 10 else None,
        )
    section.notes.append(
        "Routine step: 'next' in a running bedtime routine, the live `routine` namespace put "
        "back before every step; N history records written directly into `routine_history` "
        f"(retention keeps at most {HISTORY_LIMIT + HISTORY_SLACK} once a routine is recorded, "
        "so 1,000 and 10,000 are beyond what a user can store)."
    )


# --------------------------------------------------------------------------- storage


def _writer(path: str, index: int, count: int, users: int, go: Any, out: Any) -> None:
    from skill.store.patch import SetOp
    from skill.store.sqlite import SqliteStore

    store = SqliteStore(path, timeout_s=30)
    go.wait()
    started = time.perf_counter()
    for i in range(count):
        store.update_namespaces(f"shared-{i % users}", [SetOp(("w", f"{index}-{i}"), i)])
    out.put(time.perf_counter() - started)
    store.close()


def section_storage(cfg: Config) -> Section:
    from skill.store.patch import SetOp
    from skill.store.sqlite import SqliteStore
    from skill.turn import INLINE_CHARS

    section = Section(SECTIONS[4])
    path = cfg.work / "storage" / "bench.db"
    store = SqliteStore(path)
    user = "amzn1.ask.account.BENCH-storage"
    seed_profile(store, user)
    store.update_namespaces(
        user, [SetOp(("checkin",), {"v": 1, "days": checkin_days(60, local_today())})]
    )
    n = cfg.n(2000, 50)
    writes, reads = [], []
    for i in range(n):
        t0 = time.perf_counter()
        store.update_namespaces(user, [SetOp(("profile", "launches"), i)])
        t1 = time.perf_counter()
        store.load_small_texts(user, INLINE_CHARS)  # what a request's first read is
        t2 = time.perf_counter()
        writes.append(t1 - t0)
        reads.append(t2 - t1)
    w50, w99 = percentile(writes, 50), percentile(writes, 99)
    r50, r99 = percentile(reads, 50), percentile(reads, 99)
    section.add(
        "write p50 (update_namespaces: read, merge, write, commit)",
        ms(w50),
        "1.00 ms target",
        w50 / SQLITE_WRITE_P50_LIMIT_S,
        1.0,
    )
    section.add("write p99", ms(w99))
    section.add(
        "read p50 / p99 (a request's load: the small namespaces' text)", f"{ms(r50)} / {ms(r99)}"
    )
    store.close()

    procs, per, users = cfg.n(8, 2), cfg.n(500, 20), 8
    ctx = multiprocessing.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    shared = cfg.work / "storage" / "writers.db"
    SqliteStore(shared).close()  # migrate once before the race
    workers = [
        ctx.Process(target=_writer, args=(str(shared), k, per, users, go, out))
        for k in range(procs)
    ]
    for p in workers:
        p.start()
    time.sleep(0.2)
    started = time.perf_counter()
    go.set()
    for p in workers:
        p.join(120)
    elapsed = time.perf_counter() - started
    check = SqliteStore(shared)
    stored = sum(len(check.load(f"shared-{u}").get("w", {})) for u in range(users))
    check.close()
    total = procs * per
    section.add(f"{procs} writer processes x {per} writes: writes/s", f"{total / elapsed:.0f}")
    section.add("lost updates", f"{total - stored}", "0 expected")
    section.notes.append(
        f"WAL, synchronous=NORMAL. Latency: one user with a 60-day check-in history, {n} "
        f"updates and reads. Writers: {procs} processes write distinct keys round-robin into "
        f"{users} shared user documents (every write a BEGIN IMMEDIATE read-merge-write)."
    )
    return section


# --------------------------------------------------------------------------- verification


def section_verification(cfg: Config) -> Section:
    from cryptography.hazmat.primitives import hashes

    from skill.verify import load_chain, verify_signature

    section = Section(SECTIONS[6])
    verifier = verifier_from(cfg.pki.root_pem, cfg.pki.chain_pem, SKILL_ID)
    body = hello_scenarios()[0].body()
    headers = cfg.pki.headers(body)
    started = time.perf_counter()
    verifier.verify(headers, body)
    first = time.perf_counter() - started
    leaf = load_chain(cfg.pki.chain_pem)[0]
    n = cfg.n(3000, 50)
    full, sig, parse = [], [], []
    for _ in range(n):
        t0 = time.perf_counter()
        verifier.verify(headers, body)
        t1 = time.perf_counter()
        verify_signature(leaf, headers["Signature-256"], body, hashes.SHA256())
        t2 = time.perf_counter()
        json.loads(body)
        t3 = time.perf_counter()
        full.append(t1 - t0)
        sig.append(t2 - t1)
        parse.append(t3 - t2)
    hello_launch = cfg.shared.get("flask:hello:launch:p50", float("nan"))
    v50 = percentile(full, 50)
    section.add(
        "verify() p50 / p99, warm cache",
        f"{us(v50)} / {us(percentile(full, 99))}",
        f"{ms(hello_launch)} (hello launch p50)",
        ratio(v50, hello_launch),
    )
    section.add("  of which RSA-2048 signature p50", us(percentile(sig, 50)))
    section.add("  of which json.loads(body) p50", us(percentile(parse, 50)))
    section.add("first request (chain validation, then cached)", ms(first))
    section.notes.append(
        "Ratio: verification's cost as a share of a whole hello-world launch in the Flask "
        "test client. The parsed body is reused by the runtime, so json.loads is not paid twice."
    )
    return section


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke mode: few iterations")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per skill")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Hip Rest's answers")
    parser.add_argument("--only", help="comma-separated section numbers (1-7) to run")
    args = parser.parse_args(argv)
    only = {int(x) for x in args.only.split(",")} if args.only else set(range(1, 8))
    work = Path(tempfile.mkdtemp(prefix="hiprest-bench-"))
    started = time.perf_counter()
    print(
        f"# Hip Rest benchmark ({'quick' if args.quick else 'full'}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores\n",
        flush=True,
    )
    cfg = Config(
        quick=args.quick,
        workers=args.workers,
        work=work,
        pki=make_bench_pki(),
        verbose=args.verbose,
    )
    servers: Servers | None = None
    try:
        if 1 in only:
            print(render(section_flask(cfg)), flush=True)
        if only & {2, 6}:
            servers = start_servers(cfg)
            if 2 in only:
                print(render(section_http(cfg, servers)), flush=True)
        if 3 in only:
            print(render(section_cold(cfg)), flush=True)
        if 4 in only:
            print(render(section_growth(cfg)), flush=True)
        if 5 in only:
            print(render(section_storage(cfg)), flush=True)
        if 6 in only and servers is not None:
            print(render(section_throughput(cfg, servers)), flush=True)
        if 7 in only:
            print(render(section_verification(cfg)), flush=True)
    finally:
        if servers is not None:
            servers.hiprest.stop()
            servers.hello.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0
