"""Settings of the polls cog (`[cogs.polls]`, overridable per community)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from bot.cog import CogSettings

_DURATION = re.compile(r"^\d+(\.\d+)?\s*(w|d|h|m|min)$")


class PollsSettings(CogSettings):
    """Settings of the polls cog (`[cogs.polls]`, overridable per community)."""

    channel: str | None = None
    default_duration: str = "2d"
    results: Literal["live", "close"] = "live"
    native_polls: bool = True
    surveys_anonymous: bool = True
    min_respondents: int = Field(default=3, ge=1, le=100)  # anonymous results and open answers are shown from this many answers
    key_file: str | None = None

    @field_validator("default_duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not _DURATION.match(value.strip().lower()):
            raise ValueError(f"{value!r} is not a duration (use 2d, 48h, 90m or 1w)")
        return value
