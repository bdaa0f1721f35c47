"""fee offsets are settled by the property office

Revision ID: 3a9c6e1f0d84
Revises: 7d2f5e8a1c46
Create Date: 2026-12-05 02:36:54+00:00

A fee paid with points is settled by the property office: when, by whom, and the
office's own reference; a settled offset can no longer be refunded.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3a9c6e1f0d84"
down_revision: str | None = "7d2f5e8a1c46"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fee_offsets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "settled_by_staff_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("settlement_ref", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_fee_offsets_settled_by_staff_id_staff_accounts"),
            "staff_accounts",
            ["settled_by_staff_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("fee_offsets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_fee_offsets_settled_by_staff_id_staff_accounts"), type_="foreignkey"
        )
        batch_op.drop_column("settlement_ref")
        batch_op.drop_column("settled_by_staff_id")
        batch_op.drop_column("settled_at")
