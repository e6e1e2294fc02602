"""Configuration: `config.toml` read with tomllib into pydantic models; secrets from the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from bot.core.refs import CommunityRef, Platform
from bot.quiet import QuietHours

DEFAULT_COGS: list[str] = ["polls", "prompts", "onboarding", "recognition", "sentiment", "digest"]


class ConfigError(Exception):
    """A configuration problem, told in one line that names the key and the reason."""


class Strict(BaseModel):
    """Base of the configuration models: unknown keys are mistakes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(value: str) -> str:
    """Accept an IANA timezone name such as `Europe/Paris`."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/Paris)") from None
    return value


_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def async_database_url(value: str) -> str:
    """A database URL as typed (`sqlite:///file.db`, `postgresql://user@host/db`) with the async driver engagebot uses."""
    scheme, sep, rest = value.strip().partition("://")
    backend = scheme.split("+", 1)[0].lower()
    if not sep or backend not in _ASYNC_DRIVERS:
        raise ValueError("use sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DB")
    return f"{_ASYNC_DRIVERS[backend]}://{rest}"


class BotSettings(Strict):
    """Process-wide settings."""

    locale: Literal["en", "fr"] = "en"
    timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    cogs: list[str] = Field(default_factory=lambda: list(DEFAULT_COGS))

    _tz = field_validator("timezone")(check_timezone)


class DatabaseSettings(Strict):
    """Where and how interactions are stored."""

    url: str = "sqlite+aiosqlite:///engagebot.db"
    batch_size: int = Field(default=500, ge=1, le=100_000)
    flush_seconds: float = Field(default=0.5, gt=0, le=60)
    store_text: bool = False

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        return async_database_url(value)


class CommunityConfig(Strict):
    """One community: a Discord guild, a Slack workspace, or the console."""

    platform: Platform
    id: str = Field(min_length=1)
    name: str | None = None
    locale: Literal["en", "fr"] | None = None
    timezone: str | None = None
    # ids of roles, user groups or users (a name is looked up once at start: see bot/staff.py); none by default
    # on Discord and Slack, where the server's or workspace's administrators are both animators and managers
    animator_roles: list[str] | None = None
    manager_roles: list[str] | None = None
    managers: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    # local hours without nudges or reminders by DM (they wait for the morning): "HH:MM-HH:MM", or "off"
    quiet_hours: str = "21:00-08:00"
    cogs: dict[str, dict[str, Any]] = Field(default_factory=dict)

    _tz = field_validator("timezone")(lambda v: v if v is None else check_timezone(v))

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        QuietHours.parse(value)
        return value

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[str]) -> list[str]:
        from storage.kpi.goals import GoalError, parse_goal

        for goal in value:
            try:
                parse_goal(goal)
            except GoalError as err:
                raise ValueError(str(err)) from None
        return value

    @property
    def ref(self) -> CommunityRef:
        """The community's reference."""
        return CommunityRef(self.platform, self.id)


class DiscordSettings(Strict):
    """Discord adapter settings (the token comes from DISCORD_TOKEN)."""

    sync: Literal["guild", "global"] = "guild"
    sharded: bool = False
    application_id: int | None = None


SLACK_BOT_SCOPES: list[str] = [
    "chat:write", "chat:write.public", "commands", "im:write", "users:read", "usergroups:read",
    "channels:read", "groups:read", "channels:history", "groups:history", "reactions:read", "files:write",
]
"""The bot scopes engagebot asks for (slack/manifest.yml's): what an OAuth install grants."""


class SlackSettings(Strict):
    """Slack adapter settings (tokens come from SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET).

    `oauth = true` serves many workspaces: each installs the app through `install_path` (Slack's OAuth flow,
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) and gets its own community and bot token; HTTP mode only.
    """

    mode: Literal["socket", "http"] = "socket"
    command: str = Field(default="/engage", pattern=r"^/[a-z0-9_-]{1,31}$")
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)  # 0 picks a free port (tests)
    path: str = Field(default="/slack/events", pattern=r"^/")
    api_base_url: str = "https://slack.com/api/"
    admin_group: str | None = None
    community_channels: list[str] = Field(default_factory=list)
    oauth: bool = False
    scopes: list[str] = Field(default_factory=lambda: list(SLACK_BOT_SCOPES), min_length=1)
    install_path: str = Field(default="/slack/install", pattern=r"^/")
    redirect_path: str = Field(default="/slack/oauth_redirect", pattern=r"^/")
    redirect_uri: str | None = Field(default=None, pattern=r"^https?://")
    """The public address of `redirect_path` as the app's OAuth settings list it (when it lists several)."""


