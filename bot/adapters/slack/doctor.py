"""`engagebot doctor` on Slack: the tokens, the app's scopes, and each workspace's channels, user groups and managers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.lookup import paged
from bot.config import CommunityConfig, Config, Secrets
from bot.core.refs import Platform
from bot.doctor import Check, channels_of
from bot.staff import is_platform_id

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"
_SCOPE = re.compile(r"^\s+- ([a-z.:]+)\s", re.M)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")  # a public (C…) or older private (G…) channel, or a DM (D…); names are lowercase


def wanted_scopes() -> set[str]:
    """The bot scopes the app manifest asks for."""
    if not MANIFEST.exists():
        return set()
    text = MANIFEST.read_text(encoding="utf-8")
    part = text.split("scopes:", 1)[-1].split("settings:", 1)[0]
    return set(_SCOPE.findall(part))


async def slack_checks(config: Config, secrets: Secrets, communities: list[CommunityConfig]) -> list[Check]:
    """The token works and has the manifest's scopes, the mode's secrets are set, and each workspace's settings exist."""
    client = AsyncWebClient(token=secrets.slack_bot_token, base_url=config.slack.api_base_url)
    try:
        auth = await client.auth_test()
    except SlackApiError as err:
        return [Check(False, "slack", f"SLACK_BOT_TOKEN was refused ({err.response.get('error')})", "copy the Bot User OAuth Token again (xoxb-…)")]
    checks = [Check(True, "slack", f"connected to workspace {auth.get('team')} ({auth.get('team_id')}) as {auth.get('user')}")]
    granted = {s.strip() for s in (auth.headers.get("x-oauth-scopes") or auth.headers.get("X-OAuth-Scopes") or "").split(",") if s.strip()}
    missing = sorted(wanted_scopes() - granted) if granted else []
    if missing:
        checks.append(Check(False, "slack scopes", f"missing {', '.join(missing)}", "paste slack/manifest.yml again, then reinstall the app"))
    elif granted:
        checks.append(Check(True, "slack scopes", f"{len(granted)} granted, all the manifest asks for"))
    if config.slack.mode == "socket" and not secrets.slack_app_token:
        checks.append(Check(False, "slack", "Socket Mode needs SLACK_APP_TOKEN", "Basic Information > App-Level Tokens > Generate (connections:write)"))
    if config.slack.mode == "http" and not secrets.slack_signing_secret:
        checks.append(Check(False, "slack", "HTTP mode needs SLACK_SIGNING_SECRET", "Basic Information > Signing Secret"))
    for community in communities:
        checks += await workspace_checks(client, config, community, str(auth.get("team_id")))
    return checks


async def workspace_checks(client: AsyncWebClient, config: Config, community: CommunityConfig, team: str) -> list[Check]:
    """One workspace: it is the token's, its channels exist (and the bot can post there), its user groups and managers exist."""
    what = f"slack {community.name or community.id}"
    if community.id != team:
        return [Check(False, what, f"the token belongs to workspace {team}, not {community.id}", "install the app in this workspace, or fix the id")]
    checks = await channel_checks(client, what, channels_of(config, community))
    checks += await group_checks(client, what, community)
    for manager in community.managers:
        try:
            await client.users_info(user=manager)
        except SlackApiError:
            checks.append(Check(False, what, f"managers: no user {manager}", "give a member's id (profile > ⋮ > Copy member ID)"))
    return checks


async def channel_checks(client: AsyncWebClient, what: str, wanted: dict[str, str]) -> list[Check]:
    """Each channel a cog posts in, given by id (conversations.info) or by name (looked up in conversations.list, every page)."""
    checks: list[Check] = []
    named: dict[str, dict[str, Any]] | None = None
    for setting, channel in wanted.items():
        if _CHANNEL_ID.fullmatch(channel):
            try:
                info = (await client.conversations_info(channel=channel)).get("channel") or {}
            except SlackApiError:
                checks.append(Check(False, what, f"{setting}: no channel {channel!r}", "give the channel's id (C…, in its details)"))
                continue
        else:
            if named is None:
                try:
                    listed = await paged(client.conversations_list, "channels", types="public_channel,private_channel",
                                         exclude_archived=True, limit=1000)
                except SlackApiError as err:
                    checks.append(_api_failure(what, f"{setting}: cannot look #{channel.lstrip('#')} up", err,
                                               "channel names in the configuration"))
                    continue
                named = {str(c.get("name")): c for c in listed}
            found = named.get(channel.lstrip("#"))
            if found is None:
                checks.append(Check(False, what, f"{setting}: no channel #{channel.lstrip('#')}",
                                    "create it, invite the bot if it is private (/invite @engagebot), or give the channel's id (C…)"))
                continue
            info = found
        name = f"#{info.get('name')}" + ("" if _CHANNEL_ID.fullmatch(channel) else f" ({info.get('id')})")
        if info.get("is_member"):
            checks.append(Check(True, what, f"{setting}: {name}, the bot can post"))
        elif info.get("is_private"):
            checks.append(Check(False, what, f"{setting}: the bot is not in {name}", f"/invite @engagebot in #{info.get('name')}"))
        else:
            checks.append(Check(None, what, f"{setting}: the bot is not a member of {name}: it can post there but does not read it",
                                f"/invite @engagebot in #{info.get('name')}"))
    return checks


async def group_checks(client: AsyncWebClient, what: str, community: CommunityConfig) -> list[Check]:
    """The user groups of animator_roles and manager_roles exist (ids), and a name matches exactly one."""
    entries = [(key, role) for key in ("animator_roles", "manager_roles") for role in getattr(community, key) or []
               if role.startswith("S") or not is_platform_id(Platform.SLACK, role)]
    if not entries:
        return []
    try:
        groups = (await client.usergroups_list()).get("usergroups") or []
    except SlackApiError as err:
        return [_api_failure(what, "user groups: cannot be listed", err, "the user-group ids (S…) and names in animator_roles and manager_roles")]
    checks = []
    for key, role in entries:
        if is_platform_id(Platform.SLACK, role):
            if role not in {str(g.get("id")) for g in groups}:
                checks.append(Check(False, what, f"{key}: no user group {role}", "copy the group's id again (People > User groups)"))
            continue
        wanted = role.lstrip("@").casefold()
        found = [g for g in groups if wanted in {str(g.get(k) or "").casefold() for k in ("handle", "name")}]
        if len(found) != 1:
            listed = "" if not found else ": " + ", ".join(f"@{g.get('handle')} ({g.get('id')})" for g in found)
            checks.append(Check(False, what, f"{key}: {len(found) or 'no'} user group(s) named {role!r}{listed}",
                                "give the right group's id (S…): start-up stops on this name"))
    return checks


def _api_failure(what: str, detail: str, err: SlackApiError, needed_for: str) -> Check:
    """A Web API refusal as one line; a missing scope says which one to add, and what for."""
    answer = err.response.get("error")
    if answer == "missing_scope":
        scope = err.response.get("needed") or "?"
        return Check(False, what, f"{detail}: the token lacks the {scope} scope, needed to check {needed_for}",
                     f"add {scope} to the app's Bot Token Scopes (or paste slack/manifest.yml again), then reinstall the app")
    return Check(False, what, f"{detail}: Slack answered {answer}", "check the token and the app's scopes")
