"""The App Home tab: the member's own view, published with views.publish when they open it."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.render import VIEW_BLOCKS, Block, blocks_for
from bot.core.message import Message


def home_view(message: Message, hint: str, more: str) -> dict[str, Any]:
    """A home view: the core's message (title, one line per cog) and how to use the slash command."""
    blocks: list[Block] = blocks_for(message, limit=VIEW_BLOCKS - 2, more=more)
    blocks.append({"type": "divider"})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    return {"type": "home", "blocks": blocks}
