"""Deployment files: the SAM template (checked by the real cfn-lint), the Lambda
entry point (on moto's emulated DynamoDB), the Lambda build and the Dockerfile.

No AWS account, no Docker engine: cfn-lint is the real tool; DynamoDB is moto's
in-process emulation; the Dockerfile is checked by parsing it.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill import envelopes

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
TEMPLATE = INFRA / "template.yaml"
# ask-cli's cfn-deployer stack (hiprest package --deployer cfn): plain CloudFormation.
STACK = INFRA / "skill-stack.yaml"
DOCKERFILE = INFRA / "Dockerfile"
SKILL_ID = envelopes.APP_ID


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation's short tags as {"!Tag": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node)
    else:
        value = loader.construct_mapping(node)  # type: ignore[arg-type]
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)
    assert isinstance(data, dict)
    return data


def _function(template: dict[str, Any]) -> dict[str, Any]:
    props = template["Resources"]["HipRestFunction"]["Properties"]
    merged = {**template.get("Globals", {}).get("Function", {}), **props}
    return merged


# --------------------------------------------------------------------------- SAM template


@pytest.mark.parametrize("path", [TEMPLATE, STACK], ids=["sam", "cfn-deployer"])
def test_template_is_clean_under_cfn_lint(path: Path) -> None:
    exe = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which(
        "cfn-lint"
    )
    if exe is None:
        pytest.skip("SKIPPED LOUDLY: cfn-lint is not installed (pip install '.[dev]'); "
                    "the SAM template was NOT linted")
    result = subprocess.run(
        [exe, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_function_runs_the_lambda_handler_with_dynamodb_settings(
    template: dict[str, Any],
) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    fn = _function(template)
    assert fn["Handler"] == "skill.lambda_function.lambda_handler"
    assert re.fullmatch(r"python3\.1[2-9]", fn["Runtime"])
    assert fn["MemorySize"] == 512 and fn["Timeout"] == 8
    env = fn["Environment"]["Variables"]
    assert env["HIPREST_STORE"] == "dynamodb"
    assert env["HIPREST_DYNAMODB_TABLE"] == {"Ref": "UserTable"}
    assert env["HIPREST_SKILL_ID"] == {"Ref": "SkillId"}


def test_alexa_trigger_is_restricted_to_the_skill_id(template: dict[str, Any]) -> None:
    events = _function(template)["Events"]
    alexa = [e for e in events.values() if e["Type"] == "AlexaSkill"]
    assert len(alexa) == 1
    assert alexa[0]["Properties"]["SkillId"] == {"Ref": "SkillId"}
    pattern = template["Parameters"]["SkillId"]["AllowedPattern"]
    assert re.fullmatch(pattern, "amzn1.ask.skill.12345678-1234-1234-1234-123456789012")
    assert not re.fullmatch(pattern, "")


def test_table_is_on_demand_with_point_in_time_recovery_and_the_stores_key(
    template: dict[str, Any],
) -> None:
    from skill.store import dynamo

    table = template["Resources"]["UserTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["KeySchema"] == [{"AttributeName": dynamo._PK, "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": dynamo._PK, "AttributeType": "S"}]


# Listing every user (a table scan) serves the tests and an operator with their own
# credentials; no request ever calls it, so the function's role must not allow it.
OPERATOR_ONLY = {"user_ids"}


def _store_actions() -> set[str]:
    """DynamoDB API calls skill/store/dynamo.py makes on a request's behalf (directly
    or via ask-sdk's adapter): every method's source but the operator-only ones."""
    import ast

    text = (ROOT / "skill" / "store" / "dynamo.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    skipped = [
        ast.get_source_segment(text, node) or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in OPERATOR_ONLY
    ]
    assert len(skipped) == len(OPERATOR_ONLY), "an operator-only method was renamed"
    source = text
    for segment in skipped:
        source = source.replace(segment, "")
    calls = {
        "get_item": "GetItem", "put_item": "PutItem", "delete_item": "DeleteItem",
        "update_item": "UpdateItem", "scan": "Scan", "query": "Query",
        "get_attributes": "GetItem", "save_attributes": "PutItem",
        "delete_attributes": "DeleteItem",
    }
    return {f"dynamodb:{api}" for call, api in calls.items() if re.search(rf"\.{call}\(", source)}


def test_iam_policy_allows_exactly_what_the_store_calls_on_that_table(
    template: dict[str, Any],
) -> None:
    statements = [
        s for policy in _function(template)["Policies"] for s in policy["Statement"]
    ]
    actions = {a for s in statements for a in s["Action"]}
    assert actions == _store_actions()
    assert "dynamodb:Scan" not in actions
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == {"GetAtt": "UserTable.Arn"}


def _stack() -> dict[str, Any]:
    data = yaml.load(STACK.read_text(encoding="utf-8"), Loader=_CfnLoader)
    assert isinstance(data, dict)
    return data


def test_deployer_stack_matches_the_sam_templates_table_function_and_trigger(
    template: dict[str, Any],
) -> None:
    stack = _stack()
    res = stack["Resources"]
    assert res["UserTable"] == template["Resources"]["UserTable"]
    fn = res["HipRestFunction"]["Properties"]
    sam = _function(template)
    assert fn["Runtime"] == {"Ref": "LambdaRuntime"} and fn["Handler"] == {"Ref": "LambdaHandler"}
    assert stack["Parameters"]["LambdaRuntime"]["AllowedValues"] == [sam["Runtime"]]
    assert (fn["MemorySize"], fn["Timeout"]) == (sam["MemorySize"], sam["Timeout"])
    assert fn["Environment"]["Variables"] == sam["Environment"]["Variables"]
    assert fn["Environment"]["Variables"]["HIPREST_PROFILE"] == {"Ref": "Profile"}
    assert stack["Parameters"]["Profile"] == template["Parameters"]["Profile"]
    assert fn["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"},
                          "S3ObjectVersion": {"Ref": "CodeVersion"}}
    permission = res["AlexaSkillPermission"]["Properties"]
    assert permission["Principal"] == "alexa-appkit.amazon.com"
    assert permission["EventSourceToken"] == {"Ref": "SkillId"}
    assert stack["Outputs"]["SkillEndpoint"]["Value"] == {"GetAtt": "HipRestFunction.Arn"}


def test_deployer_stacks_role_allows_only_the_stores_calls_and_its_own_logs() -> None:
    policies = _stack()["Resources"]["HipRestRole"]["Properties"]["Policies"]
    by_name = {p["PolicyName"]: p["PolicyDocument"]["Statement"] for p in policies}
    table = by_name["hiprest-user-table"]
    assert {a for s in table for a in s["Action"]} == _store_actions()
    assert all(s["Resource"] == {"GetAtt": "UserTable.Arn"} for s in table)
    logs = by_name["hiprest-logs"]
    assert all(s["Resource"] == {"GetAtt": "HipRestLogGroup.Arn"} for s in logs)
    assert set(by_name) == {"hiprest-user-table", "hiprest-logs"}


# --------------------------------------------------------------------------- Lambda entry


def _run_python(code: str, env: dict[str, str], cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIPREST_", "AWS_"))}
    env.update(HIPREST_DATA_DIR=str(tmp_path / "data"), HIPREST_SKILL_ID=SKILL_ID, **extra)
    return env


def test_importing_the_lambda_entry_point_does_not_load_flask(tmp_path: Path) -> None:
    out = _run_python(
        "import sys, skill.lambda_function; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('flask', 'werkzeug', 'gunicorn')))",
        _clean_env(tmp_path),
    )
    assert out.strip() == "[]"


_HANDLE_AND_LIST = """
import sys
# What the interpreter had before the probe (a test run's time-travel sitecustomize,
# issue 18) is not something a request imports.
before = set(sys.modules)
import importlib.metadata as md, json
from datetime import UTC, datetime
from skill import envelopes
from skill.lambda_function import lambda_handler
when = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
reply = lambda_handler(envelopes.launch(envelopes.Caller(), when), None)
dists = md.packages_distributions()
tops = {m.split('.')[0] for m in set(sys.modules) - before}
print(json.dumps({"speech": reply["response"]["outputSpeech"]["ssml"],
                  "dists": sorted({d for t in tops for d in dists.get(t, [])})}))
