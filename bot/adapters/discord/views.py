"""Persistent buttons: one dynamic item class per client, matching every custom_id, registered in `setup_hook`.

A press on any button the bot ever posted (even before a restart) is rebuilt by discord.py from the
interaction's message and handed to the adapter, which routes it to `app.press` by custom_id.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

PressHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]
TEMPLATE = r"(?P<custom_id>.{1,100})"


def make_button_item(on_press: PressHandler) -> type[discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]]]:
    """A DynamicItem class whose callback hands every press to `on_press(interaction, custom_id)`."""

    class EngageButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=re.compile(TEMPLATE, re.DOTALL)):
        """A bot button: its custom_id routes the press to the cog that owns the prefix."""

        def __init__(self, button: discord.ui.Button[discord.ui.View]) -> None:
            super().__init__(button)

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
        ) -> EngageButton:
            """Rebuild the item from a press (after a restart too)."""
            if not isinstance(item, discord.ui.Button):
                raise TypeError("engagebot only posts buttons")
            return cls(item)

        async def callback(self, interaction: discord.Interaction[Any]) -> None:
            """Route the press."""
            await on_press(interaction, self.item.custom_id or "")

    return EngageButton
