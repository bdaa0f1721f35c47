"""What a final board decides: the fund split in whole yuan that add up, the bottom N
warned (ties included), and two periods running in the bottom flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.points.awards import apply_rule
from rewards.rankings.boards import draft_board, finalise, put_on_notice
from rewards.rankings.models import RankingBoard
from rewards.rankings.schemes import Place, Schemes, fund_shares, honour, outcome
from rewards.staff.models import Role
from tests.rewards.community import ZONE, build_community, make_staff


def test_the_fund_is_split_by_points_in_whole_yuan_that_add_up() -> None:
    top = [Place(1, 1, 10), Place(2, 2, 10), Place(3, 3, 10)]
    assert [share for _, share in fund_shares(top, 100)] == [34, 33, 33]
    uneven = [Place(7, 1, 50), Place(8, 2, 30), Place(9, 3, 0)]
    assert [share for _, share in fund_shares(uneven, 1000)] == [625, 375, 0]
    assert fund_shares([Place(1, 1, 0)], 10) == ((Place(1, 1, 0), 0),)


def test_the_first_place_is_named_by_period_and_scope() -> None:
    assert [honour(p, s) for p, s in (
        ("2026Q3", "resident"), ("2026", "resident"), ("2026", "household"),
        ("2026Q3", "household"), ("2026", "grid"),
    )] == ["champion", "best_resident", "best_household", "first", "first"]  # fmt: skip


async def test_the_bottom_is_warned_and_two_periods_running_flagged(database: Database) -> None:
    clock = FrozenClock(datetime(2026, 3, 20, 2, tzinfo=UTC))
    uow = UnitOfWork(database, clock)
    town = await build_community(uow)
    committee = await make_staff(uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["street"])
    community = town.units["community"].id
    warn = Schemes(warn_bottom_n=1)
    for period, day, awards in (
        ("2026Q2", datetime(2026, 4, 5, 2, tzinfo=UTC), ((town.alice, 2), (town.bob, 1))),
        ("2026Q3", datetime(2026, 7, 5, 2, tzinfo=UTC), ((town.alice, 1), (town.bob, 1))),
    ):
        clock.advance(day - clock.now())
        for person, times in awards:
            for n in range(times):
                await apply_rule(uow, staff=town.admin, person_id=person, rule_code="sweep",
                                 request_key=f"{period}-{person}-{n}", zone=ZONE)  # fmt: skip
        clock.advance(timedelta(days=90))
        board = await draft_board(uow, staff=committee, unit_id=community, period=period,
                                  scope="resident", zone=ZONE, schemes=warn)  # fmt: skip
        await put_on_notice(uow, staff=committee, board_id=board.id, days=1)
        clock.advance(timedelta(days=2))
        await finalise(uow, staff=committee, board_id=board.id)
    async with uow.read() as session:
        q3 = await session.get(RankingBoard, board.id)
        assert q3 is not None
        decided = await outcome(session, q3)
    # Q3: a tie at the top is also the bottom; Bob was last in Q2 as well.
    assert [(p.subject_id, p.rank) for p in decided.warned] == [(town.alice, 1), (town.bob, 1)]
    assert decided.flagged == {town.bob}
    assert [p.subject_id for p in decided.champions] == [town.alice, town.bob]
