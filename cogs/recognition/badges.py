"""Badge rules: deciding when a member has earned a badge (on events, and nightly for the rest)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cogs.recognition.ledger import CONTRIBUTIONS, POSTS
from cogs.recognition.periods import index_of, period_of, previous
from cogs.recognition.settings import BadgeRule, Settings
from cogs.recognition.state import MemberState, MemberStates
from storage.recognition_store import RecognitionStore

Award = Callable[[int, BadgeRule, datetime], Awaitable[bool]]
"""Award `rule`'s badge to a member (by database id) at a time; True when it was new."""

PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}
ONBOARDING_RECHECK = timedelta(hours=1)


def longest_run(indices: Iterable[int]) -> int:
    """The longest run of consecutive numbers."""
    best = run = 0
    last: int | None = None
    for i in sorted(set(indices)):
        run = run + 1 if last is not None and i == last + 1 else 1
        best = max(best, run)
        last = i
    return best


def relevant(rule: BadgeRule, kinds: set[str]) -> bool:
    """Whether new entries of `kinds` can complete this rule right away."""
    if rule.kind in ("count", "first", "prompt_answers", "kudos"):
        return bool(kinds & set(rule.kinds))
    if rule.kind == "streak":
        return bool(kinds & set(CONTRIBUTIONS))
    return rule.kind == "onboarding" and bool(kinds & set(POSTS))  # introducing oneself, replying: onboarding steps


def streak_span(rule: BadgeRule) -> timedelta:
    """How far back a streak rule looks."""
    return timedelta(days=PERIOD_DAYS[rule.period] * (rule.periods + 1))


def lookback(settings: Settings) -> timedelta:
    """How much recent history rules need in memory: the longest window or streak, two days at least."""
    spans = [timedelta(days=2)]
    for rule in settings.badges:
        if rule.window_days:
            spans.append(timedelta(days=rule.window_days))
        if rule.kind == "streak":
            spans.append(streak_span(rule))
    return max(spans)


class BadgeJudge:
    """Checks badge rules for members against their state and awards what is due."""

    def __init__(self, store: RecognitionStore, states: MemberStates) -> None:
        self.store = store
        self.states = states

    async def due(self, rule: BadgeRule, community_id: int, state: MemberState, at: datetime, tz: ZoneInfo) -> bool:
        """Whether a member meets a per-member rule at `at` (top_percent is decided per period, not here)."""
        if rule.kind in ("count", "first", "prompt_answers", "kudos"):
            since = at - timedelta(days=rule.window_days) if rule.window_days else None
            n = state.count(rule.kinds, since=since, until=at, to_others=rule.to_others)
            if n is None:
                n = await self.store.count(state.member_id, rule.kinds, since=since, until=at, to_others=rule.to_others)
            return n >= rule.count
        if rule.kind == "streak":
            since = at - streak_span(rule)
            times = state.times(rule.kinds, since, at)
            if times is None:
                times = [t for t in await self.store.activity_times(state.member_id, rule.kinds, since) if t <= at]
            per_period: dict[int, int] = {}
            for t in times:
                i = index_of(rule.period, t, tz)
                per_period[i] = per_period.get(i, 0) + 1
            return longest_run(i for i, n in per_period.items() if n >= rule.min_contributions) >= rule.periods
        if rule.kind == "onboarding":
            # A member on the way is looked at again an hour later; one without a journey (there
            # before the feature) only by the nightly job, which catches every completion anyway.
            if state.no_journey or (state.onboarding_checked is not None and at - state.onboarding_checked < ONBOARDING_RECHECK):
                return False
            # read again only when this process wrote the journey since the last read (the nightly job catches the rest)
            changes = self.store.db.changes
            version = changes.version(rule.table, state.member_id)
            seen = state.onboarding_seen.get(rule.id)
            if seen is not None and seen[0] == version and changes.tracked(rule.table):
                status: bool | None = seen[1]
            else:
                status = await self.store.onboarding_status(rule.table, rule.columns, state.member_id)
                state.onboarding_seen[rule.id] = (version, status)
            state.onboarding_checked = at
            state.no_journey = status is None
            return bool(status)
        return False

    async def on_entries(self, settings: Settings, community_id: int, state: MemberState, kinds: set[str], at: datetime, tz: ZoneInfo, award: Award) -> int:
        """Check the rules new entries of `kinds` may have completed for a member; returns badges awarded."""
        awarded = 0
        for rule in settings.badges:
            if rule.id in state.held or not relevant(rule, kinds):
                continue
            if await self.due(rule, community_id, state, at, tz) and await award(state.member_id, rule, at):
                awarded += 1
        return awarded

    async def nightly(self, settings: Settings, community_id: int, now: datetime, tz: ZoneInfo, award: Award) -> int:
        """Onboarding, the top contributors of the last complete period, and a re-check of recently active members."""
        awarded = 0
        recent = await self.store.active_members(community_id, now - timedelta(days=2))
        since = now - lookback(settings)
        for rule in settings.badges:
            if rule.kind == "manual":
                continue
            if rule.kind in ("onboarding", "top_percent"):
                if rule.kind == "onboarding":
                    candidates = sorted(await self.store.onboarded(rule.table, rule.columns, None, community_id) or ())
                else:
                    candidates = await self.top_members(rule, community_id, now, tz)
                holders = await self.store.holders(community_id, rule.id)
                for member_id in candidates:
                    if member_id not in holders and await award(member_id, rule, now):
                        awarded += 1
                continue
            for member_id in recent:
                state = await self.states.get(member_id, since)
                if rule.id not in state.held and await self.due(rule, community_id, state, now, tz) and await award(member_id, rule, now):
                    awarded += 1
        return awarded

    async def top_members(self, rule: BadgeRule, community_id: int, now: datetime, tz: ZoneInfo) -> list[int]:
        """The top `percent` % of the last complete period's contributors (ceil, ties by member id), above the minimum."""
        last = previous(period_of(rule.period, now, tz), tz)
        standings = await self.store.standings(community_id, last.start, last.end, kinds=CONTRIBUTIONS, count=True, current_only=True)
        if not standings:
            return []
        k = math.ceil(len(standings) * rule.percent / 100)
        return [s.member.id for s in standings[:k] if s.value >= rule.min_contributions]
