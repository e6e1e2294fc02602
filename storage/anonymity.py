"""Anonymous ballots: a keyed hash of (poll, member) instead of the member, with a key that never enters the database."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger("engagebot.storage.anonymity")

SECRET_ENV = "ENGAGEBOT_SECRET"
KEY_FILE = "ballot.key"
LEGACY_KEY_FILE = "engagebot.key"
RANDOM_ID_LOW = 2**30
RANDOM_ID_HIGH = 2**31 - 1
"""Anonymous ballots get random ids in the upper half of a 32-bit key, far from the sequence's ids."""


def default_key_path(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/engagebot/ballot.key` (`~/.config/engagebot/ballot.key`): never beside the database.

    A backup of the database alone then holds no key, and whoever has the database alone cannot link a ballot.
    """
    env = os.environ if env is None else env
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "engagebot" / KEY_FILE


def legacy_key_path(database_url: str) -> Path:
    """Where earlier releases created the key: `engagebot.key` next to the SQLite file, else in the working directory."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / LEGACY_KEY_FILE
    return Path.cwd() / LEGACY_KEY_FILE


class BallotKeyError(Exception):
    """The ballot key cannot be read or created: what is wrong with which file, and the fix (never the key)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}: {fix}")
        self.problem, self.fix = problem, fix


def _fix(first: str = "") -> str:
    rest = f"set [cogs.polls] key_file to another file, or set {SECRET_ENV} (see SECURITY.md)"
    return f"{first}, or {rest}" if first else rest


def read_key(path: Path) -> bytes:
    """The key a key file holds (64 hexadecimal digits); `BallotKeyError` when it cannot be read or holds none."""
    try:
        text = path.read_text(encoding="ascii")
    except OSError as err:
        raise BallotKeyError(f"the anonymous-ballot key {path} cannot be read ({err.strerror or err})",
                             _fix("make it a file the bot's user can read (chmod 600)")) from None
    except UnicodeDecodeError:
        text = ""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) < 16:
        raise BallotKeyError(f"the anonymous-ballot key {path} holds no key (64 hexadecimal digits expected)",
                             _fix("put back the file from your backup"))
    return key


def load_or_create_key(path: Path) -> bytes:
    """Read the key file, or create it (mode 0600, in a folder of mode 0700) with 32 random bytes; `BallotKeyError` on failure."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if not path.parent.is_dir():
            raise BallotKeyError(f"the anonymous-ballot key {path} cannot be created ({path.parent} is not a folder)", _fix()) from None
        fd = None
    except OSError as err:
        raise BallotKeyError(f"the anonymous-ballot key {path} cannot be created ({err.strerror or err})",
                             _fix("make its folder writable by the bot's user")) from None
    if fd is None:  # it exists: read it
        key = read_key(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable by other users (mode %o): run chmod 600 on it", path, mode)
        return key
    key = secrets.token_bytes(32)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
    except OSError as err:  # a half-written key must not be read at the next start
        path.unlink(missing_ok=True)
        raise BallotKeyError(f"the anonymous-ballot key {path} cannot be written ({err.strerror or err})", _fix("free some disk space")) from None
    log.warning("created the anonymous-ballot key %s: back it up apart from the database (see SECURITY.md)", path)
    return key


class BallotKey:
    """Turns a member into an anonymous voter code for one poll; the key comes from the environment or a key file."""

    def __init__(self, database_url: str, key_file: str | None = None, env: dict[str, str] | None = None) -> None:
        self._database_url = database_url
        self._key_file = Path(key_file).expanduser() if key_file else None
        self._env = env
        self._key: bytes | None = None
        self._where = ""

    def load(self) -> str:
        """Read (or create) the key now, so a key that cannot be read stops the start instead of a member's vote;
        where it comes from (`BallotKeyError`, one line, when it cannot be read or created)."""
        self.key()
        return self._where

    def key(self) -> bytes:
        """The secret key, loaded on first use (the polls cog loads it at start: `load`)."""
        if self._key is None:
            env = os.environ if self._env is None else self._env
            secret = env.get(SECRET_ENV)
            if secret:
                self._key, self._where = hashlib.sha256(secret.encode()).digest(), SECRET_ENV
            else:
                path = self._key_file or self._default_path(env)
                self._key, self._where = load_or_create_key(path), str(path)
        return self._key

    def _default_path(self, env: Mapping[str, str]) -> Path:
        path, legacy = default_key_path(env), legacy_key_path(self._database_url)
        if not path.exists() and legacy.exists():  # an earlier install: its open polls need the same key
            log.warning("the anonymous-ballot key %s sits beside the database: move it to %s (or set [cogs.polls] key_file), "
                        "when no anonymous poll is open", legacy, path)
            return legacy
        return path

    def voter(self, poll_id: int, community: str, member_id: str) -> str:
        """The voter code of a member in one poll: the same for their every click, unlinkable across polls."""
        msg = f"{poll_id}\x1f{community}\x1f{member_id}".encode()
        return "a:" + hmac.new(self.key(), msg, hashlib.sha256).hexdigest()


def random_voter() -> str:
    """A code that replaces a voter's once a poll is closed: nobody, even with the key, can link it back."""
    return "x:" + secrets.token_hex(32)


def random_ballot_id() -> int:
    """A random primary key for an anonymous ballot (insertion order reveals nothing)."""
    return RANDOM_ID_LOW + secrets.randbelow(RANDOM_ID_HIGH - RANDOM_ID_LOW)
