"""The onboarding cog's queries: newcomers' progress, claimed messages, privacy (buddy consents and pairs: `BuddyQueries`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models import CONTRIBUTION_KINDS, Interaction, Member
from storage.onboarding import STEP_COLUMNS, BuddyConsent, BuddyPair, Newcomer, OnboardingMessage, OnboardingStep
from storage.onboarding_buddies import BuddyConsentState, BuddyQueries
from storage.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class NewcomerState:
    """A newcomer's journey as read from the database, with their platform id and name."""

    member_id: int
    external_id: str
    name: str | None
    joined_at: datetime
    left_at: datetime | None
    rules_accepted_at: datetime | None
    introduced_at: datetime | None
    contributed_at: datetime | None
    replied_at: datetime | None
    active_at: datetime | None
    opted_out_at: datetime | None
    completed_at: datetime | None

    def columns_set(self) -> frozenset[str]:
        """The progress columns already set."""
        names = ("active_at", "introduced_at", "contributed_at", "replied_at")
        return frozenset(name for name in names if getattr(self, name) is not None)

    def done(self, step: OnboardingStep) -> datetime | None:
        """When the member passed a step (None while they have not)."""
        value: datetime | None = getattr(self, STEP_COLUMNS[step])
        return value

    @property
    def present(self) -> bool:
        """Whether the member is still in the community."""
        return self.left_at is None


@dataclass(frozen=True, slots=True)
class Progress:
    """What one event tells about a member's progress (each timestamp is kept only the first time)."""

    at: datetime
    introduced: bool = False
    contributed: bool = False
    replied: bool = False

    def columns(self) -> frozenset[str]:
        """The journey columns this event may set."""
        flags = (("introduced_at", self.introduced), ("contributed_at", self.contributed), ("replied_at", self.replied))
        return frozenset({"active_at", *(name for name, on in flags if on)})

    def only(self, columns: frozenset[str]) -> Progress:
        """The same progress, limited to some columns."""
        return Progress(self.at, "introduced_at" in columns and self.introduced, "contributed_at" in columns and self.contributed,
                        "replied_at" in columns and self.replied)


