"""`engagebot import`: every event type, sorted by time, idempotent, bad lines reported and skipped."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import text

from bot.cli import main
from bot.kpi_cli import ProgressBar
from storage.db import Database
from tests.kpi.conftest import DATA, import_logs


async def _counts(db: Database) -> dict[str, int]:
    async with db.begin() as conn:
        rows = (await conn.execute(text("SELECT kind, COUNT(*) FROM interactions GROUP BY kind"))).all()
        polls = (await conn.execute(text("SELECT COUNT(*) FROM polls"))).scalar_one()
        votes = (await conn.execute(text("SELECT COUNT(*) FROM poll_votes"))).scalar_one()
    return {**{str(k): int(n) for k, n in rows}, "polls": int(polls), "ballots": int(votes)}


async def test_importing_the_same_log_twice_changes_nothing(kpi_db: Database) -> None:
    first = await import_logs(kpi_db, "community.jsonl")
    counts = await _counts(kpi_db)
    again = await import_logs(kpi_db, "community.jsonl")
    assert await _counts(kpi_db) == counts
    assert first.new_rows > 0 and again.new_rows == 0 and not first.bad
    assert first.imported["poll"] == 2 and first.imported["poll_vote"] == 9 and first.imported["reaction_removed"] == 2
    # the duplicated b2 line is one message; b's changed vote keeps one ballot, with the last choice
    assert counts["reply"] == 7 and counts["ballots"] == 9 - 1
    async with kpi_db.begin() as conn:
        b = (await conn.execute(text(
            "SELECT v.value FROM poll_votes v JOIN polls p ON p.id = v.poll_id JOIN members m ON m.id = v.member_id"
            " WHERE p.external_id = 'p1' AND m.external_id = 'b'"
        ))).scalar_one()
        anonymous = (await conn.execute(text(
            "SELECT COUNT(*) FROM poll_votes v JOIN polls p ON p.id = v.poll_id WHERE p.external_id = 'p2' AND v.member_id IS NULL AND v.cast_at IS NULL"
        ))).scalar_one()
    assert b == 5 and anonymous == 3


async def test_imported_rows_match_the_live_pipeline(kpi_db: Database) -> None:
    await import_logs(kpi_db, "community.jsonl")
    async with kpi_db.begin() as conn:
        reply = (await conn.execute(text(
            "SELECT i.parent_external_id, t.external_id FROM interactions i JOIN members t ON t.id = i.target_member_id WHERE i.external_id = 'b2'"
        ))).one()
        removed = (await conn.execute(text("SELECT COUNT(*) FROM interactions WHERE kind = 'reaction' AND removed_at IS NOT NULL"))).scalar_one()
        bot = (await conn.execute(text("SELECT is_bot FROM members WHERE external_id = 'bot1'"))).scalar_one()
        mentions = (await conn.execute(text("SELECT COUNT(*) FROM interactions WHERE kind = 'mention'"))).scalar_one()
    assert tuple(reply) == ("a2", "a") and removed == 2 and bool(bot) and mentions == 3


async def test_bad_lines_are_reported_with_file_line_and_field_and_the_rest_is_imported(kpi_db: Database) -> None:
    summary = await import_logs(kpi_db, "bad_lines.jsonl")
    where = {(Path(b.file).name, b.number, b.field) for b in summary.bad}
    assert where == {
        ("bad_lines.jsonl", 2, "at"), ("bad_lines.jsonl", 3, ""), ("bad_lines.jsonl", 4, "member"), ("bad_lines.jsonl", 5, "type"),
        ("bad_lines.jsonl", 6, "poll"), ("bad_lines.jsonl", 8, "choice"),
    }
    assert "bad_lines.jsonl:2: field 'at': '2026-01-05 09:05' has no UTC offset" in str(next(b for b in summary.bad if b.number == 2))
    assert summary.imported == {"member_joined": 1, "message": 1, "poll": 1}


def test_the_import_command_prints_bad_lines_and_a_summary(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    code = main(["import", "--database", url, str(DATA / "bad_lines.jsonl"), str(DATA / "community.jsonl")])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"skipped {DATA / 'bad_lines.jsonl'}:3: not valid JSON" in err
    assert "read 62 lines from 1 communities" in out and "new interaction rows:" in out
    assert main(["import", "--database", url, str(DATA / "community.jsonl")]) == 0
    assert "new interaction rows: 0" in capsys.readouterr().out


def test_long_imports_show_a_progress_bar_on_stderr() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, min_total=100)
    for done in range(1, 201):
        bar(done, 200)
    shown = stream.getvalue()
    assert "100% 200/200 events" in shown and shown.endswith("\n") and shown.count("\r") == 101  # 0 % to 100 %
    quiet = io.StringIO()
    ProgressBar(quiet, min_total=100)(5, 10)
    assert quiet.getvalue() == ""


def test_every_line_type_of_events_md_parses(tmp_path: Path) -> None:
    from storage.eventlog_parse import EXPORT_ONLY, REQUIRED, read_log

    types = {json.loads(line)["type"] for line in (DATA / "community.jsonl").read_text(encoding="utf-8").splitlines()}
    # the lines only `engagebot export` writes, and deletions, are covered by tests/test_event_log_roundtrip.py
    assert types == set(REQUIRED) - EXPORT_ONLY - {"message_deleted"}
    assert all(not hasattr(item, "reason") for item in read_log(DATA / "community.jsonl"))


async def test_imported_anonymous_ballots_get_the_live_voter_code_and_one_contribution_per_member(kpi_db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from storage.anonymity import BallotKey

    monkeypatch.setenv("ENGAGEBOT_SECRET", "the community's own secret")
    await import_logs(kpi_db, "community.jsonl")
    async with kpi_db.begin() as conn:
        p2 = (await conn.execute(text("SELECT id FROM polls WHERE external_id = 'p2'"))).scalar_one()
        codes = {r[0] for r in (await conn.execute(text("SELECT voter FROM poll_votes WHERE poll_id = :p"), {"p": p2})).all()}
        b_votes = (await conn.execute(text(
            "SELECT COUNT(*) FROM interactions i JOIN members m ON m.id = i.member_id WHERE i.kind = 'poll_vote' AND m.external_id = 'b'"
            " AND i.parent_external_id = 'poll:p1'"
        ))).scalar_one()
    # the code a live vote of member `a` in that poll would get: the same key, the same message
    live = BallotKey(kpi_db.url, env={"ENGAGEBOT_SECRET": "the community's own secret"}).voter(p2, "discord:g1", "a")
    assert live in codes and not any("a" == code or code.endswith(":a") for code in codes)
    assert b_votes == 1  # b changed their answer in p1: still one contribution, as live


async def test_engagebot_import_codes_anonymous_ballots_with_the_configured_key_file(tmp_path: Path) -> None:
    from bot.config import parse_config
    from bot.kpi_cli import run_import
    from storage.anonymity import BallotKey

    key_file = tmp_path / "keys" / "ballot.key"
    url = f"sqlite+aiosqlite:///{tmp_path / 'imported.db'}"
    config = parse_config({"database": {"url": url}, "cogs": {"polls": {"key_file": str(key_file)}}}, "test")
    await run_import(config, [DATA / "community.jsonl"], out=io.StringIO(), err=io.StringIO())
    db = Database(url)
    try:
        async with db.begin() as conn:
            p2 = (await conn.execute(text("SELECT id FROM polls WHERE external_id = 'p2'"))).scalar_one()
            codes = {r[0] for r in (await conn.execute(text("SELECT voter FROM poll_votes WHERE poll_id = :p"), {"p": p2})).all()}
    finally:
        await db.close()
    # the code the live bot (same configuration) gives member `a`, so /forgetme finds their imported ballot while the poll is open
    assert key_file.is_file()
    assert BallotKey(url, str(key_file), env={}).voter(p2, "discord:g1", "a") in codes
