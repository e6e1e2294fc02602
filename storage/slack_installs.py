"""Slack workspaces installed through the OAuth flow (`[slack] oauth = true`): their bot tokens and the flow's states.

The tables have the schema of slack_sdk's SQLAlchemy stores (`AsyncSQLAlchemyInstallationStore`,
`AsyncSQLAlchemyOAuthStateStore`), which the Slack adapter runs on the bot's own async engine
(bot/adapters/slack/installs.py): declared here so that the migrations create them and the schema
check knows them. `slack_installations` keeps each installation (who installed, when, with which
scopes), `slack_bots` the bot token each workspace's events and posts use; both lose a workspace's
rows when the app is uninstalled from it. Timestamps are naive UTC, as slack_sdk writes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, Index, func
from sqlmodel import Field, SQLModel


class SlackInstallation(SQLModel, table=True):
    """One installation of the app in a workspace (the latest one per workspace is the one in force)."""

    __tablename__ = "slack_installations"
    __table_args__ = (Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=32)
    app_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    enterprise_name: str | None = Field(default=None, max_length=200)
    enterprise_url: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=32)
    team_name: str | None = Field(default=None, max_length=200)
    bot_token: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_refresh_token: str | None = Field(default=None, max_length=200)
    bot_token_expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    user_id: str = Field(max_length=32)
    user_token: str | None = Field(default=None, max_length=200)
    user_scopes: str | None = Field(default=None, max_length=1000)
    user_refresh_token: str | None = Field(default=None, max_length=200)
    user_token_expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    incoming_webhook_url: str | None = Field(default=None, max_length=200)
    incoming_webhook_channel: str | None = Field(default=None, max_length=200)
    incoming_webhook_channel_id: str | None = Field(default=None, max_length=200)
    incoming_webhook_configuration_url: str | None = Field(default=None, max_length=200)
    is_enterprise_install: bool = Field(default=False, sa_column=Column(Boolean(), nullable=False, default=False))
    token_type: str | None = Field(default=None, max_length=32)
    installed_at: datetime = Field(sa_column=Column(DateTime(), nullable=False, default=func.now()))


class SlackBot(SQLModel, table=True):
    """The bot token of an installation: what the adapter authorizes a workspace's events and posts with."""

    __tablename__ = "slack_bots"
    __table_args__ = (Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=32)
    app_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    enterprise_name: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=32)
    team_name: str | None = Field(default=None, max_length=200)
    bot_token: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_refresh_token: str | None = Field(default=None, max_length=200)
    bot_token_expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    is_enterprise_install: bool = Field(default=False, sa_column=Column(Boolean(), nullable=False, default=False))
    installed_at: datetime = Field(sa_column=Column(DateTime(), nullable=False, default=func.now()))


class SlackOAuthState(SQLModel, table=True):
    """A state the install link carries, consumed once by the redirect (a forged or replayed redirect has none)."""

    __tablename__ = "slack_oauth_states"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=200)
    expire_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
