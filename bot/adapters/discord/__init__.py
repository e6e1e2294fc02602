"""The Discord adapter (discord.py): gateway events to core events, neutral messages to embeds, views and polls."""

from bot.adapters.discord.adapter import DiscordAdapter, build_discord_adapter, invite_url

__all__ = ["DiscordAdapter", "build_discord_adapter", "invite_url"]
