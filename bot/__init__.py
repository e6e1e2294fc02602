"""engagebot: a self-hosted community engagement bot for Discord and Slack."""

__version__ = "0.1.0"
