"""Settings from the environment (prefix ``HIPREST_``), validated once at start-up.

A bad setting must stop start-up with one readable line, so :func:`load_settings`
turns pydantic's multi-line report into a single :class:`SettingsError` message.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SKILL_ID_RE = re.compile(r"^amzn1\.(ask\.skill|echo-sdk-ams\.app)\.[0-9a-fA-F-]{8,}$")

LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")


def default_data_dir() -> Path:
    # A per-user data directory, never inside the repository checkout. Imported here:
    # Lambda and the benchmark set HIPREST_DATA_DIR (or use DynamoDB) and never need it.
    import platformdirs

    return Path(platformdirs.user_data_dir("hiprest", appauthor=False))


class SettingsError(Exception):
    """One-line description of what is wrong with the configuration."""


ENV_PREFIX = "HIPREST_"


class Settings(BaseModel):
    # A plain model fed from the environment by load_settings: pydantic-settings did the
    # same reading but its import (asyncio, dotenv, CLI parsing) was ~40-90 ms of a
    # Lambda cold start. Values arrive as strings and pydantic's lax mode parses them
    # ("1"/"true"/"yes" -> True, "2048" -> int) exactly as pydantic-settings did.
    model_config = ConfigDict(extra="ignore", frozen=True)

    skill_id: str | None = None
    dev: bool = False
    verify_requests: bool = True
    # Mirrors flask-ask-sdk's ASK_VERIFY_TIMESTAMP_DEBUG: True skips only the timestamp check.
    verify_timestamp_debug: bool = False
    # Real vectors predate Signature-256; production requires it unless told otherwise.
    require_signature_256: bool = True
    data_dir: Path = Field(default_factory=default_data_dir)
    store: Literal["sqlite", "dynamodb"] = "sqlite"
    dynamodb_table: str = "hiprest-users"
    dynamodb_region: str | None = None
    dynamodb_endpoint_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(default=128 * 1024, ge=1024, le=10 * 1024 * 1024)
    settings_api_timeout_s: float = Field(default=1.5, gt=0, le=1.5)
    cert_fetch_timeout_s: float = Field(default=2.0, gt=0, le=2.0)
    # Time to receive a request body: Alexa sends its few KB at once; a client that
    # drips one holds a server thread, so it is cut off well inside Alexa's 8 s.
    body_timeout_s: float = Field(default=2.0, gt=0, le=5.0)
    # "private" keeps the check-in history, the painful side and red flags (a skill in
    # development or beta test); "public" stores nothing about the user's health, for
    # certification without the HIPAA-eligible programme (docs/deploy.md).
    profile: Literal["private", "public"] = "private"
    # Skill package: where the store listing points. Unset, `hiprest package` uses the
    # self-hosted server's /privacy and /terms (HIPREST_ENDPOINT_URI's host).
    privacy_policy_url: str | None = None
    terms_url: str | None = None
    endpoint_uri: str | None = None
    endpoint_certificate: Literal["Wildcard", "SelfSigned", "Trusted"] = "Wildcard"
    lambda_arn: str | None = None
    # Development runs only (chat, serve --dev, the simulator): a pinned "now" and the
    # user's time zone, to replay a morning. Production refuses both (see below).
    now: str | None = None
    tz: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("skill_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("skill_id")
    @classmethod
    def _skill_id_shape(cls, value: str | None) -> str | None:
        if value is not None and not SKILL_ID_RE.match(value):
            raise ValueError("must look like amzn1.ask.skill.<uuid>")
        return value

    @field_validator("now", "tz", mode="before")
    @classmethod
    def _blank_clock_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            from skill.devclock import parse_zone

            parse_zone(value)  # ClockError is a ValueError: one line, naming HIPREST_TZ
        return value

    @model_validator(mode="after")
    def _clock_override_only_in_dev(self) -> Settings:
        if not self.dev and (self.now is not None or self.tz is not None):
            raise ValueError(
                "HIPREST_NOW / HIPREST_TZ (--now / --tz) are for development runs only "
                "(chat, serve --dev); production always uses the real clock"
            )
        if self.now is not None:
            from skill.devclock import parse_now

            parse_now(self.now, self.user_zone)
        return self

    @property
    def user_zone(self) -> ZoneInfo | None:
        """The time zone fixed for a development run, if any."""
        if self.tz is None:
            return None
        from skill.devclock import parse_zone

        return parse_zone(self.tz)

    @property
    def pinned_now(self) -> datetime | None:
        """The moment a development run starts at, if pinned."""
        if self.now is None:
            return None
        from skill.devclock import parse_now

        return parse_now(self.now, self.user_zone)

    @model_validator(mode="after")
    def _skill_id_required_in_production(self) -> Settings:
        if not self.dev and self.skill_id is None:
            raise ValueError(
                "HIPREST_SKILL_ID is required unless running with --dev (HIPREST_DEV=1)"
            )
        return self

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "hiprest.db"

    @property
    def verify_enabled(self) -> bool:
        # Dev mode (simulator page) never verifies: requests come from this machine.
        return self.verify_requests and not self.dev


def _one_line(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"])
        name = f"HIPREST_{loc.upper()}" if loc else "settings"
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {msg}" if loc else msg)
    return "invalid configuration: " + "; ".join(parts)


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (overrides win) or raise SettingsError with one line."""
    # Environment names are case-insensitive, as with pydantic-settings' default.
    prefix = len(ENV_PREFIX)
    values: dict[str, Any] = {}
    for key, value in os.environ.items():
        if key[:prefix].upper() == ENV_PREFIX:
            name = key[prefix:].lower()
            if name in Settings.model_fields:
                values[name] = value
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
