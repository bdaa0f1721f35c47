"""rule versions waiting for a second staff member

Revision ID: 4e7b9c2d1a60
Revises: 8c4d2a7e1f93
Create Date: 2026-12-04 20:30:00+00:00

Rows of point_rule_versions are never updated, so a version's approval lives in a table
of its own; a rule's current_version stays below a version until it is approved.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e7b9c2d1a60"
down_revision: str | None = "8c4d2a7e1f93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "point_rule_approvals",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("rule_version_id", ID, nullable=False),
        sa.Column("org_unit_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_staff_id", ID, nullable=True),
        sa.Column("decided_by_staff_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_version_id"],
            ["point_rule_versions.id"],
            name=op.f("fk_point_rule_approvals_rule_version_id_point_rule_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_point_rule_approvals_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_point_rule_approvals_requested_by_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_point_rule_approvals_decided_by_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_rule_approvals")),
        sa.UniqueConstraint(
            "rule_version_id", name=op.f("uq_point_rule_approvals_rule_version_id")
        ),
    )
    with op.batch_alter_table("point_rule_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_point_rule_approvals_org_unit_id"), ["org_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_point_rule_approvals_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("point_rule_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_point_rule_approvals_status"))
        batch_op.drop_index(batch_op.f("ix_point_rule_approvals_org_unit_id"))
    op.drop_table("point_rule_approvals")
