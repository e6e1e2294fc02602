"""The JSON Lines event log (docs/EVENTS.md): writing core events as lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from bot.core.events import Event, MemberJoined, MemberLeft, MessageDeleted, MessagePosted, ReactionAdded, ReactionRemoved


def event_line(event: Event) -> dict[str, Any] | None:
    """The EVENTS.md object for a core event (None for events the log does not carry)."""
    base: dict[str, Any] = {"platform": str(event.community.platform), "community": event.community.id, "at": event.at.isoformat()}
    if isinstance(event, MemberJoined):
        line = {"type": "member_joined", **base, "member": event.member.id}
        if event.member.name:
            line["name"] = event.member.name
        if event.member.bot:
            line["bot"] = True
        return line
    if isinstance(event, MemberLeft):
        return {"type": "member_left", **base, "member": event.member.id}
    if isinstance(event, MessagePosted):
        line = {"type": "message", **base, "id": event.message.id, "channel": event.message.channel.id, "member": event.author.id}
        if event.reply_to is not None:
            line["reply_to"] = event.reply_to.id
        if event.mentions:
            line["mentions"] = [m.id for m in event.mentions]
        return line
    if isinstance(event, ReactionAdded):
        return {"type": "reaction", **base, "message": event.message.id, "member": event.member.id, "emoji": event.emoji}
    if isinstance(event, ReactionRemoved):
        return {"type": "reaction_removed", **base, "message": event.message.id, "member": event.member.id, "emoji": event.emoji}
    if isinstance(event, MessageDeleted):
        return {"type": "message_deleted", **base, "message": event.message.id}
    return None


class EventLogWriter:
    """Appends events (and ready-made lines, e.g. polls) to a JSON Lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] = path.open("w", encoding="utf-8")
        self.lines = 0

    def write(self, line: dict[str, Any]) -> None:
        """Append one object."""
        self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.lines += 1

    async def on_event(self, event: Event) -> None:
        """Bus listener: log the events EVENTS.md describes."""
        line = event_line(event)
        if line is not None:
            self.write(line)

    def close(self) -> None:
        """Close the file."""
        self._fh.close()
