"""Design overview
===============

Accounts hold integer amounts of one unit (a point type). A journal entry moves amounts
between accounts through postings: signed integers, never zero, summing to zero per entry.
An account's balance is the sum of its postings.

Entries and postings are immutable. The database itself refuses to update or delete them,
and it checks that every entry balances, on SQLite and PostgreSQL alike:

- postings are written first, then their entry row "seals" them; the posting's foreign key
  to the entry is DEFERRABLE INITIALLY DEFERRED, so a posting without its entry fails at
  commit;
- a posting for an entry that already exists is refused (nothing is added after the seal);
- inserting the entry checks that it has at least two postings, all of one unit, summing to
  zero (a deferred constraint trigger on PostgreSQL; a trigger on SQLite, where the postings
  always precede the entry).

Every entry carries a unique idempotency key and a fingerprint of its content: the same key
with the same content returns the first result, with other content it is an error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class Account(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(128), unique=True)
    unit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    # Whose account this is, in the caller's terms ("person:12"); the ledger never reads it.
    owner_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # Bounds on the balance; an account with neither is never locked (see ledger.service).
    floor: Mapped[int | None] = mapped_column(BigInteger)
    ceiling: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Entry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    memo: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    effective_at: Mapped[datetime] = mapped_column(index=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reverses_entry_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("ledger_entries.id"), unique=True
    )


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = id_column()
    entry_id: Mapped[int] = mapped_column(
        BigIntId,
        ForeignKey("ledger_entries.id", deferrable=True, initially="DEFERRED"),
        index=True,
    )
    account_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class Hold(Base):
    """A pending transfer (two-phase): it lowers the debit account's available balance at
    once and is later posted (in full or in part) or voided, exactly once. Only its status
    fields ever change, and only while it is pending (a trigger refuses anything else)."""

    __tablename__ = "ledger_holds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = id_column()
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    debit_account_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("ledger_accounts.id"), index=True
    )
    credit_account_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # pending → posted | voided | expired
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    memo: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    posted_amount: Mapped[int | None] = mapped_column(BigInteger)
    resolution_entry_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("ledger_entries.id"), unique=True
    )
