"""``hiprest package --out DIR``: an ASK CLI (v2) project built from the repo's sources.

Writes::

    DIR/ask-resources.json
    DIR/skill-package/skill.json
    DIR/skill-package/interactionModels/custom/<locale>.json   (one per LOCALES)
    DIR/skill-package/assets/images/hiprest-{108,512}.png      (from skill/icon.py)

Everything is generated, never hand-kept: the models from ``interaction_models/``
through :func:`skill.models.load_model` (en-US plus small locale overlays), the
store listing from the ``listing`` content section rendered with each locale's
vars, the endpoint and policy URLs from settings. The structural checks here
(:func:`manifest_problems`, :func:`interaction_model_problems`) follow the
published skill-manifest and interaction-model schemas for the fields ask-cli
and SMAPI reject; :func:`write_package` refuses to write a project that fails them,
and (unless ``draft``) one certification would reject: placeholder or missing
policy URLs, missing or wrongly sized icons (:func:`certification_problems`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from skill.content import ContentLibrary, LocaleContent, default_library
from skill.data import data_dir
from skill.icon import SIZES as ICON_SIZES
from skill.icon import icons as draw_icons
from skill.icon import png_size
from skill.listing import (
    DESCRIPTION_MAX,
    EXAMPLE_PHRASE_RE,
    EXAMPLE_PHRASES,
    SUMMARY_MAX,
    StoreListing,
)
from skill.matcher import FALLBACK_INTENT, Matcher, normalise
from skill.models import intent_names, language_model, load_model
from skill.settings import LOCALES, Settings

# Switches for capabilities that change what the manifest must declare. Flip
# them in the commit that lands the capability; tests/test_package.py fails
# while a switch disagrees with the code (APL directives / reminders API calls).
APL_INTERFACE = True
REMINDERS_PERMISSION = True

ASK_RESOURCES_VERSION = "2020-03-31"
# ask-cli's CloudFormation deployer (`hiprest package --deployer cfn`).
CFN_DEPLOYER = "@ask-cli/cfn-deployer"
LAMBDA_DIR = "lambda"
LAMBDA_RUNTIME = "python3.13"
LAMBDA_HANDLER = "skill.lambda_function.lambda_handler"
STACK_TEMPLATE = "infrastructure/cfn-deployer/skill-stack.yaml"
DEFAULT_AWS_REGION = "us-east-1"
SKILL_PACKAGE_DIR = "skill-package"
CATEGORY = "HEALTH_AND_FITNESS"
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
# ISO 3166-1 alpha-2 for each locale we publish in.
COUNTRIES = {"en-US": "US", "en-GB": "GB", "en-CA": "CA", "en-AU": "AU", "en-IN": "IN"}
DISCLAIMER = "not a substitute for professional medical advice"
# Inside skill-package/; skill.json points at them as file://<path> (ask-cli uploads them).
ICON_FILES = {"small": "assets/images/hiprest-108.png", "large": "assets/images/hiprest-512.png"}
ICON_KEYS = {"small": "smallIconUri", "large": "largeIconUri"}
# Hosts that are never a published policy: RFC 2606/6761 reserved names and loopback.
_PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net", "localhost", "127.0.0.1")
_PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")

_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[\w$-]+)?$"
)
# Connecting words between the invocation name and the request ("ask X to ...").
_CONNECTORS = ("to", "for", "about", "if", "whether")
_SLOT_REF = re.compile(r"\{(\w+)\}")


class PackageError(ValueError):
    """The project would not be accepted; the message says why."""


# --------------------------------------------------------------------------- listing


def _render(text: str, content: LocaleContent, what: str) -> str:
    try:
        return text.format_map(content.vars).strip()
    except (KeyError, ValueError) as exc:
        raise PackageError(f"{content.locale}: listing {what}: unknown placeholder {exc}") from None


def _render_paragraphs(text: str, content: LocaleContent, what: str) -> str:
    # YAML folded blocks keep blank lines as "\n"; paragraphs stay paragraphs.
    paragraphs = [" ".join(p.split()) for p in text.split("\n")]
    return "\n\n".join(_render(p, content, what) for p in paragraphs if p)


def listing_of(content: LocaleContent) -> StoreListing:
    listing = content.sections.get("listing")
    if not isinstance(listing, StoreListing):
        raise PackageError(f"{content.locale}: no listing section in content")
    return listing


def sample_texts(model: Mapping[str, Any]) -> dict[str, str]:
    """normalised sample (slots as {Name}) -> intent, for every intent's samples."""
    out: dict[str, str] = {}
    for intent in language_model(dict(model))["intents"]:
        for sample in intent.get("samples", []):
            pieces = _SLOT_REF.split(sample)
            key = " ".join(
                normalise(p) if i % 2 == 0 else "{" + p + "}" for i, p in enumerate(pieces)
            )
            out[" ".join(key.split())] = intent["name"]
    return out


