"""`engagebot doctor` on Slack: the tokens, the app's scopes, and each workspace's channels, user groups and managers."""

from __future__ import annotations

import re
from pathlib import Path

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import CommunityConfig, Config, Secrets
from bot.doctor import Check, channels_of

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"
_SCOPE = re.compile(r"^\s+- ([a-z.:]+)\s", re.M)


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
    checks = []
    for setting, wanted in channels_of(config, community).items():
        try:
            info = (await client.conversations_info(channel=wanted.lstrip("#"))).get("channel") or {}
        except SlackApiError:
            checks.append(Check(False, what, f"{setting}: no channel {wanted!r}", "give the channel's id (C…, in its details)"))
            continue
        if not info.get("is_member") and info.get("is_private"):
            checks.append(Check(False, what, f"{setting}: the bot is not in #{info.get('name')}", f"/invite @engagebot in #{info.get('name')}"))
        else:
            checks.append(Check(True, what, f"{setting}: #{info.get('name')}, the bot can post"))
    groups = {str(g.get("id")) for g in (await client.usergroups_list()).get("usergroups") or []}
    for key in ("animator_roles", "manager_roles"):
        for role in getattr(community, key) or []:
            if role.startswith("S") and role not in groups:
                checks.append(Check(False, what, f"{key}: no user group {role}", "copy the group's id again (People > User groups)"))
    for manager in community.managers:
        try:
            await client.users_info(user=manager)
        except SlackApiError:
            checks.append(Check(False, what, f"managers: no user {manager}", "give a member's id (profile > ⋮ > Copy member ID)"))
    return checks
