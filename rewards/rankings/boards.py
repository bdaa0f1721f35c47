"""A board's way to publication (一季度一公示): drafted from the ledger (again as often as
staff like while it is a draft), put on public notice for some days during which residents
may object, final once the notice is over and every objection answered (a locked
snapshot: a correction later lands in the next period as a reversal), then published.
Each step is checked against the permissions table where the board is, and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import UnknownOrgUnit
from rewards.messaging.outbox import notify
from rewards.org.models import OrgUnit
from rewards.people.models import Person
from rewards.people.residents import load_verified_resident, telegram_chat
from rewards.rankings.errors import (
    BoardLocked,
    BoardStepNotAllowed,
    NoticeRunning,
    NotOnNotice,
    ObjectionsOpen,
    UnknownBoard,
)
from rewards.rankings.models import RankingBoard, RankingEntry, RankingObjection
from rewards.rankings.periods import period_span
from rewards.rankings.schemes import Schemes
from rewards.rankings.standings import Scope, snapshot, spec_of
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

DEFAULT_NOTICE_DAYS = 7  # 公示期
MAX_OBJECTION = 500


@dataclass(frozen=True)
class BoardView:
    id: int
    period: str
    scope: str
    status: str
    checksum: str
    entries: int
    notice_until: datetime | None


async def draft_board(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    unit_id: int,
    period: str,
    scope: Scope,
    zone: ZoneInfo,
    weights: dict[str, int] | None = None,
    schemes: Schemes | None = None,
) -> BoardView:
    """Compute (or compute again) the board. Raises unknown_period, unknown_org_unit,
    out_of_scope, board_locked."""
    async with uow.write() as session:
        unit = await session.get(OrgUnit, unit_id)
        if unit is None:
            raise UnknownOrgUnit()
        staff.require(Action.PUBLISH_RANKINGS, unit.path)
        board = await draft_in(
            session, unit=unit, period=period, scope=scope, zone=zone, weights=weights,
            staff=staff, now=uow.now(), schemes=schemes,
        )  # fmt: skip
        return await _view(session, board)


async def draft_in(
    session: AsyncSession,
    *,
    unit: OrgUnit,
    period: str,
    scope: Scope,
    zone: ZoneInfo,
    weights: dict[str, int] | None,
    staff: StaffView | None,
    now: datetime,
    schemes: Schemes | None = None,
) -> RankingBoard:
    """The draft inside the caller's transaction (the panel's, or the period-end job's,
    whose staff is None). Without schemes, those the board had stay."""
    start, end = period_span(period, zone)
    board = await session.scalar(
        select(RankingBoard)
        .where(
            RankingBoard.org_unit_id == unit.id,
            RankingBoard.period == period,
            RankingBoard.scope == scope,
        )
        .with_for_update()
    )
    if board is not None and board.status != "draft":
        raise BoardLocked(status=board.status)
    if board is None:
        board = RankingBoard(
            org_unit_id=unit.id, period=period, scope=scope, starts_at=start, ends_at=end,
            status="draft", drafted_at=now, checksum="",
        )  # fmt: skip
        session.add(board)
        await session.flush()
    await session.execute(delete(RankingEntry).where(RankingEntry.board_id == board.id))
    spec = spec_of(scope, unit.path, period, zone, weights)
    board.weights, board.checksum = dict(spec.weights), await snapshot(session, spec, board.id)
    board.drafted_by, board.drafted_at = staff.id if staff else None, now
    if schemes is not None:
        board.fund_amount, board.fund_top_n, board.warn_bottom_n = (
            schemes.fund_amount, schemes.fund_top_n, schemes.warn_bottom_n,
        )  # fmt: skip
    _audit(session, board, staff, "rankings.drafted", unit.path, now)
    return board


async def put_on_notice(
    uow: UnitOfWork, *, staff: StaffView, board_id: int, days: int = DEFAULT_NOTICE_DAYS
) -> BoardView:
    async with uow.write() as session:
        now = uow.now()
        board, path = await _staffs(session, staff, board_id)
        refuse_unless(board, "draft")
        board.status, board.notice_until = "notice", now + timedelta(days=max(days, 1))
        _audit(session, board, staff, "rankings.on_notice", path, now)
        return await _view(session, board)


async def object_to(uow: UnitOfWork, *, person_id: int, board_id: int, text: str) -> int:
    """A resident's objection while the board is on notice. Returns its id. Raises
    board_not_on_notice, unknown_board, and the resident's own refusals."""
    text = text.strip()[:MAX_OBJECTION]
    async with uow.write() as session:
        now = uow.now()
        resident = await load_verified_resident(session, person_id)
        board, path = await locked_board(session, board_id)
        if not resident.unit_path.startswith(path):
            raise UnknownBoard()
        if board.status != "notice" or (board.notice_until and now >= board.notice_until):
            raise NotOnNotice()
        objection = RankingObjection(
            board_id=board.id, person_id=person_id, text=text or "-", created_at=now
        )
        session.add(objection)
        await session.flush()
        return objection.id


