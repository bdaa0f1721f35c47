"""People the bank knows, and the chat channels they reach it through.

A person is not a Telegram user: Telegram is one channel among those a person may use
(a WeChat adapter would add its own rows), so the domain never depends on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = id_column()
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(16))
    # True once the person chose a language themselves; from then on the client's
    # language tag no longer decides.
    language_chosen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # Given by Telegram's contact button, only ever the person's own number.
    phone: Mapped[str | None] = mapped_column(String(32))
    # The privacy notice the person agreed to (its version) and when.
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consented_at: Mapped[datetime | None]
    # Set when the person left: their personal data is erased, their ledger stays.
    left_at: Mapped[datetime | None]
    # Public ranking boards show a masked name; still, only those who agreed are on them.
    on_public_boards: Mapped[bool] = mapped_column(default=False, server_default=false())


class PersonChannel(Base):
    __tablename__ = "person_channels"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = id_column()
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Telegram user ids need 64 bits.
    external_id: Mapped[int] = mapped_column(BigInteger)


class Household(Base):
    """A household (户): members and a head; its invite code lets members join it."""

    __tablename__ = "households"

    id: Mapped[int] = id_column()
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    head_person_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("people.id"))
    invite_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime]


class Resident(Base):
    """A person's standing in the bank: where they live, their household, and whether
    staff verified it. Only verified residents earn points."""

    __tablename__ = "residents"

    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), primary_key=True)
    # The unit the resident lives in (a grid, or a building below it): staff reach them
    # through it.
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("households.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|verified
    verified_at: Mapped[datetime | None]
    verified_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    created_at: Mapped[datetime]


class Team(Base):
    """A volunteer team (天天巡逻组, a service cell): people from any households of the
    unit it belongs to; a person may be in several teams."""

    __tablename__ = "teams"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    created_at: Mapped[datetime]


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "person_id"),)

    id: Mapped[int] = id_column()
    team_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("teams.id"), index=True)
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    leader: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime]
