"""The Slack adapter (slack-bolt): Socket Mode by default, HTTP mode optional."""

from __future__ import annotations

from bot.adapters.slack.adapter import SlackAdapter
from bot.config import Config, ConfigError, Secrets
from bot.core.clock import Clock
from bot.core.refs import Platform

__all__ = ["SlackAdapter", "build_slack_adapter"]


def build_slack_adapter(config: Config, secrets: Secrets, *, clock: Clock | None = None) -> SlackAdapter | None:
    """The Slack adapter when SLACK_BOT_TOKEN is set (None otherwise); a missing companion secret stops start-up."""
    if not secrets.slack_bot_token:
        return None
    settings = config.slack
    if settings.mode == "socket" and not secrets.slack_app_token:
        raise ConfigError('slack.mode: Socket Mode needs SLACK_APP_TOKEN (an xapp-… app-level token) in the environment, or set slack.mode = "http"')
    if settings.mode == "http" and not secrets.slack_signing_secret:
        raise ConfigError("slack.mode: HTTP mode needs SLACK_SIGNING_SECRET in the environment")
    known = frozenset(c.id for c in config.communities if c.platform == Platform.SLACK)
    return SlackAdapter(
        settings, bot_token=secrets.slack_bot_token, app_token=secrets.slack_app_token,
        signing_secret=secrets.slack_signing_secret, clock=clock, known_communities=known,
    )
