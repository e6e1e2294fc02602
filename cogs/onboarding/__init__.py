"""Onboarding: welcome and welcome kit, rules gate, checklist, nudges, buddies and the newcomer funnel."""

from __future__ import annotations

from bot.cog import CogContext
from cogs.onboarding.cog import Onboarding


def setup(ctx: CogContext) -> Onboarding:
    """Create the onboarding cog."""
    return Onboarding(ctx)
