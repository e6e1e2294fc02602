"""Anonymous means anonymous: nothing stored ties a member to what they chose."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.config import ConfigError
from bot.core.events import ButtonPressed
from storage.anonymity import BallotKey
from tests.conftest import Harness, make_config
from tests.polls.helpers import bot_posts, last_post


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


async def test_forgetme_removes_the_members_anonymous_ballots_of_open_polls_from_the_count(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    community = str(h.sim.community)
    await h.sim.command("admin", 'poll create "Closed before?" "Yes, No" anonymous=yes duration=1h')
    early = last_post(h)
    for member in ("alice", "bob", "dana"):
        await h.sim.press(member, early.ref.id, "Yes")
    await h.sim.command("admin", "poll close 1")  # closed before her erasure: its codes are random, nothing links her ballot
    await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" anonymous=yes duration=1d')
    tea = last_post(h)
    for member, choice in (("alice", "Tea"), ("bob", "Tea"), ("chloe", "Coffee"), ("dana", "Coffee")):
        await h.sim.press(member, tea.ref.id, choice)
    await h.sim.command("admin", "survey start open duration=1d")  # open feedback, anonymous by default
    for member in ("alice", "bob", "chloe", "dana"):
        await h.sim.command(member, f"poll answer 3 answer of {member} SECRET-{member.upper()}")
    key = BallotKey(h.db_url)
    hers = [key.voter(poll, community, "dana") for poll in (2, 3)]
    assert len(await h.rows("select id from poll_votes where voter in (:a, :b)", a=hers[0], b=hers[1])) == 2  # her vote and her answer

    mine = (await h.sim.command("dana", "mydata")).message.plain_text()
    assert "3 poll votes" in mine  # her participation, never what she chose
    assert "Coffee" not in mine and "SECRET" not in mine

    confirm = await h.sim.command("dana", "forgetme")
    done = await h.app.press(ButtonPressed(custom_id=confirm.message.buttons[0].custom_id, member=h.sim.member("dana"), at=h.clock.now()))
    assert done is not None and "has been erased" in done.message.plain_text()
    left = await h.rows("select poll_id, voter, value, text from poll_votes order by poll_id, value")
    assert not {r.voter for r in left} & {key.voter(p, community, "dana") for p in (1, 2, 3)}
    assert [r.value for r in left if r.poll_id == 1] == [0, 0, 0]  # the closed poll keeps its three unlinked ballots
    assert sorted(r.value for r in left if r.poll_id == 2) == [0, 0, 1]
    assert not [r for r in left if "SECRET-DANA" in str(r.text)]

    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=1, minutes=1))
    results = {e.message.title: e.text for e in bot_posts(h) if e.message is not None and (e.message.title or "").startswith("📊 Results")}
    tea_results = results["📊 Results: Tea or coffee?"]
    assert "3 voters" in tea_results and "Coffee `" in tea_results
    assert [line for line in tea_results.splitlines() if "Coffee" in line and "`" in line][0].endswith(" 1 (33%)")
    answers = [e.text for e in bot_posts(h) if "Results" in (e.message.title or "") and "answer of" in e.text]  # type: ignore[union-attr]
    assert answers and "SECRET-ALICE" in answers[-1] and "SECRET-DANA" not in answers[-1]


async def test_the_key_is_created_when_the_bot_starts_before_any_vote(start_bot, config_home: Path) -> None:  # type: ignore[no-untyped-def]
    key_file = config_home / "engagebot" / "ballot.key"
    h: Harness = await start_bot()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # no anonymous poll yet: a folder that cannot take it is found now, not at a click
    await h.sim.command("admin", 'poll create "Secret ballot?" "Yes, No" anonymous=yes duration=1d')
    await h.sim.press("alice", last_post(h).ref.id, "Yes")
    code = BallotKey(h.db_url).voter(1, str(h.sim.community), "alice")  # the file read again gives the code the vote used
    assert await h.scalar("select count(*) from poll_votes where voter = :v", v=code) == 1


@pytest.mark.parametrize("problem", ["a folder", "no key", "under a file"])
async def test_a_key_that_cannot_be_read_or_created_stops_the_start_in_one_line(start_bot, db_url: str, tmp_path: Path, problem: str) -> None:  # type: ignore[no-untyped-def]
    key_file = tmp_path / "ballot.key"
    if problem == "a folder":
        key_file.mkdir()
    elif problem == "no key":
        key_file.write_text("not a key\n", encoding="ascii")
    else:
        (tmp_path / "plain-file").write_text("")
        key_file = tmp_path / "plain-file" / "ballot.key"
    with pytest.raises(ConfigError) as err:
        await start_bot(make_config(db_url, cogs={"polls": {"key_file": str(key_file)}}))
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"the anonymous-ballot key {key_file} ")
    assert "[cogs.polls] key_file" in line and "ENGAGEBOT_SECRET" in line


def test_the_command_line_says_it_in_one_line_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ballot.key").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\ncogs = ["polls"]\n\n[cogs.polls]\nkey_file = "{tmp_path / "ballot.key"}"\n', encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text("/ping\n", encoding="utf-8")
    code = main(["run", "--script", str(script), "--start", "2026-01-05T09:00:00+00:00", "--config", str(config),
                 "--database", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "Traceback" not in err and "\n" not in err, err
    assert err.startswith(f"engagebot: the anonymous-ballot key {tmp_path / 'ballot.key'} cannot be read (Is a directory): ")


async def test_an_exported_log_lists_anonymous_ballots_by_choice_not_by_their_random_ids(start_bot) -> None:  # type: ignore[no-untyped-def]
    from storage.eventlog_export import export_events

    h: Harness = await start_bot()
    await h.sim.command("admin", "survey start nps duration=1d")
    msg = last_post(h)
    for member, score in {"alice": 10, "bob": 3, "chloe": 8, "dan": 3, "emma": 0}.items():
        await h.sim.press(member, msg.ref.id, f"poll:1:{score}")
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=2))
    async with h.app.db.begin() as conn:  # ids in the reverse order of the choices: a log by id would list 10 first
        rows = (await conn.execute(text("SELECT id, value FROM poll_votes ORDER BY value DESC"))).all()
        for i, (row_id, _) in enumerate(rows):
            await conn.execute(text("UPDATE poll_votes SET id = :new WHERE id = :old"), {"new": 2**40 + i, "old": row_id})
    lines = await export_events(h.app.db, h.sim.community)
    assert [line["choice"] for line in lines if line["type"] == "anonymous_ballot"] == [0, 3, 3, 8, 10]
