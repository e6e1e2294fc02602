"""Helpers shared by the onboarding tests: configuration, and reading what the bot sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.adapters.simulation.adapter import Entry
from bot.config import Config
from tests.conftest import Harness, make_config


def onboarding_config(db_url: str, locale: str = "en", name: str | None = "Les Jardiniers", **settings: Any) -> Config:
    """The test community with onboarding settings of its own (checked every 4 hours, to keep tests fast)."""
    settings.setdefault("check_cron", "5 */4 * * *")
    community: dict[str, Any] = {"platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": locale, "cogs": {"onboarding": settings}}
    if name:
        community["name"] = name
    return make_config(db_url, communities=[community], bot={"cogs": ["onboarding"]})  # other cogs' posts stay out of the way


def dms(h: Harness, member: str) -> list[Entry]:
    """The direct messages the bot sent to a member."""
    return [e for e in h.sim.transcript if e.kind == "dm" and e.member is not None and e.member.id == member]


def bot_posts(h: Harness, channel: str) -> list[Entry]:
    """The bot's posts in a channel."""
    return [e for e in h.sim.transcript if e.kind == "bot" and e.channel is not None and e.channel.id == channel]


def nudges(h: Harness, member: str) -> list[Entry]:
    """The nudges a member received (DMs with the nudge footer)."""
    return [e for e in dms(h, member) if e.message is not None and e.message.footer and "these messages" in e.message.footer]


async def wait(h: Harness, **delta: float) -> None:
    """Let virtual time pass, running the jobs that fall due."""
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(**delta))
