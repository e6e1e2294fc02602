"""`engagebot import --from slack-export`: the admin's zip or folder into the live rows, zip bombs refused."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from bot.history.files import SourceError, Tree, ZipLimits
from bot.history.slack_export import EMOJI, POST_SUBTYPES, USER_MENTION
from storage.db import Database
from tests.history.conftest import DATA, INTERACTIONS, rows, run_import

SLACK = DATA / "slack"
ROOT = "1767603600.000000"  # 2026-01-05T09:00:00Z
REPLY = "1767604200.000000"


def zipped(folder: Path, target: Path, prefix: str = "") -> Path:
    """The folder as the admin downloads it: one zip."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, prefix + path.relative_to(folder).as_posix())
    return target


async def test_a_slack_export_becomes_the_rows_the_live_bot_writes(history_db: Database, tmp_path: Path) -> None:
    run = await run_import(history_db, "slack-export", zipped(SLACK, tmp_path / "export.zip", "My Workspace Slack export/"))
    assert run.code == 0, run.err
    got = [r for r in await rows(history_db, INTERACTIONS) if r[0] != "join"]
    assert got == [
        ("mention", "U01ALICE", "U02BOB", f"{ROOT}:U02BOB", ROOT, "C01GENERAL"),
        ("mention", "U02BOB", "U01ALICE", f"{REPLY}:U01ALICE", REPLY, "C01GENERAL"),
        ("mention", "U02BOB", None, f"{REPLY}:U05GHOST", REPLY, "C01GENERAL"),
        ("message", "U01ALICE", None, ROOT, None, "C01GENERAL"),
        ("message", "U09BOT", None, "1767604500.000000", None, "C01GENERAL"),
        ("message", "U03CARO", None, "1767693600.000000", None, "C02RANDOM"),
        ("message", "U01ALICE", None, "1767780000.000000", None, "C02RANDOM"),  # before the truncation
        ("reaction", "U02BOB", "U01ALICE", f"{ROOT}:U02BOB::party_parrot:", ROOT, "C01GENERAL"),
        ("reaction", "U02BOB", "U01ALICE", f"{ROOT}:U02BOB:👍", ROOT, "C01GENERAL"),
        ("reaction", "U03CARO", "U01ALICE", f"{ROOT}:U03CARO:👍", ROOT, "C01GENERAL"),
        ("reply", "U02BOB", "U01ALICE", REPLY, ROOT, "C01GENERAL"),
    ]
    joins = await rows(history_db, "select m.external_id from interactions i join members m on m.id = i.member_id where i.kind = 'join'")
    assert joins == [("U01ALICE",)]  # Caro's join of #random is not a workspace join
    members = await rows(history_db, "select external_id, name, is_bot from members order by external_id")
    assert [(m, n, bool(b)) for m, n, b in members] == [
        ("U01ALICE", "alice", False), ("U02BOB", "Bob", False), ("U03CARO", "caro", False), ("U09BOT", "Helper", True)]
    assert await rows(history_db, "select external_id from communities") == [("T0TEAM",)]
    assert "imported 5 posts and 3 reactions" in run.out and "2 reactions are counts only" in run.out
    assert "skipped 1: deleted thread roots (tombstones)" in run.out and "skipped 1: messages of subtype channel_topic (not a post)" in run.out
    assert "1 deactivated accounts in users.json" in run.out and "fields not in Slack's export format, ignored: futureField" in run.out
    assert "random/2026-01-07.json: cannot be read after 1 messages" in run.err and "Traceback" not in run.err


async def test_the_folder_and_the_zip_import_the_same_and_twice_changes_nothing(history_db: Database, tmp_path: Path) -> None:
    await run_import(history_db, "slack-export", SLACK)
    before = await rows(history_db, INTERACTIONS)
    again = await run_import(history_db, "slack-export", zipped(SLACK, tmp_path / "export.zip"))
    assert await rows(history_db, INTERACTIONS) == before
    assert "imported 0 posts and 0 reactions; already there 5 posts and 3 reactions" in again.out


async def test_a_zip_bomb_and_other_archives_get_one_line(history_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SLACK, folder)
    (folder / "general" / "2026-01-08.json").write_text("[" + " " * 3_000_000 + "]", encoding="utf-8")
    archive = zipped(folder, tmp_path / "bomb.zip")
    tree = Tree(archive, ZipLimits(ratio=100, ratio_above=2**20))
    try:
        tree.open("general/2026-01-08.json")
        raise AssertionError("the bomb was opened")
    except SourceError as err:
        assert "zip bomb guard" in str(err)
    finally:
        tree.close()
    run = await run_import(history_db, "slack-export", archive)
    assert "2026-01-08.json: expands" in run.err and "refused (zip bomb guard)" in run.err
    assert "imported 5 posts" in run.out and run.code == 0
    other = await run_import(history_db, "slack-export", DATA / "dce")
    assert other.code == 2 and "not a Slack export (no channels.json at its top)" in other.err
    (tmp_path / "notzip.zip").write_bytes(b"not a zip")
    assert "not a zip archive nor a folder" in (await run_import(history_db, "slack-export", tmp_path / "notzip.zip")).err


def test_the_tables_are_the_live_adapters() -> None:
    from bot.adapters.slack import translate

    assert EMOJI == translate.EMOJI and POST_SUBTYPES == translate.POST_SUBTYPES and USER_MENTION.pattern == translate.USER_MENTION.pattern


def test_recognition_is_rebuilt_over_the_imported_history_announcing_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    url = f"sqlite+aiosqlite:///{tmp_path / 'rebuild.db'}"
    assert main(["import", "--from", "slack-export", "--database", url, str(SLACK)]) == 0
    capsys.readouterr()
    assert main(["recognition", "rebuild", "--database", url, "--community", "slack:T0TEAM"]) == 0
    first = capsys.readouterr().out
    assert "recognition rebuilt for slack:T0TEAM: 7 contributions scored" in first and "nothing was announced" in first
    assert main(["recognition", "rebuild", "--database", url, "--community", "slack:T0TEAM"]) == 0
    assert capsys.readouterr().out.replace("7 contributions", "0 contributions") == first.replace("7 contributions", "0 contributions")

    import sqlite3

    with sqlite3.connect(tmp_path / "rebuild.db") as conn:
        badges = {r[0] for r in conn.execute("select badge from recognition_badges")}
        points = conn.execute("select count(*) from recognition_points").fetchone()[0]
    assert "first-post" in badges and points == 7
