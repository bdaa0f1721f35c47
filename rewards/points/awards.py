"""Awarding and deducting points by rule, and undoing a change.

Each change is one transaction: a `point_changes` row keyed by the staff member's request
(a double click or a retried form is one change), the cap's usage row, the ledger entry,
the audit entry and the message to the resident. The message is in the outbox, so it goes
out only once the change committed.

Caps are exact under concurrency: the usage row of (rule, person, period) is locked before
it is read, so two awards racing for the last points of a cap queue on that row on
PostgreSQL (SQLite has one writer at a time anyway). Deductions never take a wallet below
zero: a deduction larger than the balance takes what is there (and, where the point type
has a household base, the rest from the household's base), and the change records what
was asked and what was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.sql import insert_ignoring_conflicts
from core.uow import UnitOfWork
from ledger.service import Leg, available, post_entry
from rewards.audit import record_audit
from rewards.errors import (
    CapReached,
    NotAllowedToAward,
    NotVerified,
    RequestKeyReused,
    ResidentLeft,
    RuleNotApplicable,
    RuleNotInForce,
)
from rewards.people.models import Resident
from rewards.people.residents import ResidentView, load_verified_resident, unit_path_of
from rewards.points.accounts import household_base, issuance, penalties, person_wallet
from rewards.points.earnings import record_earning
from rewards.points.models import CapUsage, PointChange, PointType
from rewards.points.notices import tell_resident
from rewards.points.periods import period_start
from rewards.points.rules import RuleView, current_rule
from rewards.staff.permissions import Action, allows
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class ChangeView:
    id: int
    kind: str  # award | deduction | adjustment
    person_id: int
    point_type: str
    points: int  # signed, as paid
    asked_points: int
    status: str  # posted | pending | rejected | reversed
    entry_id: int | None
    rule_code: str | None
    rule_version: int | None
    created_at: datetime


async def apply_rule(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    person_id: int,
    rule_code: str,
    request_key: str,
    zone: ZoneInfo,
    note: str | None = None,
) -> ChangeView:
    """Award (or, for a rule with negative points, deduct) by rule.

    Raises not_a_resident, not_verified, out_of_scope, unknown_rule, rule_not_in_force,
    rule_not_applicable, not_allowed_to_award, cap_reached, request_key_reused.
    A rule that wants a second approver leaves the change pending (see approvals)."""
    try:
        async with uow.write() as session:
            earlier = await _replay(session, request_key, person_id, rule_code)
            if earlier is not None:
                return earlier
            now = uow.now()
            resident = await load_verified_resident(session, person_id)
            staff.require(Action.AWARD_BY_RULE, resident.unit_path)
            rule = await current_rule(session, rule_code)
            _check_rule(rule, staff, resident, now)
            change = await _new_change(session, staff.id, resident, rule, request_key, note, now)
            if rule.second_approver:
                audit_change(session, change, staff.id, "points.requested", now)
                return change_view(change)
            await pay(session, change, rule, zone=zone, now=now)
            audit_change(session, change, staff.id, f"points.{change.kind}", now)
            return change_view(change)
    except IntegrityError:
        # A twin of this request committed first (same key): answer as it was answered.
        async with uow.read() as session:
            earlier = await _replay(session, request_key, person_id, rule_code)
        if earlier is None:
            raise
        return earlier


async def award_in(
    session: AsyncSession,
    *,
    person_id: int,
    rule_code: str,
    request_key: str,
    requested_by: int | None,
    note: str | None,
    zone: ZoneInfo,
    now: datetime,
    times: int = 1,
) -> ChangeView | None:
    """Pay a rule to a resident inside the caller's transaction, for a step the caller
    took (a report verified, an attendance confirmed): the rule and its caps decide, not
    the actor's right to award. `times`: the rule's points over again (hours on duty, a
    holiday's double), still within its cap. Once per request key. None, and the step still stands,
    when the resident earns nothing (not verified, or left, or the cap is reached) or the
    rule is not in force for them."""
    earlier = await _replay(session, request_key, person_id, rule_code)
    if earlier is not None:
        return earlier
    try:
        resident = await load_verified_resident(session, person_id)
    except (NotVerified, ResidentLeft):
        return None
    rule = await current_rule(session, rule_code)
    if not rule.in_force(now) or not resident.unit_path.startswith(rule.unit_path):
        return None
    try:
        # A savepoint: a cap already reached leaves no trace of the change, and the
        # caller's step stands.
        async with session.begin_nested():
            change = await _new_change(
                session, requested_by, resident, rule, request_key, note, now, times
            )
            if rule.second_approver:
                audit_change(session, change, requested_by, "points.requested", now)
                return change_view(change)
            await pay(session, change, rule, zone=zone, now=now)
    except CapReached:
        return None
    audit_change(session, change, requested_by, f"points.{change.kind}", now)
    return change_view(change)


def _check_rule(rule: RuleView, staff: StaffView, resident: ResidentView, now: datetime) -> None:
    if not rule.in_force(now):
        raise RuleNotInForce(code=rule.code)
    if not resident.unit_path.startswith(rule.unit_path):
        raise RuleNotApplicable(code=rule.code)
    # The rule's own awarder roles narrow the table further: the role that awards must
    # be allowed to award, be named by the rule, and reach the resident.
    if not any(
        role.role.value in rule.awarder_roles
        and allows(role.role, Action.AWARD_BY_RULE)
        and resident.unit_path.startswith(role.org_unit_path)
        for role in staff.roles
    ):
        raise NotAllowedToAward(code=rule.code)


async def _new_change(
    session: AsyncSession,
    requested_by: int | None,
    resident: ResidentView,
    rule: RuleView,
    request_key: str,
    note: str | None,
    now: datetime,
    times: int = 1,
) -> PointChange:
    change = PointChange(
        request_key=request_key,
        kind="award" if rule.points > 0 else "deduction",
        person_id=resident.person_id,
        point_type_id=rule.point_type_id,
        rule_version_id=rule.version_id,
        points=0,
        asked_points=rule.points * times,
        note=note,
        status="pending",
        requested_by_staff_id=requested_by,
        created_at=now,
        # A snapshot of what the resident reads about it, kept with the ledger entry too.
        details={
            "rule": rule.code,
            "version": rule.version,
            "point_type": rule.point_type,
            "category": rule.category_name,
            "category_en": rule.category_name_en,
            "action": rule.action,
            "action_en": rule.action_en,
            **({"times": times} if times != 1 else {}),
        },
    )
    session.add(change)
    await session.flush()  # the unique request key stops a twin here
    return change


async def pay(
    session: AsyncSession,
    change: PointChange,
    rule: RuleView | None,
    *,
    zone: ZoneInfo,
    now: datetime,
) -> None:
    """Move the points of a change through the ledger (cut to the rule's cap, or to the
    balance for a deduction), mark it posted and tell the resident."""
    unit = str(change.details["point_type"])
    wallet = await person_wallet(session, change.person_id, unit, now)
    amount = change.asked_points
    if rule is not None and rule.cap_period is not None and amount > 0:
        amount, usage_id = await _within_cap(session, change.person_id, rule, amount, zone, now)
        change.details = {**change.details, "cap_usage": usage_id}  # undo gives it back
    legs = [Leg(wallet.id, amount)]
    if amount < 0:
        legs = await _deduction_legs(session, change.person_id, wallet.id, unit, -amount, now)
        amount = sum(leg.amount for leg in legs)
    change.points = amount
    change.status = "posted"
    if amount != 0:
        source = await (issuance if amount > 0 else penalties)(session, unit, now)
        entry = await post_entry(
            session,
            idempotency_key=f"points:{change.id}",
            kind=change.kind,
            legs=[Leg(source.id, -amount), *legs],
            now=now,
            memo=change.note,
            meta={"change": change.id, **change.details},
        )
        change.entry_id = entry.id
        await record_earning(
            session, person_id=change.person_id, unit=unit, entry_id=entry.id,
            wallet_id=wallet.id, at=now, zone=zone,
        )  # fmt: skip
    await tell_resident(
        session,
        person_id=change.person_id,
        wallet_id=wallet.id,
        details=change.details,
        points=amount,
        asked_points=change.asked_points,
        now=now,
    )


async def _deduction_legs(
    session: AsyncSession, person_id: int, wallet_id: int, unit: str, asked: int, now: datetime
) -> list[Leg]:
    """What a deduction of `asked` takes: the wallet's points first; for a point type with
    a household base (Litang), the rest from the household's base, as far as it goes.
    Each is locked before it is read, the wallet first: what the deduction saw must still
    be there when it writes, whatever spend or other member's fine comes at once."""
    from_wallet = min(asked, max(await available(session, wallet_id, lock=True), 0))
    legs = [Leg(wallet_id, -from_wallet)] if from_wallet else []
    rest = asked - from_wallet
    if rest:
        base = await session.scalar(select(PointType.household_base).where(PointType.code == unit))
        household_id = await session.scalar(
            select(Resident.household_id).where(Resident.person_id == person_id)
        )
        if base and household_id is not None:
            account = await household_base(session, household_id, unit, base, now)
            from_base = min(rest, max(await available(session, account.id, lock=True), 0))
            if from_base:
                legs.append(Leg(account.id, -from_base))
    return legs


async def _within_cap(
    session: AsyncSession,
    person_id: int,
    rule: RuleView,
    amount: int,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[int, int]:
    """What may still be paid under the cap, recorded as used, and the usage row's id.
    Raises cap_reached."""
    assert rule.cap_period is not None
    assert rule.cap_points is not None
    start = period_start(rule.cap_period, now, zone)
    rule_id = rule.rule_id
    await session.execute(
        insert_ignoring_conflicts(session, CapUsage, on=["rule_id", "person_id", "period_start"]),
        [{"rule_id": rule_id, "person_id": person_id, "period_start": start, "used": 0}],
    )
    usage = await session.scalar(
        select(CapUsage)
        .where(
            CapUsage.rule_id == rule_id,
            CapUsage.person_id == person_id,
            CapUsage.period_start == start,
        )
        .with_for_update()
    )
    assert usage is not None
    left = rule.cap_points - usage.used
    if left <= 0 or (amount > left and rule.cap_mode == "refuse"):
        raise CapReached(cap=rule.cap_points)
    paid = min(amount, left)
    await session.execute(
        update(CapUsage).where(CapUsage.id == usage.id).values(used=CapUsage.used + paid)
    )
    return paid, usage.id


async def _replay(
    session: AsyncSession, request_key: str, person_id: int, rule_code: str | None
) -> ChangeView | None:
    change = await session.scalar(
        select(PointChange).where(PointChange.request_key == request_key)
    )
    if change is None:
        return None
    if change.person_id != person_id or change.details.get("rule") != rule_code:
        raise RequestKeyReused()
    return change_view(change)


def audit_change(
    session: AsyncSession,
    change: PointChange,
    actor: int | None,
    action: str,
    now: datetime,
    *,
    reason: str | None = None,
) -> None:
    """`reason` is the step's own (undoing one); else the change's note."""
    record_audit(
        session,
        at=now,
        actor_staff_id=actor,
        action=action,
        target=f"person:{change.person_id}",
        unit_path=unit_path_of(change.person_id),
        reason=reason or change.note,
        details={
            "change": change.id,
            "asked": change.asked_points,
            "paid": change.points,
            "entry": change.entry_id,
            **change.details,
        },
    )


def change_view(change: PointChange) -> ChangeView:
    details = change.details
    return ChangeView(
        id=change.id,
        kind=change.kind,
        person_id=change.person_id,
        point_type=str(details.get("point_type")),
        points=change.points,
        asked_points=change.asked_points,
        status=change.status,
        entry_id=change.entry_id,
        rule_code=details.get("rule"),
        rule_version=details.get("version"),
        created_at=change.created_at,
    )
