"""patrols and volunteer duty

Revision ID: 9b3d6f1e2c58
Revises: 5e2b8d4c9a17
Create Date: 2026-12-05 06:11:30+00:00

Activities with their assembly point, capacity and points rule; their shifts (one-off or
planned from daily times); and residents' sign-ups, with the waiting list, check-in and
check-out, and attendance; the volunteers' group chats that get the day's patrols.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3d6f1e2c58"
down_revision: str | None = "5e2b8d4c9a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_activities",
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
        sa.Column("place_name", sa.String(length=120), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("rule_code", sa.String(length=64), nullable=True),
        sa.Column("pay_per", sa.String(length=16), nullable=False, server_default="attendance"),
        sa.Column("daily", sa.JSON(), nullable=False),
        sa.Column("signup_opens_days", sa.Integer(), nullable=False),
        sa.Column("cancel_until_hours", sa.Integer(), nullable=False),
        sa.Column("poster_digest", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_duty_activities_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_duty_activities_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_activities")),
        sa.UniqueConstraint("code", name=op.f("uq_duty_activities_code")),
        sa.UniqueConstraint("poster_digest", name=op.f("uq_duty_activities_poster_digest")),
    )
    with op.batch_alter_table("duty_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_activities_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "duty_shifts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "activity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "confirmed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("evening_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("roll_called_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["duty_activities.id"],
            name=op.f("fk_duty_shifts_activity_id_duty_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["staff_accounts.id"],
            name=op.f("fk_duty_shifts_confirmed_by_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shifts")),
        sa.UniqueConstraint(
            "activity_id", "starts_at", name=op.f("uq_duty_shifts_activity_id_starts_at")
        ),
    )
    with op.batch_alter_table("duty_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_shifts_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "duty_signups",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "shift_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offered_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("all_clear", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_duty_signups_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["duty_shifts.id"], name=op.f("fk_duty_signups_shift_id_duty_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_signups")),
        sa.UniqueConstraint(
            "shift_id", "person_id", name=op.f("uq_duty_signups_shift_id_person_id")
        ),
    )
    with op.batch_alter_table("duty_signups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_duty_signups_person_status", ["person_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_duty_signups_shift_id"), ["shift_id"], unique=False)

    op.create_table(
        "duty_group_chats",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "bound_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("morning_posted_on", sa.Date(), nullable=True),
        sa.Column("evening_posted_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bound_by"],
            ["staff_accounts.id"],
            name=op.f("fk_duty_group_chats_bound_by_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_duty_group_chats_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_group_chats")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_duty_group_chats_chat_id")),
    )
    with op.batch_alter_table("duty_group_chats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_group_chats_org_unit_id"), ["org_unit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("duty_group_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_group_chats_org_unit_id"))
    op.drop_table("duty_group_chats")
    with op.batch_alter_table("duty_signups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_signups_shift_id"))
        batch_op.drop_index("ix_duty_signups_person_status")

    op.drop_table("duty_signups")
    with op.batch_alter_table("duty_shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_shifts_starts_at"))

    op.drop_table("duty_shifts")
    with op.batch_alter_table("duty_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_activities_org_unit_id"))

    op.drop_table("duty_activities")
