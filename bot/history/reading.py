"""Reading an export in a second process while this one writes: parsing and writing then use both cores.

The GIL serialises parsing and writing inside one process. Here a child process (`python -m bot.history.reading`,
which loads no database code) reads the export into events, turns them into the recorder's rows (`storage.rows`,
the live path's own function) and sends them as compact tuples through a pipe; the parent rebuilds the rows and
writes them. Communities, members and channels are sent once each and named by number afterwards. A full pipe
makes the child wait: memory stays bounded whatever the export's size.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bot.core.events import Event, MemberJoined, MemberLeft, MessageDeleted, ReactionRemoved
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from bot.history.dce import DceReader
from bot.history.files import json_files
from bot.history.slack_export import SlackExportReader
from bot.history.tally import Tally
from storage.eventlog_read import ImportSummary, LogEvents, PollLine
from storage.rows import MENTION, PendingRow, db_time, rows_of

if TYPE_CHECKING:
    from storage.directory import Directory  # the parent's side only: the reader process loads no database code

CHUNK = 2000
"""Events per message through the pipe."""
GC_THRESHOLDS = (100_000, 50, 50)
"""Both sides allocate millions of short-lived objects and make no cycles worth collecting often (Python's default
runs the collector every 700 allocations): about 6 % of the reader's time."""
AHEAD = 32
"""Messages the reader process keeps ready (about 5 MB): it goes on reading while the parent writes a batch."""

Item = MemberJoined | MemberLeft | ReactionRemoved | MessageDeleted | PollLine


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
    """Events into tuples: a reference is sent once as ("g"|"m"|"c", fields…), then named by its number (the order sent).

    `time_text`: times as SQLite's driver binds them (text), else as PostgreSQL's (naive UTC datetimes).
    """

    def __init__(self, store_text: bool, time_text: bool = True) -> None:
        self.store_text = store_text
        self.time_text = time_text
        self._numbers: dict[CommunityRef | MemberRef | ChannelRef, int] = {}
        # by identity first (readers reuse their reference objects): hashing a member's four fields costs more
        self._by_id: dict[int, int] = {}
        self._kept: list[object] = []  # the objects whose id is a key above, kept alive so that no id is reused
        self._times: tuple[object, Any] = (None, None)

    def _number(self, ref: CommunityRef | MemberRef | ChannelRef, out: list[tuple[Any, ...]]) -> int:
        found = self._by_id.get(id(ref))
        if found is not None:
            return found
        found = self._numbers.get(ref)
        if found is not None:
            self._by_id[id(ref)] = found
            self._kept.append(ref)
            return found
        if isinstance(ref, CommunityRef):
            definition: tuple[Any, ...] = ("g", str(ref.platform), ref.id)
        elif isinstance(ref, MemberRef):
            definition = ("m", self._number(ref.community, out), ref.id, ref.name, ref.bot)
        else:
            definition = ("c", self._number(ref.community, out), ref.id, ref.name)
        found = self._numbers[ref] = self._by_id[id(ref)] = len(self._numbers)
        self._kept.append(ref)
        out.append(definition)
        return found

    def encode(self, event: Event | PollLine, out: list[tuple[Any, ...]]) -> None:
        """Append the tuples of one event's rows (or of a join, a leave, a removal, a line for the writer) to `out`."""
        number = self._number
        if isinstance(event, MemberJoined | MemberLeft):
            out.append(("J" if isinstance(event, MemberJoined) else "L", number(event.member, out), event.at))
            return
        if isinstance(event, ReactionRemoved):
            out.append(("R", number(event.message.channel, out), event.message.id, number(event.member, out), event.emoji, event.at))
            return
        if isinstance(event, MessageDeleted):
            out.append(("D", number(event.message.channel, out), event.message.id, event.at))
            return
        if isinstance(event, PollLine):
            out.append(("P", event.line, -1 if event.member is None else number(event.member, out), event.extra))
            return
        known = self._by_id.get
        for r in rows_of(event, self.store_text):
            g, m, ch, t, at = r.community, r.member, r.channel, r.target, r.at
            if at is not self._times[0]:
                self._times = (at, db_time(at, self.time_text))
            gn = known(id(g))
            mn = known(id(m))
            chn = -1 if ch is None else known(id(ch)) or number(ch, out)  # numbers start at 0 for a community: never a channel's
            tn = -1 if t is None else known(id(t)) or number(t, out)
            out.append((
                r.kind, number(g, out) if gn is None else gn, number(m, out) if mn is None else mn, r.external_id, at, self._times[1],
                chn, tn, r.parent_external_id, r.text, r.sentiment,
            ))


