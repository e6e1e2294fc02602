"""The neutral `Message` rendered as Slack Block Kit, within Slack's limits."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from bot.core import markup
from bot.core.message import Button, ButtonStyle, Field, Message

Block = dict[str, Any]

MESSAGE_BLOCKS = 50  # per message
VIEW_BLOCKS = 100  # per modal or App Home tab
SECTION_TEXT = 3000
HEADER_TEXT = 150
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
FALLBACK_TEXT = 3000

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)
_STRIKE = re.compile(r"~~(.+?)~~", re.S)
_SLASH = re.compile(r"(^|[\s(`\"'«])/([a-z][\w-]*)\b")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """A member's text as typed on Slack: `& < >` escaped, so `<!channel>` or `<@U…>` stays text and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _convert(markdown: str) -> str:
    text = _HEADING.sub(r"**\1**", markdown)
    text = _LINK.sub(r"<\2|\1>", text)
    text = _BOLD.sub(r"*\1*", text)
    return _STRIKE.sub(r"~\1~", text)


_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")


def mentioner(pinged: Collection[str] = ()) -> markup.Mention:
    """How Slack shows a member or channel named in a message: `<@U…>` notifies the member, so only the `pinged` ones get
    it; the others show as `@name` (the outbox looks names up first: `Outbox.for_slack`). A channel is a `<#C…>` link."""

    def mention(kind: str, ident: str, name: str | None) -> str:
        if kind == "c":
            return f"<#{ident}>" if _SLACK_CHANNEL.fullmatch(ident) else escape(markup.as_text(kind, ident, name))
        if _SLACK_USER.fullmatch(ident) and ident in pinged:
            return f"<@{ident}>"
        return escape(markup.as_text(kind, ident, name))

    return mention


def mrkdwn(markdown: str, pinged: Collection[str] = ()) -> str:
    """Common Markdown (`**bold**`, `[text](url)`, `# heading`, `~~strike~~`) as Slack mrkdwn; members' texts escaped,
    members and channels named as Slack shows them (see `mentioner`)."""
    return markup.render(markdown, escape, _convert, mentioner(pinged))


def chunks(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` characters, preferring line then word boundaries."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    if text:
        pieces.append(text)
    return pieces


def section(text: str) -> Block:
    """A mrkdwn section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}}


def button_element(button: Button, action_id: str) -> Block:
    """A Block Kit button; its value carries the neutral custom_id."""
    label = markup.plain(f"{button.emoji} {button.label}" if button.emoji else button.label or button.custom_id)
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, BUTTON_TEXT), "emoji": True},
        "action_id": clip(action_id, ACTION_ID),
        "value": button.custom_id[:BUTTON_VALUE],
    }
    if button.style in (ButtonStyle.PRIMARY, ButtonStyle.SUCCESS):
        element["style"] = "primary"
    elif button.style == ButtonStyle.DANGER:
        element["style"] = "danger"
    return element


def action_blocks(buttons: tuple[Button, ...]) -> list[Block]:
    """Buttons in actions blocks of at most 25 elements; action ids unique within the message."""
    elements: list[Block] = []
    used: set[str] = set()
    for i, button in enumerate(buttons):
        action_id = button.custom_id[:ACTION_ID]
        if action_id in used:
            action_id = f"{button.custom_id[: ACTION_ID - 8]}#{i}"
        used.add(action_id)
        elements.append(button_element(button, action_id))
    return [{"type": "actions", "elements": elements[i : i + ACTIONS_ELEMENTS]} for i in range(0, len(elements), ACTIONS_ELEMENTS)]


def blocks_for(message: Message, limit: int = MESSAGE_BLOCKS, more: str = "…") -> list[Block]:
    """The blocks of a message: header, body sections, fields, poll answers, buttons, footer."""
    blocks: list[Block] = []
    if message.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": clip(markup.plain(message.title), HEADER_TEXT), "emoji": True}})
    body = " ".join(p for p in (mention_line(message), mrkdwn(message.body, message.mentions)) if p)
    if body:
        blocks.extend(section(piece) for piece in chunks(body, SECTION_TEXT))
    fields = [{"type": "mrkdwn", "text": clip(mrkdwn(f"**{f.name}**\n{f.value}", message.mentions), FIELD_TEXT)} for f in message.fields]
    blocks.extend({"type": "section", "fields": fields[i : i + FIELDS_PER_SECTION]} for i in range(0, len(fields), FIELDS_PER_SECTION))
    if message.native_poll and not message.buttons:
        poll = message.native_poll
        lines = [f"**{poll.question}**", *(f"{i + 1}. {a}" for i, a in enumerate(poll.answers))]
        blocks.extend(section(piece) for piece in chunks(mrkdwn("\n".join(lines)), SECTION_TEXT))
    tail: list[Block] = action_blocks(message.buttons)
    if message.footer:
        tail.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn(message.footer, message.mentions), SECTION_TEXT)}]})
    room = limit - len(tail)
    if len(blocks) > room:
        # buttons and footer are kept: they are what members act on
        blocks = blocks[: max(room - 1, 0)] + [{"type": "context", "elements": [{"type": "mrkdwn", "text": more}]}]
    return (blocks + tail)[:limit]


def mention_line(message: Message) -> str:
    """The members the message pings (`Message.mentions`) and does not already name in its text, as Slack mentions."""
    return " ".join(f"<@{member}>" for member in message.unnamed_mentions())


def fallback_text(message: Message) -> str:
    """The notification / accessibility text of a message."""
    text = " ".join(p for p in (mention_line(message), mrkdwn(message.marked_text(), message.mentions)) if p)
    return clip(text, FALLBACK_TEXT) or " "


def with_prefix(message: Message, prefix: str) -> Message:
    """The same message with a line in front of its body (a DM posted in a fallback channel)."""
    body = f"{prefix}\n{message.body}" if message.body else prefix
    return Message(body=body, title=message.title, fields=message.fields, buttons=message.buttons, image=message.image,
                   footer=message.footer, native_poll=message.native_poll, mentions=message.mentions)


def slack_commands(message: Message, slash: str, names: Collection[str]) -> Message:
    """The bot's commands written for Slack: `/ping` becomes `/engage ping` (they are subcommands there)."""

    def fix(text: str) -> str:
        return _SLASH.sub(lambda m: f"{m.group(1)}{slash} {m.group(2)}" if m.group(2) in names else m.group(0), text)

    if not names:
        return message
    return replace(
        message, body=fix(message.body), title=fix(message.title) if message.title else message.title,
        footer=fix(message.footer) if message.footer else message.footer,
        fields=tuple(Field(fix(f.name), fix(f.value), f.inline) for f in message.fields),
    )
