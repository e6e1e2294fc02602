"""`engagebot doctor` on Discord: the token, the privileged intents, and each server's channels, roles and managers (REST only)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from bot.adapters.discord.adapter import invite_url
from bot.config import CommunityConfig, Config
from bot.doctor import Check, channels_of

# application flags (https://discord.com/developers/docs/resources/application#application-object-application-flags)
MEMBERS_INTENT = (1 << 14) | (1 << 15)
CONTENT_INTENT = (1 << 18) | (1 << 19)
ADMINISTRATOR = 1 << 3


async def discord_checks(config: Config, token: str, communities: list[CommunityConfig]) -> list[Check]:
    """Log in over REST with the token, then check every Discord community."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        try:
            me = await http.static_login(token)
        except discord.LoginFailure:
            return [Check(False, "discord", "DISCORD_TOKEN was refused", "copy the bot token again (Developer Portal > Bot > Reset Token)")]
        app = await http.application_info()
        checks = [Check(True, "discord", f"logged in as {me['username']} (application {app['id']})"), *intent_checks(int(app.get("flags") or 0))]
        for community in communities:
            checks += await server_checks(http, config, community, str(me["id"]), str(app["id"]))
        return checks
    except discord.HTTPException as err:
        return [Check(False, "discord", f"the Discord API answered {err.status}: {err.text[:120]}", "check the token and the network")]
    finally:
        await http.close()


def intent_checks(flags: int) -> list[Check]:
    """The two privileged intents the bot needs, as the application's flags say."""
    missing = [name for name, bits in (("SERVER MEMBERS INTENT", MEMBERS_INTENT), ("MESSAGE CONTENT INTENT", CONTENT_INTENT)) if not flags & bits]
    if missing:
        return [Check(False, "discord intents", f"{' and '.join(missing)} off",
                      "Developer Portal > your application > Bot > Privileged Gateway Intents: switch them on")]
    return [Check(True, "discord intents", "server members and message content on")]


async def server_checks(http: discord.http.HTTPClient, config: Config, community: CommunityConfig, me: str, app_id: str) -> list[Check]:
    """One server: the bot is in it, can post in every channel its cogs use, and its roles and managers exist."""
    what = f"discord {community.name or community.id}"
    if not community.id.isdigit():
        return [Check(False, what, f"server id {community.id!r} is not a number", "Developer Mode > right-click the server > Copy Server ID")]
    try:
        await http.get_guild(int(community.id), with_counts=False)
    except (discord.NotFound, discord.Forbidden):
        return [Check(False, what, "the bot is not a member of this server", f"invite it: {invite_url(app_id)}")]
    roles = {str(r["id"]): r for r in await http.get_roles(int(community.id))}
    channels = await http.get_all_guild_channels(int(community.id))
    member = await http.get_member(int(community.id), int(me))
    checks = [Check(True, what, f"the bot is a member ({len(channels)} channels, {len(roles)} roles)")]
    base = _base_permissions(community.id, roles, member)
    for setting, wanted in channels_of(config, community).items():
        checks.append(_channel_check(what, setting, wanted, channels, community.id, roles, member, base))
    for key in ("animator_roles", "manager_roles"):
        for role in getattr(community, key) or []:
            if role.isdigit() and role not in roles:
                checks.append(Check(False, what, f"{key}: no role {role} in this server", "copy the role's id again (Server Settings > Roles)"))
    for manager in community.managers:
        try:
            await http.get_member(int(community.id), int(manager))
        except (ValueError, discord.NotFound):
            checks.append(Check(False, what, f"managers: {manager} is not a member of this server", "give the user id of a member (Copy User ID)"))
    return checks


def _base_permissions(guild_id: str, roles: dict[str, Any], member: Any) -> int:
    value = int(roles.get(guild_id, {}).get("permissions", 0))  # @everyone has the server's id
    for role_id in member.get("roles", []):
        value |= int(roles.get(str(role_id), {}).get("permissions", 0))
    return value


def _channel_check(what: str, setting: str, wanted: str, channels: list[Any], guild_id: str, roles: dict[str, Any], member: Any, base: int) -> Check:
    name = wanted.lstrip("#")
    found = next((c for c in channels if str(c["id"]) == name or c.get("name") == name), None)
    if found is None:
        return Check(False, what, f"{setting}: no channel {wanted!r}", "create it, or set the channel's id in config.toml")
    if base & ADMINISTRATOR:
        return Check(True, what, f"{setting}: #{found.get('name')} (administrator)")
    allowed = base
    for overwrite in found.get("permission_overwrites", []):  # the server's @everyone, then the bot's roles, then the bot itself
        if str(overwrite["id"]) == guild_id:
            allowed = (allowed & ~int(overwrite["deny"])) | int(overwrite["allow"])
    deny = allow = 0
    for overwrite in found.get("permission_overwrites", []):
        if overwrite["type"] == 0 and str(overwrite["id"]) in {str(r) for r in member.get("roles", [])}:
            deny, allow = deny | int(overwrite["deny"]), allow | int(overwrite["allow"])
    allowed = (allowed & ~deny) | allow
    for overwrite in found.get("permission_overwrites", []):
        if overwrite["type"] == 1 and str(overwrite["id"]) == str(member["user"]["id"]):
            allowed = (allowed & ~int(overwrite["deny"])) | int(overwrite["allow"])
    needed = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
    if allowed & needed.value != needed.value:
        return Check(False, what, f"{setting}: the bot cannot post in #{found.get('name')}",
                     "give its role View Channel, Send Messages and Embed Links there")
    return Check(True, what, f"{setting}: #{found.get('name')}, the bot can post")
