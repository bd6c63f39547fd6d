"""The small profile every capability may read: painful side, first visit, voice."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PROFILE_KEY = "profile"
Side = Literal["left", "right", "both"]


class Profile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    v: Literal[1] = 1
    painful_side: Side | None = None
    # 0 until the first launch, then 1: only "first visit or not" is ever read, so a
    # returning launch writes nothing (no per-visit store write, no visit count kept
    # about the user). Older profiles hold a count: read as 1, so the next write of
    # the profile (a side, a setting, the time zone check) stores 1 instead.
    launches: int = Field(default=0, ge=0)
    first_seen: str | None = None
    # "on"/"off" by request; "auto" follows the user's local evening (night-voice work).
    night_voice: Literal["auto", "on", "off"] = "auto"
    # Cached Settings API time zone (skill.localtime); checked = UTC ISO time of the last lookup.
    time_zone: str | None = None
    time_zone_checked: str | None = None

    @field_validator("launches")
    @classmethod
    def _visited_or_not(cls, value: int) -> int:
        return min(value, 1)


def other_side(side: Side | None) -> Literal["left", "right"] | None:
    if side == "left":
        return "right"
    if side == "right":
        return "left"
    return None
