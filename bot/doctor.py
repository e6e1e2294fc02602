"""`engagebot doctor`: one line per check of an install (configuration, database, key, platforms, schedule), with the fix."""

from __future__ import annotations

import argparse
import asyncio
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.config import CommunityConfig, Config, Secrets
from bot.core.refs import Platform

CHANNEL_SETTINGS = {
    "onboarding": ("welcome_channel", "rules_channel", "introductions_channel"),
    "prompts": ("channel",), "polls": ("channel",), "digest": ("channel", "key_figures_channel"), "recognition": ("channel",),
}
"""The settings of each cog that name a channel the bot posts in."""


@dataclass(frozen=True, slots=True)
class Check:
    """One thing checked: `ok` True (fine), None (works, worth a look) or False (broken), what was found, and the fix."""

    ok: bool | None
    what: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        """The check as one line."""
        mark = {True: "✓", None: "!", False: "✗"}[self.ok]
        return f"{mark} {self.what}: {self.detail}" + (f" — {self.fix}" if self.fix else "")


def channels_of(config: Config, community: CommunityConfig) -> dict[str, str]:
    """The channels a community's enabled cogs post in: `cog.setting` → channel id or name."""
    found: dict[str, str] = {}
    for cog, keys in CHANNEL_SETTINGS.items():
        if cog not in config.bot.cogs:
            continue
        settings = config.cog_settings(cog, community.ref)
        for key in keys:
            value = settings.get(key)
            if value:
                found[f"{cog}.{key}"] = str(value)
    if "onboarding" in config.bot.cogs:  # the cog's defaults
        for key, default in (("welcome_channel", "welcome"), ("rules_channel", "rules"), ("introductions_channel", "introductions")):
            found.setdefault(f"onboarding.{key}", default)
    return found


def where_of(url: str) -> str:
    """A database URL as it can be shown: without the user and password."""
    return url.split("@")[-1] if "@" in url else url


def schema_line(url: str, applied: frozenset[str] | None) -> str | None:
    """One line when the database is not what the code expects (missing, behind, or newer); None when it is current."""
    from storage.db import code_revisions

    heads, known = code_revisions(url)
    if applied == heads:
        return None
    where = where_of(url)
    have = "none (no database file yet)" if applied is None else ", ".join(sorted(applied)) or "none (no table yet)"
    if applied and applied - known:
        return f"the database at {where} is at revision {have}, which this code does not know: it was upgraded by a newer engagebot"
    return f"the database at {where} is at revision {have}, the code expects {', '.join(sorted(heads))}: start the bot (or `engagebot db upgrade`) to upgrade"


async def database_checks(config: Config) -> list[Check]:
    """The database answers, and its migrations are current (read only: nothing is created or migrated here)."""
    from storage.db import applied_revisions

    where = where_of(config.database.url)
    try:
        behind = schema_line(config.database.url, await applied_revisions(config.database.url))
    except Exception as err:
        return [Check(False, "database", f"{where}: {type(err).__name__}: {str(err).splitlines()[0][:160]}",
                      "check database.url (or --database), that the folder exists and the server runs")]
    if behind is None:
        return [Check(True, "database", f"{where}, migrations current")]
    return [Check(None, "database", behind)]


def key_checks(config: Config) -> list[Check]:
    """Where the anonymous-ballot key is, that the bot can read it (or create it: its folder is writable), and that only its user can (never the key)."""
    import os

    from storage.anonymity import SECRET_ENV, BallotKeyError, default_key_path, legacy_key_path, read_key

    if os.environ.get(SECRET_ENV):
        return [Check(True, "ballot key", f"from {SECRET_ENV}")]
    configured = config.cog_settings("polls").get("key_file")
    path = default_key_path() if not configured else Path(str(configured)).expanduser()
    legacy = legacy_key_path(config.database.url)
    if not path.exists() and legacy.exists():
        return [Check(None, "ballot key", f"{legacy} sits beside the database", f"move it to {path} when no anonymous poll is open")]
    if not path.exists():
        folder = next(p for p in path.parents if p.exists())  # the nearest that exists: the bot creates the rest
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            return [Check(False, "ballot key", f"{path} cannot be created: {folder} is not a folder this user can write in",
                          f"make it writable by the bot's user, set [cogs.polls] key_file to another file, or set {SECRET_ENV}")]
        return [Check(True, "ballot key", f"none yet: created at {path} when the polls cog starts ({folder} is writable; "
                                          "back it up apart from the database)")]
    try:
        read_key(path)
    except BallotKeyError as err:
        return [Check(False, "ballot key", err.problem.removeprefix("the anonymous-ballot key "), err.fix)]
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return [Check(False, "ballot key", f"{path} is readable by other users (mode {mode:o})", f"chmod 600 {path}")]
    return [Check(True, "ballot key", f"{path}, readable by the bot's user only (mode {mode:o})")]


