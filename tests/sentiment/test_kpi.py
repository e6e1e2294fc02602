"""The sentiment KPI on a hand-computed example: shares, mean, W-1 delta, per channel, most negative units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.events import MessageDeleted
from bot.core.markup import plain
from bot.core.refs import ChannelRef, MemberRef, MessageRef
from cogs.sentiment.render import sentiment_fields
from storage.recorder import PendingRow
from storage.sentiment import sentiment_kpi
from tests.conftest import COMMUNITY

PARIS = ZoneInfo("Europe/Paris")
W = datetime(2026, 1, 12, tzinfo=PARIS)  # Monday 00:00, Paris
W_END = W + timedelta(days=7)


def post(xid: str, member: str, channel: str, at: datetime, score: float | None, parent: str | None = None, bot: bool = False) -> PendingRow:
    kind = "reply" if parent else "message"
    return PendingRow(COMMUNITY, kind, MemberRef(COMMUNITY, member, bot=bot), xid, at.astimezone(UTC), channel=ChannelRef(COMMUNITY, channel, channel),
                      parent_external_id=parent, sentiment=score)


async def test_the_sentiment_kpi_matches_the_hand_computed_example(start_bot) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot()
    t = W + timedelta(hours=10)
    rows = [
        # W-1: general 0.6, 0.4, -0.2 -> 2 positive, 1 neutral; mean 0.2667
        post("p1", "alice", "general", W - timedelta(days=3), 0.6),
        post("p2", "bob", "general", W - timedelta(days=2), 0.4),
        post("p3", "carol", "general", W - timedelta(days=1), -0.2),
        # W: general 0.8, 0.5, 0.0, -0.5 (and one post not scored)
        post("g1", "alice", "general", t, 0.8),
        post("g2", "bob", "general", t + timedelta(hours=1), 0.5),
        post("g3", "carol", "general", t + timedelta(hours=2), 0.0),
        post("g4", "dave", "general", t + timedelta(hours=3), -0.5),
        post("g5", "dave", "general", t + timedelta(hours=4), None),
        # W: support, a thread r1 with three replies, and one more message
        post("r1", "erin", "support", t, -0.9),
        post("r1a", "bob", "support", t + timedelta(minutes=5), -0.6, parent="r1"),
        post("r1b", "carol", "support", t + timedelta(minutes=6), -0.4, parent="r1"),
        post("r1c", "alice", "support", t + timedelta(minutes=7), 0.1, parent="r1"),
        post("s2", "dave", "support", t + timedelta(days=1), 0.2),
        # never counted: a bot's post, a post after the end of W (Monday 00:00 belongs to the next week)
        post("b1", "helper-bot", "support", t, -1.0, bot=True),
        post("late", "erin", "support", W_END, -1.0),
    ]
    for row in rows:
        h.app.recorder.add(row)
    await h.app.recorder.flush()
    cid = await h.app.directory.community_id(COMMUNITY)

    kpi = await sentiment_kpi(h.app.db, cid, W, W_END)
    v = kpi.value
    assert v is not None and kpi.reason is None
    assert (v["scored"], v["positive"], v["neutral"], v["negative"], v["mean"]) == (9, 0.2222, 0.3333, 0.4444, -0.0889)
    assert v["previous"] == {"scored": 3, "positive": 0.6667, "neutral": 0.3333, "negative": 0.0, "mean": 0.2667}
    assert v["delta"] == {"positive": -0.4444, "neutral": 0.0, "negative": 0.4444, "mean": -0.3556}
    assert [(c["channel"], c["scored"], c["negative"]) for c in v["channels"]] == [("support", 5, 0.6), ("general", 4, 0.25)]
    assert [(u["channel"], u["thread"], u["negative"], u["negatives"]) for u in v["most_negative"]] == [
        ("support", "r1", 0.75, 3), ("support", None, 0.6, 3), ("general", None, 0.25, 1),
    ]

    fields = sentiment_fields(kpi, COMMUNITY, lambda key, **p: h.app.catalog.t("fr", key, **p), locale="fr")
    text = plain("\n".join(f"{f.name}: {f.value}" for f in fields))
    assert "positifs 22\u00a0%" in text and "négatifs 44\u00a0%" in text and "positifs -44\u00a0pts" in text and "-0,09" in text
    assert "#support › r1\u00a0: 75\u00a0% de messages négatifs (3 sur 4)" in text

    empty = await sentiment_kpi(h.app.db, cid, W_END + timedelta(days=7), W_END + timedelta(days=14))
    assert empty.value is None and empty.code == "no_scores"
    off = await sentiment_kpi(h.app.db, cid, W, W_END, off_reason="sentiment is off in the configuration")
    assert off.value is None and off.reason == "sentiment is off in the configuration"


async def test_a_first_scored_week_has_no_delta(start_bot) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot()
    h.app.recorder.add(post("x1", "alice", "general", W + timedelta(hours=1), -0.7))
    await h.app.recorder.flush()
    kpi = await sentiment_kpi(h.app.db, await h.app.directory.community_id(COMMUNITY), W, W_END)
    assert kpi.value is not None
    assert kpi.value["previous"] is None and kpi.value["delta"] is None
    assert kpi.value["most_negative"] == []  # one post is not enough to single a channel out


async def test_a_post_deleted_within_the_week_leaves_the_mood_and_one_deleted_later_stays(start_bot) -> None:  # type: ignore[no-untyped-def]
    h = await start_bot()
    t = W + timedelta(hours=10)
    for row in [post("ok1", "alice", "general", t, 0.6), post("ok2", "bob", "general", t, 0.5),
                post("spam", "troll", "general", t, -1.0), post("rant", "carol", "general", t, -0.8)]:
        h.app.recorder.add(row)
    await h.app.recorder.flush()
    cid = await h.app.directory.community_id(COMMUNITY)
    general = ChannelRef(COMMUNITY, "general", "general")
    await h.app.recorder.record(MessageDeleted(message=MessageRef(general, "spam"), at=(t + timedelta(hours=1)).astimezone(UTC)))
    await h.app.recorder.record(MessageDeleted(message=MessageRef(general, "rant"), at=(W_END + timedelta(days=1)).astimezone(UTC)))
    await h.app.recorder.flush()
    kpi = await sentiment_kpi(h.app.db, cid, W, W_END)
    assert kpi.value is not None
    assert (kpi.value["scored"], kpi.value["negative"]) == (3, 0.3333)  # the spam deleted the same day is gone, the rant deleted later stays


def test_where_to_step_in_links_the_channel_as_each_platform_does() -> None:
    from bot.adapters.discord.render import for_discord
    from bot.adapters.slack.render import mrkdwn
    from bot.core.refs import CommunityRef, Platform
    from cogs.sentiment.render import where

    discord_guild, slack_team = CommunityRef(Platform.DISCORD, "9"), CommunityRef(Platform.SLACK, "T1")
    assert for_discord(where(discord_guild, {"channel": "111", "thread": "222", "name": "support](https://evil.example)"})) == "<#111> › <#222>"
    assert mrkdwn(where(slack_team, {"channel": "C0SUPPORT", "thread": "1767600300.000200", "name": "support"})) == "<#C0SUPPORT> › 1767600300.000200"
    assert plain(where(COMMUNITY, {"channel": "support", "thread": "r1"})) == "#support › r1"
