"""Staff accounts for the web panel and the roles that scope them to the organisation tree."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, BigIntId, id_column


class Role(enum.StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    BUILDING_HEAD = "building_head"
    GRID_WORKER = "grid_worker"
    GRID_HEAD = "grid_head"
    COMMUNITY_STAFF = "community_staff"
    COMMITTEE_PUBLISHER = "committee_publisher"
    KIOSK_OPERATOR = "kiosk_operator"
    DEPARTMENT_HANDLER = "department_handler"
    INSPECTOR = "inspector"
    SUPERADMIN = "superadmin"


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = id_column()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # Sessions carry the generation they started in; logout and a new password move it
    # on, which ends every session signed before (a cookie cannot be taken back).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )


class LoginFailures(Base):
    """Wrong passwords for one account from one client address: the lockout is kept
    per address, so a guesser elsewhere cannot lock the owner out."""

    __tablename__ = "staff_login_failures"
    __table_args__ = (UniqueConstraint("staff_id", "address"),)

    id: Mapped[int] = id_column()
    staff_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role", "org_unit_id"),)

    id: Mapped[int] = id_column()
    staff_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)

    staff: Mapped[StaffAccount] = relationship(back_populates="roles")


class StaffChat(Base):
    """The Telegram account a staff member linked, once, from the panel: cases and alerts
    reach them there, and they act on them with buttons (within their roles)."""

    __tablename__ = "staff_chats"

    staff_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id"), primary_key=True
    )
    # A private chat's id is the user's id; one Telegram account serves one staff account.
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    linked_at: Mapped[datetime]


class StaffLinkCode(Base):
    """A one-time link the panel shows (a deep link and its QR): kept as its SHA-256,
    short-lived, and spent by the first /start that brings it."""

    __tablename__ = "staff_link_codes"

    id: Mapped[int] = id_column()
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