class Decoder:
    """Tuples back into the recorder's rows and membership events, with one reference object per thing sent.

    Given the import's directory, a row whose member, target and channel are in its cache comes out prepared for
    the driver (`storage.bulk.Prepared`), with no row object; the others as the recorder's rows.
    """

    def __init__(self, directory: Directory | None = None) -> None:
        self.directory = directory
        self._refs: list[Any] = []
        self._ids: list[Any] = []  # a community's id; a member's or channel's, once found in the directory's cache
        self._owner: list[int] = []  # a member's or channel's community (its number)

    async def decode(self, items: list[tuple[Any, ...]]) -> list[Item | list[PendingRow | tuple[Any, ...]]]:
        """The events of one chunk, in order: each event's rows as one list, joins, leaves, removals and poll lines as they are."""
        refs, ids, out = self._refs, self._ids, list[Item | list[PendingRow | tuple[Any, ...]]]()
        prepare = self.directory is not None
        rows: list[PendingRow | tuple[Any, ...]] = []
        for t in items:
            tag = t[0]
            if len(tag) > 1:  # a row: its kind; a mention belongs to the post before it (one event's rows stay together)
                if tag != MENTION:
                    rows = []
                    out.append(rows)
                _, g, m, external_id, at, db_at, ch, target, parent, text, sentiment = t
                if prepare:
                    mid = ids[m] if ids[m] is not None else self._member(m)
                    chid = None if ch < 0 else ids[ch] if ids[ch] is not None else self._channel(ch)
                    tid = None if target < 0 else ids[target] if ids[target] is not None else self._member(target)
                    if mid is not None and (ch < 0 or chid is not None) and (target < 0 or tid is not None):
                        rows.append((ids[g], tag, mid, chid, tid, external_id, parent, db_at, sentiment, text))  # recorder.COLUMNS
                        continue
                rows.append(PendingRow(refs[g], tag, refs[m], external_id, at, None if ch < 0 else refs[ch],
                                       None if target < 0 else refs[target], parent, text, sentiment, db_at))
            elif tag == "J":
                out.append(MemberJoined(member=refs[t[1]], at=t[2]))
            elif tag == "L":
                out.append(MemberLeft(member=refs[t[1]], at=t[2]))
            elif tag == "R":
                out.append(ReactionRemoved(message=MessageRef(refs[t[1]], t[2]), member=refs[t[3]], emoji=t[4], at=t[5]))
            elif tag == "D":
                out.append(MessageDeleted(message=MessageRef(refs[t[1]], t[2]), at=t[3]))
            elif tag == "P":
                out.append(PollLine(t[1], None if t[2] < 0 else refs[t[2]], t[3]))
            elif tag == "g":
                ref = CommunityRef(Platform(t[1]), t[2])
                refs.append(ref)
                ids.append(await self.directory.community_id(ref) if self.directory is not None else None)
                self._owner.append(len(refs) - 1)
            else:
                refs.append(MemberRef(refs[t[1]], t[2], t[3], t[4]) if tag == "m" else ChannelRef(refs[t[1]], t[2], t[3]))
                ids.append(None)
                self._owner.append(t[1])
        return out

    def _member(self, n: int) -> int | None:
        """A member's id when the directory has it cached (flagged a bot already if this reference says so)."""
        assert self.directory is not None
        ref = self._refs[n]
        found = self.directory.cached_members.get((self._ids[self._owner[n]], ref.id))
        if found is None or (ref.bot and not found[1]):
            return None
        self._ids[n] = found[0]
        return found[0]

    def _channel(self, n: int) -> int | None:
        assert self.directory is not None
        found = self.directory.cached_channels.get((self._ids[self._owner[n]], self._refs[n].id))
        if found is not None:
            self._ids[n] = found
        return found