def example_phrase_problem(phrase: str, model: Mapping[str, Any], matcher: Matcher) -> str | None:
    """Why certification would reject ``phrase`` for this model, or None.

    The rules (certification's example-phrase checklist): starts with the wake
    word "Alexa," then a launch word and the invocation name; the first phrase
    only opens the skill; the words after the invocation name are one of the
    model's sample utterances (with slot values filled in); plain words only.
    We also require our dev matcher to resolve it to the same, non-fallback intent.
    """
    if not EXAMPLE_PHRASE_RE.match(phrase):
        return f"{phrase!r}: not 'Alexa, <launch word> <invocation name> ...' in plain words"
    invocation = normalise(str(language_model(dict(model)).get("invocationName", "")))
    result = matcher.match(phrase)
    if normalise(phrase) == normalise(f"alexa open {invocation}"):
        return None if result.kind == "LaunchRequest" else f"{phrase!r}: does not launch"
    prefix = f"alexa ask {invocation} "
    said = normalise(phrase)
    if not said.startswith(prefix):
        return f"{phrase!r}: must be 'Alexa, ask {invocation} ...'"
    if result.kind != "IntentRequest" or result.intent in (None, FALLBACK_INTENT):
        return f"{phrase!r}: does not resolve to an intent"
    if result.score < 1.0:
        return f"{phrase!r}: only a fuzzy match for {result.intent}"
    said = said[len(prefix):]
    heard = [said] + [said[len(c) + 1:] for c in _CONNECTORS if said.startswith(c + " ")]
    for sample, intent in sample_texts(model).items():
        if intent != result.intent:
            continue
        pattern = re.sub(r"\\\{\w+\\\}", ".+", re.escape(sample))
        if any(re.fullmatch(pattern, h) for h in heard):
            return None
    return f"{phrase!r}: {said!r} is not a sample utterance of {result.intent}"


def example_phrases(listing: StoreListing, model: Mapping[str, Any]) -> list[str]:
    """The launch phrase and the first valid one-shot candidates, for this model."""
    matcher = Matcher(model)
    chosen: list[str] = []
    problems: list[str] = []
    for phrase in (listing.launch_phrase, *listing.example_phrases):
        problem = example_phrase_problem(phrase, model, matcher)
        if problem is None:
            chosen.append(phrase)
        else:
            problems.append(problem)
        if len(chosen) == EXAMPLE_PHRASES:
            return chosen
    raise PackageError(
        f"only {len(chosen)} of {EXAMPLE_PHRASES} example phrases match the model: "
        + "; ".join(problems)
    )


def locale_listing(content: LocaleContent, model: Mapping[str, Any]) -> dict[str, Any]:
    listing = listing_of(content)
    return {
        "name": _render(listing.name, content, "name"),
        "summary": _render(" ".join(listing.summary.split()), content, "summary"),
        "description": _render_paragraphs(listing.description, content, "description"),
        "examplePhrases": example_phrases(listing, model),
        "keywords": [_render(k, content, "keywords") for k in listing.keywords],
    }


