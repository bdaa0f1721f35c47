"""A board's way from draft to final: drafted again while a draft, put on notice, a
resident's objection answered before it may be final, the notice's days running, the
permissions table at the board's unit, and a final board that is never computed again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from moralbank.worker import Worker
from rewards.errors import OutOfScope
from rewards.messaging.models import OutboxMessage
from rewards.points.awards import apply_rule
from rewards.rankings.boards import (
    answer_objection,
    draft_board,
    finalise,
    object_to,
    put_on_notice,
)
from rewards.rankings.errors import (
    BoardLocked,
    NoticeRunning,
    NotOnNotice,
    ObjectionsOpen,
    UnknownPeriod,
)
from rewards.rankings.models import RankingBoard, RankingEntry
from rewards.rankings.periods import period_span
from rewards.rankings.publishing import bind_ranking_chat
from rewards.rankings.standings import compute_board, spec_of
from rewards.staff.models import Role
from rewards.staff.telegram import LINK_PREFIX, link_chat, offer_link
from tests.processes import moralbank_env, run_moralbank
from tests.rewards.community import ZONE, Community, build_community, make_staff

SET_UP = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SET_UP)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


def test_periods_are_named_in_the_communitys_time_zone() -> None:
    start, end = period_span("2026Q2", ZONE)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-04-01T00:00:00+08:00", "2026-07-01T00:00:00+08:00",
    )  # fmt: skip
    assert period_span("2026-12", ZONE)[1].isoformat() == "2027-01-01T00:00:00+08:00"
    assert period_span("2026", ZONE)[0].isoformat() == "2026-01-01T00:00:00+08:00"
    for wrong in ("2026Q5", "26Q1", "2026-13", "next quarter"):
        with pytest.raises(UnknownPeriod):
            period_span(wrong, ZONE)


async def entries(uow: UnitOfWork, board_id: int) -> list[tuple[int, int, int]]:
    async with uow.read() as session:
        rows = await session.execute(
            select(RankingEntry.subject_id, RankingEntry.points, RankingEntry.rank)
            .where(RankingEntry.board_id == board_id)
            .order_by(RankingEntry.rank, RankingEntry.subject_id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_draft_notice_objection_final_and_locked(
    uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    community = town.units["community"].id
    committee = await make_staff(
        uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["community"]
    )
    clock.advance(datetime(2026, 4, 10, 2, tzinfo=UTC) - clock.now())
    await apply_rule(
        uow, staff=town.admin, person_id=town.alice, rule_code="sweep", request_key="a",
        zone=ZONE,
    )  # fmt: skip
    clock.advance(datetime(2026, 7, 1, 2, tzinfo=UTC) - clock.now())  # the quarter is over
    with pytest.raises(OutOfScope):  # a grid worker does not publish rankings
        await draft_board(
            uow, staff=town.grid1, unit_id=community, period="2026Q2", scope="resident",
            zone=ZONE,
        )  # fmt: skip
    draft = await draft_board(
        uow, staff=committee, unit_id=community, period="2026Q2", scope="resident", zone=ZONE
    )
    assert await entries(uow, draft.id) == [(town.alice, 5, 1)]
    await apply_rule(  # a late award, effective now: it belongs to Q3
        uow, staff=town.admin, person_id=town.bob, rule_code="sweep", request_key="b",
        zone=ZONE,
    )  # fmt: skip
    again = await draft_board(
        uow, staff=committee, unit_id=community, period="2026Q2", scope="resident", zone=ZONE
    )
    assert (again.id, again.checksum) == (draft.id, draft.checksum)

    on_notice = await put_on_notice(uow, staff=committee, board_id=draft.id, days=7)
    assert on_notice.status == "notice"
    objection = await object_to(
        uow, person_id=town.bob, board_id=draft.id, text="我周五也参加了清扫"
    )
    with pytest.raises(NoticeRunning):
        await finalise(uow, staff=committee, board_id=draft.id)
    clock.advance(timedelta(days=8))
    with pytest.raises(NotOnNotice):
        await object_to(uow, person_id=town.alice, board_id=draft.id, text="迟到的异议")
    with pytest.raises(ObjectionsOpen):
        await finalise(uow, staff=committee, board_id=draft.id)
    await answer_objection(
        uow, staff=committee, objection_id=objection, answer="周五的清扫记在第三季度"
    )
    final = await finalise(uow, staff=committee, board_id=draft.id)
    assert final.status == "final"
    with pytest.raises(BoardLocked):
        await draft_board(
            uow, staff=committee, unit_id=community, period="2026Q2", scope="resident",
            zone=ZONE,
        )  # fmt: skip
    assert await entries(uow, draft.id) == [(town.alice, 5, 1)]
    # Months later, the ledger gives the final board's checksum again.
    clock.advance(timedelta(days=120))
    spec = spec_of("resident", town.units["community"].path, "2026Q2", ZONE)
    async with uow.read() as session:
        recomputed = await compute_board(session, spec)
    assert recomputed.checksum == final.checksum


async def test_the_command_line_drafts_and_publishes_a_board(
    database_url: str, uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    committee = await make_staff(
        uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["community"]
    )
    env = moralbank_env(database_url)
    drafted = await run_moralbank(
        "rankings", "draft", "--period", "2026Q1", "--scope", "household",
        "--unit", "community", "--as", "committee", env=env,
    )  # fmt: skip
    assert drafted.returncode == 0, drafted.stderr
    assert "2026Q1 household at community" in drafted.stdout
    assert "draft, checksum " in drafted.stdout
    wrong = await run_moralbank(
        "rankings", "draft", "--period", "last quarter", "--unit", "community",
        "--as", "committee", env=env,
    )  # fmt: skip
    assert wrong.returncode == 1
    assert "不是有效的期间" in wrong.stderr
    board = int(drafted.stdout.split(":", 1)[0].removeprefix("board "))
    await put_on_notice(uow, staff=committee, board_id=board, days=1)
    clock.advance(timedelta(days=2))
    await finalise(uow, staff=committee, board_id=board)
    await bind_ranking_chat(uow, staff=committee, chat_id=-4242, language="zh_Hans")
    published = await run_moralbank(
        "rankings", "publish", "--period", "2026Q1", "--scope", "household",
        "--unit", "community", "--as", "committee", env=env,
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    assert "published to 1 chats" in published.stdout
    async with uow.read() as session:
        posted = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == -4242))
        status = await session.scalar(select(RankingBoard.status).where(RankingBoard.id == board))
    assert posted is not None
    assert posted.kind == "photo"
    assert posted.photo
    assert status == "published"


async def test_the_quarters_boards_draft_themselves_and_the_committee_is_told(
    database: Database, uow: UnitOfWork, town: Community, clock: FrozenClock
) -> None:
    committee = await make_staff(
        uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["community"]
    )
    offer = await offer_link(uow, staff=committee)
    await link_chat(uow, secret=offer.payload.removeprefix(LINK_PREFIX), telegram_user_id=880061)
    clock.advance(datetime(2026, 7, 1, 1, tzinfo=UTC) - clock.now())  # 09:00, 1 July
    worker = Worker(database, clock, zone=ZONE)
    await worker.schedule_recurring()
    await worker.run_once()
    clock.advance(timedelta(hours=7))
    await worker.run_once()  # once is enough: nothing more is drafted or said
    async with uow.read() as session:
        boards = list(
            await session.execute(
                select(RankingBoard.period, RankingBoard.scope, RankingBoard.status).order_by(
                    RankingBoard.scope
                )
            )
        )
        told = list(
            await session.scalars(
                select(OutboxMessage.text_params).where(OutboxMessage.chat_id == 880061)
            )
        )
    assert [tuple(b) for b in boards] == [
        ("2026Q2", "household", "draft"), ("2026Q2", "resident", "draft"),
    ]  # fmt: skip
    assert told == [{"period": "2026Q2", "unit": "community"}]