class ConsoleSettings(Strict):
    """The console adapter: the community you play in the terminal."""

    community: str = "console"
    you: str = "you"


class Config(Strict):
    """The whole configuration file."""

    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    communities: list[CommunityConfig] = Field(default_factory=list)
    cogs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    console: ConsoleSettings = ConsoleSettings()
    _source: str = PrivateAttr(default="config")

    @property
    def source(self) -> str:
        """Where the configuration was read from (the file, or "defaults"), for error lines."""
        return self._source

    def community(self, ref: CommunityRef) -> CommunityConfig:
        """The configuration of a community; unknown ones get the defaults."""
        for c in self.communities:
            if c.platform == ref.platform and c.id == ref.id:
                return c
        console = next((c for c in self.communities if c.platform == Platform.CONSOLE), None)
        if ref.platform in (Platform.CONSOLE, Platform.SIMULATION) and console is not None:
            return console.model_copy(update={"platform": ref.platform, "id": ref.id})
        return CommunityConfig(platform=ref.platform, id=ref.id)

    def locale_of(self, ref: CommunityRef) -> str:
        """The community's locale (the bot's default when not set)."""
        return self.community(ref).locale or self.bot.locale

    def timezone_of(self, ref: CommunityRef) -> ZoneInfo:
        """The community's timezone (the bot's default when not set)."""
        return ZoneInfo(self.community(ref).timezone or self.bot.timezone)

    def quiet_hours_of(self, ref: CommunityRef) -> QuietHours:
        """The community's quiet hours (default 21:00-08:00 local)."""
        return QuietHours.parse(self.community(ref).quiet_hours)

    def cog_settings(self, cog: str, ref: CommunityRef | None = None) -> dict[str, Any]:
        """A cog's raw settings: the `[cogs.NAME]` defaults overlaid with the community's own."""
        merged = dict(self.cogs.get(cog, {}))
        if ref is not None:
            merged.update(self.community(ref).cogs.get(cog, {}))
        return merged


def describe_validation_error(err: ValidationError) -> str:
    """One line naming the first bad key and why."""
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key (typo?)"
    elif msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    return f"{key}: {msg}"


def parse_config(data: dict[str, Any], source: str = "config") -> Config:
    """Validate a parsed TOML document; raise `ConfigError` with one clear line."""
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {describe_validation_error(err)}") from None
    config._source = source
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(config.communities):
        if (c.platform, c.id) in seen:
            raise ConfigError(f"{source}: communities.{i}.id: community {c.platform}:{c.id} is configured twice")
        seen.add((c.platform, c.id))
    return config


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; a missing or malformed file raises `ConfigError` naming it."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None


def load_config(path: Path | None, database_url: str | None = None) -> Config:
    """Load the configuration file (or the defaults when there is none) with an optional database override."""
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        data = read_toml(path)
    if database_url:
        data.setdefault("database", {})
        if not isinstance(data["database"], dict):
            raise ConfigError(f"{source}: database: must be a table")
        data["database"] = {**data["database"], "url": database_url}
    return parse_config(data, source)


@dataclass(frozen=True)
class Secrets:
    """Tokens, read from the environment only; never logged (their repr hides them)."""

    discord_token: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Secrets:
        """Read the secrets from the environment."""
        env = dict(os.environ) if env is None else env
        return cls(
            discord_token=env.get("DISCORD_TOKEN") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_client_id=env.get("SLACK_CLIENT_ID") or None,
            slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
        )

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={'set' if v else 'unset'}" for k, v in self.__dict__.items())
        return f"Secrets({shown})"

    __str__ = __repr__
