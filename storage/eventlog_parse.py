"""Reading EVENTS.md event logs: one JSON object per line, validated field by field."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.refs import Platform

# type -> required fields (besides type, platform, community, at)
REQUIRED: dict[str, tuple[str, ...]] = {
    "member_joined": ("member",),
    "member_left": ("member",),
    "message": ("id", "channel", "member"),
    "reaction": ("message", "member", "emoji"),
    "reaction_removed": ("message", "member", "emoji"),
    "message_deleted": ("message",),
    "poll": ("id", "kind", "question", "closes_at"),
    "poll_vote": ("poll", "member", "choice"),
    # written by `engagebot export` (docs/EVENTS.md): a member first seen without a join, answers to weekly prompts, anonymous polls
    "member": ("member",),
    "prompt_answer": ("id", "member", "prompt"),
    "anonymous_vote": ("poll", "member"),
    "anonymous_ballot": ("poll", "choice"),
}
EXPORT_ONLY = frozenset({"member", "prompt_answer", "anonymous_vote", "anonymous_ballot"})
ID_FIELDS = frozenset({"member", "id", "channel", "message", "poll", "reply_to", "community", "prompt"})
PLATFORMS = frozenset(p.value for p in Platform)
POLL_KINDS = frozenset({"single", "multiple", "nps", "csat", "likert", "open"})
"""storage.polls.PollKind's values (a test checks them): the reader process parses lines without loading the database layer."""


class LineError(ValueError):
    """A line that cannot be imported; `field` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LogLine:
    """One valid line of an event log, with where it came from."""

    file: str
    number: int
    type: str
    platform: str
    community: str
    at: datetime
    data: dict[str, Any]

    @property
    def where(self) -> str:
        """`file:line`."""
        return f"{self.file}:{self.number}"


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that was skipped, and why."""

    file: str
    number: int
    field: str
    reason: str

    def __str__(self) -> str:
        field = f" field {self.field!r}:" if self.field else ""
        return f"{self.file}:{self.number}:{field} {self.reason}"


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 time with an offset."""
    if not isinstance(value, str):
        raise LineError(field, "expected an ISO 8601 time with an offset, e.g. 2026-01-05T09:00:00+01:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise LineError(field, f"{value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise LineError(field, f"{value!r} has no UTC offset (add +00:00 or Z)")
    return parsed


def _id(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise LineError(field, "expected a non-empty id (string)")
    return str(value)


def parse_line(raw: str, file: str, number: int) -> LogLine:
    """Validate one line; raise `LineError` naming the field."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as err:
        raise LineError("", f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(obj, dict):
        raise LineError("", "a line must be one JSON object")
    kind = obj.get("type")
    if kind not in REQUIRED:
        raise LineError("type", f"unknown event type {kind!r} (one of {', '.join(REQUIRED)})")
    for name in ("platform", "community", "at", *REQUIRED[kind]):
        if obj.get(name) is None:
            raise LineError(name, "missing")
    data: dict[str, Any] = obj
    for name in ID_FIELDS.intersection(data):
        value = data[name]
        if value is not None and (type(value) is not str or not value):  # a non-empty string is the usual id: kept as it is
            data[name] = _id(value, name)
    if obj["platform"] not in PLATFORMS:
        raise LineError("platform", f"unknown platform {obj['platform']!r} (one of {', '.join(p.value for p in Platform)})")
    at = parse_time(obj["at"], "at")
    if kind in ("member_joined", "member") and not isinstance(data.get("bot", False), bool):
        raise LineError("bot", "expected true or false")
    if kind == "message":
        mentions = data.get("mentions", [])
        if not isinstance(mentions, list):
            raise LineError("mentions", "expected a list of member ids")
        data["mentions"] = [_id(m, "mentions") for m in mentions]
        if data.get("text") is not None and not isinstance(data["text"], str):
            raise LineError("text", "expected a string")
    if kind in ("reaction", "reaction_removed") and (not isinstance(data["emoji"], str) or not data["emoji"]):
        raise LineError("emoji", "expected a non-empty string")
    if kind == "poll":
        if data["kind"] not in POLL_KINDS:
            raise LineError("kind", f"unknown poll kind {data['kind']!r} (single, multiple, nps, csat or likert)")
        options = data.get("options", [])
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise LineError("options", "expected a list of labels")
        if not isinstance(data.get("anonymous", False), bool):
            raise LineError("anonymous", "expected true or false")
        if not isinstance(data["question"], str):
            raise LineError("question", "expected a string")
        data["closes_at"] = parse_time(data["closes_at"], "closes_at")
    if kind == "message" and data.get("sentiment") is not None and (isinstance(data["sentiment"], bool) or not isinstance(data["sentiment"], int | float)):
        raise LineError("sentiment", "expected a number from -1 to 1")
    if kind in ("poll_vote", "anonymous_ballot") and (isinstance(data["choice"], bool) or not isinstance(data["choice"], int)):
        raise LineError("choice", "expected a whole number (option index from 0, or the score)")
    return LogLine(file, number, kind, str(obj["platform"]), data["community"], at, data)


def read_log(path: Path) -> Iterator[LogLine | BadLine]:
    """Every line of a log file, parsed or rejected (blank lines are skipped)."""
    with path.open("rb") as fh:
        for number, data in enumerate(fh, 1):
            if number == 1 and data.startswith(codecs.BOM_UTF8):  # some editors write one; it is no part of the JSON
                data = data[len(codecs.BOM_UTF8):]
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError:
                raise LogFileError(f"{path}: line {number} is not UTF-8 text (save the file as UTF-8); the lines before it were read") from None
            if not raw.strip():
                continue
            try:
                yield parse_line(raw, str(path), number)
            except LineError as err:
                yield BadLine(str(path), number, err.field, err.reason)


class LogFileError(ValueError):
    """A log file that cannot be read on (not UTF-8 text)."""
