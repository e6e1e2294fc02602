"""Members' and animators' commands: manual awards and revocations, badges, leaderboards kept per period, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.core.events import ButtonPressed
from tests.conftest import START, Harness
from tests.recognition.helpers import awards, badge, flush, recognition_config, said

ANIMATOR = {"animator"}


async def test_animators_award_and_revoke_badges_by_hand_with_a_reason(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    rules = (badge("first-post", "first", contribution="post", role="Poster"), badge("ambassador", "manual"))
    h: Harness = await start_bot(recognition_config(db_url, *rules))
    await h.sim.join("camille")
    h.sim.roles["camille"] = set(ANIMATOR)
    await h.sim.join("alice")
    refused = await h.sim.command("alice", "badge award @alice ambassador I deserve it")
    assert "for animators" in refused.message.body and await awards(h) == []
    done = await h.sim.command("camille", "badge award @alice ambassador welcomes every newcomer")
    assert "alice received the badge" in done.message.body
    assert await awards(h) == [("alice", "ambassador")]
    assert "Why: welcomes every newcomer" in said(h, "dm", "alice")[-1].text
    again = await h.sim.command("camille", "badge award @alice ambassador twice")
    assert "already has" in again.message.body
    unknown = await h.sim.command("camille", "badge award @alice astronaut because")
    assert "no badge `astronaut`" in unknown.message.body and "Badges of this community: first-post and ambassador." in unknown.message.body
    row = await h.rows("select b.manual, b.reason, m.external_id from recognition_badges b join members m on m.id = b.awarded_by")
    assert [tuple(r) for r in row] == [(True, "welcomes every newcomer", "camille")]

    await h.sim.post("alice", "hello")  # a rule badge with a role
    assert h.sim.roles["alice"] == {"Poster"}
    revoked = await h.sim.command("camille", "badge revoke @alice first-post posted spam")
    assert "taken back from @alice" in revoked.message.body
    assert h.sim.roles["alice"] == set()
    assert "took back your badge" in said(h, "dm", "alice")[-1].text
    await h.sim.post("alice", "another post: the rule does not give it back")
    assert await awards(h) == [("alice", "ambassador")]
    not_held = await h.sim.command("camille", "badge revoke @alice first-post twice")
    assert "doesn't have" in not_held.message.body
    await h.sim.command("camille", "badge award @alice first-post apologised")  # an animator can give it back
    assert await awards(h) == [("alice", "ambassador"), ("alice", "first-post")]
    assert await h.scalar("select count(*) from recognition_badges") == 2


async def test_members_see_their_badges_and_those_still_to_earn(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post"), badge("ambassador", "manual")))
    await h.sim.join("alice")
    empty = (await h.sim.command("alice", "badges")).message.plain_text()
    assert "No badges yet" in empty and "Still to earn: 🏅 First-Post and 🏅 Ambassador" in empty
    await h.sim.post("alice", "hi")
    mine = (await h.sim.command("bob", "badges @alice")).message.plain_text()
    assert "alice's badges (1)" in mine and "**First-Post**: the first-post badge (since 2026-01-05)" in mine


async def test_weekly_and_monthly_leaderboards_are_kept_for_past_periods(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, points={"message": 1, "cooldown_seconds": 0}))
    for name in ("alice", "bob"):
        await h.sim.join(name)
    for _ in range(3):
        await h.sim.post("alice", "week 2")
    await h.sim.post("bob", "week 2")
    h.clock.set(START + timedelta(weeks=1, days=1))
    for _ in range(5):
        await h.sim.post("bob", "week 3")
    h.clock.set(START + timedelta(weeks=4, days=1))  # February
    await h.sim.post("alice", "february")

    def lines(reply) -> list[str]:  # type: ignore[no-untyped-def]
        return [line for line in reply.message.body.splitlines() if line]

    assert lines(await h.sim.command("alice", "leaderboard")) == ["🥇 @alice: 1 pt"]
    week2 = await h.sim.command("alice", "leaderboard 2026-W02")
    assert week2.message.title == "🏆 Leaderboard: week 2026-W02"
    assert lines(week2) == ["🥇 @alice: 3 pts", "🥈 @bob: 1 pt"]
    assert lines(await h.sim.command("alice", "leaderboard 2026-W03")) == ["🥇 @bob: 5 pts"]
    assert lines(await h.sim.command("alice", "leaderboard 2026-01")) == ["🥇 @bob: 6 pts", "🥈 @alice: 3 pts"]
    assert lines(await h.sim.command("alice", "leaderboard month")) == ["🥇 @alice: 1 pt"]
    assert lines(await h.sim.command("alice", "leaderboard all")) == ["🥇 @bob: 6 pts", "🥈 @alice: 4 pts"]
    assert "Nobody has earned points" in (await h.sim.command("alice", "leaderboard last-week")).message.body
    assert "don't understand the period `someday`" in (await h.sim.command("alice", "leaderboard someday")).message.body


async def test_the_weekly_leaderboard_is_posted_on_monday(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, leaderboard_cron="0 9 * * 1"))
    await h.sim.join("alice")
    await h.sim.post("alice", "hello")
    await h.app.scheduler.advance_to(START + timedelta(days=7, hours=1))  # Monday 10:00 in Paris
    boards = [e for e in said(h) if e.message and e.message.title and "Leaderboard" in e.message.title]
    assert len(boards) == 1 and boards[0].message is not None and boards[0].message.title == "🏆 Leaderboard: week 2026-W02"


async def test_animators_export_badges_and_points_as_csv_or_json(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post")))
    await h.sim.join("camille")
    h.sim.roles["camille"] = set(ANIMATOR)
    await h.sim.join("alice")
    await h.sim.post("alice", "hello")
    assert "for animators" in (await h.sim.command("alice", "recognition export")).message.body
    reply = await h.sim.command("camille", "recognition export")
    file = reply.message.image
    assert file is not None and file.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(file.data.decode())))
    assert rows == [{"member_id": "alice", "name": "alice", "points": "2", "level": "0", "points_this_week": "2", "points_this_month": "2", "badges": "first-post"}]
    badges_csv = (await h.sim.command("camille", "recognition export csv badges")).message.image
    assert badges_csv is not None and list(csv.DictReader(io.StringIO(badges_csv.data.decode())))[0]["badge"] == "first-post"
    doc_file = (await h.sim.command("camille", "recognition export json")).message.image
    assert doc_file is not None
    doc = json.loads(doc_file.data)
    assert doc["members"][0]["badges"] == ["first-post"] and doc["badges"][0]["member_id"] == "alice"


async def test_mydata_describes_and_forgetme_erases_recognition_data(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post")))
    for name in ("alice", "bob"):
        await h.sim.join(name)
    await h.sim.post("alice", "hello")
    await h.sim.command("alice", "kudos @bob thanks")
    await h.sim.command("bob", "kudos @alice thanks too")
    mydata = (await h.sim.command("alice", "mydata")).message.plain_text()
    assert "Recognition: 7 points (level 0), 1 badge, 1 kudos given, 1 received (" in mydata
    confirm = await h.sim.command("alice", "forgetme")
    erase = confirm.message.buttons[0].custom_id
    await h.app.press(ButtonPressed(custom_id=erase, member=h.sim.member("alice"), at=h.clock.now()))
    assert await h.scalar("select count(*) from recognition_badges") == 0
    await flush(h)
    assert await h.scalar("select count(*) from recognition_points p join members m on m.id = p.member_id where m.external_id = 'alice'") == 0
    kudos = await h.rows("select giver_id, reason from recognition_kudos")
    assert [tuple(k) for k in kudos] == [(None, None)]  # bob keeps his kudos; their author is gone


async def test_the_command_line_exports_a_community(start_bot, db_url, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot.cli import main

    h: Harness = await start_bot(recognition_config(db_url, badge("first-post", "first", contribution="post")))
    await h.sim.join("alice")
    await h.sim.post("alice", "hello")
    await h.app.stop()
    out = tmp_path / "export.json"
    code = await asyncio.to_thread(main, ["export-recognition", "--database", db_url, "--community", "simulation:sim", "--format", "json", "--out", str(out)])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["members"][0]["member_id"] == "alice" and doc["badges"][0]["badge"] == "first-post"
    assert await asyncio.to_thread(main, ["export-recognition", "--database", db_url, "--community", "simulation:nowhere"]) == 2
    assert "no community simulation:nowhere" in capsys.readouterr().err
