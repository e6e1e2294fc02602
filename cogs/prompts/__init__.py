"""Weekly prompts: one question a week per community, from the animators' queue or a prompt pack."""

from __future__ import annotations

from bot.cog import CogContext
from cogs.prompts.cog import WeeklyPrompts


def setup(ctx: CogContext) -> WeeklyPrompts:
    """Create the cog (loading the prompt packs: a pack with a mistake stops start-up)."""
    return WeeklyPrompts(ctx)
