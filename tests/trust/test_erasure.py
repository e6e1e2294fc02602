"""/forgetme erases everything, in one transaction the core owns, whatever cogs are loaded; /mydata lists every table."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bot.core.events import ButtonPressed, MemberJoined, MessagePosted
from bot.core.refs import MessageRef
from storage.privacy import describe_member, erase_member
from tests.conftest import Harness, make_config
from tests.recognition.helpers import badge
from tests.test_storage import GENERAL, T0, member, open_db, post

DANA, NAME = "u-dana-7731", "Dana Quelquechose"
SECRETS = ("SECRET-POST", "SECRET-REASON", "SECRET-ANSWER", "SECRET-AWARD")


def everything_in(path: Path) -> list[tuple[str, str, object]]:
    """Every value of every column of every table of a SQLite file, as (table, column, value)."""
    found = []
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            cursor = conn.execute(f'select * from "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                found.extend((table, c, v) for c, v in zip(columns, row, strict=True) if v is not None)
    return found


def file_bytes(path: Path) -> bytes:
    """A file's bytes (none when it does not exist)."""
    return path.read_bytes() if path.exists() else b""


def traces(values: list[tuple[str, str, object]]) -> list[tuple[str, str, object]]:
    """The values that still name Dana, hold her name, or something she wrote."""
    needles = (DANA, NAME, *SECRETS)
    return [(t, c, v) for t, c, v in values if any(n in str(v) for n in needles)]


