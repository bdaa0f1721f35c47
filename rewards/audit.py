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
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from core.models import Base, BigIntId, id_column
from core.uow import UnitOfWork
from rewards.errors import OutOfScope
from rewards.people.models import Person, Team
from rewards.points.models import PointType
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


# Every action the trail records. The panel names each in words (audit.did.<action> in
# the catalogues), and a test keeps this list in step with the services' record_audit calls.
AUDIT_ACTIONS: tuple[str, ...] = (
    "points.award", "points.deduction", "points.adjustment", "points.requested",
    "points.approved", "points.rejected", "points.reversed",
    "resident.registered", "resident.verified", "person.left", "team.created",
    "point_type.saved", "category.saved", "rule.saved", "rule.requested", "rule.approved",
    "rule.refused",
    "checkout.complete", "checkout.refund", "fee_offset.settle", "outlet.create",
    "outlet.item_add", "outlet.item_change", "outlet.restock", "outlet.operator_add",
    "outlet.operator_remove",
    "cases.category_saved", "cases.place_added", "cases.place_retired",
    "cases.reporting_stopped", "cases.reporting_resumed",
    "duty.activity_saved", "duty.attendance_confirmed", "duty.group_bound", "duty.poster_made",
    "rankings.drafted", "rankings.on_notice", "rankings.objection_answered",
    "rankings.finalised", "rankings.awarded", "rankings.chat_bound", "rankings.published",
    "broadcast.start", "broadcast.paused", "broadcast.active", "broadcast.cancelled",
    "staff.created", "staff.locked", "staff.password_set", "staff.telegram_linked",
    "staff.telegram_unlinked",
)  # fmt: skip
AUDIT_PAGE = 50


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str | None  # the staff member's name; None for the system
    action: str
    target: str
    subject: str | None  # the target's name: a person, a staff member or a team
    reason: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    older: int | None  # the id to read on from, for older entries; None: there are none
    point_types: dict[str, tuple[str, str | None]]  # code -> (name, English name)


async def search_audit(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    actor: str = "",
    target: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
) -> AuditPage:
    """A page of the newest entries (older than `before`, an entry's id) matching every
    filter given (actor by username, target and action by prefix), of the parts of the
    tree the reader audits. Raises out_of_scope for a role that may not read the audit
    log (rewards.staff.permissions)."""
    scopes = staff.paths_for(Action.READ_AUDIT)
    if not scopes:
        raise OutOfScope()
    visible = [AuditEntry.unit_path.startswith(path) for path in scopes]
    if any(_is_root(path) for path in scopes):
        visible.append(AuditEntry.unit_path.is_(None))
    query = (
        select(AuditEntry, StaffAccount.display_name)
        .outerjoin(StaffAccount, StaffAccount.id == AuditEntry.actor_staff_id)
        .where(or_(*visible))
        .order_by(AuditEntry.id.desc())
        .limit(AUDIT_PAGE + 1)
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
    if before is not None:
        query = query.where(AuditEntry.id < before)
    async with uow.read() as session:
        found = (await session.execute(query)).all()
        entries = found[:AUDIT_PAGE]
        names = await _subjects(session, [entry.target for entry, _ in entries])
        point_types = await _point_types(session)
    rows = [
        AuditRow(
            e.id, e.at, actor_name, e.action, e.target, names.get(e.target), e.reason, e.details
        )
        for e, actor_name in entries
    ]
    older = rows[-1].id if len(found) > AUDIT_PAGE else None
    return AuditPage(rows, older, point_types)


async def _subjects(session: AsyncSession, targets: list[str]) -> dict[str, str]:
    """target ("person:12") -> the name staff know it by, for people, staff and teams."""
    ids: dict[str, set[int]] = {"person": set(), "staff": set(), "team": set()}
    for target in targets:
        kind, _, number = target.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    columns: dict[str, tuple[InstrumentedAttribute[int], InstrumentedAttribute[str]]] = {
        "person": (Person.id, Person.display_name),
        "staff": (StaffAccount.id, StaffAccount.display_name),
        "team": (Team.id, Team.name),
    }
    names: dict[str, str] = {}
    for kind, (key, name) in columns.items():
        if ids[kind]:
            rows = await session.execute(select(key, name).where(key.in_(ids[kind])))
            names.update({f"{kind}:{row_id}": str(text) for row_id, text in rows})
    return names


async def _point_types(session: AsyncSession) -> dict[str, tuple[str, str | None]]:
    rows = await session.execute(select(PointType.code, PointType.name, PointType.name_en))
    return {code: (name, name_en) for code, name, name_en in rows}


def _is_root(path: str) -> bool:
    """A unit at the top of the tree ("/1/")."""
    return path.count("/") == 2
