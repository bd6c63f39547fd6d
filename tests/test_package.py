"""``hiprest package``: the ASK CLI project, its manifest and the generated models.

The structural checks follow the published skill-manifest and interaction-model
schemas (fields ask-cli/SMAPI reject); no ASK CLI or Amazon service is involved.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from skill import package
from skill.cli import main as cli_main
from skill.content import default_library
from skill.matcher import FALLBACK_INTENT, Matcher
from skill.models import intent_names, load_model
from skill.package import (
    PackageError,
    build_manifest,
    example_phrase_problem,
    interaction_model_problems,
    manifest_problems,
    same_intents_problems,
    write_package,
)
from skill.settings import LOCALES, Settings, load_settings

SKILL_DIR = Path(package.__file__).resolve().parent
ARN = "arn:aws:lambda:us-east-1:123456789012:function:hiprest"
# A self-hosted endpoint on a real-looking (not reserved) host: its /privacy and /terms
# become the listing's policy links.
ENDPOINT = "https://hiprest.tunnel-host.net/alexa"


def _settings(**kw: Any) -> Settings:
    return load_settings(dev=True, **kw)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ask")
    return write_package(out, _settings(endpoint_uri=ENDPOINT))


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _skill_json(project: Path) -> dict[str, Any]:
    data = _read(project / "skill-package" / "skill.json")
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------- layout


def test_project_has_ask_resources_pointing_at_the_skill_package(project: Path) -> None:
    resources = _read(project / "ask-resources.json")
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    src = resources["profiles"]["default"]["skillMetadata"]["src"]
    assert (project / src / "skill.json").is_file()


def test_every_locale_gets_a_generated_model_equal_to_the_loader_output(project: Path) -> None:
    custom = project / "skill-package" / "interactionModels" / "custom"
    assert sorted(p.stem for p in custom.glob("*.json")) == sorted(LOCALES)
    for locale in LOCALES:
        assert _read(custom / f"{locale}.json") == load_model(locale)


def test_generated_models_pass_the_structural_checks_and_agree_on_intents(project: Path) -> None:
    custom = project / "skill-package" / "interactionModels" / "custom"
    models = {loc: _read(custom / f"{loc}.json") for loc in LOCALES}
    for loc, model in models.items():
        assert interaction_model_problems(model, loc) == []
    assert same_intents_problems(models) == []
    assert len({tuple(sorted(intent_names(m))) for m in models.values()}) == 1


def test_manifest_passes_the_structural_checks(project: Path) -> None:
    assert manifest_problems(_skill_json(project)) == []


def test_cli_package_command_writes_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPREST_ENDPOINT_URI", ENDPOINT)
    assert cli_main(["package", "--out", str(tmp_path / "p")]) == 0
    assert manifest_problems(_read(tmp_path / "p" / "skill-package" / "skill.json")) == []


# --------------------------------------------------------------------------- listing


def test_all_five_locales_are_listed_and_distributed(project: Path) -> None:
    pub = _skill_json(project)["manifest"]["publishingInformation"]
    assert set(pub["locales"]) == set(LOCALES)
    assert pub["isAvailableWorldwide"] is False
    assert sorted(pub["distributionCountries"]) == ["AU", "CA", "GB", "IN", "US"]
    assert pub["category"] == "HEALTH_AND_FITNESS"
    assert all(info["name"] == "Hip Rest" for info in pub["locales"].values())


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_resolve_to_intents_on_that_locales_model(
    project: Path, locale: str
) -> None:
    info = _skill_json(project)["manifest"]["publishingInformation"]["locales"][locale]
    model = _read(project / "skill-package" / "interactionModels" / "custom" / f"{locale}.json")
    matcher = Matcher(model)
    phrases = info["examplePhrases"]
    assert len(phrases) == 3
    assert matcher.match(phrases[0]).kind == "LaunchRequest"
    for phrase in phrases[1:]:
        found = matcher.match(phrase)
        assert found.kind == "IntentRequest", phrase
        assert found.intent not in (None, FALLBACK_INTENT), phrase
        assert found.intent in intent_names(model)
        assert found.score == 1.0, f"{phrase!r} only matches fuzzily"
    # Certification: one-shot phrases name the invocation after "ask", first letter capital.
    assert all(re.match(r"^Alexa, ask hip rest ", p) for p in phrases[1:])
    assert len(set(phrases)) == 3


@pytest.mark.parametrize("locale", LOCALES)
def test_description_disclaims_and_gives_that_locales_emergency_number(
    project: Path, locale: str
) -> None:
    info = _skill_json(project)["manifest"]["publishingInformation"]["locales"][locale]
    vars_ = default_library().for_locale(locale).vars
    text = info["description"]
    assert "not a substitute for professional medical advice" in text.lower()
    assert f"call {vars_['listing_emergency']}" in text
    assert vars_["physio"] in text
    assert "{" not in text and "}" not in text
    assert len(info["summary"]) <= 160


def test_english_variants_differ_where_their_users_do(project: Path) -> None:
    locales = _skill_json(project)["manifest"]["publishingInformation"]["locales"]
    assert "call 911" in locales["en-US"]["description"]
    assert "call 911" in locales["en-CA"]["description"]
    assert "999 or 112" in locales["en-GB"]["description"]
    assert "000" in locales["en-AU"]["description"]
    assert "call 112" in locales["en-IN"]["description"]
    assert "physical therapist" in locales["en-US"]["description"]
    for locale in ("en-GB", "en-AU", "en-IN"):
        assert "physiotherapist" in locales[locale]["description"]
    assert "centre" in locales["en-GB"]["description"]
    assert "center" not in locales["en-GB"]["description"]


def test_listing_makes_no_disease_claims(project: Path) -> None:
    claim = re.compile(r"\b(treats|cures|heals|relieves|diagnoses)\b", re.IGNORECASE)
    for info in _skill_json(project)["manifest"]["publishingInformation"]["locales"].values():
        for text in (info["summary"], info["description"], *info["examplePhrases"]):
            assert not claim.search(text), text


def test_an_example_phrase_that_is_not_a_sample_is_rejected() -> None:
    model = load_model("en-US")
    matcher = Matcher(model)
    assert example_phrase_problem("Alexa, ask hip rest blorp the frobnicator", model, matcher)
    assert example_phrase_problem("Alexa, ask some other skill for help", model, matcher)
    assert example_phrase_problem("alexa open hip rest", model, matcher)  # no capital/comma
    assert example_phrase_problem("Alexa, open hip rest!", model, matcher)  # symbol
    assert example_phrase_problem("Alexa, open hip rest", model, matcher) is None


def test_too_few_matching_example_phrases_stop_the_package(tmp_path: Path) -> None:
    model = copy.deepcopy(load_model("en-US"))
    lm = model["interactionModel"]["languageModel"]
    lm["intents"] = [i for i in lm["intents"] if i["name"].startswith("AMAZON.")]
    with pytest.raises(PackageError, match="example phrases"):
        write_package(tmp_path, _settings(), models={loc: model for loc in LOCALES})
    assert not (tmp_path / "skill-package").exists()


# --------------------------------------------------------------------------- endpoint


def test_lambda_arn_becomes_the_endpoint_uri_for_requests_and_events() -> None:
    m = build_manifest(_settings(lambda_arn=ARN))["manifest"]
    assert m["apis"]["custom"]["endpoint"] == {"uri": ARN}
    assert m["events"]["endpoint"] == {"uri": ARN}
    assert m["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]


def test_https_endpoint_carries_its_certificate_type() -> None:
    s = _settings(endpoint_uri="https://tunnel.example.net/alexa", endpoint_certificate="Trusted")
    m = build_manifest(s)["manifest"]
    expected = {"uri": "https://tunnel.example.net/alexa", "sslCertificateType": "Trusted"}
    assert m["apis"]["custom"]["endpoint"] == expected
    assert m["events"]["endpoint"] == expected


@pytest.mark.parametrize(
    "kw",
    [
        {"endpoint_uri": "http://plain.example.net/alexa"},
        {"lambda_arn": "arn:aws:s3:::bucket"},
        {"lambda_arn": ARN, "endpoint_uri": "https://x.example.net/alexa"},
    ],
)
def test_bad_or_ambiguous_endpoint_settings_are_refused(kw: dict[str, str]) -> None:
    with pytest.raises(PackageError):
        build_manifest(_settings(**kw))


def test_policy_urls_come_from_settings_for_every_locale() -> None:
    s = _settings(privacy_policy_url="https://a.example/p", terms_url="https://a.example/t")
    pac = build_manifest(s)["manifest"]["privacyAndCompliance"]
    assert set(pac["locales"]) == set(LOCALES)
    for urls in pac["locales"].values():
        assert urls == {"privacyPolicyUrl": "https://a.example/p",
                        "termsOfUseUrl": "https://a.example/t"}
    assert pac["containsAds"] is False and pac["isChildDirected"] is False
    assert pac["allowsPurchases"] is False


# --------------------------------------------------------------------------- switches


def test_apl_and_reminders_switches_add_interface_and_permission() -> None:
    off = build_manifest(_settings(), apl=False, reminders=False)["manifest"]
    on = build_manifest(_settings(), apl=True, reminders=True)["manifest"]
    assert off["apis"]["custom"]["interfaces"] == []
    assert "permissions" not in off
    assert on["apis"]["custom"]["interfaces"] == [{"type": "ALEXA_PRESENTATION_APL"}]
    assert on["permissions"] == [{"name": "alexa::alerts:reminders:skill:readwrite"}]
    assert manifest_problems({"manifest": on}) == []


def _code_mentions(needle: str) -> bool:
    skip = {"package.py", "envelopes.py", "turn.py"}
    return any(
        needle in p.read_text(encoding="utf-8")
        for p in SKILL_DIR.rglob("*.py")
        if p.name not in skip
    )


def test_switches_agree_with_the_code() -> None:
    # Flip the switch in skill/package.py in the commit that lands the capability.
    apl = _code_mentions("Alexa.Presentation.APL.RenderDocument")
    assert apl == package.APL_INTERFACE, (
        f"the code {'sends' if apl else 'no longer sends'} APL directives: set "
        f"APL_INTERFACE = {apl} in skill/package.py so skill.json declares it"
    )
    reminders = _code_mentions("/v1/alerts/reminders")
    assert reminders == package.REMINDERS_PERMISSION, (
        f"the code {'calls' if reminders else 'no longer calls'} the Reminders API: set "
        f"REMINDERS_PERMISSION = {reminders} in skill/package.py so skill.json asks for it"
    )


# --------------------------------------------------------------------------- the checkers


def _good_manifest() -> dict[str, Any]:
    return build_manifest(_settings(lambda_arn=ARN))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("manifestVersion",), "2.0"),
        (("privacyAndCompliance", "containsAds"), "no"),
        (("publishingInformation", "distributionCountries"), []),
        (("publishingInformation", "locales", "en-US", "summary"), "x" * 161),
        (("publishingInformation", "locales", "en-GB", "examplePhrases"), ["Alexa, a"] * 4),
        (("apis", "custom", "endpoint"), {"uri": "http://insecure.example/alexa"}),
        (("apis", "custom", "endpoint"), {"uri": "https://x.example/alexa"}),  # no cert type
        (("events", "subscriptions"), "SKILL_DISABLED"),
        (("privacyAndCompliance", "locales", "en-IN", "privacyPolicyUrl"), "ftp://x"),
    ],
)
def test_manifest_checker_catches_each_broken_field(path: tuple[str, ...], value: Any) -> None:
    data = _good_manifest()
    node = data["manifest"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert manifest_problems(data)


def test_manifest_checker_catches_a_missing_section() -> None:
    data = _good_manifest()
    del data["manifest"]["privacyAndCompliance"]
    assert manifest_problems(data) == ["privacyAndCompliance missing"]


def _model_with(**intent: Any) -> dict[str, Any]:
    model = copy.deepcopy(load_model("en-US"))
    model["interactionModel"]["languageModel"]["intents"].append(intent)
    return model


@pytest.mark.parametrize(
    "model",
    [
        _model_with(name="CountIntent", samples=["count to 3"]),
        _model_with(name="SlotIntent", samples=["go {Where}"]),
        _model_with(name="TypeIntent", slots=[{"name": "X", "type": "NoSuchType"}],
                    samples=["go {X}"]),
        _model_with(name="Bad-Name", samples=["bad name"]),
        _model_with(name="DupIntent", samples=["same thing", "Same thing"]),
        _model_with(name="SymbolIntent", samples=["pain & sleep"]),
    ],
    ids=["digit", "undeclared-slot", "unknown-type", "intent-name", "duplicate", "symbol"],
)
def test_model_checker_catches_what_the_model_build_rejects(model: dict[str, Any]) -> None:
    assert interaction_model_problems(model)


def test_model_checker_wants_a_lowercase_two_word_invocation() -> None:
    model = copy.deepcopy(load_model("en-US"))
    model["interactionModel"]["languageModel"]["invocationName"] = "Hip Rest"
    assert interaction_model_problems(model)
    model["interactionModel"]["languageModel"]["invocationName"] = "hiprest"
    assert interaction_model_problems(model)


def test_locale_missing_an_intent_stops_the_package(tmp_path: Path) -> None:
    short = copy.deepcopy(load_model("en-US"))
    lm = short["interactionModel"]["languageModel"]
    lm["intents"] = [i for i in lm["intents"] if i["name"] != "AMAZON.HelpIntent"]
    models = {loc: load_model(loc) for loc in LOCALES} | {"en-IN": short}
    problems = same_intents_problems(models)
    assert problems and "en-IN" in problems[0] and "AMAZON.HelpIntent" in problems[0]
    with pytest.raises(PackageError, match="en-IN"):
        write_package(tmp_path, _settings(), models=models)


# --------------------------------------------------------------------------- certification


def test_icons_are_drawn_at_both_sizes_and_referenced_by_every_locale(project: Path) -> None:
    from skill.icon import MOON, PILLOW
    from tests.support.png import decode

    listings = _skill_json(project)["manifest"]["publishingInformation"]["locales"]
    for size, key in ((108, "smallIconUri"), (512, "largeIconUri")):
        uris = {info[key] for info in listings.values()}
        assert len(uris) == 1
        (uri,) = uris
        assert uri.startswith("file://assets/images/")
        rows = decode((project / "skill-package" / uri.removeprefix("file://")).read_bytes())
        assert len(rows) == size and all(len(r) == size for r in rows)
        # What the drawing says: the moon upper right, the pillow below the middle, a
        # dark night sky in the corners.
        assert rows[int(0.45 * size)][int(0.50 * size)] == MOON
        assert rows[int(0.73 * size)][int(0.50 * size)] == PILLOW
        assert all(max(rows[y][x]) < 0x50 for y, x in ((0, 0), (0, size - 1), (size - 1, 0)))


def test_policy_links_default_to_the_self_hosted_servers_own_pages(project: Path) -> None:
    for urls in _skill_json(project)["manifest"]["privacyAndCompliance"]["locales"].values():
        assert urls == {"privacyPolicyUrl": "https://hiprest.tunnel-host.net/privacy",
                        "termsOfUseUrl": "https://hiprest.tunnel-host.net/terms"}


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({}, "privacy policy URL is not set"),
        ({"privacy_policy_url": "https://example.com/hiprest/privacy",
          "terms_url": "https://example.com/hiprest/terms"}, "is a placeholder"),
        ({"endpoint_uri": "https://hiprest.example.org/alexa"}, "is a placeholder"),
        ({"privacy_policy_url": "http://hiprest.tunnel-host.net/privacy",
          "terms_url": "https://hiprest.tunnel-host.net/terms"}, "privacyPolicyUrl: https URL"),
    ],
)
def test_package_refuses_missing_or_placeholder_policy_links_and_writes_nothing(
    tmp_path: Path, kw: dict[str, str], reason: str
) -> None:
    with pytest.raises(PackageError, match=reason):
        write_package(tmp_path / "p", _settings(**kw))
    assert not (tmp_path / "p").exists()


def test_package_refuses_missing_icons_unless_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(endpoint_uri=ENDPOINT)
    with pytest.raises(PackageError, match=r"smallIconUri .* is not in the package"):
        write_package(tmp_path / "p", settings, assets={})
    assert not (tmp_path / "p").exists()
    write_package(tmp_path / "p", settings, assets={}, draft=True)
    assert "draft: en-US: largeIconUri" in capsys.readouterr().err
    assert (tmp_path / "p" / "skill-package" / "skill.json").is_file()


def test_cli_says_why_it_refuses_and_draft_writes_anyway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["package", "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "certification would reject it" in err and "HIPREST_PRIVACY_POLICY_URL" in err
    assert not (tmp_path / "p").exists()
    assert cli_main(["package", "--draft", "--out", str(tmp_path / "p")]) == 0
    assert "draft: privacy policy URL is not set" in capsys.readouterr().err


# --------------------------------------------------------------------------- one-command deploy

POLICY = {"privacy_policy_url": "https://hiprest.tunnel-host.net/privacy",
          "terms_url": "https://hiprest.tunnel-host.net/terms"}


@pytest.fixture(scope="module")
def deploy_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ask-deploy")
    return write_package(out, _settings(profile="public", **POLICY), deployer=True)


def test_deployer_project_lets_ask_deploy_do_code_stack_and_endpoint(
    deploy_project: Path,
) -> None:
    profile = _read(deploy_project / "ask-resources.json")["profiles"]["default"]
    assert profile["code"]["default"]["src"] == "./lambda"
    infra = profile["skillInfrastructure"]
    assert infra["type"] == "@ask-cli/cfn-deployer"
    config = infra["userConfig"]
    assert config["runtime"] == "python3.13"
    assert config["handler"] == "skill.lambda_function.lambda_handler"
    assert (deploy_project / config["templatePath"]).is_file()
    # ask-cli points the events endpoint (SKILL_DISABLED deletes the data) at the function.
    assert config["skillEvents"] == {"subscriptions": ["SKILL_DISABLED"]}
    assert config["cfn"]["parameters"]["Profile"] == "public"
    # The stack declares what the deployer passes and what ask-resources adds.
    stack = (deploy_project / config["templatePath"]).read_text(encoding="utf-8")
    for name in ("SkillId", "LambdaRuntime", "LambdaHandler", "CodeBucket", "CodeKey",
                 "CodeVersion", *config["cfn"]["parameters"]):
        assert re.search(rf"^  {name}:$", stack, re.M), name
    assert re.search(r"^  SkillEndpoint:$", stack, re.M)
    # No endpoint yet: the deployer writes it after the stack is up.
    assert "endpoint" not in _skill_json(deploy_project)["manifest"]["apis"]["custom"]


def test_deployer_code_tree_answers_a_launch_on_its_own(
    deploy_project: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    code = deploy_project / "lambda"
    assert not (code / "skill" / "static").exists() and not (code / "skill" / "_data").exists()
    assert (code / "requirements.txt").read_text() == (
        SKILL_DIR.parent / "infra" / "requirements.txt").read_text()
    hook = deploy_project / "hooks" / "build.sh"
    assert os.access(hook, os.X_OK) and "--platform manylinux2014_x86_64" in hook.read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env.update(PYTHONPATH=str(code), HIPREST_STORE="sqlite", HIPREST_DATA_DIR=str(tmp_path),
               HIPREST_SKILL_ID="amzn1.ask.skill.11111111-2222-4333-8444-555555555555")
    script = (
        "import skill, skill.content as c; from datetime import UTC, datetime;"
        "from skill import envelopes; from skill.lambda_function import lambda_handler;"
        "caller = envelopes.Caller(application_id="
        "'amzn1.ask.skill.11111111-2222-4333-8444-555555555555');"
        "r = lambda_handler(envelopes.launch(caller, datetime.now(UTC)), None);"
        "print(skill.__file__); print(c.CONTENT_DIR); print('Hip Rest' in str(r))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert out == [str(code / "skill" / "__init__.py"), str(code / "content"), "True"]


def test_deployer_refuses_an_endpoint_it_would_overwrite(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="sets the endpoint itself"):
        write_package(tmp_path / "p", _settings(lambda_arn=ARN, **POLICY), deployer=True)


def test_ask_run_finds_the_handler_where_the_local_debugger_looks(
    deploy_project: Path, tmp_path: Path
) -> None:
    """ask-cli's `ask run` takes the handler's last two parts (lambda_function,
    lambda_handler), and ask-sdk-local-debug loads <code src>/lambda_function.py by
    path (importlib spec_from_file_location) and calls handler(envelope, None)."""
    import os
    import subprocess
    import sys

    config = _read(deploy_project / "ask-resources.json")["profiles"]["default"]
    *_, file_name, handler = config["skillInfrastructure"]["userConfig"]["handler"].split(".")
    path = deploy_project / config["code"]["default"]["src"] / f"{file_name}.py"
    script = (
        "import importlib.util, json, sys; from datetime import UTC, datetime;"
        f"spec = importlib.util.spec_from_file_location({handler!r}, {str(path)!r});"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod);"
        f"fn = getattr(mod, {handler!r}); import skill; from skill import envelopes;"
        "caller = envelopes.Caller(application_id="
        "'amzn1.ask.skill.11111111-2222-4333-8444-555555555555');"
        "env = json.loads(json.dumps(envelopes.launch(caller, datetime.now(UTC))));"
        "print(skill.__file__); print('Hip Rest' in json.dumps(fn(env, None)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env.update(HIPREST_DATA_DIR=str(tmp_path),
               HIPREST_SKILL_ID="amzn1.ask.skill.11111111-2222-4333-8444-555555555555")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert out == [str(deploy_project / "lambda" / "skill" / "__init__.py"), "True"]
