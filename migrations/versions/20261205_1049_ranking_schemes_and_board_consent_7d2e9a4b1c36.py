"""ranking schemes and public board consent

Revision ID: 7d2e9a4b1c36
Revises: 6c1f8a3d2e79
Create Date: 2026-12-05 10:49:49+00:00

A person appears on public ranking boards only once they agree (nobody has yet). A board
may carry the collective schemes of 积分换项目: a fund the top N share, the bottom N warned.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2e9a4b1c36"
down_revision: str | None = "6c1f8a3d2e79"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_public_boards", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("ranking_boards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fund_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("fund_top_n", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("warn_bottom_n", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ranking_boards", schema=None) as batch_op:
        batch_op.drop_column("warn_bottom_n")
        batch_op.drop_column("fund_top_n")
        batch_op.drop_column("fund_amount")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("on_public_boards")
