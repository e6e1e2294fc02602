"""The hourly check: the one rules reminder and the kind nudges to newcomers who stay silent.

Everything it sends is claimed in `onboarding_messages` first, so a restart (or a second run of
the same hour) never repeats a message; members who left or opted out are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.cog import CogContext
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from cogs.onboarding.delivery import deliver
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.texts import Texts
from storage.onboarding import OnboardingStep
from storage.onboarding_repo import NewcomerState, OnboardingRepo, Progress

RULES_REMINDER = "rules_reminder"


def nudge_kind(days: int) -> str:
    """The claim key of the nudge sent after `days` silent days."""
    return f"nudge_{days}d"


@dataclass
class SweepResult:
    """What one check did (for logs and tests)."""

    reminders: list[str] = field(default_factory=list)
    nudges: list[tuple[str, int]] = field(default_factory=list)
    skipped: int = 0


def member_ref(community: CommunityRef, state: NewcomerState) -> MemberRef:
    """The platform reference of a newcomer."""
    return MemberRef(community, state.external_id, state.name)


class NudgeSweep:
    """Sends the rules reminder and the nudges that are due, once each.

    Between two due moments the hourly check costs nothing: it remembers when the next message
    falls due (a join forgets it; a restart starts with a full check).
    """

    def __init__(self, ctx: CogContext, repo: OnboardingRepo) -> None:
        self.ctx, self.repo = ctx, repo
        self._next: dict[CommunityRef, datetime] = {}

    def joined(self, community: CommunityRef, at: datetime, settings: OnboardingSettings) -> None:
        """A newcomer joined at `at`: their first message may fall due before the next one planned."""
        planned = self._next.get(community)
        if planned is None:
            return
        offsets = [timedelta(days=d) for d in settings.nudge_days]
        if OnboardingStep.RULES in settings.steps:
            offsets.append(timedelta(hours=settings.rules_reminder_hours))
        if offsets:
            self._next[community] = min(planned, at + min(offsets))

    def forget(self, community: CommunityRef) -> None:
        """The next check looks at every newcomer again (a message it planned was not sent)."""
        self._next.pop(community, None)

    def idle(self, community: CommunityRef, now: datetime) -> bool:
        """Whether a check now is known to have nothing to send (nothing falls due before the next planned message)."""
        planned = self._next.get(community)
        return planned is not None and now < planned

    @staticmethod
    def _due(j: NewcomerState, kinds: set[str], s: OnboardingSettings) -> list[tuple[datetime, str]]:
        """The messages still to come for a newcomer, with when each falls due."""
        due: list[tuple[datetime, str]] = []
        if OnboardingStep.RULES in s.steps and j.rules_accepted_at is None and RULES_REMINDER not in kinds:
            due.append((j.joined_at + timedelta(hours=s.rules_reminder_hours), RULES_REMINDER))
        if j.active_at is None:
            due.extend((j.joined_at + timedelta(days=d), nudge_kind(d)) for d in s.nudge_days if nudge_kind(d) not in kinds)
        return due

    async def run(self, community: CommunityRef, settings: OnboardingSettings, now: datetime) -> SweepResult:
        """Check every newcomer still in their first weeks."""
        result = SweepResult()
        if self.idle(community, now):
            return result
        if self.ctx.config.quiet_hours_of(community).contains(now, self.ctx.config.timezone_of(community)):
            return result  # nothing is claimed: the first check after the quiet hours sends what fell due in them
        try:
            return await self._check(community, settings, now, result)
        except BaseException:
            self.forget(community)  # the newcomers this check did not reach are looked at by the next one
            raise

    async def _check(self, community: CommunityRef, settings: OnboardingSettings, now: datetime, result: SweepResult) -> SweepResult:
        cid = await self.ctx.directory.community_id(community)
        horizon = max([*settings.nudge_days, settings.rules_reminder_hours / 24]) + settings.nudge_window_days + 1
        found = await self.repo.journeys_and_messages(cid, now - timedelta(days=horizon))
        journeys = [j for j, _ in found if j.opted_out_at is None and j.joined_at <= now]
        sent = {j.member_id: kinds for j, kinds in found}
        plans = {j.member_id: self._due(j, sent[j.member_id], settings) for j in journeys}
        upcoming = [when for plan in plans.values() for when, _ in plan if when > now]
        self._next[community] = min(upcoming) if upcoming else datetime.max.replace(tzinfo=now.tzinfo)
        ready = [j for j in journeys if any(when <= now for when, _ in plans[j.member_id])]
        if not ready:
            return result
        silent = {j.member_id: j.joined_at for j in ready if j.active_at is None}
        # a contribution recorded that the listeners did not see (the cog was off, a history import…)
        spoke = await self.repo.first_contributions(cid, silent)
        for member_id, at in spoke.items():
            await self.repo.progress(cid, member_id, Progress(at))
        texts = Texts(self.ctx, community, settings)
        fallback = ChannelRef(community, settings.welcome_channel.lstrip("#"), settings.welcome_channel.lstrip("#"))
        # a message held back by the quiet hours is deferred, never too late to send
        window = timedelta(days=settings.nudge_window_days) + self.ctx.config.quiet_hours_of(community).length
        for j in ready:
            member = member_ref(community, j)
            plan = {kind: when for when, kind in plans[j.member_id] if when <= now}
            if RULES_REMINDER in plan:
                if now < plan[RULES_REMINDER] + window and await self.repo.claim(cid, j.member_id, RULES_REMINDER, now):
                    if await self._send(cid, j.member_id, RULES_REMINDER, member, texts.rules_reminder(member), fallback):
                        result.reminders.append(j.external_id)
                elif await self.repo.claim(cid, j.member_id, RULES_REMINDER, now, delivered=False):
                    result.skipped += 1
            if j.member_id in spoke:
                continue
            due = [d for d in settings.nudge_days if nudge_kind(d) in plan]
            if not due:
                continue
            latest = max(due)
            for days in due:  # after a long downtime only the latest nudge is sent; the older ones are skipped
                if days != latest or now >= plan[nudge_kind(days)] + window:
                    if await self.repo.claim(cid, j.member_id, nudge_kind(days), now, delivered=False):
                        result.skipped += 1
                elif await self.repo.claim(cid, j.member_id, nudge_kind(days), now):
                    if await self._send(cid, j.member_id, nudge_kind(days), member, texts.nudge(member, days, j.introduced_at is not None)):
                        result.nudges.append((j.external_id, days))
        return result

    async def _send(self, cid: int, mid: int, kind: str, member: MemberRef, message: Message, fallback: ChannelRef | None = None) -> bool:
        """DM a claimed reminder or nudge; one that fails gives its claim back, and the next check looks at everyone again."""
        if await deliver(self.ctx.log, self.repo, cid, mid, kind, lambda: self.ctx.messenger.dm(member, message, fallback), retry=True):
            return True
        self.forget(member.community)
        return False
