"""`engagebot init`: a commented `config.toml` for one community, its ids looked up when a token is there, and the next steps."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.config import Config, ConfigError, Secrets, check_timezone, parse_config, read_toml
from bot.staff import CONSOLE_DEFAULTS

Ask = Callable[[str, str], str]


@dataclass
class Answers:
    """What the configuration needs to know about the one community."""

    platform: str = "discord"
    id: str = ""
    name: str = ""
    locale: str = "en"
    timezone: str = "UTC"
    welcome_channel: str = "welcome"
    rules_channel: str = "rules"
    introductions_channel: str = "introductions"
    prompts_channel: str = "general"
    animator_roles: list[str] = field(default_factory=list)
    manager_roles: list[str] = field(default_factory=list)
    managers: list[str] = field(default_factory=list)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Add `init` to the command line."""
    init = sub.add_parser("init", parents=[common], help="write a commented config.toml for your community (asks, or takes options)",
                          description="Write a config.toml for one community. Without --platform it asks its questions; with a token in "
                                      "the environment it looks the ids up on the platform. It prints the Discord invite link or the "
                                      "Slack manifest to paste, and what to run next.")
    init.add_argument("--platform", choices=["discord", "slack", "console"], help="answer without questions for this platform")
    init.add_argument("--id", help="the Discord server id or Slack team id (looked up with a token when there is only one)")
    init.add_argument("--name", help="the community's name, as the digest shows it")
    init.add_argument("--locale", choices=["en", "fr"], default=None, help="the community's language (default: en)")
    init.add_argument("--timezone", help="an IANA timezone such as Europe/Paris (default: UTC)")
    init.add_argument("--welcome-channel", help="where newcomers are welcomed (an id, or a name)")
    init.add_argument("--prompts-channel", help="where the weekly question goes (an id, or a name)")
    init.add_argument("--animator-role", action="append", default=[], help="a role (Discord) or user group / user (Slack) id of the animators")
    init.add_argument("--manager-role", action="append", default=[], help="a role or user group id of the managers")
    init.add_argument("--manager", action="append", default=[], help="the user id of a manager who receives the weekly digest")
    init.add_argument("--out", type=Path, default=Path("config.toml"), help="the file to write (default: config.toml)")
    init.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    init.set_defaults(handler=cmd_init)


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def render(a: Answers, today: date) -> str:
    """The configuration file, commented for the person who will edit it next."""
    token = {"discord": "DISCORD_TOKEN", "slack": "SLACK_BOT_TOKEN and SLACK_APP_TOKEN"}.get(a.platform, "")
    where_ids = ("Discord: Server Settings > Roles, right-click a role > Copy Role ID (Developer Mode on)" if a.platform == "discord"
                 else "Slack: a user group's id (S…) from its page's URL, or a member's id (U…) from their profile")
    lines = [
        f"# engagebot configuration, written by `engagebot init` on {today.isoformat()}. Every key is explained in",
        "# config.example.toml. Check it with `engagebot doctor`.",
        *([f"# Tokens never go in this file: export {token} in the bot's environment."] if token else []),
        "",
        "[bot]",
        f"locale = {_q(a.locale)}",
        f"timezone = {_q(a.timezone)}",
        "",
        "[database]",
        "# SQLite by default; a PostgreSQL server for larger communities: postgresql://USER:PASSWORD@HOST/DB",
        'url = "sqlite:///engagebot.db"',
        "",
        "[[communities]]",
        f"platform = {_q(a.platform)}",
        f"id = {_q(a.id)}",
        *([f"name = {_q(a.name)}"] if a.name else []),
        f"locale = {_q(a.locale)}",
        f"timezone = {_q(a.timezone)}",
        *(_console_staff(a) if a.platform == "console" else [
            f"# Animators and managers, BY ID ({where_ids}).",
            "# The server's administrators (Manage Server) or the workspace's admins are always both.",
            f"animator_roles = {_list(a.animator_roles)}",
            f"manager_roles = {_list(a.manager_roles)}",
            "# Who receives the weekly digest by DM (user ids).",
            f"managers = {_list(a.managers)}",
        ]),
        "",
        "[communities.cogs.onboarding]",
        "# Where newcomers are welcomed, where the rules are, where they introduce themselves (ids, or names).",
        f"welcome_channel = {_q(a.welcome_channel)}",
        f"rules_channel = {_q(a.rules_channel)}",
        f"introductions_channel = {_q(a.introductions_channel)}",
        "",
        "[communities.cogs.prompts]",
        "# Where the weekly question goes (every Monday at 09:00 in the community's timezone).",
        f"channel = {_q(a.prompts_channel)}",
        "",
    ]
    return "\n".join(lines)


