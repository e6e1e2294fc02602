"""What the recognition queries return: members, standings, awards, ledger entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A member's row: database id, platform id, name, whether it is a bot, whether it left."""

    id: int
    external_id: str
    name: str | None
    is_bot: bool
    left: bool = False

    @property
    def display(self) -> str:
        """The name to show."""
        return self.name or self.external_id


@dataclass(frozen=True, slots=True)
class Standing:
    """One line of a leaderboard: a member and a number (points or contributions)."""

    member: MemberInfo
    value: int


@dataclass(frozen=True, slots=True)
class AwardRow:
    """A badge award as shown and exported."""

    member: MemberInfo
    badge: str
    awarded_at: datetime
    manual: bool
    awarded_by: str | None
    reason: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A scored thing to add to the ledger; `to_other` when it is aimed at another human (a reply, a reaction)."""

    member_id: int
    kind: str
    external_id: str
    at: datetime
    target_member_id: int | None = None
    to_other: bool = False


@dataclass(frozen=True, slots=True)
class Mark:
    """A live ledger entry as kept in memory."""

    kind: str
    key: str
    at: datetime
    points: int
    to_other: bool


def member_info(row: Any) -> MemberInfo:
    """A member's info from a row with id, external_id, name, is_bot and left_at."""
    return MemberInfo(int(row.id), row.external_id, row.name, bool(row.is_bot), row.left_at is not None)
