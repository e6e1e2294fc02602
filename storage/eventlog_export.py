"""Writing a community's event log (docs/EVENTS.md) from its database: every event the KPIs and recognition read.

Importing the log into an empty database gives the same reports: members with their names from their
first sight (`member` lines for those first seen without a join), posts with replies, mentions, texts
(when stored) and sentiment scores, deleted posts, reactions and their removals, prompt answers, polls, public votes,
and for anonymous polls who took part (`anonymous_vote`) apart from the answers (`anonymous_ballot`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import text

from bot.core.refs import CommunityRef
from storage.db import Database
from storage.kpi.queries import utc
from storage.kpi.report import community_row

# lines at the same instant keep this order (a member exists before their post, a poll before its votes)
RANK = {"member": 0, "member_joined": 1, "poll": 2, "message": 3, "prompt_answer": 4, "reaction": 5, "poll_vote": 6,
        "anonymous_vote": 6, "anonymous_ballot": 7, "reaction_removed": 8, "message_deleted": 8, "member_left": 9}
REMOVAL_SUFFIX = re.compile(r"#\d{4}-\d\d-\d\dT[\d:.]+(?:[+-]\d\d:\d\d)?$")
"""What the recorder appends to a taken-back reaction's key (`storage.recorder`): `KEY#removal time`."""


def _iso(value: datetime) -> str:
    return utc(value).isoformat()