def _console_staff(a: Answers) -> list[str]:
    """The console's staff keys: only those given. An empty list would mean "no animator role at all", where the key left out
    keeps the console's role names (`/role alice animator`)."""
    animator, *more = CONSOLE_DEFAULTS["animator_roles"]
    also = f" (or {' or '.join(more)})" if more else ""
    return [
        f"# On the console you are an administrator (animator and manager). Roles are names here: `/role alice {animator}`{also}",
        f"# makes alice an animator, `/role alice {CONSOLE_DEFAULTS['manager_roles'][0]}` a manager. Set animator_roles or manager_roles",
        "# only to use other role names (an empty list would leave no role that animates or manages).",
        *([f"animator_roles = {_list(a.animator_roles)}"] if a.animator_roles else []),
        *([f"manager_roles = {_list(a.manager_roles)}"] if a.manager_roles else []),
        *([f"managers = {_list(a.managers)}"] if a.managers else []),
    ]


def ask_terminal(question: str, default: str) -> str:
    """Ask on the terminal; Enter keeps the default."""
    answer = input(f"{question} [{default}]: " if default else f"{question}: ").strip()
    return answer or default


async def looked_up(a: Answers, secrets: Secrets, api_base_url: str) -> tuple[Answers, list[str]]:
    """Fill what the platform can tell (the server or workspace, its name); notes of what was found."""
    if a.platform == "discord" and secrets.discord_token:
        from bot.adapters.discord.lookup import discord_ids, discord_servers

        servers, app_id = await discord_servers(secrets.discord_token)
        if not a.id and len(servers) == 1:
            a.id, a.name = servers[0][0], a.name or servers[0][1]
        notes = [f"the bot is in: {', '.join(f'{n} ({i})' for i, n in servers) or 'no server yet'}", f"application id: {app_id}"]
        if a.id in {i for i, _ in servers}:
            found = await discord_ids(secrets.discord_token, a.id, _channels(a), a.animator_roles + a.manager_roles, a.managers)
            notes += _apply(a, *found)
        return a, notes
    if a.platform == "slack" and secrets.slack_bot_token:
        from bot.adapters.slack.lookup import slack_ids, slack_workspace

        team, name = await slack_workspace(secrets.slack_bot_token, api_base_url)
        a.id, a.name = a.id or team, a.name or name
        found = await slack_ids(secrets.slack_bot_token, api_base_url, _channels(a), a.animator_roles + a.manager_roles, a.managers)
        return a, [f"workspace: {name} ({team})", *_apply(a, *found)]
    return a, []


def _channels(a: Answers) -> dict[str, str]:
    return {"welcome_channel": a.welcome_channel, "rules_channel": a.rules_channel, "introductions_channel": a.introductions_channel,
            "prompts_channel": a.prompts_channel}


def _apply(a: Answers, channels: dict[str, str], roles: list[str], users: list[str], notes: list[str]) -> list[str]:
    """Put the ids the platform gave back in place of the names typed."""
    for key, value in channels.items():
        setattr(a, key, value)
    split = len(a.animator_roles)
    a.animator_roles, a.manager_roles, a.managers = roles[:split], roles[split:], users
    return notes


