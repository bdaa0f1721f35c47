"""Patrols and volunteer duty (天天巡逻组, 周五美化): an activity (where volunteers meet, how
many, by which points rule) has shifts (one-off, or planned ahead from its daily times);
residents sign up for a shift, or wait for a place; they check in at the assembly point by
the poster's QR and out again; staff confirm who came, and the points post then.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class DutyActivity(Base):
    __tablename__ = "duty_activities"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    # The grid (or community) it belongs to: who may manage it, who sees it in the bot.
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    place_name: Mapped[str] = mapped_column(String(120))  # the assembly point (集合点)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int]
    team_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("teams.id"))
    # The points rule paid for an attendance, or for each full hour of the shift
    # (pay_per "hour"); none: hours are counted, no points.
    rule_code: Mapped[str | None] = mapped_column(String(64))
    pay_per: Mapped[str] = mapped_column(String(16), default="attendance")
    # Daily times of a recurring activity, ["07:00-08:00", "19:00-20:00"]; empty: one-off.
    daily: Mapped[list[str]] = mapped_column(JSON, default=list)
    signup_opens_days: Mapped[int] = mapped_column(default=7)  # how far ahead one may sign up
    cancel_until_hours: Mapped[int] = mapped_column(default=2)  # cut-off before the start
    # The poster's QR: its secret kept as SHA-256 (a new poster makes the old one void).
    poster_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class DutyShift(Base):
    __tablename__ = "duty_shifts"
    __table_args__ = (UniqueConstraint("activity_id", "starts_at"),)

    id: Mapped[int] = id_column()
    activity_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("duty_activities.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    # The rule paid this many times over: 2 for a holiday or a night patrol.
    multiplier: Mapped[int] = mapped_column(default=1)
    # Attendance confirmed (and paid): the shift is closed to further changes.
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    # When its volunteers were reminded: the evening before, and an hour before.
    evening_reminded_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    # When its leaders and staff were asked, at its end, to confirm who came.
    roll_called_at: Mapped[datetime | None]


class DutySignup(Base):
    """One resident on one shift: signed up, waiting, offered a freed place, cancelled,
    or after the shift attended or absent (a no-show)."""

    __tablename__ = "duty_signups"
    __table_args__ = (
        UniqueConstraint("shift_id", "person_id"),
        Index("ix_duty_signups_person_status", "person_id", "status"),
    )

    id: Mapped[int] = id_column()
    shift_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("duty_shifts.id"), index=True)
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(16))  # see rewards.duty.signups.SignupStatus
    offered_until: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    all_clear: Mapped[bool | None]  # 无事报平安 at check-out; False: a problem was reported
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DutyGroupChat(Base):
    """A Telegram group of volunteers that gets the day's patrols of a unit posted every
    morning and evening. Bound by a staff member from inside the group (/dutygroup)."""

    __tablename__ = "duty_group_chats"

    id: Mapped[int] = id_column()
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    bound_by: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    bound_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(16))  # the posts', the binder's
    # The local day of the last morning and evening post: each goes out once a day.
    morning_posted_on: Mapped[date | None]
    evening_posted_on: Mapped[date | None]
