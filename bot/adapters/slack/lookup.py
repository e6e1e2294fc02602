"""Looking a Slack install up (for `engagebot init`): the workspace the token belongs to."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError


async def slack_workspace(token: str, api_base_url: str) -> tuple[str, str]:
    """The team id and name of the token's workspace."""
    try:
        auth = await AsyncWebClient(token=token, base_url=api_base_url).auth_test()
    except SlackApiError as err:
        raise ConfigError(f"init: SLACK_BOT_TOKEN was refused ({err.response.get('error')}): copy the Bot User OAuth Token again") from None
    return str(auth["team_id"]), str(auth.get("team") or auth["team_id"])


async def slack_ids(token: str, api_base_url: str, channels: dict[str, str], groups: list[str], users: list[str]) -> tuple[
        dict[str, str], list[str], list[str], list[str]]:
    """Names turned into the workspace's ids: channels (C…), user groups (S…) and users (U…); notes on what could not be found."""
    client = AsyncWebClient(token=token, base_url=api_base_url)
    notes: list[str] = []
    known: dict[str, str] = {}
    cursor = None
    while True:
        page = await client.conversations_list(types="public_channel", exclude_archived=True, limit=1000, cursor=cursor)
        known.update({str(c["name"]): str(c["id"]) for c in page.get("channels") or []})
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    found_channels = {}
    for key, name in channels.items():
        found_channels[key] = known.get(name.lstrip("#"), name)
        if found_channels[key] == name and not name.startswith(("C", "G")):
            notes.append(f"no public channel #{name.lstrip('#')}: give the channel's id (C…, in its details)")
    listed = (await client.usergroups_list()).get("usergroups") or []
    found_groups = []
    for group in groups:
        ids = [group] if group[:1] in "SUW" and group.isupper() else [str(g["id"]) for g in listed if group.lstrip("@").casefold()
                                                                       in {str(g.get("handle", "")).casefold(), str(g.get("name", "")).casefold()}]
        if len(ids) != 1:
            notes.append(f"user group {group!r}: {'not found' if not ids else 'several match'}: give its id (S…)")
        found_groups.extend(ids[:1] or [group])
    members = (await client.users_list(limit=1000)).get("members") or [] if any(not u.isupper() for u in users) else []
    found_users = []
    for user in users:
        if user.isupper():
            found_users.append(user)
            continue
        wanted = user.lstrip("@").casefold()
        ids = [str(m["id"]) for m in members
               if wanted in {str(m.get("name", "")).casefold(), str((m.get("profile") or {}).get("display_name", "")).casefold()}]
        if len(ids) != 1:
            notes.append(f"member {user!r}: {'not found' if not ids else 'several match'}: give their member id (U…)")
        found_users.extend(ids[:1] or [user])
    return found_channels, found_groups, found_users, notes