# --------------------------------------------------------------------------- manifest


def endpoint(settings: Settings) -> dict[str, str] | None:
    """The custom API endpoint from settings: a Lambda ARN or an HTTPS URI."""
    if settings.lambda_arn and settings.endpoint_uri:
        raise PackageError("set HIPREST_LAMBDA_ARN or HIPREST_ENDPOINT_URI, not both")
    if settings.lambda_arn:
        if not _LAMBDA_ARN.match(settings.lambda_arn):
            raise PackageError(f"HIPREST_LAMBDA_ARN {settings.lambda_arn!r} is not a Lambda ARN")
        return {"uri": settings.lambda_arn}
    if settings.endpoint_uri:
        if not settings.endpoint_uri.startswith("https://"):
            raise PackageError("HIPREST_ENDPOINT_URI must be an https:// URL")
        return {"uri": settings.endpoint_uri, "sslCertificateType": settings.endpoint_certificate}
    return None


def policy_urls(settings: Settings) -> dict[str, str]:
    """privacyPolicyUrl / termsOfUseUrl: the settings, else the self-hosted server's
    own /privacy and /terms (skill/app.py serves them) when the endpoint is HTTPS."""
    base = None
    if settings.endpoint_uri and settings.endpoint_uri.startswith("https://"):
        parts = urlsplit(settings.endpoint_uri)
        base = f"https://{parts.netloc}"
    urls = {
        "privacyPolicyUrl": settings.privacy_policy_url or (base and f"{base}/privacy"),
        "termsOfUseUrl": settings.terms_url or (base and f"{base}/terms"),
    }
    return {k: v for k, v in urls.items() if v}


def placeholder_problem(url: str | None, what: str) -> str | None:
    """Why ``url`` is not a real published page, or None."""
    if not url:
        return f"{what} is not set"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return f"{what} {url!r} is not an https:// URL"
    reserved = any(host == h or host.endswith("." + h) for h in _PLACEHOLDER_HOSTS)
    if reserved or host.endswith(_PLACEHOLDER_SUFFIXES) or any(
        word in url.lower() for word in ("placeholder", "your-", "<", "todo")
    ):
        return f"{what} {url!r} is a placeholder, not a published page"
    return None


def build_manifest(
    settings: Settings,
    library: ContentLibrary | None = None,
    models: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    apl: bool = APL_INTERFACE,
    reminders: bool = REMINDERS_PERMISSION,
    icons: bool = True,
) -> dict[str, Any]:
    library = library or default_library()
    models = models or {locale: load_model(locale) for locale in LOCALES}
    first = library.for_locale(LOCALES[0])
    custom: dict[str, Any] = {}
    where = endpoint(settings)
    if where is not None:
        custom["endpoint"] = where
    custom["interfaces"] = [{"type": "ALEXA_PRESENTATION_APL"}] if apl else []
    events: dict[str, Any] = {"subscriptions": [{"eventName": "SKILL_DISABLED"}]}
    if where is not None:
        # Events go where requests go (the same function or server handles both).
        events["endpoint"] = dict(where)
    listings = {loc: locale_listing(library.for_locale(loc), models[loc]) for loc in LOCALES}
    if icons:
        for listing in listings.values():
            listing.update({ICON_KEYS[k]: f"file://{path}" for k, path in ICON_FILES.items()})
    urls = policy_urls(settings)
    manifest: dict[str, Any] = {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": listings,
            "isAvailableWorldwide": False,
            "distributionCountries": [COUNTRIES[loc] for loc in LOCALES],
            "distributionMode": "PUBLIC",
            "category": CATEGORY,
            "testingInstructions": " ".join(listing_of(first).testing_instructions.split()),
        },
        "privacyAndCompliance": {
            # Check-in scores and the painful side are health-related data tied
            # to the Alexa user id, so we say yes and ship a privacy policy.
            "usesPersonalInfo": True,
            "allowsPurchases": False,
            "containsAds": False,
            "isExportCompliant": True,
            "isChildDirected": False,
            "locales": {loc: dict(urls) for loc in LOCALES},
        },
        "apis": {"custom": custom},
        "events": events,
    }
    if reminders:
        manifest["permissions"] = [{"name": REMINDERS_SCOPE}]
    return {"manifest": manifest}


