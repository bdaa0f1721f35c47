"""ranking boards and objections

Revision ID: 6c1f8a3d2e79
Revises: 9b3d6f1e2c58
Create Date: 2026-12-05 06:45:07+00:00

A ranking board per unit, period and scope, with its standings as a snapshot (never
computed again once past the draft), and the objections residents raise while it is on
public notice; the chats where boards are published.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c1f8a3d2e79"
down_revision: str | None = "9b3d6f1e2c58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ranking_boards",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("notice_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "drafted_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["drafted_by"],
            ["staff_accounts.id"],
            name=op.f("fk_ranking_boards_drafted_by_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ranking_boards_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_boards")),
        sa.UniqueConstraint(
            "org_unit_id",
            "period",
            "scope",
            name=op.f("uq_ranking_boards_org_unit_id_period_scope"),
        ),
    )
    with op.batch_alter_table("ranking_boards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ranking_boards_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "ranking_entries",
        sa.Column(
            "board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["ranking_boards.id"],
            name=op.f("fk_ranking_entries_board_id_ranking_boards"),
        ),
        sa.PrimaryKeyConstraint("board_id", "subject_id", name=op.f("pk_ranking_entries")),
    )
    op.create_table(
        "ranking_objections",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=500), nullable=True),
        sa.Column(
            "answered_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["staff_accounts.id"],
            name=op.f("fk_ranking_objections_answered_by_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["ranking_boards.id"],
            name=op.f("fk_ranking_objections_board_id_ranking_boards"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_ranking_objections_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_objections")),
    )
    with op.batch_alter_table("ranking_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ranking_objections_board_id"), ["board_id"], unique=False
        )

    op.create_table(
        "ranking_chats",
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
        sa.ForeignKeyConstraint(
            ["bound_by"],
            ["staff_accounts.id"],
            name=op.f("fk_ranking_chats_bound_by_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ranking_chats_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_chats")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_ranking_chats_chat_id")),
    )
    with op.batch_alter_table("ranking_chats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ranking_chats_org_unit_id"), ["org_unit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ranking_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_chats_org_unit_id"))
    op.drop_table("ranking_chats")
    with op.batch_alter_table("ranking_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_objections_board_id"))

    op.drop_table("ranking_objections")
    op.drop_table("ranking_entries")
    with op.batch_alter_table("ranking_boards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_boards_org_unit_id"))

    op.drop_table("ranking_boards")
