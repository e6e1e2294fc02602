"""Members' recognition state kept in memory: recent ledger entries, totals, points, level and badges.

Loaded once per member (one transaction), then updated as the cog writes, so checking rules, the
cooldown and levels on each event costs no query. A member's state is dropped (and reloaded on next
use) whenever something changes it behind the cog's back (a removed reaction, a privacy erasure).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage.recognition_records import Mark, MemberInfo
from storage.recognition_store import RecognitionStore

MAX_MEMBERS = 20_000


def _at(mark: Mark) -> datetime:
    return mark.at


@dataclass
class MemberState:
    """What rules need about one member: live totals per (kind, aimed at another human), recent entries, points, level, badges."""

    member_id: int
    info: MemberInfo | None
    since: datetime
    totals: dict[tuple[str, bool], int]
    points: int
    level: int
    held: dict[str, bool]
    recent: list[Mark]
    onboarding_checked: datetime | None = None
    no_journey: bool = False
    onboarding_seen: dict[str, tuple[int, bool | None]] = field(default_factory=dict)
    """Per onboarding rule: the journey's write version (`Database.changes`) when last read, and the status read."""
    keys: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.recent.sort(key=_at)  # kept in time order: windows are found by bisection
        self.keys = {(m.kind, m.key) for m in self.recent}

    def add(self, mark: Mark) -> None:
        """Account for a new live entry."""
        self.totals[(mark.kind, mark.to_other)] = self.totals.get((mark.kind, mark.to_other), 0) + 1
        self.points += mark.points
        if mark.at >= self.since:
            if not self.recent or self.recent[-1].at <= mark.at:
                self.recent.append(mark)
            else:  # a late entry (an older row read by the nightly job)
                bisect.insort(self.recent, mark, key=_at)
            self.keys.add((mark.kind, mark.key))

    def _window(self, since: datetime, until: datetime, *, open_start: bool = False) -> list[Mark]:
        """Recent entries in `[since, until]` (`(since, until]` with `open_start`), in time order."""
        find = bisect.bisect_right if open_start else bisect.bisect_left
        return self.recent[find(self.recent, since, key=_at):bisect.bisect_right(self.recent, until, key=_at)]

    def count(self, kinds: Iterable[str], *, since: datetime | None, until: datetime, to_others: bool) -> int | None:
        """Live entries of `kinds` (in `[since, until]` when `since` is set); None when the window reaches past what is loaded."""
        wanted = set(kinds)
        if since is None:
            return sum(n for (kind, other), n in self.totals.items() if kind in wanted and (other or not to_others))
        if since < self.since:
            return None
        return sum(1 for m in self._window(since, until) if m.kind in wanted and (m.to_other or not to_others))

    def times(self, kinds: Iterable[str], since: datetime, until: datetime) -> list[datetime] | None:
        """When the member made entries of `kinds` in `[since, until]`; None when that reaches past what is loaded."""
        if since < self.since:
            return None
        wanted = set(kinds)
        return [m.at for m in self._window(since, until) if m.kind in wanted]

    def scored(self, kinds: Iterable[str], after: datetime, until: datetime) -> bool:
        """Whether an entry of `kinds` earned points in `(after, until]` (the cooldown)."""
        wanted = set(kinds)
        return any(m.points > 0 and m.kind in wanted for m in self._window(after, until, open_start=True))

    def trim(self, before: datetime) -> None:
        """Forget recent entries older than `before` (they stay in the totals)."""
        if before > self.since:
            self.recent = self.recent[bisect.bisect_left(self.recent, before, key=_at):]
            self.keys = {(m.kind, m.key) for m in self.recent}
            self.since = before


class MemberStates:
    """A bounded cache of members' states, loaded on demand."""

    def __init__(self, store: RecognitionStore) -> None:
        self.store = store
        self._states: OrderedDict[int, MemberState] = OrderedDict()

    async def get(self, member_id: int, since: datetime) -> MemberState:
        """A member's state, with recent entries from `since` at least."""
        state = self._states.get(member_id)
        if state is not None and state.since <= since:
            self._states.move_to_end(member_id)
            return state
        info, totals, points, level, held, recent = await self.store.load_member(member_id, since)
        state = MemberState(member_id, info, since, totals, points, level, held, recent)
        self._states[member_id] = state
        while len(self._states) > MAX_MEMBERS:
            self._states.popitem(last=False)
        return state

    def loaded(self, member_id: int) -> MemberState | None:
        """A member's state if it is in memory."""
        return self._states.get(member_id)

    def drop(self, member_id: int) -> None:
        """Forget a member's state (it is read again on next use)."""
        self._states.pop(member_id, None)
