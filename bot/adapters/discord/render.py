"""Render a neutral `Message` for Discord: content, embeds within the limits, a persistent View, files, a native Poll."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import discord

from bot.core import markup
from bot.core.message import ButtonStyle, Field, Message, NativePoll

log = logging.getLogger("engagebot.discord")

# Discord's limits (PLATFORM_FACTS.md).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10
BUTTONS_PER_ROW = 5
ROWS_MAX = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
POLL_ANSWERS_MAX = 10
POLL_QUESTION_MAX = 300
POLL_ANSWER_MAX = 55
POLL_HOURS_MAX = 768
ELLIPSIS = "…"
EMPTY = "\u200b"  # Discord refuses empty field names and values

ButtonFactory = Any  # a DynamicItem subclass built by the adapter (see views.py)

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def escape(text: str) -> str:
    """A member's text as typed on Discord: its Markdown shown, its @everyone / @here / <@…> mentions unable to render or ping."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


_TITLE_MARKS = re.compile(r"([\\*_~`|])")


def escape_title(text: str) -> str:
    """A member's text as typed in an embed title, where Discord renders only inline Markdown (bold, italics, underline,
    strikethrough, code, spoilers) and neither links, headings, lists, quotes nor mentions: only those marks (and `\\`)
    are escaped, so no other character shows a stray backslash."""
    return _TITLE_MARKS.sub(r"\\\1", text)


def for_title(text: str) -> str:
    """An embed title: the bot's text as is, members' texts escaped for a title, members and channels named as `@name` / `#name`
    (a title shows no mention)."""
    return markup.render(text, escape_title, mention=lambda kind, ident, name: escape_title(markup.as_text(kind, ident, name)))


def mention(kind: str, ident: str, name: str | None) -> str:
    """A member or channel named in a message: Discord's own mention (it pings only the members `allowed_mentions` lets it)."""
    if ident.isdigit():
        return f"<@{ident}>" if kind == "u" else f"<#{ident}>"
    return escape(markup.as_text(kind, ident, name))


def for_discord(text: str) -> str:
    """The bot's Markdown as is, members' texts (`markup.verbatim`) escaped, members and channels named as mentions."""
    return markup.render(text, escape, mention=mention)


def allowed_mentions(message: Message) -> discord.AllowedMentions:
    """Exactly the members the message declares may be pinged: never @everyone, @here, a role, or whoever a member's text names."""
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                   users=[discord.Object(id=int(m)) for m in message.mentions if m.isdigit()])


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending with an ellipsis when it was cut (never after half of an escape: `\\…`)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into chunks of at most `limit` characters, at paragraph, line or word boundaries."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


@dataclass
class Rendered:
    """What `Messageable.send` / an interaction response gets for one neutral message."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    poll: discord.Poll | None = None
    allowed_mentions: discord.AllowedMentions | None = None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `send`, leaving out what is absent (discord.py wants MISSING, not None)."""
        out: dict[str, Any] = {}
        if self.content:
            out["content"] = self.content
        if self.embeds:
            out["embeds"] = self.embeds
        if self.view is not None:
            out["view"] = self.view
        if self.files:
            out["files"] = self.files
        if self.poll is not None:
            out["poll"] = self.poll
        if self.allowed_mentions is not None:
            out["allowed_mentions"] = self.allowed_mentions
        return out


class _Budget:
    """The 6000 characters every embed of one message shares."""

    def __init__(self, total: int = EMBED_TOTAL_MAX) -> None:
        self.left = total

    def take(self, text: str, limit: int) -> str | None:
        """`text` fitted into both its own limit and what is left; None when nothing is left."""
        room = min(limit, self.left)
        if room <= 1:
            return None
        fitted = truncate(text, room)
        self.left -= len(fitted)
        return fitted


