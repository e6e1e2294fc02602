"""Buddies: each week, the week's newcomers are introduced to an active member who agreed to welcome them."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cog import CogContext
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from cogs.onboarding.nudges import member_ref
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.texts import Texts
from storage.onboarding_repo import OnboardingRepo


@dataclass(frozen=True, slots=True)
class Pairing:
    """A newcomer introduced to their buddy."""

    newcomer: MemberRef
    buddy: MemberRef


def _spread(period: str, member_id: int) -> str:
    """A stable tie-breaker that changes from week to week, so the same buddy is not always first."""
    return hashlib.sha256(f"{period}:{member_id}".encode()).hexdigest()


class BuddyMatcher:
    """Pairs newcomers with consenting, active members: the least busy first, never the same pair twice."""

    def __init__(self, ctx: CogContext, repo: OnboardingRepo) -> None:
        self.ctx, self.repo = ctx, repo

    async def run(self, community: CommunityRef, settings: OnboardingSettings, at: datetime, period: str) -> list[Pairing]:
        """Pair the newcomers who joined in the 7 days before `at` and have no buddy yet; DM both."""
        cid = await self.ctx.directory.community_id(community)
        pairs = await self.repo.pairs(cid)
        had_buddy = {newcomer for newcomer, _ in pairs}
        newcomers = [
            j for j in await self.repo.journeys(cid, at - timedelta(days=7))
            if j.joined_at < at and j.opted_out_at is None and j.member_id not in had_buddy
        ]
        if not newcomers:
            return []
        newcomer_ids = {j.member_id for j in newcomers}
        consenting = [m for m in await self.repo.consenting(cid) if m not in newcomer_ids]
        present = await self.repo.present(cid, consenting)
        await self.ctx.recorder.flush()
        active = await self.repo.active_members(cid, present, at - timedelta(days=settings.buddy_active_days))
        candidates = [m for m in consenting if m in present and m in active]
        made = {frozenset(p) for p in pairs}
        load = Counter(buddy for _, buddy in pairs)
        this_week: Counter[int] = Counter()
        texts = Texts(self.ctx, community, settings)
        fallback = ChannelRef(community, settings.welcome_channel.lstrip("#"), settings.welcome_channel.lstrip("#"))
        out: list[Pairing] = []
        for j in newcomers:
            options = [
                c for c in candidates
                if c != j.member_id and frozenset((j.member_id, c)) not in made and this_week[c] < settings.buddy_max_per_week
            ]
            if not options:
                self.ctx.log.info("no buddy available for %s in %s", j.external_id, community)
                continue
            chosen = min(options, key=lambda c: (this_week[c], load[c], _spread(period, c)))
            if not await self.repo.add_pair(cid, j.member_id, chosen, period, at):
                continue
            made.add(frozenset((j.member_id, chosen)))
            this_week[chosen] += 1
            load[chosen] += 1
            external, name = present[chosen]
            buddy = MemberRef(community, external, name)
            newcomer = member_ref(community, j)
            # kept during the quiet hours, and dropped if the member they introduce is erased meanwhile
            await self.ctx.messenger.notify(newcomer, texts.buddy_for_newcomer(newcomer, buddy), fallback, about=buddy)
            await self.ctx.messenger.notify(buddy, texts.buddy_for_buddy(buddy, newcomer), fallback, about=newcomer)
            out.append(Pairing(newcomer, buddy))
        return out
