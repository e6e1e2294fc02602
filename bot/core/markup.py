"""Text members wrote, inside the bot's own messages: shown as typed on every platform, never read as markup.

A kudos reason, a poll's question, an open answer, a display name or an animator's prompt may hold
`<!channel>`, `@everyone`, `<@123>` or `**bold**`. Cogs wrap such a value with `verbatim()` when they
put it in a message; each adapter then escapes what is inside for its platform (Slack: `& < >`;
Discord: its Markdown and mentions) and leaves the bot's own Markdown around it alone. The console
and the simulation show the text as typed. Who a message may ping is declared apart, in
`Message.mentions`.

Members and channels are named with `member()` and `channel()`: each platform shows them its own way
(`<@U…>` and `<#C…>` on Slack, `<@id>` and `<#id>` on Discord, `@name` and `#name` on the console)
instead of a bare id, and a mention pings only the members the message declares.

The marks are private-use characters, which `verbatim()` first removes from the text itself, so a
member can neither close their own segment early nor forge a mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

OPEN, CLOSE = "\ue000", "\ue001"
_HOLE = "\ue002{}\ue003"  # where a segment or a mention waits while the bot's Markdown is converted around it
_MENTION, _SEP, _END = "\ue004", "\ue005", "\ue006"
_PRIVATE = re.compile("[\ue000-\ue006]")
_SEGMENT = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*)(?:{CLOSE}|$)")  # a text cut short is escaped to its end
_TOKEN = re.compile(f"{_MENTION}([uc]){_SEP}([^{_SEP}{_END}]*){_SEP}([^{_SEP}{_END}]*){_END}")
_HOLES = re.compile("\ue002(\\d+)\ue003")

Mention = Callable[[str, str, str | None], str]
"""How a platform shows a mention: (`u` for a member or `c` for a channel, id, name or None) → text."""


def verbatim(text: object) -> str:
    """`text` from a member (or an animator), ready to insert in a message: every platform shows it as typed."""
    return f"{OPEN}{_PRIVATE.sub('', str(text))}{CLOSE}"


def member(ident: str, name: str | None = None) -> str:
    """A member named in a message: a mention on Discord and Slack, `@name` on the console (pings only if declared)."""
    return f"{_MENTION}u{_SEP}{_PRIVATE.sub('', ident)}{_SEP}{_PRIVATE.sub('', name or '')}{_END}"


def channel(ident: str, name: str | None = None) -> str:
    """A channel named in a message: a link on Discord and Slack, `#name` on the console."""
    return f"{_MENTION}c{_SEP}{_PRIVATE.sub('', ident)}{_SEP}{_PRIVATE.sub('', (name or '').lstrip('#'))}{_END}"


def as_text(kind: str, ident: str, name: str | None) -> str:
    """A mention as plain text: `@name`, `#name` (the id when the name is unknown)."""
    return f"{'@' if kind == 'u' else '#'}{name or ident}"


def named(text: str) -> set[str]:
    """The ids of the members a text names (so a platform does not mention them a second time in front of it)."""
    return {m.group(2) for m in _TOKEN.finditer(text) if m.group(1) == "u"} if _MENTION in text else set()


def nameless(text: str) -> set[str]:
    """The ids of the members a text names without their name (a platform that shows names may look them up)."""
    return {m.group(2) for m in _TOKEN.finditer(text) if m.group(1) == "u" and not m.group(3)} if _MENTION in text else set()


def with_names(text: str, names: Mapping[str, str]) -> str:
    """The text with the members in `names` named, where it named them by id alone."""
    if _MENTION not in text or not names:
        return text

    def fill(m: re.Match[str]) -> str:
        ident = m.group(2)
        return member(ident, names[ident]) if m.group(1) == "u" and not m.group(3) and ident in names else m.group(0)

    return _TOKEN.sub(fill, text)


def plain(text: str) -> str:
    """The text with its verbatim segments as typed and its mentions as `@name` / `#name` (console, simulation, plain-text fields)."""
    if _MENTION in text:
        text = _TOKEN.sub(lambda m: as_text(m.group(1), m.group(2), m.group(3) or None), text)
    return _PRIVATE.sub("", text)


def render(text: str, escape: Callable[[str], str], convert: Callable[[str], str] | None = None, mention: Mention | None = None) -> str:
    """The text for a platform: `convert` turns the bot's Markdown into the platform's, `escape` each verbatim segment, and
    `mention` shows each member or channel named (by default as escaped `@name`).

    Segments and mentions are set aside while `convert` runs, so a member's `**` or `[x](y)` is never taken for the bot's.
    """
    if OPEN not in text and _MENTION not in text:
        return convert(text) if convert else text
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(escape(m.group(1)))
        return _HOLE.format(len(held) - 1)

    def hold_mention(m: re.Match[str]) -> str:
        kind, ident, name = m.group(1), m.group(2), m.group(3) or None
        held.append(mention(kind, ident, name) if mention is not None else escape(as_text(kind, ident, name)))
        return _HOLE.format(len(held) - 1)

    shaped = _TOKEN.sub(hold_mention, text)
    shaped = _SEGMENT.sub(hold, shaped).replace(CLOSE, "")
    if convert is not None:
        shaped = convert(shaped)
    return _HOLES.sub(lambda m: held[int(m.group(1))], shaped)
