"""No nudge or reminder by DM at night: they wait for the end of the community's quiet hours, and none is dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, parse_config
from bot.quiet import QuietHours
from tests.conftest import Harness
from tests.onboarding_helpers import dms, nudges, onboarding_config, wait

PARIS = ZoneInfo("Europe/Paris")


async def test_a_newcomer_who_joined_at_night_is_nudged_in_the_morning_not_at_night(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    config = onboarding_config(db_url, check_cron="5 * * * *", rules_gate=True, rules_reminder_hours=48)
    h: Harness = await start_bot(config, start=datetime(2026, 1, 5, 23, 30, tzinfo=UTC))  # 00:30 in Paris
    await h.sim.join("farid")  # silent from now on: reminded of the rules after 48 h, nudged after 3 and 7 days
    await wait(h, days=8, hours=12)
    sent = [e for e in dms(h, "farid") if e.message is not None and e.message.footer] + nudges(h, "farid")
    assert sent, "nothing was sent at all"
    late = [e.at.astimezone(PARIS) for e in dms(h, "farid")[1:]]  # the welcome kit answers the join at once; the rest waits
    assert late and all(8 <= t.hour < 21 for t in late), late
    assert len(nudges(h, "farid")) == 2  # day 3 and day 7: deferred, never dropped
    assert any(e.at.astimezone(PARIS).hour == 8 for e in dms(h, "farid")[1:])  # sent at the first check after 08:00


def test_quiet_hours_are_read_per_community_and_a_bad_value_is_one_line() -> None:
    config = parse_config({"communities": [{"platform": "discord", "id": "1", "quiet_hours": "22:30-07:00"},
                                           {"platform": "slack", "id": "T1", "quiet_hours": "off"}]})
    night = QuietHours.parse("22:30-07:00")
    assert config.community(config.communities[0].ref).quiet_hours == "22:30-07:00"
    assert night.contains(datetime(2026, 1, 5, 22, 45, tzinfo=PARIS), PARIS) and not night.contains(datetime(2026, 1, 5, 7, 0, tzinfo=PARIS), PARIS)
    assert not QuietHours.parse("off").contains(datetime(2026, 1, 5, 3, 0, tzinfo=PARIS), PARIS)
    with pytest.raises(ConfigError, match=r"communities.0.quiet_hours: .*write HH:MM-HH:MM"):
        parse_config({"communities": [{"platform": "discord", "id": "1", "quiet_hours": "late"}]})
