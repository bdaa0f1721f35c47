"""Append-only audit trail: who changed what, when and why.

Every change of money, rules or staff rights writes one row in the same transaction as the
change itself, so the trail can never disagree with what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column
from core.uow import UnitOfWork
from rewards.errors import OutOfScope
from rewards.staff.models import StaffAccount
from rewards.staff.permissions import Action

if TYPE_CHECKING:
    from rewards.staff.service import StaffView


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
    # Where in the organisation tree the change happened, so that an auditor of a grid
    # reads that grid's trail only. None for what concerns the whole bank (point types,
    # staff accounts, broadcasts), which only auditors at the top of the tree read.
    unit_path: Mapped[str | None] = mapped_column(String(512), index=True)


def record_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor_staff_id: int | None,
    action: str,
    target: str,
    unit_path: str | ColumnElement[str] | None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """`unit_path` may be a scalar subquery (a resident's unit, read in the INSERT)."""
    session.add(
        AuditEntry(
            at=at,
            actor_staff_id=actor_staff_id,
            action=action,
            target=target,
            unit_path=unit_path,
            reason=reason,
            details=details or {},
        )
    )


AUDIT_PAGE = 200


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str | None  # the staff member's username; None for the system
    action: str
    target: str
    reason: str | None
    details: dict[str, Any]


async def search_audit(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    actor: str = "",
    target: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditRow]:
    """The newest AUDIT_PAGE entries matching every filter given (actor by username,
    target and action by prefix), of the parts of the tree the reader audits. Raises
    out_of_scope for a role that may not read the audit log (rewards.staff.permissions)."""
    scopes = staff.paths_for(Action.READ_AUDIT)
    if not scopes:
        raise OutOfScope()
    visible = [AuditEntry.unit_path.startswith(path) for path in scopes]
    if any(_is_root(path) for path in scopes):
        visible.append(AuditEntry.unit_path.is_(None))
    query = (
        select(AuditEntry, StaffAccount.username)
        .outerjoin(StaffAccount, StaffAccount.id == AuditEntry.actor_staff_id)
        .where(or_(*visible))
        .order_by(AuditEntry.id.desc())
        .limit(AUDIT_PAGE)
    )
    if actor.strip():
        query = query.where(StaffAccount.username == actor.strip())
    if target.strip():
        query = query.where(AuditEntry.target.startswith(target.strip()))
    if action.strip():
        query = query.where(AuditEntry.action.startswith(action.strip()))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    async with uow.read() as session:
        rows = (await session.execute(query)).all()
    return [
        AuditRow(e.id, e.at, username, e.action, e.target, e.reason, e.details)
        for e, username in rows
    ]


def _is_root(path: str) -> bool:
    """A unit at the top of the tree ("/1/")."""
    return path.count("/") == 2
