"""people's phone, privacy consent and leaving

Revision ID: 8c4d2a7e1f93
Revises: 5b1e3c9a7d20
Create Date: 2026-11-26 04:10:00+00:00

Plain ADD COLUMNs (nullable), not a batch rebuild of a table so many others refer to.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4d2a7e1f93"
down_revision: str | None = "5b1e3c9a7d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("phone", "consent_version", "consented_at", "left_at")


def upgrade() -> None:
    op.add_column("people", sa.Column("phone", sa.String(length=32), nullable=True))
    op.add_column("people", sa.Column("consent_version", sa.String(length=16), nullable=True))
    op.add_column("people", sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("people", sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("people", column)