def _child(args: dict[str, Any], out: IO[bytes]) -> None:
    """In the reader process: read, encode, send chunks with the progress made; the tally (or summary) last."""
    encoder = Encoder(bool(args["store_text"]), bool(args["time_text"]))
    paths = [Path(p) for p in args["paths"]]
    n, shown = 0, 0
    if args["source"] == "events":
        summary = ImportSummary()
        log = LogEvents(paths, summary, window=args["window"])
        items: Iterator[Event | PollLine] = iter(log)
        final: Tally | ImportSummary = summary

        def progress() -> tuple[Any, ...]:
            return log.done, summary.bad[shown:]
    else:
        tally = final = Tally()
        items = events_of(args["source"], paths, tally, community=args["community"], max_mentions=args["max_mentions"])

        def progress() -> tuple[Any, ...]:
            return n, tally.bytes_done, tally.bytes_total, tally.posts, tally.problems[shown:]

    # a thread writes to the pipe, from a queue of AHEAD messages: the pipe alone holds 64 KiB, and the reader would wait
    # for every batch the parent writes (the thread waits in write() with the GIL released)
    frames: queue.Queue[bytes | None] = queue.Queue(AHEAD)
    writer = threading.Thread(target=_give, args=(frames, out), name="import-reader-pipe")
    writer.start()

    def send(message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        frames.put(len(data).to_bytes(8, "little") + data)

    chunk: list[tuple[Any, ...]] = []
    for item in items:
        encoder.encode(item, chunk)
        n += 1
        if n % CHUNK == 0:
            send(("items", chunk, progress()))
            chunk, shown = [], shown + len(progress()[-1])
    send(("items", chunk, progress()))
    send(("done", final))
    frames.put(None)
    writer.join()


def _give(frames: queue.Queue[bytes | None], out: IO[bytes]) -> None:
    """Write each message of `frames` to the pipe, until None."""
    while (frame := frames.get()) is not None:
        out.write(frame)
    out.flush()


class ReaderProcess:
    """The parent's side: start the reader process, then iterate over its chunks of rows with the progress it made.

    `source`: "dce", "slack-export" or "events". Once the chunks are over, `final` is the reader's Tally (its
    ImportSummary for event logs).
    """

    def __init__(self, source: str, paths: list[Path], *, store_text: bool, time_text: bool, community: str | None = None,
                 max_mentions: int = 50, window: int = 50_000) -> None:
        self.args = {"source": source, "paths": [str(p) for p in paths], "community": community, "max_mentions": max_mentions,
                     "store_text": store_text, "time_text": time_text, "window": window}
        self.final: Any = None

    def chunks(self) -> Iterator[tuple[list[tuple[Any, ...]], tuple[Any, ...]]]:
        """Each chunk (for a `Decoder`: rows, joins and leaves, removals and poll lines for event logs), and the progress made."""
        proc = subprocess.Popen([sys.executable, "-m", "bot.history.reading"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        thresholds = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            pickle.dump(self.args, proc.stdin)
            proc.stdin.close()
            while len(head := proc.stdout.read(8)) == 8:
                message = pickle.loads(proc.stdout.read(int.from_bytes(head, "little")))
                if message[0] == "done":
                    self.final = message[1]
                    return
                yield message[1], message[2]
            raise RuntimeError(f"the import's reader process stopped (exit {proc.wait()}): see the lines above")
        finally:
            gc.set_threshold(*thresholds)
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
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    with out:
        _child(args, out)


if __name__ == "__main__":
    main()

