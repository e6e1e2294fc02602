"""Failures a user causes or meets (an unusable database, a file that is not text) told in one line, never a traceback."""

from __future__ import annotations

import logging
import sqlite3

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
