"""The async database: engine, sessions, SQLite pragmas, migrations and dialect-neutral upserts."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, Executable, Table, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlmodel import SQLModel

log = logging.getLogger("engagebot.storage")

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 5000
"""How long a SQLite statement waits for another connection's write lock before "database is locked"."""
STALE_ROWS = 10_000
"""Statistics are stale once `interactions` has grown by this many rows and more than doubled since they were taken (or
has rows and never had any): small changes never change a plan, and ANALYZE reads every index (about 1 s per million rows)."""


def load_all_models() -> type[SQLModel]:
    """Import every table module so `SQLModel.metadata` knows the whole schema."""
    import storage.models
    import storage.schema  # noqa: F401

    return SQLModel


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic configuration pointing at the packaged migrations."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def code_revisions(url: str) -> tuple[frozenset[str], frozenset[str]]:
    """The revisions the code's migrations lead to (one head per feature branch), and every revision they know."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    return frozenset(script.get_heads()), frozenset(s.revision for s in script.walk_revisions())


async def applied_revisions(url: str) -> frozenset[str] | None:
    """The migrations applied to a database, read without changing anything; None when its SQLite file does not exist.

    SQLite is opened read-only (no file created beside it, no pragma written); PostgreSQL only reads `alembic_version`.
    An unreachable server, or a database that cannot be read, raises.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return frozenset()
        return await asyncio.to_thread(_sqlite_revisions, Path(parsed.database))
    from alembic.runtime.migration import MigrationContext

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return frozenset(await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
    finally:
        await engine.dispose()


def _sqlite_revisions(path: Path) -> frozenset[str] | None:
    if not path.exists():
        return None
    # a WAL file means a process has the database open (or died with it): read through it, read-only. Otherwise
    # nobody writes it: read the file as it is, so that not even the WAL's side files are created beside it
    opened = "mode=ro" if path.with_name(f"{path.name}-wal").exists() else "immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{opened}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone() is None:
            return frozenset()
        return frozenset(str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version"))
    finally:
        conn.close()


class RowChanges:
    """In-process notes of the rows a feature writes, so that another feature's cache knows when to read again.

    A version per (table, key) that writers bump after writing; a reader compares it with the version
    it last read at. Only tables whose writer declared it (`track`) can be trusted this way; writes by
    another process are not seen either: such caches need another way to catch up.
    """

    def __init__(self) -> None:
        self._versions: dict[tuple[str, int], int] = {}
        self._tracked: set[str] = set()

    def track(self, table: str) -> None:
        """Declare that every in-process write to `table` is noted."""
        self._tracked.add(table)

    def tracked(self, table: str) -> bool:
        """Whether every in-process write to `table` is noted."""
        return table in self._tracked

    def note(self, table: str, key: int) -> None:
        """A row of `table` about `key` (e.g. a member id) was written."""
        self._versions[(table, key)] = self._versions.get((table, key), 0) + 1

    def version(self, table: str, key: int) -> int:
        """How many writes were noted for `(table, key)`."""
        return self._versions.get((table, key), 0)


class _CallNow:
    """Stands in for aiosqlite's queue to its worker thread: each queued call runs at once, in the caller's thread."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except Exception as error:  # handed to the awaiting caller, as aiosqlite's worker does
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class InLoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose SQLite calls run in the event loop's thread: no worker thread, no hop.

    Every call aiosqlite queues (statements, fetches, commit, close) completes before the awaiting
    coroutine resumes, so a transaction never yields to the loop. Meant for processes where nothing
    else waits on the loop (see `Database(in_loop=True)`).
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int = 64) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _CallNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # the worker thread is never started


class LoopConnection(AsyncConnection):
    """An `AsyncConnection` over a plain `sqlite3` connection used in the event loop's thread.

    `execute` runs the statement at once, with no greenlet and no driver adapter: about a third of the
    cost of the same call through aiosqlite, even in the loop (PLATFORM_FACTS.md, bench/demo.py). Its
    rows are read from SQLite as they are fetched, so fetch them inside the transaction (as every
    store does). `exec_driver_sql` is direct too; the other calls (`run_sync`, `commit`, `close`…) take
    AsyncConnection's own path, which works unchanged over a synchronous driver.
    """

    async def execute(
        self,
        statement: Executable,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> CursorResult[Any]:
        return self.sync_connection.execute(statement, parameters, execution_options=execution_options)  # type: ignore[union-attr]

    async def exec_driver_sql(self, statement: str, parameters: Any = None, execution_options: Any = None) -> CursorResult[Any]:
        return self.sync_connection.exec_driver_sql(statement, parameters, execution_options)  # type: ignore[union-attr]


class Database:
    """The application's database: `sqlite+aiosqlite` by default, `postgresql+asyncpg` for larger ones.

    `in_loop=True` (SQLite only) runs SQLite calls in the event loop's thread instead of aiosqlite's
    worker thread. A thread hop costs far more than a small SQLite statement (PLATFORM_FACTS.md), so
    the simulations and one-shot commands use it; the live bot keeps the thread, so that a long
    report or another process's lock never stalls the Discord gateway or Slack's acknowledgements.
    """

    def __init__(self, url: str, *, echo: bool = False, in_loop: bool = False) -> None:
        self.url = url
        options: dict[str, Any] = {}
        parsed = make_url(url)
        self.in_loop = in_loop and parsed.get_backend_name() == "sqlite"
        if self.in_loop:
            cargs, cparams = parsed.get_dialect()().create_connect_args(parsed)

            async def connect() -> aiosqlite.Connection:
                return await InLoopConnection(partial(sqlite3.connect, *cargs, **cparams))

            options["async_creator"] = connect
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **options)
        # in the loop: `begin()` runs its statements on a plain sqlite3 connection to the same file (one driver
        # layer less); sessions, migrations and a transaction opened inside another keep the aiosqlite engine
        self._sync: Engine | None = None
        if self.in_loop and parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
            self._sync = create_engine(parsed.set(drivername="sqlite"), echo=echo)
            event.listen(self._sync, "connect", sqlite_pragmas)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # in the loop: one connection kept open for `begin()` (checking one out of the pool costs more than most transactions)
        self._kept: AsyncConnection | None = None
        self._kept_busy = False
        # through aiosqlite's worker thread: one connection kept for `insert_rows` (its calls into the thread are what costs)
        self._writer: AsyncConnection | None = None
        self._writer_busy = False
        self.changes = RowChanges()
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", sqlite_pragmas)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    async def upgrade(self) -> None:
        """Apply every migration not yet applied (all heads).

        On SQLite, foreign keys are switched off around the migrations (it cannot alter a constraint: a table
        is rebuilt, and dropping the old one would otherwise cascade or fail), then checked before the commit.
        """
        load_all_models()
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade, self.url)
            return
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or SQLite ignores it
            await conn.commit()  # SQLAlchemy's own: no transaction was open in SQLite for a pragma
            try:
                async with conn.begin():
                    await conn.run_sync(_upgrade, self.url)
                    await conn.run_sync(_restore_indexes)
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"the migrations left {len(broken)} rows pointing nowhere (first: {tuple(broken[0])})")
            finally:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
        await self.refresh_statistics()

    async def refresh_statistics(self, written: int = 0) -> str | None:
        """Keep the query planner's statistics current after migrations and imports (`written`: rows an import wrote, at most).

        SQLite collects none by itself: ANALYZE when `interactions` has none yet or they are stale, else `PRAGMA optimize`.
        PostgreSQL's autovacuum keeps them, later: ANALYZE after a large import (or when stale), so the next report need
        not wait for it. Returns what was run ("analyze", "optimize" or None).
        """
        async with self.engine.begin() as conn:
            if await conn.run_sync(_stale_statistics) or (not self.is_sqlite and written >= STALE_ROWS):
                await conn.exec_driver_sql("ANALYZE" if self.is_sqlite else "ANALYZE interactions, members, channels")
                return "analyze"
            if self.is_sqlite:
                await conn.exec_driver_sql("PRAGMA optimize")
                return "optimize"
        return None

    async def ensure_statistics(self) -> bool:
        """Before a report: ANALYZE when the statistics are stale (`STALE_ROWS`); a cheap check otherwise. Whether it ran."""
        async with self.engine.begin() as conn:
            if not await conn.run_sync(_stale_statistics):
                return False
            await conn.exec_driver_sql("ANALYZE" if self.is_sqlite else "ANALYZE interactions, members, channels")
        log.info("the database's statistics were stale: analysed")
        return True

    async def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database file and empty it, so deleted values leave the WAL too (best effort)."""
        if not self.is_sqlite:
            return
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # a reader holding an old snapshot: the next checkpoint will do it
            log.warning("SQLite WAL checkpoint failed; it will be done by a later one", exc_info=True)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose objects stay readable after commit."""
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction (committed on exit, rolled back on an error).

        Await only database calls inside it. Where SQLite runs in the loop (`in_loop`), another write
        transaction opened meanwhile would wait for this one's lock while blocking the loop this one
        needs to finish: a stalled bot, then "database is locked". There results are read from SQLite as
        they are fetched (`LoopConnection`): read them whole inside the block, since a result kept
        half-read holds its statement open (later reads see an old snapshot, writes find the file locked).
        """
        if not self.in_loop or self._kept_busy:  # a transaction opened inside another gets its own connection
            async with self.engine.begin() as conn:
                yield conn
            return
        self._kept_busy = True
        try:
            if self._kept is None:
                self._kept = LoopConnection(self.engine, self._sync.connect()) if self._sync else await self.engine.connect()
            conn = self._kept
            try:
                if isinstance(conn, LoopConnection):
                    with conn.sync_connection.begin():  # type: ignore[union-attr]
                        yield conn
                else:
                    async with conn.begin():
                        yield conn
            except BaseException:
                self._kept = None  # after a failure, start again from a fresh connection
                await conn.close()
                raise
        finally:
            self._kept_busy = False

    async def insert_rows(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """One driver-level `executemany` of `statement` in a transaction of its own (rows in the driver's form).

        Through aiosqlite's worker thread (the live bot on SQLite), the whole transaction is one call into the thread,
        on a connection kept for it: each call costs a thread hop, and `begin()` makes half a dozen (checkout, cursor,
        statement, cursor close, commit, reset on return). Elsewhere, `begin()` and `exec_driver_sql`.
        """
        if not self.is_sqlite or self.in_loop or self._writer_busy:  # a write already under way gets a pooled connection
            async with self.begin() as conn:
                await conn.exec_driver_sql(statement, rows)
            return
        self._writer_busy = True
        try:
            if self._writer is None:
                self._writer = await self.engine.connect()
            worker: aiosqlite.Connection = (await self._writer.get_raw_connection()).driver_connection  # type: ignore[assignment]
            await worker._execute(_insert_committed, worker._conn, statement, rows)  # type: ignore[no-untyped-call]  # one hop: BEGIN, executemany, COMMIT
        except BaseException:
            writer, self._writer = self._writer, None  # after a failure, start again from a fresh connection
            if writer is not None:
                await writer.close()
            raise
        finally:
            self._writer_busy = False

    def insert_ignore(self, table: Table) -> Any:
        """`INSERT … ON CONFLICT DO NOTHING` for this database's dialect."""
        if self.is_sqlite:
            return sqlite.insert(table).on_conflict_do_nothing()
        return postgresql.insert(table).on_conflict_do_nothing()

    async def close(self) -> None:
        """Release every connection."""
        kept, self._kept = self._kept, None
        if kept is not None:
            await kept.close()
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()
        if self._sync is not None:
            self._sync.dispose()
        await self.engine.dispose()


def _insert_committed(conn: sqlite3.Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """In aiosqlite's worker thread: `rows` inserted in one transaction, rolled back on any error."""
    try:
        if not conn.in_transaction:
            conn.execute("BEGIN")
        conn.executemany(statement, rows)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _stale_statistics(conn: Connection) -> bool:
    """Whether the planner's statistics of `interactions` are missing or stale (`STALE_ROWS`), from a few catalog rows."""
    if conn.dialect.name == "sqlite":
        stat = None
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'interactions' LIMIT 1").scalar()
        rows = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM interactions").scalar_one())  # the rowid's end: no scan
        if stat is None:
            return rows > 0
        counted = int(str(stat).split()[0])
        return rows - counted >= STALE_ROWS and rows > 2 * counted
    found = conn.exec_driver_sql(
        "SELECT c.reltuples, s.n_mod_since_analyze FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid"
        " WHERE c.oid = to_regclass('interactions')"
    ).first()
    if found is None:
        return False
    estimate, changed = float(found[0]), int(found[1] or 0)
    if estimate < 0:  # never analysed nor vacuumed (PostgreSQL 14+)
        return conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM interactions)").scalar_one() is True
    return changed >= STALE_ROWS and changed > estimate


def _restore_indexes(conn: Connection) -> None:
    """Indexes a bulk import dropped and could not rebuild (a killed process) are created again."""
    from storage.bulk import restore_indexes

    if restore_indexes(conn):
        log.warning("rebuilt the interactions indexes an interrupted import had left out")


def _upgrade(conn: Connection, url: str, targets: tuple[str, ...] = ("heads",)) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    for target in targets:
        command.upgrade(cfg, target)


async def _upgrade_to(db: Database, revisions: list[str]) -> None:
    """Apply the migrations up to these revisions only (tests: a database as an earlier release left it)."""
    load_all_models()
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, db.url, tuple(revisions))


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """The pragmas of every SQLite connection: WAL, synchronous=NORMAL, foreign keys, a busy timeout, secure delete."""
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL waits for another process's lock too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # erased members and unlinked ballots: their bytes are overwritten, not left in free space
    cursor.close()
