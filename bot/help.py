"""`/help COMMAND`: a command's syntax, its options and an example for each platform."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Command, split_words
from bot.core.message import Field, Message
from bot.i18n import join_list

Translate = Callable[..., str]


def usage(command: Command, prefix: str = "/") -> str:
    """`/poll create QUESTION [OPTIONS] [kind=…]`: positional options in order, the optional ones in brackets."""
    parts = [f"{prefix}{command.name}"]
    for opt in command.options:
        word = opt.name.upper() if opt.required else f"[{opt.name}=…]"
        parts.append(word)
    return " ".join(parts)


def platform_examples(command: Command, example: str, slack_command: str) -> list[tuple[str, str]]:
    """The same call written for Discord (named options), Slack (`/engage …`) and the console."""
    words = split_words(example)
    named: list[str] = []
    positional = [o for o in command.options]
    for word in words:
        key, sep, value = word.partition("=")
        if sep and any(o.name == key for o in command.options):
            named.append(f"{key}:{value}")
            positional = [o for o in positional if o.name != key]
        elif positional:
            named.append(f"{positional.pop(0).name}:{word}")
    return [
        ("Discord", f"/{command.name} " + " ".join(named)),
        ("Slack", f"{slack_command} {command.name} {example}"),
        ("Console", f"/{command.name} {example}"),
    ]


def command_help(command: Command, locale: str, t: Translate, has: Callable[[str], bool], slack_command: str) -> Message:
    """The help of one command: what it does, its syntax, each option, and an example per platform."""
    lines = [command.describe(locale), "", t("help.syntax", usage=f"`{usage(command)}`")]
    for opt in command.options:
        described = opt.description.get(locale) or opt.description.get("en", "")
        choices = f" ({join_list(locale, opt.choices, 'or')})" if opt.choices else ""
        lines.append(f"• `{opt.name}`{'' if opt.required else ' ' + t('help.optional')} — {described}{choices}")
    key = f"help.example.{command.name.replace(' ', '_')}"
    fields: tuple[Field, ...] = ()
    if has(key):
        examples = platform_examples(command, t(key), slack_command)
        fields = (Field(t("help.examples"), "\n".join(f"{platform}: `{text}`" for platform, text in examples)),)
    return Message(title=f"/{command.name}", body="\n".join(lines), fields=fields, locale=locale)
