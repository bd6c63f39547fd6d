"""Typed content for guided routines (the ``routines`` section of content/en).

Parsed once, on the section's first read, through ``skill.sections.SECTION_MODELS``; the routine
state machine and the handler read these objects, never raw YAML.
"""

from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MoveField = Literal["name", "start", "movement", "feel", "breath", "stop", "easier"]
_TEXT_FIELDS: tuple[MoveField, ...] = (
    "name",
    "start",
    "movement",
    "feel",
    "breath",
    "stop",
    "easier",
)


def _placeholders(text: str) -> set[str]:
    # Not skill.content.placeholders: skill.content imports this module via sections.
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


class MoveSpec(BaseModel):
    """One move: every field a person needs to do it safely with their eyes closed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=2)
    source: str = Field(min_length=1)
    # hold: static hold of hold_s, `reps` times. reps: `reps` movements at pace_s each.
    kind: Literal["hold", "reps"]
    hold_s: float = Field(default=0, ge=0, le=60)
    reps: int = Field(default=1, ge=1, le=20)
    pace_s: float = Field(default=0, ge=0, le=10)
    sides: Literal["each", "none"] = "none"
    # Lying on one side with the working ({side}) leg on top, so the body rests on
    # the other hip. Lying on the painful side compresses it (clinical-notes: the main
    # aggravator), so with a known sore side only the side with the sore leg on top
    # is done, and with both hips sore ``both_sore`` (a move not done lying on a hip)
    # is done instead.
    side_lying: bool = False
    both_sore: str | None = None
    # Breathing "holds" are cued "just breathe", not "hold it there".
    cue: Literal["hold", "breathe"] = "hold"
    gentler: str | None = None
    start: str = Field(min_length=5)
    movement: str = Field(min_length=5)
    feel: str = Field(min_length=5)
    breath: str = Field(min_length=5)
    stop: str = Field(min_length=5)
    easier: str = Field(min_length=5)

    @model_validator(mode="after")
    def _dose_and_sides(self) -> MoveSpec:
        if self.kind == "hold" and self.hold_s < 5:
            raise ValueError("a hold needs hold_s of at least 5 s")
        if self.kind == "reps" and self.pace_s <= 0:
            raise ValueError("a reps move needs pace_s")
        if self.side_lying and self.sides != "each":
            raise ValueError("a side-lying move must be done on each side")
        if self.side_lying != (self.both_sore is not None):
            raise ValueError("a side-lying move, and only one, names its both_sore move")
        allowed = {"side"} if self.sides == "each" else set()
        for field in _TEXT_FIELDS:
            extra = _placeholders(getattr(self, field)) - allowed
            if extra:
                raise ValueError(f"{field} uses placeholder(s) {sorted(extra)}")
        return self

    @property
    def two_sided(self) -> bool:
        return self.sides == "each"

    def text(self, field: MoveField, side: str | None = None) -> str:
        raw: str = getattr(self, field)
        return raw.format(side=side or "left") if self.two_sided else raw


class RoutineMove(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    move: str
    # Strengthening progresses over weeks (LEAP): a move joins from this week on.
    from_week: int = Field(default=0, ge=0)


class RoutineSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=3)
    source: str
    moves: tuple[RoutineMove, ...] = Field(min_length=1)

    @field_validator("moves")
    @classmethod
    def _unique(cls, value: tuple[RoutineMove, ...]) -> tuple[RoutineMove, ...]:
        ids = [m.move for m in value]
        if len(ids) != len(set(ids)):
            raise ValueError("a routine lists a move twice")
        return value

    def move_ids(self, week: int = 0) -> list[str]:
        return [m.move for m in self.moves if m.from_week <= week]


class RoutineLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    routines: dict[str, RoutineSpec]
    moves: dict[str, MoveSpec]

    @model_validator(mode="after")
    def _references(self) -> RoutineLibrary:
        for rid, routine in self.routines.items():
            for entry in routine.moves:
                if entry.move not in self.moves:
                    raise ValueError(f"routine {rid!r} uses unknown move {entry.move!r}")
        for mid, move in self.moves.items():
            if move.gentler is not None:
                if move.gentler not in self.moves:
                    raise ValueError(f"move {mid!r} has unknown gentler {move.gentler!r}")
                if move.gentler == mid:
                    raise ValueError(f"move {mid!r} is its own gentler version")
            if move.both_sore is not None:
                instead = self.moves.get(move.both_sore)
                if instead is None or instead.side_lying:
                    raise ValueError(f"move {mid!r} needs a both_sore move not done lying on a hip")
        return self

    def check_sources(self, sources: set[str]) -> None:
        for rid, routine in self.routines.items():
            if routine.source not in sources:
                raise ValueError(f"routine {rid!r} cites unknown source {routine.source!r}")
        for mid, move in self.moves.items():
            if move.source not in sources:
                raise ValueError(f"move {mid!r} cites unknown source {move.source!r}")
