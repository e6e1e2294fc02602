"""The Slack adapter (slack-bolt): Socket Mode by default, HTTP mode optional."""

from __future__ import annotations

from bot.adapters.slack.adapter import SlackAdapter
from bot.config import Config, ConfigError, Secrets
from bot.core.clock import Clock
from bot.core.refs import Platform

__all__ = ["SlackAdapter", "build_slack_adapter"]


def build_slack_adapter(config: Config, secrets: Secrets, *, clock: Clock | None = None) -> SlackAdapter | None:
    """The Slack adapter when SLACK_BOT_TOKEN is set or `slack.oauth` is on (None otherwise); a missing companion secret stops start-up."""
    settings = config.slack
    if settings.oauth:
        return build_oauth_adapter(config, secrets, clock=clock)
    if not secrets.slack_bot_token:
        return None
    if settings.mode == "socket" and not secrets.slack_app_token:
        raise ConfigError('slack.mode: Socket Mode needs SLACK_APP_TOKEN (an xapp-… app-level token) in the environment, or set slack.mode = "http"')
    if settings.mode == "http" and not secrets.slack_signing_secret:
        raise ConfigError("slack.mode: HTTP mode needs SLACK_SIGNING_SECRET in the environment")
    known = frozenset(c.id for c in config.communities if c.platform == Platform.SLACK)
    return SlackAdapter(
        settings, bot_token=secrets.slack_bot_token, app_token=secrets.slack_app_token,
        signing_secret=secrets.slack_signing_secret, clock=clock, known_communities=known,
    )


def build_oauth_adapter(config: Config, secrets: Secrets, *, clock: Clock | None = None) -> SlackAdapter:
    """OAuth mode (`slack.oauth = true`): every workspace that installs the app, each with its own token, over HTTP."""
    settings = config.slack
    if settings.mode != "http":
        raise ConfigError('slack.oauth: the OAuth install flow needs slack.mode = "http" (Slack redirects the installer\'s browser to the bot)')
    missing = [name for name, value in (("SLACK_CLIENT_ID", secrets.slack_client_id), ("SLACK_CLIENT_SECRET", secrets.slack_client_secret),
                                        ("SLACK_SIGNING_SECRET", secrets.slack_signing_secret)) if not value]
    if missing:
        raise ConfigError(f"slack.oauth: needs {', '.join(missing)} in the environment (the app's Basic Information page)")
    if secrets.slack_bot_token:
        raise ConfigError("slack.oauth: unset SLACK_BOT_TOKEN: in OAuth mode each workspace's token comes from its installation")
    known = frozenset(c.id for c in config.communities if c.platform == Platform.SLACK)
    return SlackAdapter(
        settings, signing_secret=secrets.slack_signing_secret, clock=clock, known_communities=known,
        client_id=secrets.slack_client_id, client_secret=secrets.slack_client_secret, locale=config.bot.locale,
    )