async def test_forgetme_leaves_no_trace_in_any_table_even_with_a_cog_turned_off(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    everything = make_config(db_url, database={"store_text": True},
                             cogs={"sentiment": {"backend": "off"},
                                   "recognition": {"badges": [badge("helper", "manual")], "leaderboard_cron": None}})
    h: Harness = await start_bot(everything)
    sim = h.sim
    for who in ("camille", "erin"):
        await sim.join(who)
    sim.roles["camille"] = {"animator"}
    sim.roles[DANA] = {"animator"}
    await sim.join(DANA, name=NAME)
    first = await sim.post(DANA, "SECRET-POST hello everyone")
    await sim.post("erin", f"welcome @{DANA}", reply_to=first.id, mentions=[DANA])
    await sim.react(DANA, first.id, "👍")
    for who, line, answer in ((DANA, "kudos erin SECRET-REASON", "posted"), ("erin", f"kudos {DANA} thanks", "posted"),
                              (DANA, "buddy optin", "buddy"), (DANA, "prompt add What did you learn this week?", "Queued"),
                              (DANA, "badge award erin helper SECRET-AWARD", "Helper"),
                              ("camille", 'poll create "Tea or coffee?" "Tea, Coffee" duration=1d', "posted")):
        said = (await sim.command(who, line)).message.plain_text()
        assert answer in said, (line, said)
    poll = [e for e in sim.transcript if e.kind == "bot" and e.message and (e.message.title or "").startswith("📊")][-1]
    assert poll.ref is not None
    await sim.press(DANA, poll.ref.id, "Tea")
    await sim.command("camille", "survey start open duration=1d anonymous=false")
    await sim.command(DANA, "poll answer 2 SECRET-ANSWER")
    h.clock.advance(timedelta(hours=2))
    await h.app.settle()
    path = Path(db_url.removeprefix("sqlite+aiosqlite:///"))
    assert {t for t, _, _ in traces(everything_in(path))} == {"members", "interactions", "poll_votes", "recognition_kudos", "recognition_badges"}
    data = await describe_member(h.app.db, sim.member(DANA))
    assert data is not None and {"onboarding_members", "buddy_consents", "prompt_queue", "onboarding_messages"} <= set(data.tables)
    mine = (await sim.command(DANA, "mydata")).message.plain_text()
    assert "Rows about you, table by table: " in mine
    for label in ("your member record 1", "interactions", "ballots in public polls", "onboarding progress 1", "buddy consent 1",
                  "kudos (given or received) 2", "weekly prompts you queued 1", "badges (held, awarded or revoked by you)"):
        assert label in mine, mine
    await h.app.stop()

    # the recognition and prompts cogs are turned off; their tables still hold Dana's rows
    fewer = everything.model_copy(update={"bot": everything.bot.model_copy(update={"cogs": ["polls", "onboarding"]})})
    h2: Harness = await start_bot(fewer, clock=h.clock)
    confirm = await h2.sim.command(DANA, "forgetme")
    assert confirm.message.buttons
    # the confirmation is private (ephemeral): its button is pressed as the platform would send it
    done = await h2.app.press(ButtonPressed(custom_id=confirm.message.buttons[0].custom_id, member=h2.sim.member(DANA), at=h2.clock.now()))
    assert done is not None and "everything stored about you has been erased" in done.message.plain_text()
    await h2.app.stop()
    assert traces(everything_in(path)) == []
    raw = file_bytes(path) + file_bytes(path.with_name(path.name + "-wal"))
    for needle in (DANA, NAME, *SECRETS):
        assert needle.encode() not in raw, needle  # not even in free pages or the WAL (secure_delete, checkpoint)
    with sqlite3.connect(path) as conn:  # what others did stays, without her
        kinds = dict(conn.execute("select kind, count(*) from interactions group by kind").fetchall())
        assert kinds.get("reply") == 1 and kinds.get("mention") == 1
        assert conn.execute("select count(*) from recognition_kudos where giver_id is null and reason is null").fetchone() == (1,)
        assert conn.execute("select count(*) from recognition_badges where awarded_by is null and reason is null").fetchone() == (1,)
        assert conn.execute("select count(*) from prompt_queue where added_by is null").fetchone() == (1,)


async def test_erasure_is_one_transaction_on_sqlite_and_postgresql(database_url: str) -> None:
    db, rec = await open_db(database_url)
    await rec.record(MemberJoined(member=member("dana"), at=T0))
    await rec.record(post("m1", "dana", 1))
    await rec.record(MessagePosted(message=MessageRef(GENERAL, "m2"), author=member("erin"), at=T0 + timedelta(minutes=2),
                                   reply_to=MessageRef(GENERAL, "m1"), reply_to_author=member("dana"), mentions=(member("dana"),)))
    await rec.close()
    async with db.begin() as conn:
        await conn.execute(text("insert into job_runs (scope, job, period, claimed_at) values ('discord:g1', 'digest:dm:dana', '2026-W02', :t)"),
                           {"t": T0.replace(tzinfo=None)})
    data = await describe_member(db, member("dana"))
    assert data is not None and data.tables == {"members": 1, "interactions": 4}  # her join and post; erin's reply and mention point at her
    assert await erase_member(db, member("dana")) == 3  # her row, her join, her post
    async with db.begin() as conn:
        left = (await conn.execute(text("select kind, external_id, target_member_id from interactions order by id"))).all()
        jobs = (await conn.execute(text("select job from job_runs"))).scalars().all()
    await db.close()
    assert [(k, t) for k, _, t in left] == [("reply", None), ("mention", None)]
    assert not any("dana" in x for _, x, _ in left) and not any("dana" in j for j in jobs)


async def test_a_database_of_the_previous_release_is_migrated_with_its_rows_and_then_erases_whole(database_url: str) -> None:
    from storage.db import Database, _upgrade_to

    db = Database(database_url)
    # the schema as the previous release left it: every branch at its old head, with rows in it
    await _upgrade_to(db, ["0003_kpi", "0004_onboarding_completed", "0003_prompts", "0003_recognition"])
    async with db.begin() as conn:
        await conn.execute(text("insert into communities (platform, external_id) values ('discord', 'g1')"))
        for who in ("dana", "erin"):
            await conn.execute(text("insert into members (community_id, external_id, name, is_bot, joined_at) values (1, :w, :w, false, :t)"),
                               {"w": who, "t": T0.replace(tzinfo=None)})
        await conn.execute(text("insert into interactions (community_id, kind, member_id, target_member_id, external_id, at) "
                                "values (1, 'message', 1, null, 'm1', :t), (1, 'reply', 2, 1, 'm2', :t)"), {"t": T0.replace(tzinfo=None)})
        await conn.execute(text("insert into recognition_kudos (community_id, giver_id, receiver_id, reason, at) values (1, 1, 2, 'SECRET-REASON', :t)"),
                           {"t": T0.replace(tzinfo=None)})
        await conn.execute(text("insert into onboarding_members (community_id, member_id, joined_at) values (1, 1, :t)"), {"t": T0.replace(tzinfo=None)})
    await db.upgrade()  # this release's migrations, on a database with rows
    assert await erase_member(db, member("dana")) == 3  # her row, her post, her journey
    async with db.begin() as conn:
        assert (await conn.execute(text("select kind, target_member_id from interactions"))).all() == [("reply", None)]
        assert (await conn.execute(text("select giver_id, reason from recognition_kudos"))).all() == [(None, None)]
    await db.close()