def ask_resources(settings: Settings | None = None, *, deployer: bool = False) -> dict[str, Any]:
    """ask-resources.json; with ``deployer`` also the Lambda code and ask-cli's
    CloudFormation deployer, so one `ask deploy` does package, code, stack and endpoint."""
    profile: dict[str, Any] = {"skillMetadata": {"src": f"./{SKILL_PACKAGE_DIR}"}}
    if deployer:
        settings = settings or Settings(dev=True)
        profile["code"] = {"default": {"src": f"./{LAMBDA_DIR}"}}
        profile["skillInfrastructure"] = {
            "type": CFN_DEPLOYER,
            "userConfig": {
                "runtime": LAMBDA_RUNTIME,
                "handler": LAMBDA_HANDLER,
                "templatePath": f"./{STACK_TEMPLATE}",
                "awsRegion": settings.dynamodb_region or DEFAULT_AWS_REGION,
                # ask-cli points the events endpoint at the function too.
                "skillEvents": {"subscriptions": ["SKILL_DISABLED"]},
                "cfn": {"parameters": {"Profile": settings.profile,
                                       "LogLevel": settings.log_level}},
            },
        }
    return {"askcliResourcesVersion": ASK_RESOURCES_VERSION, "profiles": {"default": profile}}


def _copy_tree(src: Path, dest: Path, skip: frozenset[str] = frozenset()) -> None:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_file() and not ({"__pycache__", *skip} & set(rel.parts)):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


def write_deployer_files(out: Path) -> None:
    """The Lambda source tree (skill/ with content/ and interaction_models/ beside it,
    as on Lambda skill/data.py reads them), its requirements, the stack template and
    the build hook that installs Linux wheels."""
    infra = data_dir("infra")
    code = out / LAMBDA_DIR
    # The Flask simulator page is not needed on Lambda, and the wheel's _data copy
    # is replaced by the folders beside the package.
    _copy_tree(Path(__file__).resolve().parent, code / "skill", frozenset({"static", "_data"}))
    for name in ("content", "interaction_models"):
        _copy_tree(data_dir(name), code / name)
    (code / "requirements.txt").write_bytes((infra / "requirements.txt").read_bytes())
    (out / STACK_TEMPLATE).parent.mkdir(parents=True, exist_ok=True)
    (out / STACK_TEMPLATE).write_bytes((infra / "skill-stack.yaml").read_bytes())
    hook = out / "hooks" / "build.sh"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_bytes((infra / "ask-build-hook.sh").read_bytes())
    hook.chmod(0o755)


# --------------------------------------------------------------------------- validation

_INTENT_NAME = re.compile(r"^(AMAZON\.[A-Za-z]+|[A-Za-z_]+)$")
_SLOT_NAME = re.compile(r"^[A-Za-z_]+$")
_TYPE_NAME = re.compile(r"^(AMAZON\.[A-Za-z_.]+|[A-Za-z_]+)$")
# Samples: letters, spaces, apostrophes, periods (for initials) and {Slot}s; no digits.
_SAMPLE_WORDS = re.compile(r"^[a-z' .]+$")
_INVOCATION = re.compile(r"^[a-z][a-z' .]*[a-z]$")
_HTTPS = re.compile(r"^https://\S+$")


