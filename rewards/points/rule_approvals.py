"""The second staff member for rules worth more than the approval threshold.

A rule that pays (or takes) more than an adjustment may without a second person would let
one staff member do alone, by rule, what the two-person rule forbids by hand: make a rule
worth 100,000 points and award it. So `save_rule` leaves such a version waiting (a row
here) and the rule's current version where it was; an approver holding APPROVE_RULES
where the rule applies puts it in force, or refuses it. The author can never decide.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import NotPending, OutOfScope, SameApprover, UnknownRuleApproval
from rewards.org.models import OrgUnit
from rewards.points.models import Rule, RuleApproval, RuleVersion
from rewards.points.rules import RuleView, rule_version
from rewards.staff.models import StaffAccount
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class PendingRule:
    approval_id: int
    rule: RuleView  # the version as written (its unit is where it will apply)
    requested_by: str
    requested_by_id: int | None


async def pending_rules(uow: UnitOfWork, *, staff: StaffView) -> list[PendingRule]:
    """Rule versions waiting for a second staff member where this one may approve them.
    Raises out_of_scope for staff who may approve rules nowhere."""
    if not staff.may(Action.APPROVE_RULES):
        raise OutOfScope()
    target = aliased(OrgUnit)
    async with uow.read() as session:
        rows = (
            await session.execute(
                select(RuleApproval, target, StaffAccount.display_name)
                .join(target, target.id == RuleApproval.org_unit_id)
                .outerjoin(StaffAccount, StaffAccount.id == RuleApproval.requested_by_staff_id)
                .where(
                    RuleApproval.status == "pending",
                    staff.reaches_for(Action.APPROVE_RULES, target.path),
                )
                .order_by(RuleApproval.created_at, RuleApproval.id)
            )
        ).all()
        found = []
        for approval, unit, requester in rows:
            version = await rule_version(session, approval.rule_version_id)
            # The version's own unit, not the rule's unit in force (a version may move it).
            view = _at(version, unit)
            found.append(
                PendingRule(approval.id, view, requester or "", approval.requested_by_staff_id)
            )
    return found


def _at(view: RuleView, unit: OrgUnit) -> RuleView:
    return replace(view, unit_id=unit.id, unit_code=unit.code, unit_path=unit.path)


async def decide_rule(
    uow: UnitOfWork, *, staff: StaffView, approval_id: int, approve: bool
) -> RuleView:
    """Approve (put in force) or refuse a waiting rule version. Raises
    unknown_rule_approval, not_pending, same_approver, out_of_scope."""
    async with uow.write() as session:
        now = uow.now()
        approval = await session.scalar(
            select(RuleApproval).where(RuleApproval.id == approval_id).with_for_update()
        )
        if approval is None:
            raise UnknownRuleApproval()
        unit = await session.get(OrgUnit, approval.org_unit_id)
        assert unit is not None
        staff.require(Action.APPROVE_RULES, unit.path)
        if approval.status != "pending":
            raise NotPending()
        if approval.requested_by_staff_id == staff.id:
            raise SameApprover()
        version = await session.get(RuleVersion, approval.rule_version_id)
        assert version is not None
        rule = await session.scalar(
            select(Rule).where(Rule.id == version.rule_id).with_for_update()
        )
        assert rule is not None
        if rule.current_version > 0 and rule.org_unit_id != unit.id:
            # Moving a rule takes it from where it applies now: the approver reaches both.
            old_unit = await session.get(OrgUnit, rule.org_unit_id)
            assert old_unit is not None
            staff.require(Action.APPROVE_RULES, old_unit.path)
        approval.status = "approved" if approve else "refused"
        approval.decided_by_staff_id = staff.id
        approval.decided_at = now
        # A version approved after a newer one came into force stays history only.
        if approve and version.version > rule.current_version:
            rule.current_version = version.version
            rule.org_unit_id = unit.id
        record_audit(
            session,
            at=now,
            actor_staff_id=staff.id,
            action="rule.approved" if approve else "rule.refused",
            target=f"rule:{rule.code}",
            unit_path=unit.path,
            details={"version": version.version, "points": version.points},
        )
        return _at(await rule_version(session, version.id), unit)
