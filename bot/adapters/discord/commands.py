"""The slash-command tree generated from the neutral command registry, with fr/en descriptions."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.commands import Command, CommandRegistry, Option, OptionType
from bot.i18n import Catalog

log = logging.getLogger("engagebot.discord")

DESCRIPTION_MAX = 100
RunCommand = Callable[[discord.Interaction[Any], Command, dict[str, Any]], Awaitable[None]]


def _described(descriptions: dict[str, str]) -> app_commands.locale_str:
    """A description in English carrying its other languages as extras for the translator."""
    english = descriptions.get("en") or next(iter(descriptions.values()), "") or "…"
    others = {loc: text[:DESCRIPTION_MAX] for loc, text in descriptions.items() if loc != "en" and text}
    return app_commands.locale_str(english[:DESCRIPTION_MAX], **others)


class DescriptionTranslator(app_commands.Translator):
    """Gives Discord each description in the languages the neutral registry has (fr, en, …)."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes) -> str | None:
        """The text for `locale` (`fr`, or a regional form such as `es-ES` → `es`), or None to keep English."""
        code = locale.value
        text = string.extras.get(code) or string.extras.get(code.split("-")[0])
        return str(text) if text else None


def _annotation(opt: Option) -> Any:
    base: Any
    if opt.type == OptionType.INTEGER:
        base = int
    elif opt.type == OptionType.NUMBER:
        base = float
    elif opt.type == OptionType.BOOLEAN:
        return bool
    elif opt.type == OptionType.MEMBER:
        return discord.Member
    elif opt.type == OptionType.CHANNEL:
        return discord.abc.GuildChannel
    else:
        return str
    if opt.min_value is None and opt.max_value is None or opt.choices:
        return base
    low = base(opt.min_value) if opt.min_value is not None else None
    high = base(opt.max_value) if opt.max_value is not None else None
    return app_commands.Range[base, low, high]


def _choice_value(opt: Option, value: str) -> str | int | float:
    if opt.type == OptionType.INTEGER:
        return int(value)
    if opt.type == OptionType.NUMBER:
        return float(value)
    return value


def make_callback(command: Command, run: RunCommand) -> Callable[..., Awaitable[None]]:
    """A callback whose signature declares the command's typed options (Python-safe names renamed to the option names)."""
    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    renames: dict[str, str] = {}
    descriptions: dict[str, app_commands.locale_str] = {}
    choices: dict[str, list[app_commands.Choice[Any]]] = {}
    ordered = sorted(command.options, key=lambda o: not o.required)  # Discord lists required options first
    for i, opt in enumerate(ordered):
        key = f"option_{i}"
        renames[key] = opt.name
        descriptions[key] = _described(opt.description)
        if opt.choices:
            choices[key] = [app_commands.Choice(name=c[:DESCRIPTION_MAX], value=_choice_value(opt, c)) for c in opt.choices[:25]]
        default = inspect.Parameter.empty if opt.required else None
        params.append(inspect.Parameter(key, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=_annotation(opt), default=default))

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        await run(interaction, command, {renames[k]: v for k, v in values.items() if v is not None})

    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = renames  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    if choices:
        callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    return callback


def build_tree(client: discord.Client, registry: CommandRegistry, run: RunCommand, catalog: Catalog) -> app_commands.CommandTree[Any]:
    """A command tree holding every registry command (`group sub` becomes a subcommand of `group`)."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    groups: dict[str, app_commands.Group] = {}
    commands = registry.all()
    grouped = {c.name.split()[0] for c in commands if " " in c.name}
    for command in commands:
        head, _, sub = command.name.partition(" ")
        if not sub and head in grouped:
            # expected, not a fault: a cog offers `/x` for Slack and the console and `/x sub` commands (e.g. /onboarding checklist)
            log.info("/%s is also a group of subcommands: Discord cannot show both, so it gets only the subcommands", head)
            continue
        try:
            parent: app_commands.Group | None = None
            if sub:
                if head not in groups:
                    texts = {loc: catalog.t(loc, "discord.group_description", group=head) for loc in ("en", "fr")}
                    groups[head] = app_commands.Group(name=head, description=_described(texts), guild_only=True)
                    tree.add_command(groups[head])
                parent = groups[head]
            callback: Any = make_callback(command, run)
            slash: app_commands.Command[Any, ..., None] = app_commands.Command(
                name=sub or head, description=_described(command.description), callback=callback, parent=parent,
            )
            if parent is None:
                slash.guild_only = True
                tree.add_command(slash)
            else:
                parent.add_command(slash)
        except (TypeError, ValueError, app_commands.AppCommandError) as err:
            log.error("/%s cannot be a Discord slash command: %s", command.name, err)
    return tree
