"""The onboarding tables and the funnel query on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.refs import MemberRef
from storage.db import Database
from storage.directory import Directory
from storage.models import Interaction, InteractionKind
from storage.onboarding import onboarding_funnel
from storage.onboarding_repo import OnboardingRepo, Progress
from storage.privacy import erase_member
from tests.conftest import COMMUNITY

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_journeys_claims_pairs_and_the_funnel_work_on_both_databases(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.upgrade()
        directory = Directory(db)
        repo = OnboardingRepo(db)
        cid = await directory.community_id(COMMUNITY)
        ids = {name: await directory.member_id(MemberRef(COMMUNITY, name), T0) for name in ("ana", "ben", "cid", "dot")}
        for i, name in enumerate(("ana", "ben", "cid")):
            state = await repo.joined(cid, ids[name], T0 + timedelta(hours=i))
            assert state.external_id == name and state.present
        again = await repo.joined(cid, ids["ana"], T0 + timedelta(days=1))  # a rejoin keeps the first arrival
        assert again.joined_at == T0
        assert await repo.accept_rules(cid, ids["ana"], T0 + timedelta(minutes=5))
        assert not await repo.accept_rules(cid, ids["ana"], T0 + timedelta(minutes=6))
        assert await repo.progress(cid, ids["ana"], Progress(T0 + timedelta(hours=1), introduced=True))
        assert await repo.progress(cid, ids["ana"], Progress(T0 + timedelta(hours=2), introduced=True, contributed=True))
        assert not await repo.progress(cid, ids["dot"], Progress(T0))  # no journey: nothing to record
        ana = await repo.get(cid, ids["ana"])
        assert ana is not None and ana.introduced_at == T0 + timedelta(hours=1) and ana.contributed_at == T0 + timedelta(hours=2)
        assert ana.columns_set() == {"active_at", "introduced_at", "contributed_at"}

        assert await repo.claim_many(cid, ids["ben"], ["kit", "welcome"], T0) == {"kit", "welcome"}
        assert await repo.claim_many(cid, ids["ben"], ["kit", "nudge_3d"], T0) == {"nudge_3d"}
        await repo.undelivered(cid, ids["ben"], "nudge_3d")
        assert await repo.count_sent(cid) == {"kit": 1, "welcome": 1}
        found = dict((s.external_id, kinds) for s, kinds in await repo.journeys_and_messages(cid, T0 - timedelta(days=1)))
        assert found == {"ana": set(), "ben": {"kit", "welcome", "nudge_3d"}, "cid": set()}
        assert await repo.left(cid, ids["cid"], T0 + timedelta(days=2))
        assert [s.external_id for s in await repo.journeys(cid, T0 - timedelta(days=1))] == ["ana", "ben"]

        assert await repo.set_consent(cid, ids["dot"], T0, True)
        assert not await repo.set_consent(cid, ids["dot"], T0, True)
        assert await repo.consenting(cid) == [ids["dot"]]
        assert await repo.add_pair(cid, ids["ana"], ids["dot"], "2026-01-12T10:00", T0)
        assert not await repo.add_pair(cid, ids["ana"], ids["dot"], "2026-01-19T10:00", T0)
        assert await repo.pairs(cid) == [(ids["ana"], ids["dot"])]

        interactions = Interaction.__table__  # type: ignore[attr-defined]
        async with db.begin() as conn:
            for kind, member, xid, at in ((InteractionKind.REACTION, "ana", "r1", T0 + timedelta(days=8)), (InteractionKind.MESSAGE, "ben", "m1", T0 + timedelta(days=15))):
                await conn.execute(interactions.insert().values(community_id=cid, kind=kind.value, member_id=ids[member], external_id=xid, at=at))
        assert await repo.first_contributions(cid, {ids["ana"]: T0, ids["ben"]: T0}) == {ids["ana"]: T0 + timedelta(days=8), ids["ben"]: T0 + timedelta(days=15)}
        assert await repo.active_members(cid, ids.values(), T0 + timedelta(days=10)) == {ids["ben"]}
        funnel = await onboarding_funnel(db, cid, T0 - timedelta(hours=9), T0 + timedelta(days=7))
        assert [s.count for s in funnel.stages] == [3, 1, 1, 1, 1]  # ana was active in her second week, ben in his third

        assert await erase_member(db, MemberRef(COMMUNITY, "ana")) == 4  # her row, journey, the pair and a reaction (the database cascades)
        assert await repo.get(cid, ids["ana"]) is None and await repo.pairs(cid) == []
    finally:
        await db.close()
