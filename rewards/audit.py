"""Append-only audit trail: who changed what, when and why.

Every change of money, rules or staff rights writes one row in the same transaction as the
change itself, so the trail can never disagree with what happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = id_column()
    at: Mapped[datetime] = mapped_column(index=True)
    # Null for the system itself (CLI bootstrap, scheduled jobs).
    actor_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(128), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor_staff_id: int | None,
    action: str,
    target: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor_staff_id=actor_staff_id,
            action=action,
            target=target,
            reason=reason,
            details=details or {},
        )
    )
