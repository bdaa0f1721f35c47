"""Love-supermarket kiosks (outlets), what they offer, and the checkouts that spend points.

Money moves only in the ledger: a checkout holds the resident's points when it is
confirmed and posts the hold when the goods change hands (rewards.redemption.checkout).
These tables say what was bought, where, by whom and through which code, and record
every scan, refused ones too.

Codes are never stored in clear: a pay code and a checkout's link are looked up by their
SHA-256, so a copy of the database redeems nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column


class Outlet(Base):
    """A kiosk (爱心超市) at a unit of the tree; it serves the residents below that unit."""

    __tablename__ = "outlets"

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    org_unit_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("org_units.id"), index=True)
    # "08:30-11:30,14:00-17:30" in the community's time zone; "" for always open.
    opening_hours: Mapped[str] = mapped_column(String(120), default="")
    # The Telegram group of the outlet's staff (the bot is a member): low-stock alerts go
    # there. Staff accounts have no chat of their own.
    alert_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class OutletOperator(Base):
    """A staff account that works this outlet's counter (a kiosk operator acts only here)."""

    __tablename__ = "outlet_operators"

    outlet_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("outlets.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id"), primary_key=True, index=True
    )


class CatalogueItem(Base):
    """Goods on a shelf, or a fee offset (抵扣费用: a property or water fee paid with points,
    which leaves a record the property office settles)."""

    __tablename__ = "outlet_items"
    __table_args__ = (UniqueConstraint("outlet_id", "code"),)

    id: Mapped[int] = id_column()
    outlet_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("outlets.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # what a scanner reads off the shelf label
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="goods")  # goods | fee_offset
    point_type: Mapped[str] = mapped_column(String(32))  # the ledger unit it is priced in
    price_points: Mapped[int]
    value_fen: Mapped[int]  # what the item is worth in yuan (fen), for settlement
    # Units on the shelf; None for fee offsets, which have no stock.
    stock: Mapped[int | None]
    low_stock_at: Mapped[int] = mapped_column(default=0)
    # At most this many per resident per period (month | quarter | year), when set.
    limit_per_resident: Mapped[int | None]
    limit_period: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class PayCode(Base):
    """A resident's pay code (付款码): short-lived, single-use, bound to one person."""

    __tablename__ = "pay_codes"

    id: Mapped[int] = id_column()
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the digits
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Set once: by the scan that took it, or when a newer code replaced it.
    used_at: Mapped[datetime | None]

    # A new code retires the resident's live one: found without reading every code they
    # ever had (one a purchase).
    __table_args__ = (
        Index(
            "ix_pay_codes_live",
            "person_id",
            postgresql_where=text("used_at IS NULL"),
            sqlite_where=text("used_at IS NULL"),
        ),
    )


class Checkout(Base):
    """One purchase at one outlet.

    open (items being added; the resident known from a pay code, or not yet) → offered
    (shown as a QR for the resident to confirm in the bot) → held (points reserved) →
    completed (points posted, stock taken); cancelled or expired on the way; refunded
    after completion."""

    __tablename__ = "checkouts"
    __table_args__ = (Index("ix_checkouts_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = id_column()
    outlet_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("outlets.id"), index=True)
    operator_staff_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    person_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    pay_code_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("pay_codes.id"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the secret the kiosk shows as a deep link for the reverse flow.
    link_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    point_type: Mapped[str | None] = mapped_column(String(32))
    total_points: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(default=0)
    hold_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("ledger_holds.id"))
    entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)


class CheckoutLine(Base):
    __tablename__ = "checkout_lines"

    checkout_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("checkouts.id"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("outlet_items.id"), primary_key=True, index=True
    )
    quantity: Mapped[int]
    # The price and value when sold: later catalogue edits do not rewrite receipts.
    price_points: Mapped[int]
    value_fen: Mapped[int]


class FeeOffset(Base):
    """A fee paid with points: the property office settles it with the payee."""

    __tablename__ = "fee_offsets"

    id: Mapped[int] = id_column()
    checkout_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("checkouts.id"), index=True)
    item_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("outlet_items.id"))
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("people.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("households.id"))
    value_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="due")  # due | settled | refunded
    created_at: Mapped[datetime]
    # Settled by the property office: when, by whom, and its own reference (a receipt no.).
    settled_at: Mapped[datetime | None]
    settled_by_staff_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("staff_accounts.id")
    )
    settlement_ref: Mapped[str | None] = mapped_column(String(64))


# A scan refused for its code: what guessing is counted by. Spelled as constants in the
# SQL, so that a generic plan on PostgreSQL can prove a query's condition implies the
# partial indexes' and use them.
WRONG_CODE = text(
    "step = 'scan' AND outcome IN"
    " ('pay_code_unknown', 'pay_code_expired', 'pay_code_used', 'too_many_wrong_codes')"
)


class RedemptionAttempt(Base):
    """Every scan or typed code at a kiosk, and every confirmation, refused ones too:
    what a supervisor reads after a dispute, and what code guessing is counted by."""

    __tablename__ = "redemption_attempts"
    # Guessing is counted from wrong codes only; these indexes hold nothing else, so a busy
    # kiosk's thousands of good scans are never read to count its few wrong ones.
    __table_args__ = (
        Index(
            "ix_redemption_attempts_wrong_code_staff",
            "staff_id",
            "at",
            postgresql_where=WRONG_CODE,
            sqlite_where=WRONG_CODE,
        ),
        Index(
            "ix_redemption_attempts_wrong_code_address",
            "address",
            "at",
            postgresql_where=WRONG_CODE,
            sqlite_where=WRONG_CODE,
        ),
    )

    id: Mapped[int] = id_column()
    at: Mapped[datetime]
    outlet_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("outlets.id"))
    staff_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("staff_accounts.id"))
    person_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("people.id"))
    address: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(16))  # scan | confirm | resident_confirm | …
    outcome: Mapped[str] = mapped_column(String(32))  # ok, or the error's code
    checkout_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("checkouts.id"))
