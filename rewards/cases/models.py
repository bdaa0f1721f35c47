"""Snap-and-report cases (随手拍): what a resident reported, where, with which photos, and
every step it took on its way to a closed, rated case (rewards.cases.lifecycle).

A case is written while the resident is still telling it (status "draft"), so a
conversation interrupted by a restart picks up where it was. Photos live in the file
storage; the rows keep their keys and perceptual hashes (for spotting the same problem
reported twice).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class CaseCategory(Base):
    """What kind of problem (垃圾, 路灯…): the resident's buttons, with the time targets and
    the point rules of cases of that kind. Edited in the panel."""

    __tablename__ = "case_categories"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    # Hours from report to acknowledgement, and to resolution (日清日结: the same day).
    acknowledge_hours: Mapped[int] = mapped_column(default=12)
    resolve_hours: Mapped[int] = mapped_column(default=72)
    # The point rules paid to the reporter when the case is verified, and when resolved.
    verify_rule: Mapped[str | None] = mapped_column(String(64))
    resolve_rule: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)


class KnownPlace(Base):
    """A place residents name instead of sharing their location (the gate, building 3)."""

    __tablename__ = "known_places"

    id: Mapped[int] = id_column()
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(default=True)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_unit", "status", "unit_id"),
        Index("ix_cases_category_reported_at", "category_id", "reported_at"),
    )

    id: Mapped[int] = id_column()
    reporter_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # see rewards.cases.lifecycle.Status
    # Bumped by every step: a button or a form carries the version it was drawn from, so
    # the second of two staff acting at once is told rather than acting on a stale case.
    version: Mapped[int] = mapped_column(default=1)
    category_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("case_categories.id"))
    # Who answers for it now: a unit of the tree at a level of the ladder
    # (grid → community → street → department; 小事不出网格、大事不出社区、难事不出街道).
    unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), default="grid")
    # Where it was reported (the reporter's grid), which escalation does not change: the
    # statistics count a case for the grid it came from.
    origin_unit_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("org_units.id"))
    handler_staff_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    place_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("known_places.id"))
    description: Mapped[str | None] = mapped_column(String(500))
    voice_key: Mapped[str | None] = mapped_column(String(80))  # a voice note in file storage
    duplicate_of_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("cases.id"))
    # An open case near it, or with a near-identical photo, that the reporter said was a
    # different problem: flagged for staff, who may still merge the two.
    similar_to_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("cases.id"))
    rejection_reason: Mapped[str | None] = mapped_column(String(16))  # invalid|duplicate|false
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    reported_at: Mapped[datetime | None]
    acknowledge_by: Mapped[datetime | None]
    resolve_by: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # When the daily overdue digest last named it, and when its reporter was asked
    # whether it stayed fixed (rewards.cases.deadlines).
    overdue_alerted_at: Mapped[datetime | None]
    followed_up_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CasePhoto(Base):
    """A photo of the problem (the reporter's) or of its fix (the handler's proof)."""

    __tablename__ = "case_photos"
    __table_args__ = (UniqueConstraint("case_id", "storage_key"),)

    id: Mapped[int] = id_column()
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # report | proof
    storage_key: Mapped[str] = mapped_column(String(80))
    phash: Mapped[str | None] = mapped_column(String(32), index=True)
    width: Mapped[int]
    height: Mapped[int]
    added_at: Mapped[datetime]


class CaseEvent(Base):
    """One step of a case, by whom and when: the case's history, never rewritten."""

    __tablename__ = "case_events"

    id: Mapped[int] = id_column()
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_staff_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    actor_person_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(index=True)


class CaseSupporter(Base):
    """A resident who reported the same problem and joined the case instead."""

    __tablename__ = "case_supporters"

    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), primary_key=True)
    joined_at: Mapped[datetime]


class ReportingStop(Base):
    """A resident staff stopped from reporting (misuse: floods, insults, false reports),
    with why and by whom. Deleting the row lets them report again; both are audited."""

    __tablename__ = "case_reporting_stops"

    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500))
    staff_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    at: Mapped[datetime]
