"""A ranking board as it goes from draft to published: its period, scope and place in the
tree, its standings as a snapshot (a final board is never computed again), and the
objections residents raise while it is on notice (公示)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class RankingBoard(Base):
    __tablename__ = "ranking_boards"
    __table_args__ = (UniqueConstraint("org_unit_id", "period", "scope"),)

    id: Mapped[int] = id_column()
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026Q3, 2026-07 or 2026
    scope: Mapped[str] = mapped_column(String(16))  # standings.Scope
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]  # exclusive
    weights: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # draft | notice | final | published
    checksum: Mapped[str] = mapped_column(String(64))
    notice_until: Mapped[datetime | None]
    drafted_by: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    drafted_at: Mapped[datetime]
    finalised_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # Collective schemes (积分换项目): the top N share a fund, the bottom N are warned.
    fund_amount: Mapped[int | None] = mapped_column(BigInteger)
    fund_top_n: Mapped[int | None]
    warn_bottom_n: Mapped[int | None]


class RankingEntry(Base):
    __tablename__ = "ranking_entries"

    board_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("ranking_boards.id"), primary_key=True
    )
    subject_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)  # person | household
    points: Mapped[int]
    rank: Mapped[int]


class RankingObjection(Base):
    __tablename__ = "ranking_objections"

    id: Mapped[int] = id_column()
    board_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("ranking_boards.id"), index=True)
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    answer: Mapped[str | None] = mapped_column(String(500))
    answered_by: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RankingChat(Base):
    """A Telegram channel or group where a part of the tree's boards are published, bound
    by a committee member from inside it (/rankgroup)."""

    __tablename__ = "ranking_chats"

    id: Mapped[int] = id_column()
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    bound_by: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    bound_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(16))
