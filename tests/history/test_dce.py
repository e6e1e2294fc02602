"""`engagebot import --from dce`: DiscordChatExporter JSON into the live rows, idempotent, bad files reported one line each."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cli import main
from bot.history.dce import discord_emoji
from storage.db import Database
from tests.history.conftest import DATA, INTERACTIONS, rows, run_import

DCE = DATA / "dce"


async def test_a_dce_export_becomes_the_rows_the_live_bot_writes(history_db: Database) -> None:
    run = await run_import(history_db, "dce", DCE)
    assert run.code == 0, run.err
    got = await rows(history_db, INTERACTIONS)
    join = next(r for r in got if r[0] == "join")
    assert join[1] == "1001" and join[3].startswith("join:1001:2026-01-05T08:55:00")
    assert [r for r in got if r[0] != "join"] == [
        ("mention", "1001", "1002", "3001:1002", "3001", "222"),
        ("mention", "1002", "1001", "3002:1001", "3002", "222"),
        ("mention", "1002", None, "3002:1099", "3002", "222"),  # the ghost never joined nor posted: no member row
        ("message", "1001", None, "3001", None, "222"),
        ("message", "1009", None, "3003", None, "222"),
        ("message", "1003", None, "3005", None, "222"),  # a forward is not a reply
        ("reaction", "1002", "1001", "3001:1002:<:party:555>", "3001", "222"),
        ("reaction", "1002", "1001", "3001:1002:👍", "3001", "222"),
        ("reaction", "1003", "1001", "3001:1003:👍", "3001", "222"),
        ("reply", "1002", "1001", "3002", "3001", "222"),
        # a thread post counts in the parent channel and answers the starter (its author found after the import)
        ("reply", "1003", "1001", "3011", "3001", "222"),
    ]
    members = await rows(history_db, "select external_id, name, is_bot from members order by external_id")
    assert [(m, n, bool(b)) for m, n, b in members] == [
        ("1001", "Alice", False), ("1002", "Bob", False), ("1003", "Carol", False), ("1009", "HelperBot", True)]
    assert await rows(history_db, "select count(*) from interactions where text is not null") == [(0,)]
    assert "read 3 files: 5 posts by 4 authors, 3 reactions, 1 joins, 0 leaves" in run.out
    assert "imported 5 posts and 3 reactions; already there 0 posts and 0 reactions" in run.out
    assert "skipped 1: system messages (ChannelPinnedMessage)" in run.out and "skipped 1: system messages (21)" in run.out
    assert "2 reactions are counts only in the export (no member given): not imported" in run.out
    assert "1 posts were edited" in run.out
    assert "general.json: fields not in DCE's format, ignored: futureField" in run.out
    assert "random (empty).json: no messages (an empty channel)" in run.out


async def test_importing_the_same_export_twice_changes_nothing(history_db: Database) -> None:
    await run_import(history_db, "dce", DCE)
    before = await rows(history_db, INTERACTIONS)
    members = await rows(history_db, "select count(*) from members")
    again = await run_import(history_db, "dce", DCE / "general.json", DCE)
    assert await rows(history_db, INTERACTIONS) == before
    assert await rows(history_db, "select count(*) from members") == members
    assert "imported 0 posts and 0 reactions; already there 9 posts and 6 reactions" in again.out
    assert "#general" in again.out and again.code == 0


async def test_text_is_stored_only_when_the_configuration_says_so(history_db: Database) -> None:
    await run_import(history_db, "dce", DCE / "general.json", database={"store_text": True})
    assert await rows(history_db, "select text from interactions where external_id = '3001'") == [("Hello @Bob, welcome!",)]


async def test_mentions_past_the_cap_are_dropped_and_the_summary_says_so(history_db: Database, tmp_path: Path) -> None:
    doc = json.loads((DCE / "general.json").read_text(encoding="utf-8"))
    crowd = [dict(doc["messages"][1]["author"], id=str(5000 + k), nickname=f"m{k}") for k in range(60)]
    doc["messages"][1]["mentions"] = crowd
    (tmp_path / "crowd.json").write_text(json.dumps(doc), encoding="utf-8")  # not indented: the parser does not care
    run = await run_import(history_db, "dce", tmp_path / "crowd.json", max_mentions=50)
    assert await rows(history_db, "select count(*) from interactions where kind = 'mention' and parent_external_id = '3001'") == [(50,)]
    assert "1 messages mention more than 50 members: only the first 50 were kept" in run.out
    assert await rows(history_db, "select count(*) from members where external_id like '5%'") == [(0,)]


def test_bad_files_get_one_line_each_and_the_rest_is_imported(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'bad.db'}"
    bad = DATA / "dce_bad"
    code = main(["import", "--from", "dce", "--database", url, str(bad), str(DCE / "general.json")])
    out, err = capsys.readouterr()
    assert code == 0
    assert f"skipped {bad / 'truncated.json'}: truncated or invalid JSON after 1 messages" in err
    assert f"skipped {bad / 'zero bytes.json'}: empty file (0 bytes)" in err
    assert f"skipped {bad / 'slack day.json'}: not a DiscordChatExporter JSON export (the top is not an object" in err
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 3
    assert "read 2 files: 5 posts" in out  # the truncated file's first message, and general.json's four posts
    assert "3 files could not be read whole" in out


def test_nothing_readable_exits_with_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"
    assert main(["import", "--from", "dce", "--database", url, str(DATA / "dce_bad" / "zero bytes.json")]) == 2
    assert "empty file" in capsys.readouterr().err
    assert main(["import", "--from", "dce", "--database", url, str(tmp_path / "missing.json")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_emoji_are_named_as_discord_py_prints_them() -> None:
    import discord

    assert discord_emoji({"id": "", "name": "👍"}) == str(discord.PartialEmoji(name="👍"))
    assert discord_emoji({"id": None, "name": "👍"}) == "👍"
    assert discord_emoji({"id": "555", "name": "party", "isAnimated": False}) == str(discord.PartialEmoji(name="party", id=555))
    assert discord_emoji({"id": "556", "name": "dance", "isAnimated": True}) == str(discord.PartialEmoji(name="dance", id=556, animated=True))


async def test_sentiment_is_scored_in_batches_during_the_import(history_db: Database) -> None:
    from bot.history.dce import DceReader
    from bot.history.ingest import HistoryIngest, IngestOptions
    from bot.history.tally import Tally

    batches: list[int] = []

    class Scorer:
        def score(self, texts: list[str]) -> list[float]:
            batches.append(len(texts))
            return [0.5 if "welcome" in t else -0.5 for t in texts]

    tally = Tally()
    ingest = HistoryIngest(history_db, IngestOptions(scorer=Scorer(), sentiment_batch=2), tally)
    await ingest.run(DceReader(tally).read(DCE / "general.json"))
    got = await rows(history_db, "select external_id, sentiment from interactions where kind in ('message', 'reply') order by external_id")
    assert got == [("3001", 0.5), ("3002", -0.5), ("3003", None), ("3005", -0.5)]  # the bot's post is not scored
    assert batches == [2, 1] and ingest.scored == 3
