"""The demo tells one consistent story: every figure it prints agrees with the others and with the database."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.config import parse_config
from bot.demo import DemoOptions, run_demo


async def test_the_demo_s_figures_agree_with_each_other(tmp_path: Path) -> None:
    printed: list[str] = []
    options = DemoOptions(out=tmp_path / "demo", members=60, weeks=3)
    result = await run_demo(parse_config({"cogs": {"sentiment": {"backend": "off"}}}), options, out=printed.append)
    lines = "\n".join(printed).splitlines()
    # the week before the launch is labelled, not 300 unlabelled lines before "week 1"
    assert lines[0].startswith("— week 0: the founders arrive")
    table_at = lines.index("week       joined  left  active  posts  replies  reactions  members")
    rows = [line.split() for line in lines[table_at + 1:table_at + 1 + options.weeks + 1]]
    assert [r[0] for r in rows] == ["2026-W01", "2026-W02", "2026-W03", "2026-W04"]  # week 0 is in the table
    joined = sum(int(r[1]) for r in rows)
    followed = next(line for line in lines if "newcomers followed:" in line)
    assert f"newcomers followed: {joined} " in followed  # every join is in the table
    members_end = next(line for line in lines if line.startswith("members at the end:"))
    assert members_end == f"members at the end: {rows[-1][7]} ({rows[-1][3]} took part in the last week)"
    digest = next(line for line in lines if "members took part this week" in line)
    assert re.search(rf"\b{rows[-1][3]} of {rows[-1][7]} members took part this week", digest), digest  # the table and the digest agree
    funnel = next(line for line in lines if "of whom:" in line)
    assert "→" not in funnel  # independent steps are not drawn as a funnel
    assert result.database is not None
    with sqlite3.connect(result.database) as conn:
        early = conn.execute(
            "select count(*) from members m join interactions j on j.member_id = m.id and j.kind = 'join'"
            " where exists (select 1 from interactions i where i.member_id = m.id and i.kind != 'join' and i.at < j.at)"
        ).fetchone()[0]
    assert early == 0  # nobody takes part before joining: no veteran is welcomed as a newcomer
