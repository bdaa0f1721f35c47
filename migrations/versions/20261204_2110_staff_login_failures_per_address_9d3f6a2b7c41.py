"""staff login failures per client address

Revision ID: 9d3f6a2b7c41
Revises: 4e7b2c9d1a58
Create Date: 2026-12-04 21:10:00+00:00

The lockout moves from the account to (account, address), so a guesser elsewhere cannot
lock the owner out; staff_accounts.failed_logins now counts failures from everywhere.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d3f6a2b7c41"
down_revision: str | None = "4e7b2c9d1a58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_login_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_login_failures_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_login_failures")),
        sa.UniqueConstraint(
            "staff_id", "address", name=op.f("uq_staff_login_failures_staff_id_address")
        ),
    )


def downgrade() -> None:
    op.drop_table("staff_login_failures")