async def schedule_checks(config: Config, secrets: Secrets, now: datetime) -> list[Check]:
    """The next run of every scheduled job, in its community's timezone."""
    from bot.jobs_cli import schedule

    _, lines = await schedule(config, secrets, now)  # the database's own line is the database check's
    return [Check(True, "schedule", line) for line in lines]


async def platform_checks(config: Config, secrets: Secrets) -> list[Check]:
    """Each configured community on its platform: token, intents or scopes, channels, roles, managers."""
    checks: list[Check] = []
    discord = [c for c in config.communities if c.platform == Platform.DISCORD]
    slack = [c for c in config.communities if c.platform == Platform.SLACK]
    if discord:
        if not secrets.discord_token:
            checks.append(Check(False, "discord", "DISCORD_TOKEN is not set", "export DISCORD_TOKEN=… (Developer Portal > Bot > Reset Token)"))
        else:
            from bot.adapters.discord.doctor import discord_checks

            checks += await discord_checks(config, secrets.discord_token, discord)
    if config.slack.oauth:
        checks.append(slack_oauth_check(config, secrets))
    elif slack:
        if not secrets.slack_bot_token:
            checks.append(Check(False, "slack", "SLACK_BOT_TOKEN is not set", "export SLACK_BOT_TOKEN=xoxb-… (the app's OAuth & Permissions page)"))
        else:
            from bot.adapters.slack.doctor import slack_checks

            checks += await slack_checks(config, secrets, slack)
    if not discord and not slack and not config.slack.oauth:
        checks.append(Check(True, "platforms", "no Discord or Slack community configured: `engagebot run` starts the console"))
    return checks


def slack_oauth_check(config: Config, secrets: Secrets) -> Check:
    """OAuth mode (`slack.oauth`): its mode and secrets; each workspace's token comes from its installation."""
    from bot.adapters.slack import build_oauth_adapter
    from bot.config import ConfigError

    try:
        build_oauth_adapter(config, secrets)
    except ConfigError as err:
        return Check(False, "slack", str(err), "see the README's Slack section, \"Many workspaces\"")
    return Check(True, "slack", f"OAuth mode: workspaces install at {config.slack.install_path}, Slack sends them back to {config.slack.redirect_path}")


async def run_doctor(config: Config, secrets: Secrets, now: datetime | None = None) -> list[Check]:
    """Every check, in order."""
    source = config.source
    checks = [Check(True, "configuration", f"{source}, {len(config.communities)} community(ies), cogs: {', '.join(config.bot.cogs) or 'none'}")]
    checks += await database_checks(config)
    checks += key_checks(config)
    checks += await platform_checks(config, secrets)
    checks += await schedule_checks(config, secrets, now or datetime.now(UTC))
    return checks


def exit_code(checks: Iterable[Check]) -> int:
    """0 when nothing is broken, 1 otherwise."""
    return 1 if any(c.ok is False for c in checks) else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Add `doctor` to the command line."""
    doctor = sub.add_parser("doctor", parents=[common], help="check the install: configuration, database, tokens, channels, roles, schedule",
                            description="Check everything the bot needs, one line per check with the fix; exit 1 when something is broken.")
    doctor.set_defaults(handler=cmd_doctor)


def cmd_doctor(args: argparse.Namespace, config: Config) -> int:
    """`engagebot doctor`."""
    checks = asyncio.run(run_doctor(config, Secrets.from_env()))
    for check in checks:
        print(check.line())
    return exit_code(checks)