def _type_problem(value: Any, kind: type | tuple[type, ...], where: str) -> list[str]:
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        return [f"{where}: expected {expected}, got {type(value).__name__}"]
    return []


def interaction_model_problems(model: Mapping[str, Any], locale: str = "") -> list[str]:
    """What ASK's model build rejects: field presence and types, names, sample text."""
    at = f"{locale}: " if locale else ""
    if set(model) != {"interactionModel"}:
        return [f"{at}top level must be exactly {{interactionModel}}, got {sorted(model)}"]
    im = model["interactionModel"]
    problems = _type_problem(im, dict, f"{at}interactionModel")
    if problems:
        return problems
    lm = im.get("languageModel")
    if not isinstance(lm, dict):
        return [f"{at}interactionModel.languageModel missing or not an object"]
    invocation = lm.get("invocationName")
    if not isinstance(invocation, str) or not _INVOCATION.match(invocation):
        problems.append(f"{at}invocationName {invocation!r}: lowercase words only")
    elif len(invocation.split()) < 2:
        problems.append(f"{at}invocationName {invocation!r}: needs two or more words")
    intents = lm.get("intents")
    if not isinstance(intents, list) or not intents:
        return [*problems, f"{at}languageModel.intents missing or empty"]
    types = lm.get("types", [])
    problems += _type_problem(types, list, f"{at}languageModel.types")
    type_names: set[str] = set()
    for t in types if isinstance(types, list) else []:
        name = t.get("name") if isinstance(t, dict) else None
        if not isinstance(name, str) or not _TYPE_NAME.match(name):
            problems.append(f"{at}slot type name {name!r} is invalid")
            continue
        type_names.add(name)
        values = t.get("values")
        if not isinstance(values, list) or not values:
            problems.append(f"{at}slot type {name}: no values")
            continue
        for v in values:
            value = v.get("name", {}).get("value") if isinstance(v, dict) else None
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{at}slot type {name}: a value without name.value")
            synonyms = v.get("name", {}).get("synonyms", []) if isinstance(v, dict) else []
            if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
                problems.append(f"{at}slot type {name}: synonyms of {value!r} must be strings")
            if isinstance(v, dict) and "id" in v and not isinstance(v["id"], str):
                problems.append(f"{at}slot type {name}: id of {value!r} must be a string")
    seen_intents: set[str] = set()
    for intent in intents:
        if not isinstance(intent, dict):
            problems.append(f"{at}an intent is not an object")
            continue
        name = intent.get("name")
        if not isinstance(name, str) or not _INTENT_NAME.match(name):
            problems.append(f"{at}intent name {name!r} is invalid")
            continue
        if name in seen_intents:
            problems.append(f"{at}intent {name} declared twice")
        seen_intents.add(name)
        slots = intent.get("slots", [])
        slot_names: set[str] = set()
        for slot in slots if isinstance(slots, list) else []:
            s_name, s_type = slot.get("name"), slot.get("type")
            if not isinstance(s_name, str) or not _SLOT_NAME.match(s_name):
                problems.append(f"{at}{name}: slot name {s_name!r} is invalid")
            elif not isinstance(s_type, str) or not (
                s_type.startswith("AMAZON.") or s_type in type_names
            ):
                problems.append(f"{at}{name}: slot {s_name} has unknown type {s_type!r}")
            else:
                slot_names.add(s_name)
        samples = intent.get("samples", [])
        if not isinstance(samples, list):
            problems.append(f"{at}{name}: samples must be a list")
            continue
        if len({s.lower() for s in samples if isinstance(s, str)}) != len(samples):
            problems.append(f"{at}{name}: duplicate samples")
        for sample in samples:
            if not isinstance(sample, str) or not sample.strip():
                problems.append(f"{at}{name}: empty or non-string sample")
                continue
            for ref in _SLOT_REF.findall(sample):
                if ref not in slot_names:
                    problems.append(f"{at}{name}: sample {sample!r} uses undeclared slot {ref}")
            words = _SLOT_REF.sub("", sample)
            if words.strip() and not _SAMPLE_WORDS.match(words):
                problems.append(
                    f"{at}{name}: sample {sample!r} must be lowercase words (no digits or symbols)"
                )
    for required in ("AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent"):
        if required not in seen_intents:
            problems.append(f"{at}required built-in {required} missing")
    return problems


