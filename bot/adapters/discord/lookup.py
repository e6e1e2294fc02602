"""Looking a Discord install up over REST (for `engagebot init`): the servers the bot is in, and its application id."""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from bot.config import ConfigError
from bot.core.refs import Platform
from bot.staff import is_platform_id


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
    """Names turned into the server's ids: channels (by setting), roles and users (ids stay); notes on what could not be found.

    A role or member name is replaced only when exactly one role or member has it (a member's server nickname, display
    name or username, case aside: never a prefix); otherwise the name stays as typed, and a note lists what it matched.
    """
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    notes: list[str] = []
    try:
        await http.static_login(token)
        known_channels = {str(c.get("name")): str(c["id"]) for c in await http.get_all_guild_channels(int(guild_id))}
        known_roles: dict[str, list[tuple[str, str]]] = {}
        for known in await http.get_roles(int(guild_id)):
            if str(known["id"]) != guild_id:  # @everyone
                known_roles.setdefault(str(known["name"]).casefold(), []).append((str(known["id"]), str(known["name"])))
        found_channels = {}
        for key, name in channels.items():
            found_channels[key] = name if name.isdigit() else known_channels.get(name.lstrip("#"), name)
            if found_channels[key] == name and not name.isdigit():
                notes.append(f"no channel #{name.lstrip('#')} in the server yet: create it, or give another")
        found_roles = []
        for wanted in roles:
            if is_platform_id(Platform.DISCORD, wanted):
                found_roles.append(wanted)
                continue
            matches = known_roles.get(wanted.lstrip("@").casefold(), [])
            if len(matches) == 1:
                found_roles.append(matches[0][0])
                continue
            found_roles.append(wanted)
            notes.append(f"role {wanted!r}: no such role in the server: give its id" if not matches else
                         f"role {wanted!r}: {len(matches)} roles have this name, {', '.join(f'{n} ({i})' for i, n in matches)}: "
                         "left as typed, which stops start-up: put the right one's id in the file")
        found_users = []
        for user in users:
            if user.isdigit():
                found_users.append(user)
                continue
            wanted = user.lstrip("@").casefold()
            listed = await http.request(discord.http.Route("GET", "/guilds/{guild_id}/members/search", guild_id=int(guild_id)),
                                        params={"query": user.lstrip("@"), "limit": 1000})
            people = [m for m in listed if wanted in _names(m)]
            if len(people) == 1:
                found_users.append(str(people[0]["user"]["id"]))
                continue
            found_users.append(user)
            notes.append(f"member {user!r}: not found: give their user id" if not people else
                         f"member {user!r}: {len(people)} members have this name, {', '.join(_who(m) for m in people)}: "
                         "left as typed: put the right one's user id in the file")
        return found_channels, found_roles, found_users, notes
    finally:
        await http.close()


def _names(member: dict[str, Any]) -> set[str]:
    """What a member is called, case aside: server nickname, display name, username."""
    user = member.get("user") or {}
    return {str(n).casefold() for n in (member.get("nick"), user.get("global_name"), user.get("username")) if n}


def _who(member: dict[str, Any]) -> str:
    user = member.get("user") or {}
    shown = member.get("nick") or user.get("global_name") or user.get("username")
    return f"{shown} (@{user.get('username')}, {user.get('id')})"
