"""Large imports: the reader process and the indexes rebuilt at the end write exactly what the plain path writes."""

from __future__ import annotations

import importlib.util
import pickle
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.core.events import MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from bot.history.dce import DceReader
from bot.history.ingest import HistoryIngest, IngestOptions
from bot.history.reading import Decoder, Encoder, ReaderProcess, events_of
from bot.history.tally import Tally
from storage import rows as row_kinds
from storage.bulk import BulkPolicy, bulk_writes, secondary_indexes
from storage.db import Database
from storage.directory import Directory
from storage.models import InteractionKind
from storage.recorder import Recorder
from storage.rows import db_time, rows_of
from tests.history.conftest import DATA, INTERACTIONS, rows, run_import

SOURCES = [("dce", DATA / "dce"), ("slack-export", DATA / "slack")]
BENCH = Path(__file__).parents[2] / "bench"
MEMBERS = "select external_id, name, is_bot, joined_at, left_at from members order by external_id"


def bench_module(name: str) -> Any:
    """A benchmark script as a module (its generator makes realistic histories)."""
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def summary(out: str) -> list[str]:
    """What an import printed, its timing line aside."""
    return [line for line in out.splitlines() if " messages/s)" not in line]


async def index_names(db: Database) -> set[str]:
    got = await rows(db, "select name from sqlite_master where type = 'index' and tbl_name = 'interactions' and sql is not null")
    return {name for (name,) in got}


@pytest.mark.parametrize(("source", "path"), SOURCES)
async def test_the_reader_process_writes_the_rows_and_summary_of_the_plain_path(tmp_path: Path, source: str, path: Path) -> None:
    got = {}
    for separate in (False, True):
        db = Database(f"sqlite+aiosqlite:///{tmp_path / f'{separate}.db'}")
        await db.upgrade()
        run = await run_import(db, source, path, reader_process=separate, database={"store_text": True})
        got[separate] = (run.code, summary(run.out), run.err, await rows(db, INTERACTIONS + ", i.at, i.text"), await rows(db, MEMBERS))
        await db.close()
    assert got[True] == got[False]
    assert got[True][3] and "Traceback" not in got[True][2]


@pytest.mark.parametrize(("source", "path"), SOURCES)
async def test_an_export_read_in_a_process_then_again_in_place_adds_nothing(history_db: Database, source: str, path: Path) -> None:
    first = await run_import(history_db, source, path, reader_process=True)
    assert first.code == 0 and "imported 0 posts" not in first.out
    written = await rows(history_db, INTERACTIONS)
    again = await run_import(history_db, source, path, reader_process=False)
    assert await rows(history_db, INTERACTIONS) == written and "imported 0 posts and 0 reactions" in again.out


async def test_a_large_import_rebuilds_the_indexes_once_and_writes_the_same_rows(history_db: Database, tmp_path: Path) -> None:
    plain = Database(f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}")
    await plain.upgrade()
    for db, bulk in ((plain, BulkPolicy(min_rows=10**9)), (history_db, BulkPolicy(min_rows=1))):
        tally = Tally()
        await HistoryIngest(db, IngestOptions(expected_rows=100, bulk=bulk, batch_size=3), tally).run(DceReader(tally).read(DATA / "dce" / "general.json"))
    assert await rows(history_db, INTERACTIONS) == await rows(plain, INTERACTIONS)
    await plain.close()
    if history_db.is_sqlite:
        assert await index_names(history_db) == {str(i.name) for i in secondary_indexes()}


async def test_the_indexes_come_back_after_a_failed_import_and_at_the_next_start(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bulk.db'}", in_loop=True)
    await db.upgrade()
    names = {str(i.name) for i in secondary_indexes()}
    assert len(names) == 4 and await index_names(db) == names
    with pytest.raises(RuntimeError):
        async with bulk_writes(db, 10, BulkPolicy(min_rows=1)) as dropped:
            assert dropped and await index_names(db) == set()
            raise RuntimeError("the import failed")
    assert await index_names(db) == names
    async with bulk_writes(db, 10, BulkPolicy(min_rows=100)) as dropped:  # a small import keeps them
        assert not dropped and await index_names(db) == names
    async with db.begin() as conn:  # as a killed import leaves them
        await conn.exec_driver_sql("DROP INDEX ix_interactions_member_at")
    await db.upgrade()
    assert await index_names(db) == names
    await db.close()


async def test_rows_and_memberships_cross_the_pipe_unchanged() -> None:
    guild = CommunityRef(Platform.DISCORD, "g")
    general = ChannelRef(guild, "c1", "general")
    alice, bob, bot = MemberRef(guild, "a", "Alice"), MemberRef(guild, "b", None), MemberRef(guild, "x", "Helper", True)
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    post = MessageRef(general, "m1")
    events = [
        MemberJoined(member=alice, at=at),
        MessagePosted(message=post, author=alice, text="hi @bob", at=at, mentions=(bob, bob)),
        MessagePosted(message=MessageRef(general, "m2"), author=bot, text="", at=at, reply_to=post, reply_to_author=alice),
        ReactionAdded(message=post, member=bob, emoji="👍", message_author=alice, at=at),
        MemberLeft(member=bob, at=at),
    ]
    for store_text, time_text in ((False, True), (True, False)):
        encoder, out = Encoder(store_text, time_text), list[tuple[object, ...]]()
        for event in events:
            encoder.encode(event, out)
        rows = [[replace(r, db_at=db_time(r.at, time_text)) for r in rows_of(e, store_text)] for e in events[1:4]]
        assert await Decoder().decode(pickle.loads(pickle.dumps(out))) == [events[0], *rows, events[4]]


async def test_times_are_bound_as_the_recorder_binds_them(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    recorder = Recorder(db, Directory(db))
    for at in (datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 3, 29, 2, 30, 0, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))):
        assert db_time(at, True) == recorder._db_time(at) and db_time(at, False) == at.astimezone(UTC).replace(tzinfo=None)
    await db.close()