def _is_text(value: Any, where: str, max_len: int | None = None) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return [f"{where}: must be a non-empty string"]
    if max_len is not None and len(value) > max_len:
        return [f"{where}: {len(value)} characters, at most {max_len}"]
    return []


def manifest_problems(skill_json: Mapping[str, Any]) -> list[str]:
    """Required skill.json fields and their types for a custom skill (manifest v1.0)."""
    if set(skill_json) != {"manifest"}:
        return [f"top level must be exactly {{manifest}}, got {sorted(skill_json)}"]
    m = skill_json["manifest"]
    if not isinstance(m, dict):
        return ["manifest: expected object"]
    problems: list[str] = []
    if m.get("manifestVersion") != "1.0":
        problems.append("manifestVersion must be '1.0'")
    pub = m.get("publishingInformation")
    if not isinstance(pub, dict):
        return [*problems, "publishingInformation missing"]
    locales = pub.get("locales")
    if not isinstance(locales, dict) or not locales:
        problems.append("publishingInformation.locales missing or empty")
        locales = {}
    for loc, info in locales.items():
        w = f"publishingInformation.locales.{loc}"
        if not isinstance(info, dict):
            problems.append(f"{w}: expected object")
            continue
        problems += _is_text(info.get("name"), f"{w}.name", 50)
        problems += _is_text(info.get("summary"), f"{w}.summary", SUMMARY_MAX)
        problems += _is_text(info.get("description"), f"{w}.description", DESCRIPTION_MAX)
        phrases = info.get("examplePhrases")
        if not isinstance(phrases, list) or not 1 <= len(phrases) <= EXAMPLE_PHRASES:
            problems.append(f"{w}.examplePhrases: 1 to {EXAMPLE_PHRASES} strings")
        elif not all(isinstance(p, str) and EXAMPLE_PHRASE_RE.match(p) for p in phrases):
            problems.append(f"{w}.examplePhrases: each must start 'Alexa, ' in plain words")
        keywords = info.get("keywords")
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            problems.append(f"{w}.keywords: list of strings")
    worldwide = pub.get("isAvailableWorldwide")
    problems += _type_problem(worldwide, bool, "publishingInformation.isAvailableWorldwide")
    countries = pub.get("distributionCountries", [])
    if worldwide is False and (
        not isinstance(countries, list)
        or not countries
        or not all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in countries)
    ):
        problems.append("distributionCountries: ISO alpha-2 codes, required when not worldwide")
    problems += _is_text(pub.get("category"), "publishingInformation.category")
    pac = m.get("privacyAndCompliance")
    if not isinstance(pac, dict):
        problems.append("privacyAndCompliance missing")
    else:
        for flag in ("usesPersonalInfo", "allowsPurchases", "containsAds",
                     "isExportCompliant", "isChildDirected"):
            problems += _type_problem(pac.get(flag), bool, f"privacyAndCompliance.{flag}")
        pac_locales = pac.get("locales", {})
        for loc in locales:
            urls = pac_locales.get(loc) if isinstance(pac_locales, dict) else None
            if pac.get("usesPersonalInfo") and not isinstance(urls, dict):
                problems.append(f"privacyAndCompliance.locales.{loc}: privacy policy required")
                continue
            for key in ("privacyPolicyUrl", "termsOfUseUrl"):
                url = (urls or {}).get(key)
                if url is not None and not (isinstance(url, str) and _HTTPS.match(url)):
                    problems.append(f"privacyAndCompliance.locales.{loc}.{key}: https URL")
    custom = m.get("apis", {}).get("custom") if isinstance(m.get("apis"), dict) else None
    if not isinstance(custom, dict):
        problems.append("apis.custom missing")
    else:
        problems += _endpoint_problems(custom.get("endpoint"), "apis.custom.endpoint")
        interfaces = custom.get("interfaces", [])
        if not isinstance(interfaces, list) or not all(
            isinstance(i, dict) and isinstance(i.get("type"), str) for i in interfaces
        ):
            problems.append("apis.custom.interfaces: list of {type}")
    events = m.get("events")
    if events is not None:
        subs = events.get("subscriptions") if isinstance(events, dict) else None
        if not isinstance(subs, list) or not all(
            isinstance(s, dict) and isinstance(s.get("eventName"), str) for s in subs
        ):
            problems.append("events.subscriptions: list of {eventName}")
        problems += _endpoint_problems(events.get("endpoint"), "events.endpoint")
    permissions = m.get("permissions", [])
    if not isinstance(permissions, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) for p in permissions
    ):
        problems.append("permissions: list of {name}")
    return problems


