"""Worked examples of a board from the ledger: awards minus deductions in the period,
ties sharing a rank, an undo in the next quarter landing there as a reversal, residents
not verified before the period left out, and those who did not agree to public boards,
who are staff or who left; households, teams and parts of the tree summing their
members, weights per point type, and a checksum the same ledger gives again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.org.models import OrgUnit
from rewards.people.joining import leave, verify_resident
from rewards.people.residents import found_household
from rewards.people.teams import add_member, create_team
from rewards.points.awards import apply_rule
from rewards.points.corrections import undo
from rewards.rankings.mine import choose_public_boards
from rewards.rankings.models import RankingBoard, RankingEntry
from rewards.rankings.standings import (
    Board,
    Standing,
    compute_board,
    ranked,
    snapshot,
    spec_of,
)
from rewards.staff.telegram import LINK_PREFIX, link_chat, offer_link
from tests.rewards.community import ZONE, Community, add_resident, build_community

SET_UP = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # the town is built in the quarter before
Q2, Q3 = datetime(2026, 3, 31, 16, 0, tzinfo=UTC), datetime(2026, 6, 30, 16, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SET_UP)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


def test_ties_share_a_rank_and_the_next_one_skips() -> None:
    assert ranked({7: 10, 3: 8, 5: 8, 9: 5}) == (
        Standing(7, 10, 1), Standing(3, 8, 2), Standing(5, 8, 2), Standing(9, 5, 4),
    )  # fmt: skip


async def board_of(uow: UnitOfWork, **asked: object) -> Board:
    """The board as computed, after checking that a snapshot of it (made on the database
    server on PostgreSQL) keeps the same standings and checksum."""
    spec = spec_of(zone=ZONE, **asked)  # type: ignore[arg-type]
    async with uow.write() as session:
        computed = await compute_board(session, spec)
        kept = session.begin_nested()
        await kept.start()
        board = RankingBoard(
            org_unit_id=await session.scalar(select(func.min(OrgUnit.id))), period=spec.period,
            scope=spec.scope, starts_at=spec.start, ends_at=spec.end, status="draft",
            drafted_at=spec.start, checksum="",
        )  # fmt: skip
        session.add(board)
        await session.flush()
        checksum = await snapshot(session, spec, board.id)
        entries = await session.execute(
            select(RankingEntry.subject_id, RankingEntry.points, RankingEntry.rank)
            .where(RankingEntry.board_id == board.id)
            .order_by(RankingEntry.rank, RankingEntry.subject_id)
        )
        assert [Standing(*row) for row in entries] == list(computed.standings)
        assert checksum == computed.checksum
        await kept.rollback()
    return computed


async def award(uow: UnitOfWork, town: Community, person: int, rule: str, key: str) -> int:
    change = await apply_rule(
        uow, staff=town.admin, person_id=person, rule_code=rule, request_key=key, zone=ZONE
    )
    return change.id


async def test_a_quarter_from_the_ledger_with_deductions_ties_and_a_late_undo(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    alice, bob = town.alice, town.bob
    late = await add_resident(
        uow, "Dan", town.units["grid-1"], 9901, "zh_Hans", verified_by=None
    )  # joins before Q2 but is verified during it
    clock.advance(Q2 + timedelta(days=3) - clock.now())
    await verify_resident(uow, staff=town.admin, person_id=late)
    first = await award(uow, town, alice, "sweep", "a1")  # +5
    await award(uow, town, alice, "sweep", "a2")  # +5
    await award(uow, town, alice, "litter", "a3")  # -3
    await award(uow, town, bob, "sweep", "b1")  # +5
    await award(uow, town, bob, "sweep", "b2")  # +5
    await award(uow, town, bob, "litter", "b3")  # -3
    await award(uow, town, late, "sweep", "d1")
    q2 = await board_of(uow, scope="resident", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points, s.rank) for s in q2.standings] == [(alice, 7, 1), (bob, 7, 1)]

    clock.advance(Q3 + timedelta(days=1) - clock.now())  # the next quarter: an undo
    await undo(uow, staff=town.admin, change_id=first, reason="记错人了", zone=ZONE)
    again = await board_of(uow, scope="resident", unit_path="/", period="2026Q2")
    assert again.standings == q2.standings  # the locked quarter does not move
    assert again.checksum == q2.checksum
    q3 = await board_of(
        uow, scope="resident", unit_path="/", period="2026Q3", least_points=-100,
    )  # fmt: skip
    assert [(s.subject_id, s.points) for s in q3.standings] == [(alice, -5)]


async def test_households_sum_their_members_and_weights_count_per_point_type(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    alice, bob = town.alice, town.bob
    household = await found_household(
        uow, staff=town.admin, unit_id=town.units["grid-1"].id, head_person_id=alice
    )
    clock.advance(Q2 + timedelta(days=3) - clock.now())
    await award(uow, town, alice, "sweep", "a1")
    await award(uow, town, bob, "sweep", "b1")
    await award(uow, town, bob, "sweep", "b2")
    homes = await board_of(uow, scope="household", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points) for s in homes.standings] == [(household, 5)]  # Bob: none
    grid1 = town.units["grid-1"].path
    only_grid1 = await board_of(uow, scope="resident", unit_path=grid1, period="2026Q2")
    assert [s.subject_id for s in only_grid1.standings] == [alice]
    doubled = await board_of(
        uow, scope="resident", unit_path="/", period="2026Q2", weights={"moral": 2}
    )
    assert [(s.subject_id, s.points) for s in doubled.standings] == [(bob, 20), (alice, 10)]
    forged = await board_of(
        uow, scope="resident", unit_path="/", period="2026Q2",
        weights={"moral": 2, "moral' OR 'a'='a": 5, "MORAL": 3},
    )  # fmt: skip
    assert forged == doubled  # codes no point type can have weigh nothing, in any spelling
    unweighted = await board_of(
        uow, scope="resident", unit_path="/", period="2026Q2", weights={"volunteer": 1}
    )
    assert unweighted.standings == ()  # sweeping pays moral points, which weigh nothing here
    assert doubled.checksum != unweighted.checksum


async def test_only_eligible_residents_count_and_teams_and_areas_sum_their_members(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    grid1, grid2 = town.units["grid-1"], town.units["grid-2"]
    shy = await add_resident(uow, "Shy", grid1, 9911, "zh_Hans", verified_by=town.admin,
                             on_boards=False)  # fmt: skip
    worker = await add_resident(uow, "Wang", grid2, 9912, "zh_Hans", verified_by=town.admin)
    gone = await add_resident(uow, "Gone", grid2, 9913, "zh_Hans", verified_by=town.admin)
    offer = await offer_link(uow, staff=town.grid2)  # the grid worker lives here too
    await link_chat(uow, secret=offer.payload.removeprefix(LINK_PREFIX), telegram_user_id=9912)
    team = await create_team(uow, staff=town.admin, code="gate", name="东门巡逻队",
                             unit_id=town.units["community"].id)  # fmt: skip
    for member in (town.alice, town.bob, shy):
        await add_member(uow, staff=town.admin, team_id=team, person_id=member)
    clock.advance(Q2 + timedelta(days=3) - clock.now())
    for person, times in ((town.alice, 1), (town.bob, 2), (shy, 3), (worker, 4), (gone, 5)):
        for n in range(times):
            await award(uow, town, person, "sweep", f"{person}-{n}")
    await leave(uow, person_id=gone)

    people = await board_of(uow, scope="resident", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points) for s in people.standings] == [
        (town.bob, 10),
        (town.alice, 5),
    ]
    grids = await board_of(uow, scope="grid", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points, s.rank) for s in grids.standings] == [
        (grid2.id, 10, 1), (grid1.id, 5, 2),
    ]  # fmt: skip
    communities = await board_of(uow, scope="community", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points) for s in communities.standings] == [
        (town.units["community"].id, 15)
    ]
    streets = await board_of(uow, scope="street", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points) for s in streets.standings] == [(town.units["street"].id, 15)]
    teams = await board_of(uow, scope="team", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.points) for s in teams.standings] == [(team, 15)]  # not Shy's 15
    in_grid1 = await board_of(uow, scope="grid", unit_path=grid1.path, period="2026Q2")
    assert [s.subject_id for s in in_grid1.standings] == [grid1.id]

    await choose_public_boards(uow, person_id=shy, on=True)
    agreed = await board_of(uow, scope="resident", unit_path="/", period="2026Q2")
    assert [(s.subject_id, s.rank) for s in agreed.standings] == [
        (shy, 1), (town.bob, 2), (town.alice, 3),
    ]  # fmt: skip
    assert agreed.checksum != people.checksum
