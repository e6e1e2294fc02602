"""Text members wrote, inside the bot's own messages: shown as typed on every platform, never read as markup.

A kudos reason, a poll's question, an open answer, a display name or an animator's prompt may hold
`<!channel>`, `@everyone`, `<@123>` or `**bold**`. Cogs wrap such a value with `verbatim()` when they
put it in a message; each adapter then escapes what is inside for its platform (Slack: `& < >`;
Discord: its Markdown and mentions) and leaves the bot's own Markdown around it alone. The console
and the simulation show the text as typed. Who a message may ping is declared apart, in
`Message.mentions`.

The wrapping is two private-use characters, which `verbatim()` first removes from the text itself,
so a member cannot close their own segment early.
"""

from __future__ import annotations

import re
from collections.abc import Callable

OPEN, CLOSE = "\ue000", "\ue001"
_HOLE = "\ue002{}\ue003"  # where a verbatim segment waits while the bot's Markdown is converted around it
_PRIVATE = re.compile("[\ue000-\ue003]")
_SEGMENT = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*)(?:{CLOSE}|$)")  # a text cut short is escaped to its end
_HOLES = re.compile("\ue002(\\d+)\ue003")


def verbatim(text: object) -> str:
    """`text` from a member (or an animator), ready to insert in a message: every platform shows it as typed."""
    return f"{OPEN}{_PRIVATE.sub('', str(text))}{CLOSE}"


def plain(text: str) -> str:
    """The text with its verbatim segments as typed (console, simulation, native poll texts, plain-text fields)."""
    return _PRIVATE.sub("", text)


def render(text: str, escape: Callable[[str], str], convert: Callable[[str], str] | None = None) -> str:
    """The text for a platform: `convert` turns the bot's Markdown into the platform's, `escape` each verbatim segment.

    Segments are set aside while `convert` runs, so a member's `**` or `[x](y)` is never taken for the bot's.
    """
    if OPEN not in text:
        return convert(text) if convert else text
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(1))
        return _HOLE.format(len(held) - 1)

    shaped = _SEGMENT.sub(hold, text).replace(CLOSE, "")
    if convert is not None:
        shaped = convert(shaped)
    return _HOLES.sub(lambda m: escape(held[int(m.group(1))]), shaped)