def _endpoint_problems(where: Any, at: str) -> list[str]:
    if where is None:
        return []  # ask-cli's deployer fills it in; SMAPI needs it before certification
    if not isinstance(where, dict) or not isinstance(where.get("uri"), str):
        return [f"{at}: object with uri"]
    uri = where["uri"]
    if uri.startswith("arn:"):
        return [] if _LAMBDA_ARN.match(uri) else [f"{at}: malformed Lambda ARN"]
    if not _HTTPS.match(uri):
        return [f"{at}: uri must be https or a Lambda ARN"]
    if where.get("sslCertificateType") not in ("Wildcard", "SelfSigned", "Trusted"):
        return [f"{at}: HTTPS endpoints need sslCertificateType"]
    return []


def same_intents_problems(models: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every locale declares the same intents, slots and slot types as the first."""
    problems: list[str] = []
    shapes: dict[str, tuple[Any, ...]] = {}
    for loc, model in models.items():
        lm = language_model(dict(model))
        shapes[loc] = (
            sorted(intent_names(dict(model))),
            sorted(
                (i["name"], s["name"], s["type"]) for i in lm["intents"] for s in i.get("slots", [])
            ),
            sorted(t["name"] for t in lm.get("types", [])),
        )
    base_locale = next(iter(shapes), None)
    for loc, shape in shapes.items():
        if base_locale is None or shape == shapes[base_locale]:
            continue
        for label, mine, theirs in zip(
            ("intents", "slots", "slot types"), shape, shapes[base_locale], strict=True
        ):
            if mine != theirs:
                diff = sorted(set(map(str, mine)) ^ set(map(str, theirs)))
                problems.append(f"{loc}: {label} differ from {base_locale}: {diff}")
    return problems


def certification_problems(
    skill_json: Mapping[str, Any], assets: Mapping[str, bytes]
) -> list[str]:
    """What certification rejects that the schema allows: policy links that are
    missing or placeholders, icons missing from the package or of the wrong size."""
    m = skill_json["manifest"]
    problems: list[str] = []
    links = (("privacyPolicyUrl", "privacy policy URL", "HIPREST_PRIVACY_POLICY_URL"),
             ("termsOfUseUrl", "terms of use URL", "HIPREST_TERMS_URL"))
    for urls in m["privacyAndCompliance"]["locales"].values():
        for key, what, variable in links:
            problem = placeholder_problem(urls.get(key), what)
            if problem is not None:
                problem += f" (set {variable}, or HIPREST_ENDPOINT_URI for the server's own)"
                if problem not in problems:  # the same links for every locale: say it once
                    problems.append(problem)
    sizes = {ICON_KEYS[k]: ICON_SIZES[k] for k in ICON_KEYS}
    for loc, info in m["publishingInformation"]["locales"].items():
        for key, size in sizes.items():
            uri = info.get(key)
            if not isinstance(uri, str) or not uri.startswith("file://"):
                problems.append(f"{loc}: {key} missing")
                continue
            data = assets.get(uri.removeprefix("file://"))
            if data is None:
                problems.append(f"{loc}: {key} {uri} is not in the package")
            elif png_size(data) != (size, size):
                problems.append(f"{loc}: {key} must be a {size}x{size} PNG, got {png_size(data)}")
    return problems


# --------------------------------------------------------------------------- writing


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_package(
    out: Path,
    settings: Settings,
    *,
    locales: Sequence[str] = LOCALES,
    library: ContentLibrary | None = None,
    models: Mapping[str, Mapping[str, Any]] | None = None,
    assets: Mapping[str, bytes] | None = None,
    draft: bool = False,
    deployer: bool = False,
) -> Path:
    """Write the ASK CLI project under ``out`` and return ``out``.

    Raises PackageError (nothing written) if the manifest or a model fails the
    structural checks, locales disagree on intents, or fewer than three example
    phrases match a locale's model; and, unless ``draft``, if certification would
    reject it (:func:`certification_problems`). ``assets`` (path inside
    skill-package -> bytes) defaults to the icons drawn by :mod:`skill.icon`.
    With ``deployer`` the project also holds the Lambda code and ask-cli's
    CloudFormation deployer (:func:`ask_resources`, :func:`write_deployer_files`).
    """
    if deployer and (settings.lambda_arn or settings.endpoint_uri):
        raise PackageError(
            "--deployer cfn sets the endpoint itself: unset HIPREST_LAMBDA_ARN and"
            " HIPREST_ENDPOINT_URI"
        )
    if models is None:
        models = {loc: load_model(loc) for loc in locales}
    problems = same_intents_problems(models)
    for loc, model in models.items():
        problems += interaction_model_problems(model, loc)
    skill_json = build_manifest(settings, library, models)
    problems += manifest_problems(skill_json)
    for loc, info in skill_json["manifest"]["publishingInformation"]["locales"].items():
        if DISCLAIMER not in info["description"].lower():
            problems.append(f"{loc}: description lacks {DISCLAIMER!r}")
    if problems:
        raise PackageError("package not written:\n  " + "\n  ".join(problems))
    if assets is None:
        drawn = draw_icons()
        assets = {ICON_FILES[k]: drawn[k] for k in ICON_FILES}
    unready = certification_problems(skill_json, assets)
    if unready and not draft:
        raise PackageError(
            "package not written (certification would reject it; --draft writes it anyway):\n  "
            + "\n  ".join(unready)
        )
    for problem in unready:
        print(f"hiprest: draft: {problem}", file=sys.stderr)
    if settings.profile == "private":
        print(
            "hiprest: profile private keeps health data (check-ins, painful side, warning"
            " signs): fine for a skill in development or a beta test; for certification"
            " set HIPREST_PROFILE=public on the endpoint (docs/deploy.md)",
            file=sys.stderr,
        )
    if "endpoint" not in skill_json["manifest"]["apis"]["custom"] and not deployer:
        print(
            "hiprest: no HIPREST_ENDPOINT_URI or HIPREST_LAMBDA_ARN set; skill.json has no"
            " endpoint (fine for `ask deploy` with a deployer, not for SMAPI upload)",
            file=sys.stderr,
        )
    out = Path(out)
    pkg = out / SKILL_PACKAGE_DIR
    _dump(out / "ask-resources.json", ask_resources(settings, deployer=deployer))
    if deployer:
        write_deployer_files(out)
    _dump(pkg / "skill.json", skill_json)
    for loc, model in models.items():
        _dump(pkg / "interactionModels" / "custom" / f"{loc}.json", model)
    for rel, data in assets.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes(data)
    return out
