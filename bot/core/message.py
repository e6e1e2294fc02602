"""The neutral message: what cogs say, rendered by each adapter for its platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled value shown under the body (embed field, Slack section field)."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (e.g. a chart image)."""

    filename: str
    data: bytes
    description: str | None = None


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

    def plain_text(self) -> str:
        """A plain-text rendering (console, notifications, fallbacks)."""
        parts: list[str] = []
        if self.title:
            parts.append(f"**{self.title}**")
        if self.body:
            parts.append(self.body)
        for f in self.fields:
            parts.append(f"{f.name}: {f.value}")
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


def as_message(value: Message | str) -> Message:
    """Accept a plain string wherever a `Message` is expected."""
    return value if isinstance(value, Message) else Message(body=value)