"""


def _requirement_closure() -> set[str]:
    names: list[str] = []
    for line in (INFRA / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.append(re.split(r"[<>=!~\[; ]", line)[0])
    seen: set[str] = set()
    while names:
        name = names.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" not in req:
                names.append(re.split(r"[<>=!~\[; (]", req)[0])
    return seen


def test_lambda_requirements_cover_everything_a_request_imports(tmp_path: Path) -> None:
    out = _run_python(_HANDLE_AND_LIST, _clean_env(tmp_path, HIPREST_STORE="sqlite"))
    data = json.loads(out.strip().splitlines()[-1])
    assert "Hip Rest" in data["speech"]
    imported = {d.lower().replace("_", "-") for d in data["dists"]}
    missing = imported - _requirement_closure() - {"hiprest", "setuptools"}
    assert not missing, f"infra/requirements.txt lacks {sorted(missing)}"
    assert "flask" not in imported and "gunicorn" not in imported


@pytest.fixture
def moto_dynamodb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with moto.mock_aws():
        yield boto3.resource("dynamodb", region_name="eu-west-1")


def test_lambda_handler_answers_a_launch_with_the_dynamodb_store(
    moto_dynamodb: Any, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs lambda_handler as Lambda would (HIPREST_STORE=dynamodb) against moto:
    moto EMULATES DynamoDB in-process; this is not AWS and proves nothing about
    IAM, latency or the real service. The table is created with the template's
    own key schema and billing mode."""
    from skill import lambda_function

    props = template["Resources"]["UserTable"]["Properties"]
    moto_dynamodb.create_table(
        TableName="hiprest-e2e",
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )
    monkeypatch.setenv("HIPREST_STORE", "dynamodb")
    monkeypatch.setenv("HIPREST_DYNAMODB_TABLE", "hiprest-e2e")
    monkeypatch.setenv("HIPREST_SKILL_ID", SKILL_ID)
    monkeypatch.setattr(lambda_function, "_runtime", None)
    caller = envelopes.Caller(user_id="amzn1.ask.account.LAMBDATEST")
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)

    reply = lambda_function.lambda_handler(envelopes.launch(caller, now), None)

    assert "Hip Rest" in reply["response"]["outputSpeech"]["ssml"]
    assert reply["response"]["shouldEndSession"] is False
    assert reply["response"]["reprompt"]["outputSpeech"]["ssml"]
    # The visit was saved through the DynamoDB store (not a silent SQLite fallback).
    item = moto_dynamodb.Table("hiprest-e2e").get_item(Key={"id": caller.user_id})["Item"]
    assert item["attributes"]["profile"]["launches"] == 1
    # A returning launch stores nothing: no billed DynamoDB write (rev unchanged).
    again = lambda_function.lambda_handler(envelopes.launch(caller, now), None)
    assert "medical advice" not in again["response"]["outputSpeech"]["ssml"]  # returning menu
    after = moto_dynamodb.Table("hiprest-e2e").get_item(Key={"id": caller.user_id})["Item"]
    assert after == item
    # A request for another skill gets no speech (Lambda has no 4xx to send).
    foreign = envelopes.Caller(
        application_id="amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
    )
    assert lambda_function.lambda_handler(envelopes.launch(foreign, now), None)["response"] == {}
    monkeypatch.setattr(lambda_function, "_runtime", None)


