"""A member's recognition state in memory: windows, the cooldown and late entries, whatever order entries arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cogs.recognition.state import MemberState
from storage.recognition_records import Mark

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def mark(key: str, hours: float, kind: str = "message", points: int = 1, to_other: bool = False) -> Mark:
    return Mark(kind, key, T0 + timedelta(hours=hours), points, to_other)


def state(*recent: Mark) -> MemberState:
    return MemberState(1, None, T0 - timedelta(days=30), {}, 0, 0, {}, list(recent))


def test_windows_count_entries_whatever_order_they_were_loaded_and_added_in() -> None:
    s = state(mark("m3", 30), mark("m1", 2), mark("r1", 5, kind="reply", to_other=True))  # loaded out of order
    s.add(mark("m4", 40))
    s.add(mark("m2", 10))  # a late entry: older than the last one
    assert [m.key for m in s.recent] == ["m1", "r1", "m2", "m3", "m4"]
    assert s.count(["message"], since=T0, until=T0 + timedelta(hours=30), to_others=False) == 3  # m1, m2, m3 (ends included)
    assert s.count(["message"], since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=10), to_others=False) == 2
    assert s.count(["message", "reply"], since=T0, until=T0 + timedelta(days=3), to_others=True) == 1
    assert s.count(["message"], since=T0 - timedelta(days=31), until=T0, to_others=False) is None  # reaches past what is loaded
    assert s.times(["message"], T0 + timedelta(hours=5), T0 + timedelta(hours=40)) == [T0 + timedelta(hours=10), T0 + timedelta(hours=30),
                                                                                       T0 + timedelta(hours=40)]
    assert ("message", "m2") in s.keys and s.totals[("message", False)] == 2  # the two added (loaded totals come from the store)


def test_the_cooldown_looks_at_scored_entries_after_its_start_only() -> None:
    s = state(mark("m1", 0), mark("m2", 1, points=0))
    assert s.scored(["message"], T0 - timedelta(minutes=1), T0 + timedelta(hours=1))
    assert not s.scored(["message"], T0, T0 + timedelta(hours=1))  # m1 is at the start (excluded), m2 earned nothing
    s.add(mark("m3", 0.5))
    assert s.scored(["message"], T0, T0 + timedelta(hours=1)) and not s.scored(["reply"], T0, T0 + timedelta(hours=1))
    assert not s.scored(["message"], T0, T0 + timedelta(minutes=29))  # m3 comes after the end


def test_trim_forgets_older_entries_and_their_keys() -> None:
    s = state(mark("m1", 0), mark("m2", 24), mark("m3", 48))
    s.trim(T0 + timedelta(hours=24))
    assert [m.key for m in s.recent] == ["m2", "m3"] and s.keys == {("message", "m2"), ("message", "m3")}
    assert s.count(["message"], since=T0, until=T0 + timedelta(days=3), to_others=False) is None
