"""Design overview
===============

Accounts hold integer amounts of one unit (a point type). A journal entry moves amounts
between accounts through postings: signed integers, never zero, summing to zero per entry.
An account's balance is the sum of its postings.

Entries and postings are immutable. The database itself refuses to update or delete them,
and it checks that every entry balances, on SQLite and PostgreSQL alike:

- an entry states how many postings (`legs`) it has; a posting for an entry that already
  has them all is refused, so nothing is added after the fact ("sealed");
- the entry's postings are checked against it: exactly `legs` of them, at least two, all of
  one unit, summing to zero (on PostgreSQL by a deferred constraint trigger, which the
  postings' trigger fires as they arrive, before it locks any wallet, so an entry's
  postings come in one statement; an entry that never gets postings fails at commit. On
  SQLite, where the postings are written first, when the entry row arrives);
- a posting's foreign key to its entry is DEFERRABLE INITIALLY DEFERRED, so a posting whose
  entry never arrives fails at commit; its account must exist too, which the balance check
  sees by joining them (there is no foreign key to the account: see Posting.account_id).

Bounded accounts (a floor, a ceiling or both) also carry their posted balance and the sum
of their pending holds (`posted`, `held`). Triggers keep both equal to the postings and
holds, under the row lock of the update, and refuse any change that takes the available
balance (posted − held) further below the floor or the posted balance further above the
ceiling. Unbounded accounts, such as the hot issuance and clearing accounts, keep no
figures and are never written after opening: their balance is the sum of their postings.

Every entry carries a unique idempotency key and a fingerprint of its content: the same key
with the same content returns the first result, with other content it is an error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class Account(Base):
    __tablename__ = "ledger_accounts"
    # Every posting to a bounded account rewrites its row: free room on each page lets the
    # new version sit beside the old one (a HOT update, which touches no index).
    __table_args__ = ({"postgresql_with": {"fillfactor": 30}},)

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(128), unique=True)
    unit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    # Whose account this is, in the caller's terms ("person:12"); the ledger never reads it.
    owner_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # Bounds on the balance; an account with neither is never locked (see ledger.service).
    floor: Mapped[int | None] = mapped_column(BigInteger)
    ceiling: Mapped[int | None] = mapped_column(BigInteger)
    # Kept by the database for bounded accounts only (NULL otherwise): the posted balance
    # and what pending holds reserve. See the design overview above.
    posted: Mapped[int | None] = mapped_column(BigInteger)
    held: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Entry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    memo: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    effective_at: Mapped[datetime] = mapped_column(index=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reverses_entry_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("ledger_entries.id"), unique=True
    )
    # How many postings the entry has; it is sealed once they are all written.
    legs: Mapped[int] = mapped_column(Integer)


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = id_column()
    entry_id: Mapped[int] = mapped_column(
        BigIntId,
        ForeignKey("ledger_entries.id", deferrable=True, initially="DEFERRED"),
        index=True,
    )
    # No foreign key: checking one takes a share lock on the account row, and every award
    # would queue on the hot issuance account's. Accounts are never deleted or renumbered
    # (triggers refuse it), writers check the accounts first, and each entry's balance
    # check joins every posting to its account.
    account_id: Mapped[int] = mapped_column(BigIntId, index=True)
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
    # pending → posted | voided | expired. A posted hold is released first and then gets
    # its entry (resolution_entry_id), so the amount never counts twice against the floor.
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    memo: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    posted_amount: Mapped[int | None] = mapped_column(BigInteger)
    resolution_entry_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("ledger_entries.id"), unique=True
    )
