"""Failures a user causes or meets (an unusable database, a file that is not text) told in one line, never a traceback."""

from __future__ import annotations

import logging
import sqlite3
import time
import traceback
from collections.abc import Callable

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _root(err: BaseException) -> BaseException:
    """The driver's own error under SQLAlchemy's wrapper."""
    original = getattr(err, "orig", None)
    return original if isinstance(original, BaseException) else err


def is_lock(err: BaseException) -> bool:
    """Whether the error is SQLite's write lock, held by another connection or process."""
    return "database is locked" in str(_root(err)) or "database table is locked" in str(_root(err))


def database_failure(err: BaseException, url: str) -> str | None:
    """One line saying why the database at `url` cannot be used, or None when `err` is not about the database."""
    where = f"database {_safe(url)}"
    root = _root(err)
    text = str(root).strip().splitlines()[0] if str(root).strip() else type(root).__name__
    if is_lock(err):
        return f"{where}: locked by another process (another engagebot, or a tool holding a write); try again when it is done"
    if isinstance(root, sqlite3.DatabaseError) or isinstance(err, DBAPIError) and url.startswith("sqlite"):
        if "unable to open" in text:
            return f"{where}: cannot open the file (does its folder exist, and may engagebot write there?)"
        if "not a database" in text or "malformed" in text:
            return f"{where}: the file is not a SQLite database, or it is damaged"
        return f"{where}: {text}"
    if isinstance(root, ConnectionError | TimeoutError) or isinstance(root, OSError) and not url.startswith("sqlite"):
        return f"{where}: cannot connect ({text})"
    if isinstance(err, DBAPIError | OperationalError | InterfaceError) or type(root).__module__.startswith("asyncpg"):
        return f"{where}: {text}"
    return None


class OneLineFormatter(logging.Formatter):
    """Log records with their exception as one line (`ErrorType: message`), for runs where the transcript owns the terminal."""

    def formatException(self, ei: object) -> str:
        """The exception's last line only."""
        if isinstance(ei, tuple) and len(ei) == 3 and isinstance(ei[1], BaseException):
            error = _root(ei[1])
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return f"  ({type(error).__name__}: {first})" if first else f"  ({type(error).__name__})"
        return ""

    def format(self, record: logging.LogRecord) -> str:
        """The message, then the one-line exception on the same line."""
        text = super().format(record)
        return text.replace("\n  (", " (")


class QuietLockRetries(logging.Filter):
    """Lets a write that found the database locked retry quietly (its rows stay queued); says so once every `every` tries."""

    def __init__(self, every: int = 10) -> None:
        super().__init__()
        self.every, self.seen = every, 0

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a lock failure that is not the `every`-th in a row; True for anything else."""
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not is_lock(error):
            return True
        self.seen += 1
        if self.seen % self.every:
            return False
        record.msg = f"{record.msg} (the database has been locked for {self.seen} tries; still retrying)"
        return True


OUTAGE_TEXTS = ("unable to open database file", "disk i/o error", "database or disk is full", "readonly database")
"""SQLite errors about the file or its disk, not about a statement: the database is unusable for now."""
OUTAGE_SQLSTATES = ("08", "53", "57")
"""PostgreSQL's classes of errors about the server, not the statement: connection, insufficient resources, operator intervention."""
RECOVERED = "database_ok"
"""A log record with this attribute true (`extra={"database_ok": True}`) says the database works again: a failure streak ends."""


def _chain(err: BaseException) -> list[BaseException]:
    """The error, SQLAlchemy's driver error under it, and their causes."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        orig = getattr(e, "orig", None)
        todo += [e.__cause__, e.__context__, orig if isinstance(orig, BaseException) else None]
    return seen


def _through_database(err: BaseException) -> bool:
    """Whether the error was raised by the database layer (SQLAlchemy, a driver), not by a platform's HTTP client."""
    for e in _chain(err):
        if type(e).__module__.split(".")[0] in ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3"):
            return True
        for frame, _ in traceback.walk_tb(e.__traceback__):
            if str(frame.f_globals.get("__name__", "")).split(".")[0] in ("sqlalchemy", "asyncpg", "aiosqlite"):
                return True
    return False


def outage(err: BaseException, url: str) -> str | None:
    """Why the database is unusable right now (locked, unreachable, gone away), in one line; None for any other error (a bug, bad data)."""
    where = f"database {_safe(url)}"
    if is_lock(err):
        return f"{where} is locked by another process (another engagebot, or a tool holding a write)"
    if not _through_database(err):
        return None
    for e in _chain(err):
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return f"{where}: the connection was lost ({text})"
        if str(getattr(e, "sqlstate", None) or "")[:2] in OUTAGE_SQLSTATES:
            return f"{where}: the server cannot serve it now ({text})"
        if isinstance(e, OSError):
            return f"{where}: cannot connect ({text})"
        if isinstance(e, sqlite3.Error) and any(t in text.lower() for t in OUTAGE_TEXTS):
            return f"{where}: {text}"
    return None


class DatabaseOutages(logging.Filter):
    """Live runs: a database that is locked or unreachable is told in one line per failure streak, with its cause.

    The first failure of a streak is shown without its traceback, which only a DEBUG run (`-v`) shows; the
    next ones are held back until the database works again (a record marked `database_ok`, e.g. the
    recorder writing its queue) or until `quiet_after` seconds pass without a failure. Any other error
    is left as it is.
    """

    def __init__(self, url: str, *, quiet_after: float = 600.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.url, self.quiet_after, self.monotonic = url, quiet_after, monotonic
        self.failures = 0  # in the current streak
        self._last = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        """True to show the record (shortened to one line for a streak's first failure); False for a later failure of the streak."""
        if getattr(record, RECOVERED, False):
            if self.failures:
                record.msg, record.args = f"{record.getMessage()} (after {self.failures} failed {'try' if self.failures == 1 else 'tries'})", None
            self.failures = 0
            return True
        error = record.exc_info[1] if record.exc_info else None
        cause = outage(error, self.url) if error is not None else None
        if cause is None:
            return True
        now = self.monotonic()
        if self.failures and now - self._last >= self.quiet_after:
            self.failures = 0  # a long calm: this is a new streak
        self.failures += 1
        self._last = now
        if logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return True  # a DEBUG run shows every failure with its traceback
        if self.failures > 1:
            return False
        record.msg, record.args = f"{record.getMessage()}: {cause}; retrying (said once until it works again, -v shows every failure)", None
        record.exc_info, record.exc_text = None, None
        return True


def quiet_outages(url: str) -> DatabaseOutages:
    """Install `DatabaseOutages` on the root logger's handlers (live runs on Discord and Slack); the filter installed."""
    outages = DatabaseOutages(url)
    for handler in logging.getLogger().handlers:
        handler.addFilter(outages)
    return outages
