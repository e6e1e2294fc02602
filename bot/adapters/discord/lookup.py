"""Looking a Discord install up over REST (for `engagebot init`): the servers the bot is in, and its application id."""

from __future__ import annotations

import asyncio

import discord

from bot.config import ConfigError


async def discord_servers(token: str) -> tuple[list[tuple[str, str]], str]:
    """The (id, name) of every server the bot is in, and the application's id (for the invite link)."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        try:
            await http.static_login(token)
        except discord.LoginFailure:
            raise ConfigError("init: DISCORD_TOKEN was refused: copy the bot token again (Developer Portal > Bot > Reset Token)") from None
        guilds = await http.get_guilds(200)
        app = await http.application_info()
        return [(str(g["id"]), str(g.get("name") or g["id"])) for g in guilds], str(app["id"])
    finally:
        await http.close()
