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
