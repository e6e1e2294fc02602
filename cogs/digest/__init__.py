"""The weekly manager digest and `/kpi`."""

from bot.cog import CogContext
from cogs.digest.cog import DigestCog


def setup(ctx: CogContext) -> DigestCog:
    """Create the digest cog."""
    return DigestCog(ctx)