def test_build_script_assembles_a_tree_that_runs_without_the_checkout(tmp_path: Path) -> None:
    out = tmp_path / "function"
    subprocess.run(["bash", str(INFRA / "build-lambda.sh"), str(out)], check=True,
                   capture_output=True, timeout=60)
    assert (out / "requirements.txt").read_text() == (INFRA / "requirements.txt").read_text()
    assert not (out / "skill" / "static").exists()
    env = _clean_env(tmp_path, HIPREST_STORE="sqlite", PYTHONPATH=str(out))
    code = (
        "import skill, skill.lambda_function as lf, skill.content as c, skill.models as m;"
        "from skill import envelopes; from datetime import UTC, datetime;"
        "print(skill.__file__); print(c.CONTENT_DIR); print(m.MODELS_DIR);"
        "w = datetime(2026, 12, 2, 15, 0, tzinfo=UTC);"
        "r = lf.lambda_handler(envelopes.launch(envelopes.Caller(), w), None);"
        "print(bool(r['response']['outputSpeech']))"
    )
    lines = _run_python(code, env, cwd=tmp_path).split()
    assert lines[0].startswith(str(out)), "the assembled tree was not the one imported"
    assert lines[1] == str(out / "content") and lines[2] == str(out / "interaction_models")
    assert lines[3] == "True"


