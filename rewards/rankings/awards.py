"""Award points to a final board's best (最美家庭, 最美居民, the quarter's champion): the
first `top` places (ties included), each paid once by the rule the committee names,
through the rules' own caps and approvals like any award; a household's points go to its
head. Paying again pays nobody twice."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.people.models import Household
from rewards.points.awards import award_in
from rewards.points.models import PointChange
from rewards.rankings.boards import locked_board
from rewards.rankings.errors import BoardStepNotAllowed, NotPersonal
from rewards.rankings.models import RankingEntry
from rewards.rankings.names import PERSONAL
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

MOST_AWARDED = 100


async def award_best(
    uow: UnitOfWork, *, staff: StaffView, board_id: int, rule_code: str, top: int, zone: ZoneInfo
) -> int:
    """Returns how many were paid now (not before, not refused by a cap). Raises
    unknown_board, out_of_scope, board_step_not_allowed (not final yet),
    ranking_not_personal (a board of teams or places), unknown_rule."""
    top = max(1, min(top, MOST_AWARDED))
    async with uow.write() as session:
        now = uow.now()
        board, path = await locked_board(session, board_id)
        staff.require(Action.PUBLISH_RANKINGS, path)
        if board.status not in ("final", "published"):
            raise BoardStepNotAllowed(status=board.status)
        if board.scope not in PERSONAL:
            raise NotPersonal(scope=board.scope)
        best: Select[int] | Select[int | None] = select(RankingEntry.subject_id).where(
            RankingEntry.board_id == board.id, RankingEntry.rank <= top, RankingEntry.points > 0
        )
        if board.scope == "household":
            best = select(Household.head_person_id).where(
                Household.id.in_(best), Household.head_person_id.is_not(None)
            )
        keys = {
            person_id: f"ranking:{board.id}:{rule_code}:{person_id}"
            for person_id in (await session.scalars(best.limit(MOST_AWARDED))).all()
            if person_id is not None
        }
        before = set(
            await session.scalars(
                select(PointChange.request_key).where(PointChange.request_key.in_(keys.values()))
            )
        )
        paid = 0
        for person_id, key in keys.items():
            change = await award_in(
                session, person_id=person_id, rule_code=rule_code, request_key=key,
                requested_by=staff.id, note=board.period, zone=zone, now=now,
            )  # fmt: skip
            paid += int(change is not None and key not in before)
        record_audit(
            session, at=now, actor_staff_id=staff.id, action="rankings.awarded",
            target=f"ranking_board:{board.id}", unit_path=path,
            details={"rule": rule_code, "top": top, "paid": paid},
        )  # fmt: skip
        return paid
