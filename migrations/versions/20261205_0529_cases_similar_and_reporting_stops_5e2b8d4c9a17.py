"""cases: similar reports flagged, residents stopped from reporting

Revision ID: 5e2b8d4c9a17
Revises: 3a9c6e1f0d84
Create Date: 2026-12-05 05:29:52+00:00

A report its reporter sent as new although an open case looked the same keeps that
case's id for staff to compare (and merge); staff can stop a resident who misuses
reporting, with a reason. The daily overdue digest and the week-later "still fixed?"
question remember when they last named a case; a case keeps the grid it was reported
at, for statistics that escalation does not move.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2b8d4c9a17"
down_revision: str | None = "3a9c6e1f0d84"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_reporting_stops",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_reporting_stops_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_case_reporting_stops_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_case_reporting_stops")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "similar_to_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_similar_to_id_cases"), "cases", ["similar_to_id"], ["id"]
        )
        batch_op.add_column(
            sa.Column("overdue_alerted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "origin_unit_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_origin_unit_id_org_units"),
            "org_units",
            ["origin_unit_id"],
            ["id"],
        )
    # Cases reported before: where they are now is the best knowledge of where they began.
    op.execute("UPDATE cases SET origin_unit_id = unit_id")


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_similar_to_id_cases"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_cases_origin_unit_id_org_units"), type_="foreignkey"
        )
        batch_op.drop_column("origin_unit_id")
        batch_op.drop_column("followed_up_at")
        batch_op.drop_column("overdue_alerted_at")
        batch_op.drop_column("similar_to_id")

    op.drop_table("case_reporting_stops")
