"""Anonymous means anonymous: nothing stored ties a member to what they chose."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from storage.anonymity import BallotKey
from tests.conftest import Harness
from tests.polls.helpers import last_post


async def _every_row(h: Harness) -> dict[str, list[dict[str, object]]]:
    await h.app.recorder.flush()
    out: dict[str, list[dict[str, object]]] = {}
    async with h.app.db.begin() as conn:
        tables = [r[0] for r in (await conn.execute(text("select name from sqlite_master where type = 'table'"))).all()]
        for table in tables:
            rows = (await conn.execute(text(f'select * from "{table}"'))).mappings().all()
            out[table] = [dict(r) for r in rows]
    return out


async def test_anonymous_survey_rows_reveal_no_voter(start_bot, config_home: Path) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", "survey start nps duration=2d")  # surveys are anonymous by default
    msg = last_post(h)
    assert "Anonymous" in msg.text and "never your name" in msg.text
    votes = {"alice": 10, "bob": 3, "chloe": 8}
    for i, (member, score) in enumerate(votes.items()):
        h.clock.advance(timedelta(minutes=7 * (i + 1)))
        reply = await h.sim.press(member, msg.ref.id, f"poll:1:{score}")
        assert reply is not None and "anonymously" in reply.message.body
    await h.sim.press("bob", msg.ref.id, "poll:1:9")  # bob changes his score
    # no running tally, not even for animators: watched between two votes it would betray the last voter
    assert msg.message is not None and "poll:1:results" not in [b.custom_id for b in msg.message.buttons]
    assert "revealed to everyone at the close" in (await h.sim.command("admin", "poll results 1")).message.body

    rows = await _every_row(h)
    ballots = rows["poll_votes"]
    assert sorted(b["value"] for b in ballots) == [8, 9, 10]
    members = {m["id"]: m["external_id"] for m in rows["members"]}
    for ballot in ballots:
        assert ballot["member_id"] is None and ballot["cast_at"] is None
        assert isinstance(ballot["voter"], str) and not any(name in ballot["voter"] for name in votes)
        assert int(ballot["id"]) >= 2**30  # random ids: their order says nothing about who came first
    # participation is recorded, never the choice
    participation = [r for r in rows["interactions"] if r["kind"] == "poll_vote"]
    assert sorted(members[r["member_id"]] for r in participation) == ["alice", "bob", "chloe"]
    for r in participation:
        assert r["text"] is None and r["sentiment"] is None
        assert not any(str(v) in str(r["external_id"]) for v in (3, 8, 9, 10))
    # beyond the member list and participation rows, no table names a voter
    for table, table_rows in rows.items():
        if table not in ("members", "interactions"):
            flat = repr(table_rows)
            assert not any(name in flat for name in votes), table

    # the key is outside the database and not beside it (a backup of the database folder holds no key), readable only by the bot's user
    assert not (Path(h.db_url.split("///", 1)[1]).parent / "engagebot.key").exists()
    key_file = config_home / "engagebot" / "ballot.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key_hex = key_file.read_text().strip()
    assert key_hex not in repr(rows)
    # with the key, the voter codes could be recomputed while the poll is open…
    key = BallotKey(h.db_url)
    assert key.voter(1, str(h.sim.community), "alice") in {b["voter"] for b in ballots}

    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=2))
    assert "**NPS +67** (2 promoters, 1 passive, 0 detractors)" in last_post(h).text  # 10, 9 and 8: plural forms per count
    # …but at the close they are replaced by random codes: even the key links nothing any more
    after = (await _every_row(h))["poll_votes"]
    assert sorted(b["value"] for b in after) == [8, 9, 10]
    codes = {b["voter"] for b in after}
    assert not codes & {key.voter(1, str(h.sim.community), m) for m in votes}


async def test_secret_from_the_environment_means_no_key_file(start_bot, monkeypatch, config_home: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ENGAGEBOT_SECRET", "a long secret from the environment")
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Secret ballot?" "Yes, No" anonymous=yes duration=1d')
    await h.sim.press("alice", last_post(h).ref.id, "Yes")
    assert not (Path(h.db_url.split("///", 1)[1]).parent / "engagebot.key").exists() and not (config_home / "engagebot").exists()
    assert await h.scalar("select count(*) from poll_votes where member_id is null and voter like 'a:%'") == 1


async def test_anonymous_polls_ignore_number_reactions(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Secret ballot?" "Yes, No" anonymous=yes duration=1d')
    msg = last_post(h)
    assert "react with" not in msg.text  # a reaction is public: anonymous polls only take buttons
    await h.sim.react("alice", msg.ref.id, "1️⃣")
    assert await h.scalar("select count(*) from poll_votes") == 0
