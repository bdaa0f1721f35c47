"""staff link their Telegram

Revision ID: 7d2f5e8a1c46
Revises: c4e19a7d5b32
Create Date: 2026-12-05 02:19:38+00:00

A staff member links their Telegram once, by a one-time link made in the panel
(kept as its SHA-256), so that cases and alerts reach them in the bot.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2f5e8a1c46"
down_revision: str | None = "c4e19a7d5b32"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_chats",
        sa.Column(
            "staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_chats_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_chats")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_staff_chats_telegram_user_id")),
    )
    op.create_table(
        "staff_link_codes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_link_codes_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_link_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_staff_link_codes_digest")),
    )
    with op.batch_alter_table("staff_link_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_link_codes_staff_id"), ["staff_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_link_codes_staff_id"))

    op.drop_table("staff_link_codes")
    op.drop_table("staff_chats")
