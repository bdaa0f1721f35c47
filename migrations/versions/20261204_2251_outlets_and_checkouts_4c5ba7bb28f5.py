"""outlets, catalogue, pay codes and checkouts

Revision ID: 4c5ba7bb28f5
Revises: 9d3f6a2b7c41
Create Date: 2026-12-04 22:51:08+00:00

Love-supermarket redemption: outlets with their operators and catalogue, residents' pay
codes (kept as digests only), checkouts with their lines, fee offsets for the property
office, and every kiosk attempt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c5ba7bb28f5"
down_revision: str | None = "9d3f6a2b7c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outlets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("opening_hours", sa.String(length=120), nullable=False),
        sa.Column("alert_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_outlets_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("code", name=op.f("uq_outlets_code")),
    )
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outlets_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "pay_codes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_pay_codes_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_pay_codes_digest")),
    )
    with op.batch_alter_table("pay_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pay_codes_person_id"), ["person_id"], unique=False)

    op.create_table(
        "checkouts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "operator_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "pay_code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("link_digest", sa.String(length=64), nullable=True),
        sa.Column("point_type", sa.String(length=32), nullable=True),
        sa.Column("total_points", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "refund_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_checkouts_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["ledger_holds.id"], name=op.f("fk_checkouts_hold_id_ledger_holds")
        ),
        sa.ForeignKeyConstraint(
            ["operator_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_checkouts_operator_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_checkouts_outlet_id_outlets")
        ),
        sa.ForeignKeyConstraint(
            ["pay_code_id"], ["pay_codes.id"], name=op.f("fk_checkouts_pay_code_id_pay_codes")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_checkouts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["refund_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_checkouts_refund_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkouts")),
        sa.UniqueConstraint("link_digest", name=op.f("uq_checkouts_link_digest")),
        sa.UniqueConstraint("pay_code_id", name=op.f("uq_checkouts_pay_code_id")),
    )
    with op.batch_alter_table("checkouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkouts_completed_at"), ["completed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_checkouts_outlet_id"), ["outlet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkouts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_checkouts_status_expires_at", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "outlet_items",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("point_type", sa.String(length=32), nullable=False),
        sa.Column("price_points", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("low_stock_at", sa.Integer(), nullable=False),
        sa.Column("limit_per_resident", sa.Integer(), nullable=True),
        sa.Column("limit_period", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_outlet_items_outlet_id_outlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_items")),
        sa.UniqueConstraint("outlet_id", "code", name=op.f("uq_outlet_items_outlet_id_code")),
    )
    with op.batch_alter_table("outlet_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outlet_items_outlet_id"), ["outlet_id"], unique=False)

    op.create_table(
        "outlet_operators",
        sa.Column(
            "outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_outlet_operators_outlet_id_outlets")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_outlet_operators_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("outlet_id", "staff_id", name=op.f("pk_outlet_operators")),
    )
    with op.batch_alter_table("outlet_operators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outlet_operators_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "checkout_lines",
        sa.Column(
            "checkout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price_points", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["checkouts.id"], name=op.f("fk_checkout_lines_checkout_id_checkouts")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["outlet_items.id"], name=op.f("fk_checkout_lines_item_id_outlet_items")
        ),
        sa.PrimaryKeyConstraint("checkout_id", "item_id", name=op.f("pk_checkout_lines")),
    )
    with op.batch_alter_table("checkout_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkout_lines_item_id"), ["item_id"], unique=False)

    op.create_table(
        "fee_offsets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "checkout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["checkouts.id"], name=op.f("fk_fee_offsets_checkout_id_checkouts")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_fee_offsets_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["outlet_items.id"], name=op.f("fk_fee_offsets_item_id_outlet_items")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_fee_offsets_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_offsets")),
    )
    with op.batch_alter_table("fee_offsets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_offsets_checkout_id"), ["checkout_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fee_offsets_person_id"), ["person_id"], unique=False)

    op.create_table(
        "redemption_attempts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column(
            "checkout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["checkouts.id"],
            name=op.f("fk_redemption_attempts_checkout_id_checkouts"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlets.id"], name=op.f("fk_redemption_attempts_outlet_id_outlets")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_redemption_attempts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_redemption_attempts_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_attempts")),
    )
    with op.batch_alter_table("redemption_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_redemption_attempts_address_at", ["address", "at"], unique=False)
        batch_op.create_index(
            "ix_redemption_attempts_staff_id_at", ["staff_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemption_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_attempts_staff_id_at")
        batch_op.drop_index("ix_redemption_attempts_address_at")

    op.drop_table("redemption_attempts")
    with op.batch_alter_table("fee_offsets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_offsets_person_id"))
        batch_op.drop_index(batch_op.f("ix_fee_offsets_checkout_id"))

    op.drop_table("fee_offsets")
    with op.batch_alter_table("checkout_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkout_lines_item_id"))

    op.drop_table("checkout_lines")
    with op.batch_alter_table("outlet_operators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlet_operators_staff_id"))

    op.drop_table("outlet_operators")
    with op.batch_alter_table("outlet_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlet_items_outlet_id"))

    op.drop_table("outlet_items")
    with op.batch_alter_table("checkouts", schema=None) as batch_op:
        batch_op.drop_index("ix_checkouts_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_checkouts_person_id"))
        batch_op.drop_index(batch_op.f("ix_checkouts_outlet_id"))
        batch_op.drop_index(batch_op.f("ix_checkouts_completed_at"))

    op.drop_table("checkouts")
    with op.batch_alter_table("pay_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pay_codes_person_id"))

    op.drop_table("pay_codes")
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlets_org_unit_id"))

    op.drop_table("outlets")
