"""The recognition queries on SQLite and PostgreSQL: the same story gives the same figures."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START, Harness
from tests.recognition.helpers import awards, badge, points, recognition_config


async def test_points_badges_kudos_and_boards_on_each_database(start_bot, database_url: str) -> None:  # type: ignore[no-untyped-def]
    rules = (
        badge("first-post", "first", contribution="post"),
        badge("helper", "count", contribution="reply", count=2, window_days=30, to_others=True),
        badge("regular", "streak", periods=2, period="week"),
        badge("thanked", "kudos", count=1),
        badge("super", "top_percent", percent=50, period="week", min_contributions=2),
    )
    h: Harness = await start_bot(recognition_config(database_url, *rules, points={"cooldown_seconds": 60}))
    await h.sim.join("camille")
    h.sim.roles["camille"] = {"animator"}
    for name in ("alice", "bob"):
        await h.sim.join(name)
    question = await h.sim.post("alice", "Who can help?")
    await h.sim.post("bob", "me", reply_to=question.id)
    await h.sim.post("bob", "and me again (cooldown: no points)", reply_to=question.id)
    await h.sim.react("alice", question.id, "👍")  # her own post: not to others
    await h.sim.react("bob", question.id, "🎉")
    await h.sim.command("alice", "kudos @bob thanks")
    assert await points(h, "bob") == 3 + 1 + 5
    await h.app.scheduler.advance_to(START + timedelta(days=7, hours=1))
    await h.sim.post("bob", "second week")
    assert sorted(await awards(h)) == [("alice", "first-post"), ("bob", "first-post"), ("bob", "helper"), ("bob", "regular"),
                                      ("bob", "super"), ("bob", "thanked")]
    board = (await h.sim.command("alice", "leaderboard 2026-W02")).message.body.splitlines()
    assert board == ["🥇 @bob: 9 pts", "🥈 @alice: 3 pts"]
    rank = (await h.sim.command("bob", "rank")).message.plain_text()
    assert "#1 (2 pts)" in rank
    export = (await h.sim.command("camille", "recognition export json")).message.image
    assert export is not None and b'"bob"' in export.data
    await h.sim.command("camille", "badge revoke @bob super not this time")
    assert ("bob", "super") not in await awards(h)
    mydata = (await h.sim.command("bob", "mydata")).message.plain_text()
    assert "Recognition: 11 points" in mydata
