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


async def discord_ids(token: str, guild_id: str, channels: dict[str, str], roles: list[str], users: list[str]) -> tuple[
        dict[str, str], list[str], list[str], list[str]]:
    """Names turned into the server's ids: channels (by setting), roles and users (ids stay); notes on what could not be found."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    notes: list[str] = []
    try:
        await http.static_login(token)
        known_channels = {str(c.get("name")): str(c["id"]) for c in await http.get_all_guild_channels(int(guild_id))}
        known_roles: dict[str, list[str]] = {}
        for known in await http.get_roles(int(guild_id)):
            known_roles.setdefault(str(known["name"]).casefold(), []).append(str(known["id"]))
        found_channels = {}
        for key, name in channels.items():
            found_channels[key] = name if name.isdigit() else known_channels.get(name.lstrip("#"), name)
            if found_channels[key] == name and not name.isdigit():
                notes.append(f"no channel #{name.lstrip('#')} in the server yet: create it, or give another")
        found_roles = []
        for wanted in roles:
            ids = [wanted] if wanted.isdigit() else known_roles.get(wanted.casefold(), [])
            if len(ids) != 1:
                notes.append(f"role {wanted!r}: {'no such role' if not ids else 'several roles have this name'}: give its id")
            found_roles.extend(ids[:1] or [wanted])
        found_users = []
        for user in users:
            if user.isdigit():
                found_users.append(user)
                continue
            matches = await http.request(discord.http.Route("GET", "/guilds/{guild_id}/members/search", guild_id=int(guild_id)),
                                         params={"query": user, "limit": 2})
            if len(matches) != 1:
                notes.append(f"member {user!r}: {'not found' if not matches else 'several members match'}: give their user id")
                found_users.append(user)
            else:
                found_users.append(str(matches[0]["user"]["id"]))
        return found_channels, found_roles, found_users, notes
    finally:
        await http.close()
