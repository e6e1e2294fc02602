"""Reading an export in a second process while this one writes: parsing and writing then use both cores.

The GIL serialises parsing and writing inside one process. Here a child process (`python -m bot.history.reading`,
which loads no database code) reads the export into events, turns them into the recorder's rows (`storage.rows`,
the live path's own function) and sends them as compact tuples through a pipe; the parent rebuilds the rows and
writes them. Communities, members and channels are sent once each and named by number afterwards. A full pipe
makes the child wait: memory stays bounded whatever the export's size.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.core.events import Event, MemberJoined, MemberLeft
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Platform
from bot.history.dce import DceReader
from bot.history.files import json_files
from bot.history.slack_export import SlackExportReader
from bot.history.tally import Tally
from storage.rows import PendingRow, rows_of

CHUNK = 2000
"""Events per message through the pipe."""

Item = PendingRow | MemberJoined | MemberLeft


def events_of(source: str, paths: list[Path], tally: Tally, *, community: str | None, max_mentions: int) -> Iterator[Event]:
    """The events of every export named, in the order of the files (each file in its own order)."""
    if source == "dce":
        files = list(json_files(paths))
        tally.bytes_total = sum(p.stat().st_size for p in files if p.is_file())
        reader = DceReader(tally, max_mentions=max_mentions)
        for path in files:
            yield from reader.read(path)
        return
    for path in paths:
        yield from SlackExportReader(tally, community=community, max_mentions=max_mentions).read(path)


class Encoder:
    """Events into tuples: a reference is sent once as ("g"|"m"|"c", fields…), then named by its number (the order sent)."""

    def __init__(self, store_text: bool) -> None:
        self.store_text = store_text
        self._numbers: dict[CommunityRef | MemberRef | ChannelRef, int] = {}

    def _number(self, ref: CommunityRef | MemberRef | ChannelRef, out: list[tuple[Any, ...]]) -> int:
        found = self._numbers.get(ref)
        if found is not None:
            return found
        if isinstance(ref, CommunityRef):
            definition: tuple[Any, ...] = ("g", str(ref.platform), ref.id)
        elif isinstance(ref, MemberRef):
            definition = ("m", self._number(ref.community, out), ref.id, ref.name, ref.bot)
        else:
            definition = ("c", self._number(ref.community, out), ref.id, ref.name)
        found = self._numbers[ref] = len(self._numbers)
        out.append(definition)
        return found

    def encode(self, event: Event, out: list[tuple[Any, ...]]) -> None:
        """Append the tuples of one event's rows (or of a join or leave) to `out`."""
        number = self._number
        if isinstance(event, MemberJoined | MemberLeft):
            out.append(("J" if isinstance(event, MemberJoined) else "L", number(event.member, out), event.at))
            return
        for r in rows_of(event, self.store_text):
            out.append((
                r.kind, number(r.community, out), number(r.member, out), r.external_id, r.at,
                -1 if r.channel is None else number(r.channel, out), -1 if r.target is None else number(r.target, out),
                r.parent_external_id, r.text, r.sentiment,
            ))


class Decoder:
    """Tuples back into the recorder's rows and membership events, with one reference object per thing sent."""

    def __init__(self) -> None:
        self._refs: list[Any] = []

    def decode(self, items: list[tuple[Any, ...]]) -> list[Item]:
        """The rows and membership events of one chunk, in order."""
        refs, out = self._refs, list[Item]()
        for t in items:
            tag = t[0]
            if len(tag) > 1:  # a row: its kind
                _, g, m, external_id, at, ch, target, parent, text, sentiment = t
                out.append(PendingRow(refs[g], tag, refs[m], external_id, at, None if ch < 0 else refs[ch],
                                      None if target < 0 else refs[target], parent, text, sentiment))
            elif tag == "J":
                out.append(MemberJoined(member=refs[t[1]], at=t[2]))
            elif tag == "L":
                out.append(MemberLeft(member=refs[t[1]], at=t[2]))
            elif tag == "g":
                refs.append(CommunityRef(Platform(t[1]), t[2]))
            elif tag == "m":
                refs.append(MemberRef(refs[t[1]], t[2], t[3], t[4]))
            else:
                refs.append(ChannelRef(refs[t[1]], t[2], t[3]))
        return out


def _child(args: dict[str, Any], out: IO[bytes]) -> None:
    """In the reader process: read, encode, send chunks with the tally's progress; the whole tally last."""
    tally = Tally()
    encoder = Encoder(bool(args["store_text"]))
    events = events_of(args["source"], [Path(p) for p in args["paths"]], tally, community=args["community"], max_mentions=args["max_mentions"])
    chunk: list[tuple[Any, ...]] = []
    n, shown = 0, 0

    def send() -> None:
        nonlocal chunk, shown
        pickle.dump(("items", chunk, n, tally.bytes_done, tally.bytes_total, tally.posts, tally.problems[shown:]), out, pickle.HIGHEST_PROTOCOL)
        out.flush()
        chunk, shown = [], len(tally.problems)

    for event in events:
        encoder.encode(event, chunk)
        n += 1
        if n % CHUNK == 0:
            send()
    send()
    pickle.dump(("done", tally), out, pickle.HIGHEST_PROTOCOL)
    out.flush()


class ReaderProcess:
    """The parent's side: start the reader process, iterate over chunks of rows, keep the tally up to date."""

    def __init__(self, source: str, paths: list[Path], tally: Tally, *, community: str | None, max_mentions: int, store_text: bool) -> None:
        self.tally = tally
        self.events = 0
        self.args = {"source": source, "paths": [str(p) for p in paths], "community": community, "max_mentions": max_mentions,
                     "store_text": store_text}

    def chunks(self) -> Iterator[list[Item]]:
        """The rows and memberships, chunk by chunk; the tally is the reader's own once the last chunk is out."""
        proc = subprocess.Popen([sys.executable, "-m", "bot.history.reading"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        decoder = Decoder()
        try:
            pickle.dump(self.args, proc.stdin)
            proc.stdin.close()
            while True:
                try:
                    message = pickle.load(proc.stdout)
                except EOFError:
                    raise RuntimeError(f"the import's reader process stopped (exit {proc.wait()}): see the lines above") from None
                if message[0] == "done":
                    vars(self.tally).update(vars(message[1]))
                    return
                _, items, self.events, done, total, posts, problems = message
                tally = self.tally
                tally.bytes_done, tally.bytes_total, tally.posts_read = done, total, posts
                tally.problems.extend(problems)
                yield decoder.decode(items)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()


def main() -> None:
    """The reader process: its arguments are one pickle on stdin, its output pickles on stdout."""
    args = pickle.load(sys.stdin.buffer)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, never into the stream of pickles
    sys.stdout = sys.stderr
    with out:
        _child(args, out)


if __name__ == "__main__":
    main()

