"""Manual adjustments, the second approver's decision, and undoing a change.

An adjustment needs a reason. One larger than the approval threshold (a setting) waits
for a second staff member, as does an award under a rule that asks for one; the person who
asked can never approve. Small adjustments add up: once what one staff member asked for
one resident in a day (the community's day, amounts counted either way) would pass the
threshold, the next waits too, so twenty times +50 is not +1,000 by one person. The
resident's row is locked before the day is counted, so two racing requests are counted
one after the other. Undoing a posted change writes a reversing ledger entry, gives the
cap back and tells the resident. Every step is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from ledger.service import reverse_entry
from rewards.errors import (
    NotPending,
    ReasonRequired,
    RequestKeyReused,
    SameApprover,
    UnknownPointChange,
    UnknownPointType,
)
from rewards.org.models import OrgUnit
from rewards.people.models import Person, Resident
from rewards.people.residents import load_resident, load_verified_resident
from rewards.points.accounts import person_wallet
from rewards.points.awards import ChangeView, audit_change, change_view, pay
from rewards.points.earnings import record_earning
from rewards.points.models import CapUsage, PointChange, PointType
from rewards.points.notices import tell_resident
from rewards.points.periods import period_start
from rewards.points.rules import rule_version
from rewards.staff.models import StaffAccount
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


async def adjust(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    person_id: int,
    point_type: str,
    points: int,
    reason: str,
    request_key: str,
    approval_above: int,
    zone: ZoneInfo,
) -> ChangeView:
    """Add (positive) or take (negative) points by hand. Raises reason_required,
    not_a_resident, not_verified, resident_left, out_of_scope, unknown_point_type,
    request_key_reused."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    try:
        async with uow.write() as session:
            found = await session.scalar(
                select(PointChange).where(PointChange.request_key == request_key)
            )
            if found is not None:
                return _same_request(found, person_id, points)
            now = uow.now()
            resident = await load_verified_resident(session, person_id, lock=True)
            staff.require(Action.ADJUST, resident.unit_path)
            type_id = await session.scalar(
                select(PointType.id).where(PointType.code == point_type)
            )
            if type_id is None:
                raise UnknownPointType(code=point_type)
            # Counted before this change is added, under the resident's row lock.
            asked_today = await _asked_today(session, staff.id, person_id, zone, now)
            waits = asked_today + abs(points) > approval_above
            change = PointChange(
                request_key=request_key,
                kind="adjustment",
                person_id=person_id,
                point_type_id=type_id,
                points=0,
                asked_points=points,
                note=reason[:500],
                status="pending",
                requested_by_staff_id=staff.id,
                created_at=now,
                details={"point_type": point_type, "reason": reason[:500]},
            )
            session.add(change)
            await session.flush()
            if waits:
                audit_change(session, change, staff.id, "points.requested", now)
            else:
                await pay(session, change, None, zone=zone, now=now)
                audit_change(session, change, staff.id, "points.adjustment", now)
            return change_view(change)
    except IntegrityError:
        async with uow.read() as session:
            found = await session.scalar(
                select(PointChange).where(PointChange.request_key == request_key)
            )
        if found is None:
            raise
        return _same_request(found, person_id, points)


async def _asked_today(
    session: AsyncSession, staff_id: int, person_id: int, zone: ZoneInfo, now: datetime
) -> int:
    """What the staff member asked by hand for the resident since the day began, either
    way and whether paid or waiting (a refused request moved nothing)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(func.abs(PointChange.asked_points)), 0)).where(
            PointChange.person_id == person_id,
            PointChange.requested_by_staff_id == staff_id,
            PointChange.kind == "adjustment",
            PointChange.status != "rejected",
            PointChange.created_at >= period_start("day", now, zone),
        )
    )
    return int(total or 0)


def _same_request(change: PointChange, person_id: int, points: int) -> ChangeView:
    if change.person_id != person_id or change.asked_points != points:
        raise RequestKeyReused()
    return change_view(change)


async def decide(
    uow: UnitOfWork, *, staff: StaffView, change_id: int, approve: bool, zone: ZoneInfo
) -> ChangeView:
    """The second staff member approves (pays) or rejects a pending change. Raises
    unknown_point_change, not_pending, same_approver, out_of_scope, cap_reached, and
    (approving) not_verified, resident_left."""
    async with uow.write() as session:
        now = uow.now()
        change = await session.scalar(
            select(PointChange).where(PointChange.id == change_id).with_for_update()
        )
        if change is None:
            raise UnknownPointChange()
        # The right first: whether a change is pending is nobody else's business.
        resident = await load_resident(session, change.person_id)
        staff.require(Action.APPROVE_ADJUSTMENTS, resident.unit_path)
        if change.status != "pending":
            raise NotPending()
        if change.requested_by_staff_id == staff.id:
            raise SameApprover()
        if approve:
            # Points go only to someone who may still have them (not one who left since).
            await load_verified_resident(session, change.person_id, lock=True)
        change.decided_by_staff_id = staff.id
        change.decided_at = now
        if approve:
            rule = None
            if change.rule_version_id is not None:
                rule = await rule_version(session, change.rule_version_id)
            await pay(session, change, rule, zone=zone, now=now)
            audit_change(session, change, staff.id, "points.approved", now)
        else:
            change.status = "rejected"
            audit_change(session, change, staff.id, "points.rejected", now)
        return change_view(change)


async def undo(
    uow: UnitOfWork, *, staff: StaffView, change_id: int, reason: str, zone: ZoneInfo
) -> ChangeView:
    """Reverse a posted change (once). Raises reason_required, unknown_point_change,
    not_pending (nothing was paid), out_of_scope, ledger_already_reversed,
    insufficient_balance (the points were spent meanwhile)."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    async with uow.write() as session:
        now = uow.now()
        change = await session.scalar(
            select(PointChange).where(PointChange.id == change_id).with_for_update()
        )
        if change is None:
            raise UnknownPointChange()
        resident = await load_resident(session, change.person_id)
        staff.require(Action.UNDO_CHANGES, resident.unit_path)
        if change.status != "posted" or change.entry_id is None:
            raise NotPending()
        await _reverse(session, change, staff.id, reason, now, zone)
        return change_view(change)


