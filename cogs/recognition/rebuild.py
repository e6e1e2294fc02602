"""`engagebot recognition rebuild`: score a community's whole history (after an import), announcing nothing.

The cog's own scoring runs over every recorded contribution in batches, on a virtual clock that follows the
contributions' times (so windows and the rules' lookback see the past as it was), with a messenger that sends
nothing and grants no role. The ledger skips what it already holds: running it twice changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.base import Capability
from bot.cog import CogContext
from bot.config import Config, ConfigError
from bot.core.actions import Action
from bot.core.clock import VirtualClock
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from bot.i18n import Catalog
from bot.messenger import Messenger
from bot.scheduler import Scheduler
from cogs.recognition.cog import Recognition
from cogs.recognition.ledger import CONTRIBUTIONS
from storage.db import Database
from storage.directory import Directory
from storage.jobs import JobRuns
from storage.recorder import Recorder


class Silent(Messenger):
    """A messenger that sends nothing, DMs nobody and grants no role (a rebuild announces nothing)."""

    def can(self, community: CommunityRef, capability: Capability) -> bool:
        """No capability: role rewards are skipped."""
        return False

    async def send(self, action: Action) -> MessageRef | None:
        """Nothing is sent."""
        return None

    async def say(self, channel: ChannelRef, message: Message | str, reply_to: MessageRef | None = None) -> MessageRef | None:
        """Nothing is posted."""
        return None

    async def dm(self, member: MemberRef, message: Message | str, fallback: ChannelRef | None = None) -> MessageRef | None:
        """Nobody is told."""
        return None


async def rebuild(config: Config, db: Database, community: CommunityRef) -> tuple[int, int]:
    """Score every contribution of the community in order; returns (contributions read, ledger entries after)."""
    directory = Directory(db)
    clock = VirtualClock(datetime(1970, 1, 1, tzinfo=UTC))
    catalog = Catalog()
    catalog.load_folder(Path(__file__).parent / "locales", namespace="recognition")
    ctx = CogContext("recognition", config, db, directory, Recorder(db, directory), clock, Silent(), Scheduler(clock, JobRuns(db)), catalog, [community])
    cog = Recognition(ctx)
    cid = await directory.community_id(community)
    after, more, read = 0, True, 0
    while more:
        last, entries, more = await cog.store.interactions_after(cid, after, CONTRIBUTIONS)
        if entries:
            clock.set(max(clock.now(), max(e.at for e in entries)))
            await cog.score(community, cid, entries)
            read += len(entries)
        await cog.store.flush()
        after = last
    if after:
        await cog.store.set_cursor(cid, max(after, await cog.store.cursor(cid)))
    await cog.judge.nightly(cog.settings_for(community), cid, clock.now(), cog.tz(community), cog._awarder(community, cid))
    await cog.store.flush()
    return read, len(await cog.store.awards(cid))


async def rebuild_command_line(config: Config, community: str) -> str:
    """The command: parse PLATFORM:ID, rebuild, and say what was done."""
    platform, _, ident = community.partition(":")
    try:
        ref = CommunityRef(Platform(platform), ident)
    except ValueError:
        raise ConfigError(f"recognition rebuild: --community: expected PLATFORM:ID, got {community!r}") from None
    if not ident:
        raise ConfigError(f"recognition rebuild: --community: expected PLATFORM:ID, got {community!r}")
    db = Database(config.database.url, in_loop=True)
    try:
        await db.upgrade()
        read, awards = await rebuild(config, db, ref)
    finally:
        await db.close()
    return f"recognition rebuilt for {ref}: {read} contributions scored, {awards} badges held; nothing was announced"