def test_the_row_kinds_are_the_interaction_kinds() -> None:
    for name in ("MESSAGE", "REPLY", "MENTION", "REACTION", "POLL_VOTE", "JOIN", "LEAVE"):
        assert getattr(row_kinds, name) == InteractionKind[name].value


@pytest.mark.parametrize("batch", [3, 50_000])
async def test_an_event_log_read_in_a_process_imports_what_the_plain_path_imports(tmp_path: Path, batch: int) -> None:
    from storage.importer import EventLogImporter
    from tests.kpi.conftest import DATA as LOGS

    logs = [LOGS / "bad_lines.jsonl", LOGS / "community.jsonl"]
    got = {}
    for separate in (False, True):
        db = Database(f"sqlite+aiosqlite:///{tmp_path / f'log-{separate}.db'}", in_loop=True)
        await db.upgrade()
        bad: list[str] = []
        importer = EventLogImporter(db, reader_process=separate, bulk=BulkPolicy(min_rows=1), batch_size=batch)
        result = await importer.import_files(logs, on_bad=lambda b, to=bad: to.append(str(b)))
        tables = [await rows(db, INTERACTIONS + ", i.at, i.removed_at"), await rows(db, MEMBERS),
                  await rows(db, "select p.external_id, v.value, v.cast_at from poll_votes v join polls p on p.id = v.poll_id order by 1, 2, 3")]
        got[separate] = (result.lines_out(), sorted(bad), tables, result.imported)
        await db.close()
    assert got[True] == got[False]
    assert got[True][1] and got[True][2][0]


def test_the_poll_kinds_of_the_parser_are_the_polls_feature_s() -> None:
    from storage.eventlog_parse import POLL_KINDS
    from storage.polls import PollKind

    assert {k.value for k in PollKind} == POLL_KINDS


async def test_a_generated_export_in_small_batches_gives_the_same_rows_either_way(tmp_path: Path) -> None:
    """Rows prepared from the directory's cache (after the first batch) and the recorder's own rows agree, bots and all."""
    module = bench_module("import_dce")
    export = tmp_path / "export"
    export.mkdir()
    files = module.generate(export, 1500, channels=3, empty=1, members=300)
    got = {}
    for separate in (False, True):
        db = Database(f"sqlite+aiosqlite:///{tmp_path / f'gen-{separate}.db'}", in_loop=True)
        await db.upgrade()
        tally = Tally()
        ingest = HistoryIngest(db, IngestOptions(batch_size=200), tally)
        if separate:
            await ingest.run(ReaderProcess("dce", files, store_text=False, time_text=True))
        else:
            await ingest.run(events_of("dce", files, tally, community=None, max_mentions=50))
        got[separate] = (await rows(db, INTERACTIONS + ", i.at"), await rows(db, MEMBERS), tally.lines(max_mentions=50))
        await db.close()
    assert got[True] == got[False] and len(got[True][0]) > 2500


async def test_a_generated_event_log_in_small_batches_gives_the_same_rows_either_way(tmp_path: Path) -> None:
    from storage.importer import EventLogImporter

    log = tmp_path / "events.jsonl"
    bench_module("import").generate(log, 3000, members=200)
    got = {}
    for separate in (False, True):
        db = Database(f"sqlite+aiosqlite:///{tmp_path / f'ev-{separate}.db'}", in_loop=True)
        await db.upgrade()
        result = await EventLogImporter(db, reader_process=separate, batch_size=150).import_files([log])
        got[separate] = (await rows(db, INTERACTIONS + ", i.at, i.removed_at"), await rows(db, MEMBERS), result.lines_out())
        await db.close()
    assert got[True] == got[False] and len(got[True][0]) > 2500


async def test_an_event_log_read_in_a_process_then_again_in_place_adds_nothing(history_db: Database) -> None:
    from storage.importer import EventLogImporter
    from tests.kpi.conftest import DATA as LOGS

    first = await EventLogImporter(history_db, reader_process=True, batch_size=5).import_files([LOGS / "community.jsonl"])
    written = await rows(history_db, INTERACTIONS + ", i.removed_at")
    again = await EventLogImporter(history_db, reader_process=False).import_files([LOGS / "community.jsonl"])
    assert first.new_rows == len(written) > 0 and again.new_rows == 0 and not first.bad
    assert await rows(history_db, INTERACTIONS + ", i.removed_at") == written
