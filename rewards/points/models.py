"""Point types, categories and the rules that award or deduct points.

A rule is a stable identity (its code); what it says lives in versions. Editing a rule
writes a new version and never changes an old one, and every award names the version it
was paid under (in the award row and in the ledger entry's metadata), so history is
never rewritten. Money moves only in the ledger; these tables say why it moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class PointType(Base):
    """A kind of point (moral, volunteer, staff performance), each its own ledger unit."""

    __tablename__ = "point_types"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the ledger unit
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str | None] = mapped_column(String(60))
    # What one point is worth for reports, in fen (100 = ¥1): Litang ¥1, Hanchuan ¥2.
    value_fen: Mapped[int] = mapped_column(default=100)
    redeemable: Mapped[bool] = mapped_column(default=True)
    # A household's base that counts in its total but is never spent (Litang: 100).
    household_base: Mapped[int] = mapped_column(default=0)
    # Points of this type lapse this many months after they were granted, oldest first.
    expiry_months: Mapped[int | None]
    created_at: Mapped[datetime]


class Category(Base):
    """A heading of the rules (遵纪守法, 清洁卫生, …) as the resident reads them."""

    __tablename__ = "point_categories"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)


class Rule(Base):
    __tablename__ = "point_rules"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # The rule applies to residents in this unit's subtree, and staff edit it only there.
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    current_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]


class RuleVersion(Base):
    """What a rule said from one edit to the next. Rows are never updated."""

    __tablename__ = "point_rule_versions"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)

    id: Mapped[int] = id_column()
    rule_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("point_rules.id"))
    version: Mapped[int]
    category_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("point_categories.id"))
    point_type_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("point_types.id"))
    action: Mapped[str] = mapped_column(String(120))
    action_en: Mapped[str | None] = mapped_column(String(120))
    points: Mapped[int]  # positive: an award; negative: a deduction
    # day | week | month | quarter | year, or None for no cap
    cap_period: Mapped[str | None] = mapped_column(String(8))
    cap_points: Mapped[int | None]
    # At the cap: "cut" pays what is left of it, "refuse" pays nothing.
    cap_mode: Mapped[str] = mapped_column(String(8), default="cut")
    # Roles (rewards.staff.models.Role values) that may apply the rule.
    awarder_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    second_approver: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    reason: Mapped[str | None] = mapped_column(String(500))


class CapUsage(Base):
    """Points a person was paid under one rule in one cap period. Its row lock is what
    makes concurrent awards stop exactly at the cap on PostgreSQL."""

    __tablename__ = "point_cap_usage"
    __table_args__ = (UniqueConstraint("rule_id", "person_id", "period_start"),)

    id: Mapped[int] = id_column()
    rule_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("point_rules.id"))
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"))
    period_start: Mapped[datetime]
    used: Mapped[int] = mapped_column(default=0)


class PointChange(Base):
    """One award, deduction or adjustment as staff asked for it, keyed by the request so a
    repeated request (a double click, a retried form) is one change. `entry_id` is the
    ledger entry that paid it; null while it waits for a second approver."""

    __tablename__ = "point_changes"

    id: Mapped[int] = id_column()
    request_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # award | deduction | adjustment
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    point_type_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("point_types.id"))
    rule_version_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("point_rule_versions.id")
    )
    points: Mapped[int]  # signed, as paid (after a cap cut)
    asked_points: Mapped[int]  # signed, as the rule or the staff member asked
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # posted | pending | rejected
    requested_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    decided_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    entry_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RuleApproval(Base):
    """A rule version worth more than the approval threshold, and the second staff
    member's decision on it. Until it is approved the version is not in force (the rule's
    `current_version` stays below it). Versions are never updated, so the decision
    lives here."""

    __tablename__ = "point_rule_approvals"

    id: Mapped[int] = id_column()
    rule_version_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("point_rule_versions.id"), unique=True
    )
    # Where the rule applies once approved (a version may move it): approvers are
    # sought there.
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending|approved|refused
    requested_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    decided_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class EarnedPoints(Base):
    """Points a person earned (awards, deductions, adjustments and their reversals, on
    the wallet) in a month of the community's calendar, per point type: kept in the
    same transaction as the ledger entry, so that ranking a city reads a row a person
    and month instead of every posting. `moralbank ledger verify` proves it equals the
    postings."""

    __tablename__ = "earned_points"

    person_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), primary_key=True)  # the point type
    month: Mapped[str] = mapped_column(String(7), primary_key=True, index=True)  # 2026-04
    points: Mapped[int] = mapped_column(BigInteger)
