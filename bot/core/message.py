"""The neutral message: what cogs say, rendered by each adapter for its platform."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core.markup import named, nameless, plain, with_names


class ButtonStyle(StrEnum):
    """How a button looks; adapters map these to their nearest style."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A clickable button; `custom_id` routes the press back to the cog that owns it."""

    label: str
    custom_id: str
    style: ButtonStyle = ButtonStyle.SECONDARY
    emoji: str | None = None


SCOPE = "~"
"""Between a DM button's own custom_id and the community it belongs to (a DM carries no server or workspace)."""


def scoped(custom_id: str, community_id: str) -> str:
    """A DM button's custom_id that says its community, so a press after a restart still finds it (`poll:3:1~123…`)."""
    return f"{custom_id}{SCOPE}{community_id}"


def unscoped(custom_id: str) -> tuple[str, str | None]:
    """A custom_id without its community, and that community's id (None for a button of an earlier release or a channel post)."""
    own, sep, community = custom_id.rpartition(SCOPE)
    return (own, community) if sep and own and community else (custom_id, None)


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled value shown under the body (embed field, Slack section field)."""

    name: str
    value: str
    inline: bool = False


class Drawing:
    """A file's bytes drawn on first demand, in a worker thread, then kept (e.g. a matplotlib chart).

    A chart costs a tenth of a second of CPU: drawn only when an adapter uploads it, never for a
    simulated post nobody opens. Every caller of `content()` gets the same bytes, drawn once.
    """

    __slots__ = ("_draw", "_done")

    def __init__(self, draw: Callable[[], bytes]) -> None:
        self._draw = draw
        self._done: asyncio.Future[bytes] | None = None

    async def content(self) -> bytes:
        """The bytes, drawn now in a worker thread on the first call (again after a failed or cancelled drawing)."""
        done = self._done
        if done is None or done.get_loop() is not asyncio.get_running_loop() or (done.done() and (done.cancelled() or done.exception())):
            done = self._done = asyncio.ensure_future(asyncio.to_thread(self._draw))
        return await asyncio.shield(done)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (e.g. a chart image): its bytes, or a `Drawing` that makes them when needed."""

    filename: str
    data: bytes = b""
    description: str | None = None
    drawing: Drawing | None = field(default=None, compare=False, repr=False)

    @classmethod
    def drawn_later(cls, filename: str, draw: Callable[[], bytes], description: str | None = None) -> Attachment:
        """An attachment whose bytes `draw()` makes (blocking: it runs in a worker thread) when first needed."""
        return cls(filename, b"", description, Drawing(draw))

    async def content(self) -> bytes:
        """The file's bytes (drawn now if they were not yet)."""
        return self.data if self.drawing is None else await self.drawing.content()


@dataclass(frozen=True, slots=True)
class NativePoll:
    """A poll the platform renders itself (Discord polls); adapters without it use buttons."""

    question: str
    answers: tuple[str, ...]
    hours: int = 24
    multiple: bool = False
    poll_id: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A platform-neutral message: title, markdown body, fields, buttons and an optional image."""

    body: str = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    image: Attachment | None = None
    footer: str | None = None
    native_poll: NativePoll | None = None
    mentions: tuple[str, ...] = field(default=())
    """The members (platform ids) this message may ping, and the only ones: member text never adds one (see markup.py)."""
    locale: str | None = None
    """The language it is written in, when known: French puts a no-break space before the colon of a field in plain text."""

    def unnamed_mentions(self) -> tuple[str, ...]:
        """The declared mentions the text does not already name (a platform puts these in front of the message)."""
        inline = named(self.marked_text())
        return tuple(m for m in dict.fromkeys(self.mentions) if m not in inline)

    def nameless_members(self) -> set[str]:
        """The members the text names by id alone (no name known where the message was written)."""
        return nameless(self.marked_text())

    def with_names(self, names: Mapping[str, str]) -> Message:
        """The same message with these members named wherever it named them by id alone."""
        if not names:
            return self

        def fill(text: str) -> str:
            return with_names(text, names)

        return replace(self, body=fill(self.body), title=None if self.title is None else fill(self.title),
                       footer=None if self.footer is None else fill(self.footer),
                       fields=tuple(replace(f, name=fill(f.name), value=fill(f.value)) for f in self.fields))

    def plain_text(self) -> str:
        """A plain-text rendering (console, simulation): members' texts as typed (see `markup.verbatim`)."""
        return plain(self.marked_text())

    def marked_text(self) -> str:
        """The text of every part in one string, members' texts still marked (for an adapter to escape)."""
        parts: list[str] = []
        if self.title:
            parts.append(f"**{self.title}**")
        if self.body:
            parts.append(self.body)
        colon = "\u00a0:" if self.locale == "fr" else ":"
        for f in self.fields:
            parts.append(f"{f.name}{colon} {f.value}")
        if self.native_poll:
            parts.append(self.native_poll.question)
            parts.extend(f"  {i + 1}. {a}" for i, a in enumerate(self.native_poll.answers))
        if self.buttons:
            parts.append(" ".join(f"[{b.emoji + ' ' if b.emoji else ''}{b.label}]" for b in self.buttons))
        if self.image:
            parts.append(f"(image: {self.image.filename})")
        if self.footer:
            parts.append(f"_{self.footer}_")
        return "\n".join(parts)


def as_plain(message: Message) -> Message:
    """The message as a plain-text platform shows it (console, simulation): members' texts as typed, no marks left."""
    poll = message.native_poll
    return replace(
        message, body=plain(message.body), title=plain(message.title) if message.title else message.title,
        footer=plain(message.footer) if message.footer else message.footer,
        fields=tuple(Field(plain(f.name), plain(f.value), f.inline) for f in message.fields),
        buttons=tuple(replace(b, label=plain(b.label)) for b in message.buttons),
        native_poll=replace(poll, question=plain(poll.question), answers=tuple(plain(a) for a in poll.answers)) if poll else None,
    )


async def with_content(message: Message) -> Message:
    """`message` with its image's bytes drawn: what an adapter calls before uploading it."""
    image = message.image
    if image is None or image.drawing is None:
        return message
    return replace(message, image=Attachment(image.filename, await image.content(), image.description))


def as_message(value: Message | str) -> Message:
    """Accept a plain string wherever a `Message` is expected."""
    return value if isinstance(value, Message) else Message(body=value)
