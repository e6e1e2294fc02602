"""Looking a Slack install up (for `engagebot init`): the workspace the token belongs to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError
from bot.core.refs import Platform
from bot.staff import is_platform_id


async def slack_workspace(token: str, api_base_url: str) -> tuple[str, str]:
    """The team id and name of the token's workspace."""
    try:
        auth = await AsyncWebClient(token=token, base_url=api_base_url).auth_test()
    except SlackApiError as err:
        raise ConfigError(f"init: SLACK_BOT_TOKEN was refused ({err.response.get('error')}): copy the Bot User OAuth Token again") from None
    return str(auth["team_id"]), str(auth.get("team") or auth["team_id"])


async def paged(call: Callable[..., Awaitable[Any]], key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a cursor-paged Web API list (`conversations.list`, `users.list`): page after page until no next cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await call(**params, cursor=cursor)
        items += page.get(key) or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return items


async def slack_ids(token: str, api_base_url: str, channels: dict[str, str], groups: list[str], users: list[str]) -> tuple[
        dict[str, str], list[str], list[str], list[str]]:
    """Names turned into the workspace's ids: channels (C…), user groups (S…) and users (U…); notes on what could not be found.

    A user group or member name is replaced only when exactly one group (handle or name) or member (username or display
    name), case aside, has it; otherwise the name stays as typed, and a note lists what it matched.
    """
    client = AsyncWebClient(token=token, base_url=api_base_url)
    notes: list[str] = []
    listed = await paged(client.conversations_list, "channels", types="public_channel", exclude_archived=True, limit=1000)
    known = {str(c["name"]): str(c["id"]) for c in listed}
    found_channels = {}
    for key, name in channels.items():
        found_channels[key] = known.get(name.lstrip("#"), name)
        if found_channels[key] == name and not name.startswith(("C", "G")):
            notes.append(f"no public channel #{name.lstrip('#')}: give the channel's id (C…, in its details)")
    all_groups = (await client.usergroups_list()).get("usergroups") or [] if any(not is_platform_id(Platform.SLACK, g) for g in groups) else []
    found_groups = []
    for group in groups:
        if is_platform_id(Platform.SLACK, group):
            found_groups.append(group)
            continue
        wanted = group.lstrip("@").casefold()
        matches = [g for g in all_groups if wanted in {str(g.get("handle") or "").casefold(), str(g.get("name") or "").casefold()}]
        if len(matches) == 1:
            found_groups.append(str(matches[0]["id"]))
            continue
        found_groups.append(group)
        notes.append(f"user group {group!r}: not found: give its id (S…)" if not matches else
                     f"user group {group!r}: {len(matches)} user groups have this name, {', '.join(map(_group, matches))}: "
                     "left as typed, which stops start-up: put the right one's id in the file")
    wanted_names = [u for u in users if not is_platform_id(Platform.SLACK, u)]
    members = await paged(client.users_list, "members", limit=200) if wanted_names else []
    found_users = []
    for user in users:
        if user not in wanted_names:
            found_users.append(user)
            continue
        wanted = user.lstrip("@").casefold()
        people = [m for m in members if not m.get("deleted") and wanted in _names(m)]
        if len(people) == 1:
            found_users.append(str(people[0]["id"]))
            continue
        found_users.append(user)
        notes.append(f"member {user!r}: not found: give their member id (U…)" if not people else
                     f"member {user!r}: {len(people)} members have this name, {', '.join(map(_member, people))}: "
                     "left as typed: put the right one's member id (U…) in the file")
    return found_channels, found_groups, found_users, notes


def _names(member: dict[str, Any]) -> set[str]:
    """What a member is called, case aside: username and display name."""
    return {str(n).casefold() for n in (member.get("name"), (member.get("profile") or {}).get("display_name")) if n}


def _group(group: dict[str, Any]) -> str:
    return f"@{group.get('handle')} ({group.get('id')})"


def _member(member: dict[str, Any]) -> str:
    shown = (member.get("profile") or {}).get("display_name") or member.get("name")
    return f"{shown} (@{member.get('name')}, {member.get('id')})"
