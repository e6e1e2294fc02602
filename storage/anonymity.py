"""Anonymous ballots: a keyed hash of (poll, member) instead of the member, with a key that never enters the database."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger("engagebot.storage.anonymity")

SECRET_ENV = "ENGAGEBOT_SECRET"
KEY_FILE = "engagebot.key"
RANDOM_ID_LOW = 2**30
RANDOM_ID_HIGH = 2**31 - 1
"""Anonymous ballots get random ids in the upper half of a 32-bit key, far from the sequence's ids."""


def default_key_path(database_url: str) -> Path:
    """`engagebot.key` next to the SQLite file, else in the working directory (next to the configuration)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / KEY_FILE
    return Path.cwd() / KEY_FILE


def load_or_create_key(path: Path) -> bytes:
    """Read the key file, or create it (mode 0600) with 32 random bytes."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable by other users (mode %o): run chmod 600 on it", path, mode)
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) < 16:
            raise ValueError(f"{path}: the anonymous-ballot key is too short") from None
        return key
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    log.info("created the anonymous-ballot key %s (keep it out of backups of the database)", path)
    return key


class BallotKey:
    """Turns a member into an anonymous voter code for one poll; the key comes from the environment or a key file."""

    def __init__(self, database_url: str, key_file: str | None = None, env: dict[str, str] | None = None) -> None:
        self._database_url = database_url
        self._key_file = Path(key_file).expanduser() if key_file else None
        self._env = env
        self._key: bytes | None = None

    def key(self) -> bytes:
        """The secret key, loaded on first use (so a bot without anonymous polls creates no file)."""
        if self._key is None:
            env = os.environ if self._env is None else self._env
            secret = env.get(SECRET_ENV)
            if secret:
                self._key = hashlib.sha256(secret.encode()).digest()
            else:
                self._key = load_or_create_key(self._key_file or default_key_path(self._database_url))
        return self._key

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
