"""Kudos: thanking a member publicly, within a daily quota, never oneself nor a bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.recognition import kudos_in_period
from tests.conftest import START, Harness
from tests.recognition.helpers import points, recognition_config, said


async def test_kudos_are_announced_publicly_and_sent_to_the_receiver(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url))
    await h.sim.join("alice")
    await h.sim.join("bob")
    reply = await h.sim.command("alice", "kudos @bob thanks for the tutorial", channel="help")
    assert reply.ephemeral and "Your kudos to @bob are posted" in reply.message.body
    [public] = said(h)
    assert public.channel is not None and public.channel.id == "help" and public.text == "🙌 @alice thanks @bob: thanks for the tutorial"
    assert "thanks for the tutorial" in said(h, "dm", "bob")[0].text
    assert await points(h, "bob") == 5


async def test_nobody_can_thank_themselves_or_a_bot(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url))
    await h.sim.join("alice")
    await h.sim.join("helperbot", bot=True)
    itself = await h.sim.command("alice", "kudos @alice I'm great")
    assert itself.ephemeral and "yourself" in itself.message.body
    bot = await h.sim.command("alice", "kudos @helperbot good bot")
    assert bot.ephemeral and "Bots don't need kudos" in bot.message.body
    assert await h.scalar("select count(*) from recognition_kudos") == 0


async def test_the_daily_quota_resets_at_midnight_in_the_community_timezone(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, kudos_per_day=2))
    for name in ("alice", "bob", "carol", "dan"):
        await h.sim.join(name)
    assert "posted" in (await h.sim.command("alice", "kudos @bob one")).message.body
    assert "posted" in (await h.sim.command("alice", "kudos @carol two")).message.body
    refused = await h.sim.command("alice", "kudos @dan three")
    assert "your 2 kudos for today" in refused.message.body
    assert "posted" in (await h.sim.command("bob", "kudos @dan from bob")).message.body  # the quota is per giver
    h.clock.set(START + timedelta(hours=15, minutes=30))  # 23:30 UTC = 00:30 the next day in Paris
    assert "posted" in (await h.sim.command("alice", "kudos @dan a new day")).message.body
    assert await h.scalar("select count(*) from recognition_kudos") == 4


async def test_kudos_of_a_period_are_counted_for_the_digest(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url))
    for name in ("alice", "bob", "carol"):
        await h.sim.join(name)
    await h.sim.command("alice", "kudos @bob merci")
    await h.sim.command("carol", "kudos @bob merci aussi")
    h.clock.advance(timedelta(days=7))
    await h.sim.command("bob", "kudos @alice à toi aussi")
    cid = await h.app.directory.community_id(h.sim.community)
    week1 = await kudos_in_period(h.app.db, cid, START, START + timedelta(days=7))
    assert week1.total == 2 and week1.receivers == {"bob": 2} and week1.givers == {"alice": 1, "carol": 1}
    assert week1.top_receivers() == [("bob", 2)]
    everything = await kudos_in_period(h.app.db, cid, datetime(2020, 1, 1, tzinfo=UTC), h.clock.now() + timedelta(seconds=1))
    assert everything.total == 3
