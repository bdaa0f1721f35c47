"""Publishing a final board: to every channel or group bound to its part of the tree, a
leaderboard picture (drawn by the caller, in words the service does not write) with a
caption naming the period and the champion (masked), through the outbox; the board is
published then, once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.messaging.outbox import notify
from rewards.org.models import OrgUnit
from rewards.rankings.boards import locked_board, refuse_unless
from rewards.rankings.models import RankingChat, RankingEntry
from rewards.rankings.names import names_of, public_name
from rewards.rankings.schemes import honour
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class Published:
    chats: int


async def bind_ranking_chat(
    uow: UnitOfWork, *, staff: StaffView, chat_id: int, language: str
) -> str:
    """This chat gets the boards of the highest unit where the staff member publishes
    rankings. Returns the unit's name. Raises out_of_scope."""
    unit = staff.top_role_for(Action.PUBLISH_RANKINGS)
    async with uow.write() as session:
        now = uow.now()
        chat = await session.scalar(select(RankingChat).where(RankingChat.chat_id == chat_id))
        if chat is None:
            chat = RankingChat(chat_id=chat_id)
            session.add(chat)
        chat.org_unit_id, chat.bound_by, chat.bound_at, chat.language = (
            unit.org_unit_id, staff.id, now, language,
        )  # fmt: skip
        record_audit(
            session, at=now, actor_staff_id=staff.id, action="rankings.chat_bound",
            target=f"chat:{chat_id}", unit_path=unit.org_unit_path,
        )  # fmt: skip
        return unit.org_unit_name


async def publish(
    uow: UnitOfWork, *, staff: StaffView, board_id: int, picture: bytes
) -> Published:
    """Raises board_step_not_allowed unless the board is final, out_of_scope."""
    async with uow.write() as session:
        now = uow.now()
        board, path = await locked_board(session, board_id)
        staff.require(Action.PUBLISH_RANKINGS, path)
        refuse_unless(board, "final")
        winners = list(
            await session.execute(
                select(RankingEntry.subject_id, RankingEntry.points)
                .where(RankingEntry.board_id == board.id, RankingEntry.rank == 1)
                .order_by(RankingEntry.subject_id)
            )
        )
        named = await names_of(session, board.scope, [subject for subject, _ in winners])
        names = [public_name(board.scope, name) for name in named.values()]
        chats = list(
            await session.execute(
                select(RankingChat.chat_id, RankingChat.language)
                .join(OrgUnit, OrgUnit.id == RankingChat.org_unit_id)
                .where(literal(path).startswith(OrgUnit.path))
            )
        )
        key = f"rank.published.{honour(board.period, board.scope)}"
        params = {
            "period": board.period, "champion": "、".join(names) or "-",
            "points": winners[0][1] if winners else 0,
        }  # fmt: skip
        for chat_id, language in chats:
            await notify(
                session, chat_id=chat_id, key=key, locale=language, now=now, photo=picture,
                params=params,
            )  # fmt: skip
        board.status, board.published_at = "published", now
        record_audit(
            session, at=now, actor_staff_id=staff.id, action="rankings.published",
            target=f"ranking_board:{board.id}", unit_path=path,
            details={"chats": len(chats), "checksum": board.checksum},
        )  # fmt: skip
        return Published(len(chats))
