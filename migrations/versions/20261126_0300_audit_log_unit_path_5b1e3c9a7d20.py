"""the audit log says where in the tree each change happened

Revision ID: 5b1e3c9a7d20
Revises: 1ce8577baba9
Create Date: 2026-11-26 03:00:00+00:00

A plain ADD COLUMN, not a batch rebuild: on SQLite a rebuild would drop the triggers that
keep the log append-only. Rows written before have no place and read as the whole bank's,
seen by auditors at the top of the tree only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e3c9a7d20"
down_revision: str | None = "1ce8577baba9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("unit_path", sa.String(length=512), nullable=True))
    op.create_index(op.f("ix_audit_log_unit_path"), "audit_log", ["unit_path"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_unit_path"), table_name="audit_log")
    op.drop_column("audit_log", "unit_path")
