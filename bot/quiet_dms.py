"""Quiet hours for direct messages: a DM a member did not ask for waits, in the database, until the community's quiet hours end.

Cogs send such DMs with `Messenger.notify` (badges, kudos received, buddy introductions, the managers'
digest). During the quiet hours (per community, default 21:00-08:00 local) they are kept in
`deferred_dms`; a job at the end of the quiet hours sends them, each once (storage/deferred_dms.py),
also after a restart (the scheduler catches the job up). Replies to a member's own command, and the
answers to their own join or step (the welcome kit), are never held back.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config
from bot.core.clock import Clock
from bot.core.message import Attachment, Button, ButtonStyle, Field, Message, with_content
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.messenger import Messenger
from bot.scheduler import JobRun, JobSpec
from storage.db import Database
from storage.deferred_dms import DeferredDM, DeferredDMs
from storage.directory import Directory

log = logging.getLogger("engagebot.quiet_dms")

JOB = "quiet-dms"


def encode(message: Message) -> str:
    """A message as JSON, to keep in the database (its image's bytes drawn and included)."""
    if message.native_poll is not None:
        raise ValueError("a native poll is never sent by DM")
    image = message.image
    return json.dumps({
        "body": message.body, "title": message.title, "footer": message.footer, "locale": message.locale, "mentions": list(message.mentions),
        "fields": [[f.name, f.value, f.inline] for f in message.fields],
        "buttons": [[b.label, b.custom_id, b.style.value, b.emoji] for b in message.buttons],
        "image": None if image is None else [image.filename, base64.b64encode(image.data).decode("ascii"), image.description],
    }, ensure_ascii=False)


def decode(text: str) -> Message:
    """The message `encode` kept."""
    data: dict[str, Any] = json.loads(text)
    image = data.get("image")
    return Message(
        body=data.get("body") or "", title=data.get("title"), footer=data.get("footer"), locale=data.get("locale"),
        mentions=tuple(data.get("mentions") or ()),
        fields=tuple(Field(name, value, bool(inline)) for name, value, inline in data.get("fields") or ()),
        buttons=tuple(Button(label, custom_id, ButtonStyle(style), emoji) for label, custom_id, style, emoji in data.get("buttons") or ()),
        image=None if not image else Attachment(image[0], base64.b64decode(image[1]), image[2]),
    )


class QuietDMs:
    """Keeps unrequested DMs during a community's quiet hours and sends them, once each, when the quiet hours end."""

    def __init__(self, config: Config, db: Database, directory: Directory, clock: Clock, messenger: Messenger) -> None:
        self.config, self.directory, self.clock, self.messenger = config, directory, clock, messenger
        self.store = DeferredDMs(db)
        self._waiting: dict[CommunityRef, bool] = {}  # False once this process knows nothing waits (the job then claims nothing)

    def quiet(self, community: CommunityRef) -> bool:
        """Whether the community is in its quiet hours now."""
        return self.config.quiet_hours_of(community).contains(self.clock.now(), self.config.timezone_of(community))

    async def hold(self, member: MemberRef, message: Message, fallback: ChannelRef | None, about: MemberRef | None) -> None:
        """Keep a DM in the database until the community's quiet hours end."""
        community = member.community
        now = self.clock.now()
        cid = await self.directory.community_id(community)
        text = encode(await with_content(message))
        due = self.config.quiet_hours_of(community).end_after(now, self.config.timezone_of(community))
        await self.store.add(DeferredDM(
            community_id=cid, member_id=await self.store.member_id(cid, member.id), external_id=member.id, name=member.name,
            about_member_id=await self.store.member_id(cid, about.id) if about is not None else None,
            fallback_channel=fallback.id if fallback is not None else None, fallback_name=fallback.name if fallback is not None else None,
            message=text, created_at=now, due_at=due,
        ))
        self._waiting[community] = True
        log.info("DM to %s in %s kept until the quiet hours end (%s)", member.id, community, due.isoformat())

    def jobs(self, communities: list[CommunityRef]) -> list[JobSpec]:
        """Per community with quiet hours: a job at their end that sends what waits."""
        specs = []
        for community in communities:
            end = self.config.quiet_hours_of(community).end
            if end is None:
                continue
            tz = self.config.timezone_of(community).key
            run, idle = self._job(community)
            specs.append(JobSpec(JOB, str(community), f"{end.minute} {end.hour} * * *", tz, run, grace=timedelta(days=1), idle=idle))
        return specs

    def _job(self, community: CommunityRef) -> tuple[Callable[[JobRun], Awaitable[None]], Callable[[datetime], bool]]:
        async def run(job: JobRun) -> None:
            await self.send_waiting(community)

        def idle(now: datetime) -> bool:  # nothing waits, as far as this process knows: the period is not even claimed
            return self._waiting.get(community) is False

        return run, idle

    async def send_waiting(self, community: CommunityRef) -> int:
        """Send every DM kept for the community (nothing during its quiet hours); the number sent."""
        # a DM its platform refuses is kept for the next try, and the run fails after sending the others (the scheduler retries it)
        if self.quiet(community):
            return 0
        cid = await self.directory.community_id(community)
        sent, failed = 0, 0
        while batch := await self.store.claim(cid, self.clock.now()):
            for dm in batch:
                member = MemberRef(community, dm.external_id, dm.name)
                fallback = ChannelRef(community, dm.fallback_channel, dm.fallback_name) if dm.fallback_channel else None
                try:
                    ref = await self.messenger.dm(member, decode(dm.message), fallback)
                except Exception:
                    log.exception("a kept DM to %s in %s could not be sent; it is tried again later", dm.external_id, community)
                    ref = None
                if ref is None:
                    await self.store.give_back(dm)
                    failed += 1
                else:
                    await self.store.sent(dm.id)
                    sent += 1
            if failed:
                break  # the ones given back would be claimed again at once
        self._waiting[community] = failed > 0
        if failed:
            raise RuntimeError(f"{failed} kept DM(s) in {community} not delivered ({sent} sent); tried again later")
        if sent:
            log.info("%d DM(s) kept during the quiet hours sent in %s", sent, community)
        return sent