class OnboardingRepo(BuddyQueries):
    """Reads and writes the onboarding tables; every write is idempotent."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.n = Newcomer.__table__  # type: ignore[attr-defined]
        db.changes.track(self.n.name)  # every write below notes the journey it changed
        self.msg = OnboardingMessage.__table__  # type: ignore[attr-defined]
        self.consent = BuddyConsent.__table__  # type: ignore[attr-defined]
        self.pair = BuddyPair.__table__  # type: ignore[attr-defined]
        self.m = Member.__table__  # type: ignore[attr-defined]
        self.i = Interaction.__table__  # type: ignore[attr-defined]
        # The statements run on every newcomer's event, built once: building one costs more than running it
        # (SQLAlchemy's expression objects and cache key, a few hundred µs).
        n, t = self.n, self.msg
        this = (n.c.community_id == bindparam("cid"), n.c.member_id == bindparam("mid"))
        self._join = db.insert_ignore(n).values(community_id=bindparam("cid"), member_id=bindparam("mid"), joined_at=bindparam("at"))
        self._rejoin = update(n).where(*this).values(left_at=None)
        self._one = self._select().where(*this)  # type: ignore[attr-defined]
        self._claim_one = db.insert_ignore(t).values(community_id=bindparam("cid"), member_id=bindparam("mid"), kind=bindparam("k"),
                                                     sent_at=bindparam("at"), delivered=bindparam("delivered"))
        self._accept = update(n).where(*this, n.c.rules_accepted_at.is_(None)).values(rules_accepted_at=bindparam("at"))
        self._this = this
        self._progress: dict[frozenset[str], Any] = {}
        self._completes: dict[tuple[OnboardingStep, ...], Any] = {}

    # --- newcomers -----------------------------------------------------------------------------
    def _changed(self, member_id: int) -> None:
        """Tell in-process readers of the journeys (recognition's onboarding badges) that this one may have changed."""
        self.db.changes.note(self.n.name, member_id)

    async def joined(self, community_id: int, member_id: int, at: datetime) -> NewcomerState:
        """Start a member's journey (a rejoin only clears `left_at`) and return it."""
        state, _ = await self.join_and_claim(community_id, member_id, at, lambda _: (), at)
        return state

    async def join_and_claim(self, community_id: int, member_id: int, at: datetime, kinds: Callable[[NewcomerState], Iterable[str]],
                             claimed_at: datetime) -> tuple[NewcomerState, set[str]]:
        """Start a member's journey and claim the messages `kinds(journey)` names, in one transaction; the journey and the kinds claimed now."""
        this = {"cid": community_id, "mid": member_id}
        async with self.db.begin() as conn:
            result = await conn.execute(self._join, {**this, "at": at})
            if not result.rowcount:
                await conn.execute(self._rejoin, this)
            state = NewcomerState(*(await conn.execute(self._one, this)).one())
            claimed = await self._claim(conn, community_id, member_id, kinds(state), claimed_at, delivered=True)
        self._changed(member_id)
        return state, claimed

    async def left(self, community_id: int, member_id: int, at: datetime) -> bool:
        """Record that a member left; True when they had a journey under way."""
        n = self.n
        async with self.db.begin() as conn:
            result = await conn.execute(
                update(n).where(n.c.community_id == community_id, n.c.member_id == member_id, n.c.left_at.is_(None)).values(left_at=at)
            )
        self._changed(member_id)
        return bool(result.rowcount)

    def _select(self) -> object:
        n, m = self.n, self.m
        return select(
            n.c.member_id, m.c.external_id, m.c.name, n.c.joined_at, n.c.left_at, n.c.rules_accepted_at, n.c.introduced_at,
            n.c.contributed_at, n.c.replied_at, n.c.active_at, n.c.opted_out_at, n.c.completed_at,
        ).select_from(n.join(m, m.c.id == n.c.member_id))

    async def get(self, community_id: int, member_id: int) -> NewcomerState | None:
        """A member's journey, if they have one."""
        async with self.db.begin() as conn:
            row = (await conn.execute(self._one, {"cid": community_id, "mid": member_id})).first()
        return NewcomerState(*row) if row else None

    async def journeys(self, community_id: int, since: datetime) -> list[NewcomerState]:
        """The journeys of members still here who joined since `since`, oldest first."""
        return [state for state, _ in await self.journeys_and_messages(community_id, since, with_messages=False)]

    async def journeys_and_messages(self, community_id: int, since: datetime, *, with_messages: bool = True) -> list[tuple[NewcomerState, set[str]]]:
        """The journeys of members still here who joined since `since`, with the kinds of messages claimed for each."""
        n, t = self.n, self.msg
        query = self._select().where(n.c.community_id == community_id, n.c.joined_at >= since, n.c.left_at.is_(None)).order_by(  # type: ignore[attr-defined]
            n.c.joined_at, n.c.member_id
        )
        kinds: dict[int, set[str]] = {}
        async with self.db.begin() as conn:
            states = [NewcomerState(*r) for r in (await conn.execute(query)).all()]
            if with_messages and states:
                recent = select(n.c.member_id).where(n.c.community_id == community_id, n.c.joined_at >= since, n.c.left_at.is_(None))
                rows = (await conn.execute(select(t.c.member_id, t.c.kind).where(t.c.community_id == community_id, t.c.member_id.in_(recent)))).all()
                for member_id, kind in rows:
                    kinds.setdefault(member_id, set()).add(kind)
        return [(state, kinds.get(state.member_id, set())) for state in states]

    async def progress(self, community_id: int, member_id: int, p: Progress) -> bool:
        """Record a contribution (and the steps it passes); False when the member has no journey under way."""
        updated, _, _ = await self.progress_and_complete(community_id, member_id, p, None)
        return updated

    async def progress_and_complete(self, community_id: int, member_id: int, p: Progress, steps: Iterable[OnboardingStep] | None, *,
                                    thank: str | None = None, claimed_at: datetime | None = None) -> tuple[bool, bool, bool]:
        """Record a contribution and, with `steps`, mark the checklist completed if every step is now passed (claiming the
        message `thank` then), in one transaction.

        Returns (recorded: the member has a journey under way, completed: now, for the first time, `thank` claimed now).
        """
        columns = p.columns()
        statement = self._progress.get(columns)
        if statement is None:  # one per set of columns (at most 8), each kept
            n, at = self.n, bindparam("at", type_=UTCDateTime())
            statement = self._progress[columns] = (
                update(n).where(*self._this, n.c.left_at.is_(None)).values({c: func.coalesce(n.c[c], at) for c in sorted(columns)})
            )
        async with self.db.begin() as conn:
            result = await conn.execute(statement, {"cid": community_id, "mid": member_id, "at": p.at})
            completed = bool(result.rowcount) and steps is not None and await self._complete(conn, community_id, member_id, steps, p.at)
            thanked = completed and thank is not None and bool(await self._claim(conn, community_id, member_id, [thank], claimed_at or p.at, delivered=True))
        self._changed(member_id)
        return bool(result.rowcount), completed, thanked

    async def accept_rules(self, community_id: int, member_id: int, at: datetime) -> bool:
        """Record that a member accepted the rules; True the first time only."""
        accepted, _, _ = await self.accept_and_complete(community_id, member_id, at, None)
        return accepted

    async def accept_and_complete(self, community_id: int, member_id: int, at: datetime, steps: Iterable[OnboardingStep] | None,
                                  claim: Iterable[str] = (), claimed_at: datetime | None = None, thank: str | None = None) -> tuple[bool, bool, set[str]]:
        """Record that a member accepted the rules, then in the same transaction: with `steps`, complete the checklist if every step
        is passed, and claim the messages `claim` names.

        Returns (accepted now for the first time, completed now for the first time, kinds claimed now: `thank` among them when
        completed); nothing is claimed when the rules were already accepted.
        """
        claimed: set[str] = set()
        async with self.db.begin() as conn:
            result = await conn.execute(self._accept, {"cid": community_id, "mid": member_id, "at": at})
            accepted = bool(result.rowcount)
            completed = accepted and steps is not None and await self._complete(conn, community_id, member_id, steps, at)
            if accepted:
                wanted = [*claim, *([thank] if completed and thank is not None else [])]
                claimed = await self._claim(conn, community_id, member_id, wanted, claimed_at or at, delivered=True)
        self._changed(member_id)
        return accepted, completed, claimed

    async def complete(self, community_id: int, member_id: int, steps: Iterable[OnboardingStep], at: datetime) -> bool:
        """Mark the checklist completed when every given step is passed; True the first time only."""
        async with self.db.begin() as conn:
            done = await self._complete(conn, community_id, member_id, steps, at)
        self._changed(member_id)
        return done

    async def _complete(self, conn: AsyncConnection, community_id: int, member_id: int, steps: Iterable[OnboardingStep], at: datetime) -> bool:
        key = tuple(steps)
        statement = self._completes.get(key)
        if statement is None:  # one per checklist (the configuration's), kept
            n = self.n
            done = [n.c[STEP_COLUMNS[s]].is_not(None) for s in key]
            statement = self._completes[key] = update(n).where(*self._this, n.c.completed_at.is_(None), *done).values(completed_at=bindparam("at"))
        result = await conn.execute(statement, {"cid": community_id, "mid": member_id, "at": at})
        return bool(result.rowcount)

    async def opt_out(self, community_id: int, member_id: int, at: datetime) -> bool:
        """Stop a member's reminders and nudges; True the first time only."""
        n = self.n
        async with self.db.begin() as conn:
            result = await conn.execute(
                update(n).where(n.c.community_id == community_id, n.c.member_id == member_id, n.c.opted_out_at.is_(None)).values(opted_out_at=at)
            )
        self._changed(member_id)
        return bool(result.rowcount)

    async def first_contributions(self, community_id: int, since: dict[int, datetime]) -> dict[int, datetime]:
        """For each member, their first recorded contribution at or after the given time (members without one are absent)."""
        if not since:
            return {}
        i = self.i
        query = (
            select(i.c.member_id, i.c.at)
            .where(i.c.community_id == community_id, i.c.member_id.in_(list(since)), i.c.kind.in_([k.value for k in CONTRIBUTION_KINDS]))
            .where(i.c.at >= min(since.values()))
        )
        found: dict[int, datetime] = {}
        async with self.db.begin() as conn:
            for member_id, at in (await conn.execute(query)).all():
                if at >= since[member_id] and (member_id not in found or at < found[member_id]):
                    found[member_id] = at
        return found

    async def active_members(self, community_id: int, members: Iterable[int], since: datetime) -> set[int]:
        """Those of `members` with a contribution since `since`."""
        ids = list(members)
        if not ids:
            return set()
        i = self.i
        query = select(i.c.member_id).distinct().where(
            i.c.community_id == community_id, i.c.member_id.in_(ids), i.c.kind.in_([k.value for k in CONTRIBUTION_KINDS]), i.c.at >= since
        )
        async with self.db.begin() as conn:
            return {int(r[0]) for r in (await conn.execute(query)).all()}

    async def present(self, community_id: int, members: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """Those of `members` who have not left, with their platform id and name."""
        ids = list(members)
        if not ids:
            return {}
        m = self.m
        query = select(m.c.id, m.c.external_id, m.c.name).where(m.c.community_id == community_id, m.c.id.in_(ids), m.c.left_at.is_(None))
        async with self.db.begin() as conn:
            return {int(r.id): (r.external_id, r.name) for r in (await conn.execute(query)).all()}

    async def member_id(self, community_id: int, external_id: str) -> int | None:
        """A member's row id, without creating it."""
        m = self.m
        async with self.db.begin() as conn:
            row = (await conn.execute(select(m.c.id).where(m.c.community_id == community_id, m.c.external_id == external_id))).first()
        return int(row[0]) if row else None

    # --- messages sent -------------------------------------------------------------------------
    async def claim(self, community_id: int, member_id: int, kind: str, at: datetime, *, delivered: bool = True) -> bool:
        """Claim an onboarding message before sending it: True when it was never sent."""
        return kind in await self.claim_many(community_id, member_id, (kind,), at, delivered=delivered)

    async def claim_many(self, community_id: int, member_id: int, kinds: Iterable[str], at: datetime, *, delivered: bool = True) -> set[str]:
        """Claim several onboarding messages in one transaction; returns the kinds claimed now."""
        async with self.db.begin() as conn:
            return await self._claim(conn, community_id, member_id, kinds, at, delivered=delivered)

    async def _claim(self, conn: AsyncConnection, community_id: int, member_id: int, kinds: Iterable[str], at: datetime, *, delivered: bool) -> set[str]:
        claimed: set[str] = set()
        for kind in kinds:
            result = await conn.execute(self._claim_one, {"cid": community_id, "mid": member_id, "k": kind, "at": at, "delivered": delivered})
            if result.rowcount:
                claimed.add(kind)
        return claimed

    async def release(self, community_id: int, member_id: int, kind: str) -> None:
        """Give back the claim of a message whose send failed: the next check may send it."""
        t = self.msg
        async with self.db.begin() as conn:
            await conn.execute(delete(t).where(t.c.community_id == community_id, t.c.member_id == member_id, t.c.kind == kind))

    async def undelivered(self, community_id: int, member_id: int, kind: str) -> None:
        """Note that a claimed message could not be delivered (DMs closed and no fallback)."""
        t = self.msg
        async with self.db.begin() as conn:
            await conn.execute(update(t).where(t.c.community_id == community_id, t.c.member_id == member_id, t.c.kind == kind).values(delivered=False))

    async def sent(self, community_id: int, members: Iterable[int]) -> dict[int, set[str]]:
        """The kinds of onboarding messages claimed for each member."""
        ids = list(members)
        out: dict[int, set[str]] = {mid: set() for mid in ids}
        if not ids:
            return out
        t = self.msg
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(t.c.member_id, t.c.kind).where(t.c.community_id == community_id, t.c.member_id.in_(ids)))).all()
        for member_id, kind in rows:
            out[member_id].add(kind)
        return out

    async def count_sent(self, community_id: int) -> dict[str, int]:
        """How many onboarding messages of each kind were delivered."""
        t = self.msg
        query = select(t.c.kind, func.count()).where(t.c.community_id == community_id, t.c.delivered.is_(True)).group_by(t.c.kind)
        async with self.db.begin() as conn:
            return {k: int(c) for k, c in (await conn.execute(query)).all()}

    # --- privacy -------------------------------------------------------------------------------
    async def describe(self, community_id: int, member_id: int) -> tuple[NewcomerState | None, list[str], BuddyConsentState | None, int]:
        """A member's journey, the onboarding messages they got, their buddy consent and their pairs."""
        state = await self.get(community_id, member_id)
        kinds = sorted((await self.sent(community_id, [member_id]))[member_id])
        t, p = self.consent, self.pair
        async with self.db.begin() as conn:
            row = (await conn.execute(select(t.c.opted_in_at, t.c.opted_out_at).where(t.c.community_id == community_id, t.c.member_id == member_id))).first()
            pairs = (
                await conn.execute(
                    select(func.count()).where(p.c.community_id == community_id, or_(p.c.newcomer_id == member_id, p.c.buddy_id == member_id))
                )
            ).scalar_one()
        consent = BuddyConsentState(row.opted_in_at, row.opted_out_at) if row else None
        return state, kinds, consent, int(pairs)

    def forgotten(self, member_id: int) -> None:
        """A member is being erased (their rows go with their member row, by the database's cascade): tell the readers."""
        self._changed(member_id)