def next_steps(a: Answers, app_id: str | None) -> list[str]:
    """What to do after the file is written: invite the bot or paste the manifest, export the tokens, check."""
    if a.platform == "discord":
        from bot.adapters.discord.adapter import invite_url

        link = invite_url(app_id) if app_id else invite_url("APPLICATION_ID").replace("APPLICATION_ID", "<your application id>")
        return ["Invite the bot with exactly the permissions it needs:", f"  {link}",
                "Switch on SERVER MEMBERS INTENT and MESSAGE CONTENT INTENT (Developer Portal > Bot).",
                "export DISCORD_TOKEN=…   then   engagebot doctor   then   engagebot run"]
    if a.platform == "slack":
        manifest = Path(__file__).resolve().parent.parent / "slack" / "manifest.yml"
        shown = manifest.read_text(encoding="utf-8") if manifest.exists() else "(slack/manifest.yml of the repository)"
        return ["Create the app at https://api.slack.com/apps > Create New App > From an app manifest, and paste:", shown,
                "export SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-…   then   engagebot doctor   then   engagebot run"]
    return ["engagebot run   (the console: you play the members)"]


async def build(args: argparse.Namespace, secrets: Secrets, api_base_url: str, ask: Ask | None) -> tuple[Answers, list[str]]:
    """The answers from the options (and the questions when `ask` is given), completed by the platform's lookups."""
    a = Answers(platform=args.platform or "discord", id=args.id or "", name=args.name or "", locale=args.locale or "en",
                timezone=args.timezone or "UTC", animator_roles=list(args.animator_role), manager_roles=list(args.manager_role),
                managers=list(args.manager))
    if args.welcome_channel:
        a.welcome_channel = args.welcome_channel
    if args.prompts_channel:
        a.prompts_channel = args.prompts_channel
    if ask is not None:
        a.platform = ask("Platform (discord, slack or console)", a.platform)
        if a.platform != "console":
            a.id = ask("Server id (Discord) or team id (Slack); Enter to look it up with the token", a.id)
        else:
            a.id = ask("Console community name", a.id or "console")
        a.name = ask("The community's name", a.name)
        a.locale = ask("Language (en or fr)", a.locale)
        a.timezone = ask("Timezone (IANA, e.g. Europe/Paris)", a.timezone)
        a.welcome_channel = ask("Welcome channel (id or name)", a.welcome_channel)
        a.prompts_channel = ask("Channel of the weekly question (id or name)", a.prompts_channel)
        a.animator_roles = [r for r in ask("Animator roles (ids or names), separated by spaces", " ".join(a.animator_roles)).split() if r]
        a.managers = [m for m in ask("Managers who receive the digest (user ids or names)", " ".join(a.managers)).split() if m]
    return await looked_up(a, secrets, api_base_url)


def check(a: Answers) -> None:
    """Refuse answers the configuration would refuse, in one line."""
    if a.platform not in ("discord", "slack", "console"):
        raise ConfigError(f"init: platform {a.platform!r}: use discord, slack or console")
    if a.locale not in ("en", "fr"):
        raise ConfigError(f"init: locale {a.locale!r}: use en or fr")
    try:
        check_timezone(a.timezone)
    except ValueError as err:
        raise ConfigError(f"init: timezone: {err}") from None
    if not a.id:
        raise ConfigError("init: the server or team id is needed (--id; with a token in the environment it is looked up)")


def cmd_init(args: argparse.Namespace, config: Config) -> int:
    """`engagebot init`."""
    out: Path = args.out
    if out.exists() and not args.force:
        raise ConfigError(f"init: {out} exists: edit it, or run again with --force to replace it")
    ask = ask_terminal if args.platform is None and sys.stdin.isatty() else None
    a, notes = asyncio.run(build(args, Secrets.from_env(), config.slack.api_base_url, ask))
    check(a)
    text = render(a, date.today())
    out.write_text(text, encoding="utf-8")
    parse_config(read_toml(out), str(out))  # what it wrote loads
    app_id = next((n.split(": ", 1)[1] for n in notes if n.startswith("application id: ")), None)
    for line in [*notes, f"wrote {out}", *next_steps(a, app_id)]:
        print(line)
    return 0