def render_embeds(message: Message, body_in_embed: bool) -> list[discord.Embed]:
    """The embeds for a message: title, body chunks, fields and footer within every Discord limit."""
    budget = _Budget()
    colour = discord.Colour.blurple()
    first = discord.Embed(colour=colour)
    if message.title:
        first.title = budget.take(message.title, TITLE_MAX)
    embeds = [first]
    if body_in_embed and message.body:
        for i, chunk in enumerate(split_text(message.body, DESCRIPTION_MAX)):
            text = budget.take(chunk, DESCRIPTION_MAX)
            if text is None:
                break
            if i > 0:
                if len(embeds) >= EMBEDS_MAX:
                    embeds[-1].description = truncate((embeds[-1].description or "") + "\n" + text, DESCRIPTION_MAX)
                    break
                embeds.append(discord.Embed(colour=colour))
            embeds[-1].description = text
    for f in message.fields:
        if len(embeds[-1].fields) >= FIELDS_MAX:
            if len(embeds) >= EMBEDS_MAX:
                log.warning("message %r has too many fields for Discord; the rest are left out", message.title)
                break
            embeds.append(discord.Embed(colour=colour))
        name = budget.take(f.name or EMPTY, FIELD_NAME_MAX)
        value = budget.take(f.value or EMPTY, FIELD_VALUE_MAX)
        if name is None or value is None:
            log.warning("message %r is over Discord's 6000 characters; it was truncated", message.title)
            break
        embeds[-1].add_field(name=name, value=value, inline=f.inline)
    if message.footer:
        footer = budget.take(message.footer, FOOTER_MAX)
        if footer:
            embeds[-1].set_footer(text=footer)
    if message.image is not None:
        embeds[-1].set_image(url=f"attachment://{message.image.filename}")
    return embeds


def render_view(message: Message, button_item: ButtonFactory) -> discord.ui.View | None:
    """A persistent view (timeout=None) whose buttons are the adapter's dynamic items, 5 per row."""
    if not message.buttons:
        return None
    view = discord.ui.View(timeout=None)
    limit = BUTTONS_PER_ROW * ROWS_MAX
    for i, b in enumerate(message.buttons[:limit]):
        if not 1 <= len(b.custom_id) <= CUSTOM_ID_MAX:
            log.warning("button %r left out: its custom_id must be 1-%d characters", b.label, CUSTOM_ID_MAX)
            continue
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=truncate(b.label, BUTTON_LABEL_MAX), custom_id=b.custom_id, style=_STYLES[b.style], emoji=b.emoji, row=i // BUTTONS_PER_ROW
        )
        view.add_item(button_item(button))
    if len(message.buttons) > limit:
        log.warning("message %r has %d buttons; Discord shows %d", message.title, len(message.buttons), limit)
    return view


def render_poll(poll: NativePoll) -> discord.Poll:
    """A native Discord poll, fitted to its limits (10 answers of 55 characters, 1-768 whole hours)."""
    if len(poll.answers) > POLL_ANSWERS_MAX:
        log.warning("poll %r has %d answers; Discord polls take %d", poll.question, len(poll.answers), POLL_ANSWERS_MAX)
    hours = min(max(int(poll.hours), 1), POLL_HOURS_MAX)
    # Discord shows a poll's texts as typed (no Markdown, no mentions): members' texts need no escaping there
    native = discord.Poll(question=truncate(markup.plain(poll.question), POLL_QUESTION_MAX), duration=timedelta(hours=hours), multiple=poll.multiple)
    for answer in poll.answers[:POLL_ANSWERS_MAX]:
        native.add_answer(text=truncate(markup.plain(answer), POLL_ANSWER_MAX))
    return native


def render(message: Message, button_item: ButtonFactory) -> Rendered:
    """Everything Discord needs to show a neutral message: members' texts escaped, only the declared mentions able to ping."""
    front = message.unnamed_mentions()  # declared, and not named in the text: mentioned in front of it
    message = replace(
        message, body=for_discord(message.body), title=for_title(message.title) if message.title else None,
        footer=markup.plain(message.footer) if message.footer else None,
        fields=tuple(Field(for_discord(f.name), for_discord(f.value), f.inline) for f in message.fields),
        buttons=tuple(replace(b, label=markup.plain(b.label)) for b in message.buttons),
    )
    out = Rendered(allowed_mentions=allowed_mentions(message))
    mentions = " ".join(f"<@{m}>" for m in front)
    rich = bool(message.title or message.fields or message.footer or message.image) or len(message.body) > CONTENT_MAX
    if message.native_poll is not None:
        out.poll = render_poll(message.native_poll)
    if rich:
        out.embeds = render_embeds(message, body_in_embed=True)
        out.content = mentions or None
    else:
        out.content = truncate(" ".join(p for p in (mentions, message.body) if p), CONTENT_MAX) or None
    out.view = render_view(message, button_item)
    if message.image is not None:
        out.files = [discord.File(io.BytesIO(message.image.data), filename=message.image.filename, description=message.image.description)]
    if not (out.content or out.embeds or out.poll or out.files):
        out.content = EMPTY
    return out
