"""staff session generation, so logout ends sessions on the server

Revision ID: 4e7b2c9d1a58
Revises: 4e7b9c2d1a60
Create Date: 2026-12-04 21:00:00+00:00

A plain ADD COLUMN with a server default: existing accounts start at generation 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e7b2c9d1a58"
down_revision: str | None = "4e7b9c2d1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "staff_accounts",
        sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("staff_accounts", "session_generation")
