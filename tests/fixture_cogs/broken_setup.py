"""A cog whose setup fails (to test isolation)."""

from bot.cog import Cog, CogContext


def setup(ctx: CogContext) -> Cog:
    raise RuntimeError("this cog cannot start")
