"""People the bank knows, and the chat channels they reach it through.

A person is not a Telegram user: Telegram is one channel among those a person may use
(a WeChat adapter would add its own rows), so the domain never depends on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
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


class PersonChannel(Base):
    __tablename__ = "person_channels"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = id_column()
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Telegram user ids need 64 bits.
    external_id: Mapped[int] = mapped_column(BigInteger)