async def reverse_in(
    session: AsyncSession,
    *,
    request_key: str,
    actor_staff_id: int,
    reason: str,
    now: datetime,
    zone: ZoneInfo,
) -> ChangeView | None:
    """Take back the change made for `request_key`, inside the caller's transaction (a
    report found false). None when nothing was paid for it (or it was taken back)."""
    change = await session.scalar(
        select(PointChange).where(PointChange.request_key == request_key).with_for_update()
    )
    if change is None or change.status != "posted" or change.entry_id is None:
        return None
    await _reverse(session, change, actor_staff_id, reason, now, zone)
    return change_view(change)


async def _reverse(
    session: AsyncSession,
    change: PointChange,
    actor: int,
    reason: str,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    assert change.entry_id is not None
    reversal = await reverse_entry(
        session,
        entry_id=change.entry_id,
        idempotency_key=f"points:{change.id}:reversal",
        now=now,
        memo=reason[:500],
        actor=f"staff:{actor}",
    )
    if "cap_usage" in change.details:
        await session.execute(
            update(CapUsage)
            .where(CapUsage.id == int(change.details["cap_usage"]))
            .values(used=CapUsage.used - change.points)
        )
    change.status = "reversed"
    change.decided_by_staff_id = actor
    change.decided_at = now
    audit_change(session, change, actor, "points.reversed", now, reason=reason[:500])
    unit = str(change.details["point_type"])
    wallet = await person_wallet(session, change.person_id, unit, now)
    await record_earning(
        session, person_id=change.person_id, unit=unit, entry_id=reversal.id,
        wallet_id=wallet.id, at=now, zone=zone,
    )  # fmt: skip
    await tell_resident(
        session,
        person_id=change.person_id,
        wallet_id=wallet.id,
        details=change.details,
        points=-change.points,  # the opposite move
        asked_points=-change.points,
        now=now,
        key="points.undone",
    )


@dataclass(frozen=True)
class PendingRow:
    change: ChangeView
    person_name: str
    requested_by: str
    requested_by_id: int | None
    reason: str | None


def _pending_in_reach(staff: StaffView) -> ColumnElement[bool]:
    return and_(
        PointChange.status == "pending",
        staff.reaches_for(Action.APPROVE_ADJUSTMENTS, OrgUnit.path),
    )


async def pending_changes(uow: UnitOfWork, *, staff: StaffView) -> list[PendingRow]:
    """Changes waiting for a second staff member, for residents where this one may
    approve them. Raises out_of_scope for a role that approves nowhere."""
    staff.require_somewhere(Action.APPROVE_ADJUSTMENTS)
    async with uow.read() as session:
        rows = (
            await session.execute(
                select(PointChange, Person.display_name, StaffAccount.display_name)
                .join(Person, Person.id == PointChange.person_id)
                .join(Resident, Resident.person_id == PointChange.person_id)
                .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
                .outerjoin(StaffAccount, StaffAccount.id == PointChange.requested_by_staff_id)
                .where(_pending_in_reach(staff))
                .order_by(PointChange.created_at)
            )
        ).all()
    return [
        PendingRow(
            change_view(change), name, requester or "", change.requested_by_staff_id, change.note
        )
        for change, name, requester in rows
    ]


async def count_pending_changes(uow: UnitOfWork, *, staff: StaffView) -> int:
    """How many changes within reach wait for a second staff member."""
    async with uow.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(PointChange)
            .join(Resident, Resident.person_id == PointChange.person_id)
            .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
            .where(_pending_in_reach(staff))
        )
    return int(count or 0)


@dataclass(frozen=True)
class ChangeRow:
    change: ChangeView
    what: str  # the rule's code, or the reason of an adjustment
    by: str  # who asked for it


async def recent_changes(
    uow: UnitOfWork, *, staff: StaffView, person_id: int, limit: int = 20
) -> list[ChangeRow]:
    """The resident's latest awards, deductions and adjustments, newest first: what staff
    who may undo them are offered. Raises not_a_resident, out_of_scope."""
    async with uow.read() as session:
        resident = await load_resident(session, person_id)
        staff.require(Action.UNDO_CHANGES, resident.unit_path)
        rows = (
            await session.execute(
                select(PointChange, StaffAccount.display_name)
                .outerjoin(StaffAccount, StaffAccount.id == PointChange.requested_by_staff_id)
                .where(PointChange.person_id == person_id)
                .order_by(PointChange.created_at.desc(), PointChange.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        ChangeRow(change_view(change), change.details.get("rule") or change.note or "", by or "")
        for change, by in rows
    ]