async def answer_objection(
    uow: UnitOfWork, *, staff: StaffView, objection_id: int, answer: str
) -> int:
    """Returns the objection's board."""
    async with uow.write() as session:
        now = uow.now()
        objection = await session.get(RankingObjection, objection_id, with_for_update=True)
        if objection is None:
            raise UnknownBoard()
        board, path = await _staffs(session, staff, objection.board_id)
        objection.status, objection.answer = "answered", answer.strip()[:MAX_OBJECTION] or "-"
        objection.answered_by, objection.answered_at = staff.id, now
        _audit(session, board, staff, "rankings.objection_answered", path, now)
        await _tell_objector(session, objection, board, now)
        return board.id


async def finalise(uow: UnitOfWork, *, staff: StaffView, board_id: int) -> BoardView:
    """Lock the board once its notice is over and every objection answered."""
    async with uow.write() as session:
        now = uow.now()
        board, path = await _staffs(session, staff, board_id)
        refuse_unless(board, "notice")
        if board.notice_until is not None and now < board.notice_until:
            raise NoticeRunning(until=board.notice_until.date().isoformat())
        open_count = await session.scalar(
            select(func.count())
            .select_from(RankingObjection)
            .where(RankingObjection.board_id == board.id, RankingObjection.status == "open")
        )
        if open_count:
            raise ObjectionsOpen(count=int(open_count))
        board.status, board.finalised_at = "final", now
        _audit(session, board, staff, "rankings.finalised", path, now)
        return await _view(session, board)


async def locked_board(session: AsyncSession, board_id: int) -> tuple[RankingBoard, str]:
    row = (
        await session.execute(
            select(RankingBoard, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == RankingBoard.org_unit_id)
            .where(RankingBoard.id == board_id)
            .with_for_update(of=RankingBoard)
        )
    ).one_or_none()
    if row is None:
        raise UnknownBoard()
    return row[0], row[1]


async def _staffs(
    session: AsyncSession, staff: StaffView, board_id: int
) -> tuple[RankingBoard, str]:
    board, path = await locked_board(session, board_id)
    staff.require(Action.PUBLISH_RANKINGS, path)
    return board, path


async def _tell_objector(
    session: AsyncSession, objection: RankingObjection, board: RankingBoard, now: datetime
) -> None:
    chat_id = await telegram_chat(session, objection.person_id)
    person = await session.get(Person, objection.person_id)
    if chat_id is None or person is None:
        return
    await notify(
        session, chat_id=chat_id, key="rank.objection_answered", locale=person.language,
        now=now, params={"period": board.period, "answer": objection.answer or ""},
    )  # fmt: skip


def refuse_unless(board: RankingBoard, status: str) -> None:
    if board.status != status:
        raise BoardStepNotAllowed(status=board.status)


def _audit(
    session: AsyncSession,
    board: RankingBoard,
    staff: StaffView | None,
    action: str,
    path: str,
    now: datetime,
) -> None:
    record_audit(
        session, at=now, actor_staff_id=staff.id if staff else None, action=action,
        target=f"ranking_board:{board.id}", unit_path=path,
        details={
            "period": board.period, "scope": board.scope, "checksum": board.checksum,
            "weights": board.weights, "fund": board.fund_amount, "top": board.fund_top_n,
            "bottom": board.warn_bottom_n,
        },
    )  # fmt: skip


async def _view(session: AsyncSession, board: RankingBoard) -> BoardView:
    await session.flush()
    entries = await session.scalar(
        select(func.count()).select_from(RankingEntry).where(RankingEntry.board_id == board.id)
    )
    return BoardView(
        board.id, board.period, board.scope, board.status, board.checksum, int(entries or 0),
        board.notice_until,
    )  # fmt: skip
