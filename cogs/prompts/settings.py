"""The weekly prompts' settings, per community (`[cogs.prompts]`, `[communities.cogs.prompts]`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, field_validator

from bot.cog import CogSettings
from bot.config import check_timezone
from bot.scheduler import CronError, cron_trigger

DEFAULT_CRON = "0 9 * * mon"


class PromptSettings(CogSettings):
    """Where, when and from which pack the weekly prompt is posted."""

    enabled: bool = True
    channel: str | None = Field(default=None, min_length=1, max_length=64)
    cron: str = DEFAULT_CRON
    timezone: str | None = None
    pack: str = Field(default="default", min_length=1, max_length=48)
    packs_folder: str | None = None
    grace_hours: float = Field(default=24, gt=0, le=24 * 14)

    _tz = field_validator("timezone")(lambda v: v if v is None else check_timezone(v))

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            cron_trigger(value, "UTC")
        except CronError as err:
            raise ValueError(str(err)) from None
        return value


def parse_day(text: str) -> date | None:
    """A day written `2026-03-30`, `30/03/2026` or `30.03.2026`; None when it is not one."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None
