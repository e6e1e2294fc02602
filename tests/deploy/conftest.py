"""The first-day tests drive every adapter: the Discord and Slack fixtures are shared here."""

from tests.discord.conftest import discord_bot  # noqa: F401
from tests.slack.conftest import fake_slack, slack_bot  # noqa: F401
