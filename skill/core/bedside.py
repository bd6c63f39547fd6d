"""Bedside advice rules (pure): which content item answers which situation.

Handlers pass in what was said and what is remembered (the painful side from the
shared profile, the usual sleep position); these functions return the content key
and its parameters. No wording lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from skill.profile import Side, other_side

Position = Literal["back", "side", "stomach"]
POSITIONS: tuple[Position, ...] = ("back", "side", "stomach")
SIDES: tuple[Side, ...] = ("left", "right", "both")
BEDSIDE_KEY = "bedside"


class BedsideState(BaseModel):
    """Persistent: the position the user told us they sleep in."""

    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use
    v: Literal[1] = 1
    position: Position | None = None


@dataclass(frozen=True)
class Advice:
    key: str
    params: dict[str, str] = field(default_factory=dict)


def as_position(value: str | None) -> Position | None:
    for position in POSITIONS:
        if value == position:
            return position
    return None


def as_side(value: str | None) -> Side | None:
    for side in SIDES:
        if value == side:
            return side
    return None


def _one_side(painful: Side) -> dict[str, str]:
    good = other_side(painful)
    assert good is not None  # only called for "left"/"right"
    return {"painful": painful, "good": good}


def pillow_advice(
    position: Position, painful: Side | None, lying_on: Side | None = None
) -> Advice:
    """Pillow placement for a sleep position, shaped by the remembered painful side.

    ``lying_on`` is the side the user said they sleep on ("my left side"); if that
    is the painful one, the advice says to roll to the other side.
    """
    if position == "back":
        return Advice("bedside.pillow.back")
    if position == "stomach":
        return Advice("bedside.pillow.stomach")
    if painful == "both":
        return Advice("bedside.pillow.side_both")
    if painful in ("left", "right"):
        if lying_on == painful:
            return Advice("bedside.pillow.side_sore", _one_side(painful))
        return Advice("bedside.pillow.side_known", _one_side(painful))
    return Advice("bedside.pillow.side")


def side_advice(painful: Side, *, newly_told: bool) -> Advice:
    """Which side to lie on once the painful side is known."""
    if painful == "both":
        return Advice("bedside.side.both" if newly_told else "bedside.side.both_known")
    return Advice("bedside.side.one" if newly_told else "bedside.side.known", _one_side(painful))


def night_pain_advice(painful: Side | None) -> Advice:
    if painful in ("left", "right"):
        return Advice("bedside.night_pain_known", {"good": _one_side(painful)["good"]})
    return Advice("bedside.night_pain")