# --------------------------------------------------------------------------- Dockerfile


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, rest = line.partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def test_dockerfile_uses_python_3_13_slim_pinned_by_digest() -> None:
    froms = [arg for op, arg in _instructions() if op == "FROM"]
    # 3.13 as the Lambda function runs; a digest so a rebuild gets the same base.
    assert froms and all(re.fullmatch(r"python:3\.13-slim@sha256:[0-9a-f]{64}", f) for f in froms)


def test_dockerfile_runs_as_a_numeric_non_root_user() -> None:
    users = [arg for op, arg in _instructions() if op == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1])
    ops = [op for op, _ in _instructions()]
    assert ops.index("USER") < ops.index("CMD")


def test_dockerfile_serves_production_on_port_and_checks_health_there() -> None:
    instructions = dict(_instructions())
    cmd = json.loads(instructions["CMD"])
    # No --port: `serve` defaults to $PORT, so `docker run -e PORT=...` moves the server...
    assert cmd == ["python", "-m", "skill", "serve", "--host", "0.0.0.0"]
    assert "--dev" not in cmd
    from skill.cli import build_parser

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORT", "9191")
        assert build_parser().parse_args(cmd[3:]).port == 9191
    # ...and the health check asks the same port.
    health = instructions["HEALTHCHECK"]
    assert "/healthz" in health and "os.environ.get('PORT', '8080')" in health
    envs = " ".join(a for o, a in _instructions() if o == "ENV")
    assert "HIPREST_DATA_DIR=/data" in envs and "PORT=8080" in envs
    assert instructions["EXPOSE"] == "8080"
    assert '"/data"' in instructions["VOLUME"]


def test_dockerfile_installs_the_locked_dependencies_then_the_wheel() -> None:
    runs = [arg for op, arg in _instructions() if op == "RUN"]
    assert any("--no-deps -r /tmp/requirements-image.txt" in r for r in runs)
    assert any("pip install --no-cache-dir --no-deps ." in r and "pip check" in r for r in runs)
    # Runs from the installed wheel, not a source tree on PYTHONPATH.
    assert not any("PYTHONPATH" in a for o, a in _instructions() if o == "ENV")


def test_image_lock_pins_every_runtime_dependency() -> None:
    pins = {}
    for line in (INFRA / "requirements-image.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{line!r} is not pinned with =="
            pins[name.lower().replace("_", "-")] = version
    from packaging.requirements import Requirement

    # The image's platform (Linux, CPython 3.13), no extras.
    env = {"python_version": "3.13", "python_full_version": "3.13.0", "sys_platform": "linux",
           "platform_system": "Linux", "os_name": "posix", "extra": "",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    wanted: set[str] = set()
    todo = [Requirement(r) for r in md.requires("hiprest") or []]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = req.name.lower().replace("_", "-")
        if name in wanted:
            continue
        wanted.add(name)
        todo += [Requirement(r) for r in md.requires(name) or []]
    missing = wanted - set(pins)
    assert not missing, f"infra/requirements-image.txt lacks {sorted(missing)}"


def test_dockerfile_adds_nothing_from_urls_and_copies_what_the_skill_reads() -> None:
    for op, arg in _instructions():
        assert op != "ADD" or not re.search(r"https?://", arg)
        assert not (op == "RUN" and re.search(r"\b(curl|wget)\b.*\|\s*(sh|bash)", arg))
    copied = " ".join(arg for op, arg in _instructions() if op == "COPY")
    for needed in ("skill/", "content/", "interaction_models/", "pyproject.toml", "setup.py",
                   "docs/privacy.md", "docs/terms.md", "infra/requirements-image.txt",
                   "infra/skill-stack.yaml"):
        assert needed in copied


def test_lambda_requirements_leave_out_what_lambda_never_imports() -> None:
    text = (INFRA / "requirements.txt").read_text(encoding="utf-8")
    listed = {re.split(r"[<>=!~\[; ]", ln)[0].lower() for ln in text.splitlines()
              if ln.strip() and not ln.startswith("#")}
    assert not listed & {"pydantic-settings", "python-dotenv", "flask", "gunicorn"}


def test_dockerignore_keeps_secrets_and_bulk_out_of_the_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "node_modules", "*.db", ".env", "tests"):
        assert entry in ignored
    for needed in ("skill", "content", "interaction_models", "pyproject.toml", "README.md"):
        assert needed not in ignored
