"""The event-log import streams (#23): joins and leaves batched with the rows, no query per unknown target, a sorting window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from storage.history import RecentMap
from storage.importer import EventLogImporter
from tests.history.conftest import rows

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def line(kind: str, minutes: float, **fields: Any) -> str:
    """One EVENTS.md line in community g1."""
    return json.dumps({"type": kind, "platform": "discord", "community": "g1", "at": (T0 + timedelta(minutes=minutes)).isoformat(), **fields})


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count_transactions(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the transactions opened on `db` from now on."""
    calls = [0]
    begin = db.begin

    def counting() -> Any:
        calls[0] += 1
        return begin()

    monkeypatch.setattr(db, "begin", counting)
    return calls


async def test_joins_leaves_and_unknown_targets_cost_no_transaction_each(history_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = []
    for k in range(300):
        lines.append(line("member_joined", k, member=f"u{k}"))
        lines.append(line("reaction", k + 0.5, message=f"gone{k}", member=f"u{k}", emoji="👍"))  # messages the log never had
        lines.append(line("message", k + 0.6, id=f"m{k}", channel="general", member=f"u{k}", reply_to=f"gone{k}"))
    lines.append(line("member_left", 400, member="u1"))
    log = write(tmp_path / "log.jsonl", lines)
    calls = count_transactions(history_db, monkeypatch)
    summary = await EventLogImporter(history_db, batch_size=2000).import_files([log])
    assert summary.imported == {"member_joined": 300, "reaction": 300, "message": 300, "member_left": 1} and not summary.bad
    assert calls[0] < 20  # one per batch and a few set-up queries; it was one flush per join and one query per unknown target
    assert await rows(history_db, "select count(*) from members") == [(300,)]
    assert await rows(history_db, "select left_at is not null from members where external_id = 'u1'") == [(True,)]
    assert await rows(history_db, "select count(*) from interactions where kind in ('join', 'leave')") == [(301,)]


async def test_a_target_seen_later_or_long_ago_is_found_after_the_import(history_db: Database, tmp_path: Path) -> None:
    late = write(tmp_path / "late.jsonl", [line("message", 10, id="r1", channel="general", member="b", reply_to="p1"),
                                           line("reaction", 11, message="p1", member="c", emoji="👍")])
    early = write(tmp_path / "early.jsonl", [line("message", 20, id="p1", channel="general", member="a")])  # later in time, another file
    await EventLogImporter(history_db).import_files([late, early])
    got = await rows(history_db, "select i.kind, t.external_id from interactions i left join members t on t.id = i.target_member_id"
                                 " where i.kind in ('reply', 'reaction')")
    assert sorted(got) == [("reaction", "a"), ("reply", "a")]


async def test_lines_out_of_order_are_sorted_within_the_window_and_counted_beyond_it(history_db: Database, tmp_path: Path) -> None:
    log = write(tmp_path / "log.jsonl", [
        line("member_left", 30, member="a"), line("member_joined", 0, member="a"),  # the leave is written first but came later
        *[line("message", 40 + k, id=f"m{k}", channel="general", member="b") for k in range(5)],
        line("message", 1, id="old", channel="general", member="c"),  # 6 lines late: beyond a window of 3
    ])
    summary = await EventLogImporter(history_db, window=3).import_files([log])
    assert await rows(history_db, "select left_at is not null from members where external_id = 'a'") == [(True,)]
    assert summary.out_of_order == 1 and "1 lines were further out of time order" in "\n".join(summary.lines_out())


def test_the_recent_map_keeps_at_most_two_generations() -> None:
    recent: RecentMap[str, int] = RecentMap(size=100)
    for k in range(1000):
        recent[f"k{k}"] = k
    assert len(recent) < 200 and recent.get("k999") == 999 and recent.get("k0") is None