async def export_events(db: Database, ref: CommunityRef) -> list[dict[str, Any]]:
    """Every line of the community's event log, in time order."""
    cid, community_name = await community_row(db, ref)
    base = {"platform": str(ref.platform), "community": ref.id}
    lines: list[tuple[datetime, int, int, dict[str, Any]]] = []

    def add(at: Any, line_type: str, **fields: Any) -> None:
        when = utc(at)
        lines.append((when, RANK[line_type], len(lines), {"type": line_type, **base, "at": when.isoformat(), **fields}))

    async with db.begin() as conn:
        members = {int(r.id): r for r in await conn.execute(
            text("SELECT id, external_id, name, is_bot, joined_at FROM members WHERE community_id = :c"), {"c": cid})}
        rows = (await conn.execute(text(
            "SELECT i.kind, i.member_id, i.target_member_id, i.external_id, i.parent_external_id, i.at, i.removed_at, i.sentiment, i.text,"
            " ch.external_id AS channel FROM interactions i LEFT JOIN channels ch ON ch.id = i.channel_id"
            " WHERE i.community_id = :c ORDER BY i.at, i.id"), {"c": cid})).all()
        polls = (await conn.execute(text(
            "SELECT id, external_id, kind, question, options, anonymous, created_at, COALESCE(closed_at, closes_at) AS closes_at,"
            " message_external_id FROM polls WHERE community_id = :c ORDER BY created_at, id"), {"c": cid})).all()
        ballots = (await conn.execute(text(
            "SELECT v.poll_id, v.member_id, v.value, v.cast_at FROM poll_votes v JOIN polls p ON p.id = v.poll_id"
            " WHERE p.community_id = :c"
            # an anonymous ballot's id is random: by choice, so a log is written the same way every time (it tells nothing more)
            " ORDER BY v.poll_id, CASE WHEN p.anonymous OR v.member_id IS NULL THEN v.value ELSE 0 END, v.id"), {"c": cid})).all()
    ext = {mid: str(r.external_id) for mid, r in members.items()}
    joined = {int(r.member_id) for r in rows if r.kind == "join"}
    first_join = {}
    for r in rows:
        if r.kind == "join" and int(r.member_id) not in first_join:
            first_join[int(r.member_id)] = utc(r.at)
    for mid, m in members.items():  # first sight of members whose first event is no join: their name comes with them
        if mid not in first_join or first_join[mid] > utc(m.joined_at):
            add(m.joined_at, "member", member=str(m.external_id), **_who(m))
    mentions: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.kind == "mention" and r.parent_external_id:
            target = ext.get(int(r.target_member_id)) if r.target_member_id is not None else None
            mentions[str(r.parent_external_id)].append(target or str(r.external_id)[len(str(r.parent_external_id)) + 1:])
    pid = {int(p.id): str(p.message_external_id or p.external_id) for p in polls}  # the bot's own polls have a random id; their post's is stable
    poll_of = {}  # a vote row's parent: the poll's message (live) or poll:<external id> (imported)
    for p in polls:
        poll_of[f"poll:{p.external_id}"] = p
        if p.message_external_id:
            poll_of[str(p.message_external_id)] = p
    voted_at: dict[tuple[int, int], Any] = {}
    for r in rows:
        mid, who = int(r.member_id), ext.get(int(r.member_id), "")
        if r.kind == "join":
            add(r.at, "member_joined", member=who, **(_who(members[mid]) if mid in joined else {}))
        elif r.kind == "leave":
            add(r.at, "member_left", member=who)
        elif r.kind in ("message", "reply"):
            line: dict[str, Any] = {"id": str(r.external_id), "channel": str(r.channel or "unknown"), "member": who}
            if r.kind == "reply" and r.parent_external_id:
                line["reply_to"] = str(r.parent_external_id)
            if mentions.get(str(r.external_id)):
                line["mentions"] = mentions[str(r.external_id)]
            if r.text is not None:
                line["text"] = r.text
            if r.sentiment is not None:
                line["sentiment"] = r.sentiment
            add(r.at, "message", **line)
            if r.removed_at is not None:
                add(r.removed_at, "message_deleted", message=str(r.external_id))
        elif r.kind == "reaction":
            message = str(r.parent_external_id or "")
            key = REMOVAL_SUFFIX.sub("", str(r.external_id)) if r.removed_at is not None else str(r.external_id)
            emoji = key.removeprefix(f"{message}:{who}:")
            add(r.at, "reaction", message=message, member=who, emoji=emoji)
            if r.removed_at is not None:
                add(r.removed_at, "reaction_removed", message=message, member=who, emoji=emoji)
        elif r.kind == "prompt_answer":
            add(r.at, "prompt_answer", id=str(r.external_id), member=who, prompt=str(r.parent_external_id or ""))
        elif r.kind == "poll_vote" and (poll := poll_of.get(str(r.parent_external_id))) is not None:
            voted_at[(int(poll.id), mid)] = r.at
            if poll.anonymous:
                add(r.at, "anonymous_vote", poll=pid[int(poll.id)], member=who)
    by_id = {int(p.id): p for p in polls}
    for p in polls:
        add(p.created_at, "poll", id=pid[int(p.id)], kind=str(p.kind), question=str(p.question), options=_options(p.options),
            anonymous=bool(p.anonymous), closes_at=_iso(p.closes_at))
    for b in ballots:
        poll = by_id[int(b.poll_id)]
        if poll.anonymous or b.member_id is None:
            add(poll.closes_at, "anonymous_ballot", poll=pid[int(poll.id)], choice=int(b.value))
            continue
        who, first = ext.get(int(b.member_id), ""), voted_at.get((int(poll.id), int(b.member_id)))
        if first is not None and b.cast_at is not None and utc(first) < utc(b.cast_at):  # took part first, changed the answer later
            add(first, "poll_vote", poll=pid[int(poll.id)], member=who, choice=int(b.value))
        add(b.cast_at or first or poll.closes_at, "poll_vote", poll=pid[int(poll.id)], member=who, choice=int(b.value))
    lines.sort(key=lambda x: (x[0], x[1], x[2]))
    out = [line for *_, line in lines]
    if out and community_name:
        out[0]["community_name"] = community_name  # the name the community had where the log was written
    return out


def _who(member: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if member.name:
        out["name"] = str(member.name)
    if member.is_bot:
        out["bot"] = True
    return out


def _options(value: Any) -> list[str]:
    return [str(o) for o in (json.loads(value) if isinstance(value, str) else value or [])]


def write_lines(lines: Iterator[dict[str, Any]] | list[dict[str, Any]], out: IO[str]) -> int:
    """Write JSON Lines; returns how many."""
    n = 0
    for line in lines:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        n += 1
    return n
