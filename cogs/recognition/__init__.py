"""Recognition: badges, kudos, levels and leaderboards."""

from __future__ import annotations

from bot.cog import CogContext
from cogs.recognition.cog import Recognition


def setup(ctx: CogContext) -> Recognition:
    """Create the recognition cog."""
    return Recognition(ctx)
