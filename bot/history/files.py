"""Finding export files in folders and reading zip archives safely (a guard against zip bombs)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO


class SourceError(Exception):
    """A file or archive entry that cannot be read; the message is the one line shown for it."""


def json_files(paths: list[Path]) -> Iterator[Path]:
    """Every `.json` file named, or found (recursively, sorted) in the folders named."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def export_bytes(paths: list[Path]) -> int:
    """About how many bytes of JSON the exports named hold (a zip counts unpacked): sizes an import before it starts."""
    total = 0
    for path in paths:
        try:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*.json") if p.is_file())
            elif zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    total += sum(i.file_size for i in archive.infolist())
            else:
                total += path.stat().st_size
        except (OSError, zipfile.BadZipFile):
            continue  # reported by the reader, which opens it for real
    return total


@dataclass(frozen=True)
class ZipLimits:
    """What an archive may hold: entries, total size once unpacked, and how much one entry may expand."""

    entries: int = 200_000
    total_bytes: int = 64 * 2**30
    ratio: int = 200
    """An entry unpacking to more than `ratio` times its packed size (and more than `ratio_above` bytes) is refused."""
    ratio_above: int = 2**20


class Tree:
    """The files of an export, from a folder or a zip archive, by relative path."""

    def __init__(self, root: Path, limits: ZipLimits | None = None) -> None:
        self.root = root
        self.limits = limits or ZipLimits()
        self._zip: zipfile.ZipFile | None = None
        self._names: dict[str, zipfile.ZipInfo] = {}
        if root.is_file():
            try:
                self._zip = zipfile.ZipFile(root)
            except (zipfile.BadZipFile, OSError) as err:
                raise SourceError(f"{root}: not a zip archive nor a folder ({err})") from None
            infos = self._zip.infolist()
            if len(infos) > self.limits.entries:
                raise SourceError(f"{root}: {len(infos)} entries, more than the {self.limits.entries} an export may hold (zip bomb guard)")
            total = sum(i.file_size for i in infos)
            if total > self.limits.total_bytes:
                raise SourceError(f"{root}: unpacks to {total:,} bytes, more than the {self.limits.total_bytes:,} allowed (zip bomb guard)")
            prefix = _common_folder([i.filename for i in infos if not i.is_dir()])
            self._names = {i.filename[len(prefix):]: i for i in infos if not i.is_dir()}
        elif not root.is_dir():
            raise SourceError(f"{root}: no such file or folder")

    def exists(self, name: str) -> bool:
        """Whether the export has this file."""
        return name in self._names if self._zip is not None else (self.root / name).is_file()

    def size(self, name: str) -> int:
        """The (unpacked) size of a file."""
        return self._names[name].file_size if self._zip is not None else (self.root / name).stat().st_size

    def files_in(self, folder: str) -> list[str]:
        """The `.json` files directly in a folder, sorted by name (a channel's days, in order)."""
        if self._zip is not None:
            prefix = folder.rstrip("/") + "/"
            return sorted(n for n in self._names if n.startswith(prefix) and "/" not in n[len(prefix):] and n.endswith(".json"))
        base = self.root / folder
        if not base.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.is_file() and p.suffix == ".json")

    def open(self, name: str) -> IO[bytes]:
        """A file to read in binary, refused when its packing looks like a zip bomb."""
        if self._zip is None:
            return (self.root / name).open("rb")
        info = self._names[name]
        packed = max(info.compress_size, 1)
        if info.file_size > self.limits.ratio_above and info.file_size / packed > self.limits.ratio:
            raise SourceError(f"{self.root}:{name}: expands {info.file_size // packed}x ({info.file_size:,} bytes), refused (zip bomb guard)")
        return self._zip.open(info)

    def label(self, name: str) -> str:
        """How a file of the export is named in messages."""
        return f"{self.root}:{name}" if self._zip is not None else str(self.root / name)

    def close(self) -> None:
        """Close the archive."""
        if self._zip is not None:
            self._zip.close()


def _common_folder(names: list[str]) -> str:
    """The folder the export sits in inside the archive (`export/` when the admin zipped the folder), else ''."""
    if "channels.json" in names:
        return ""
    found = [n[: -len("channels.json")] for n in names if n.endswith("/channels.json") and n.count("/") == 1]
    return found[0] if len(found) == 1 else ""
