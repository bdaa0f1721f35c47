"""snap-and-report cases, their photos, steps and categories

Revision ID: c4e19a7d5b32
Revises: b81e6d2c4a97
Create Date: 2026-12-05 02:14:55+00:00

Cases of snap-and-report (随手拍), drafts included, with their photos (keys into the file
storage and perceptual hashes), their history of steps, residents supporting a case,
the categories residents pick from, and the known places they can name.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e19a7d5b32"
down_revision: str | None = "b81e6d2c4a97"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_categories",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("acknowledge_hours", sa.Integer(), nullable=False),
        sa.Column("resolve_hours", sa.Integer(), nullable=False),
        sa.Column("verify_rule", sa.String(length=64), nullable=True),
        sa.Column("resolve_rule", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_case_categories_code")),
    )
    op.create_table(
        "known_places",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_known_places_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_places")),
    )
    with op.batch_alter_table("known_places", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_known_places_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "reporter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "category_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column(
            "handler_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("place_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("voice_key", sa.String(length=80), nullable=True),
        sa.Column(
            "duplicate_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("rejection_reason", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["case_categories.id"],
            name=op.f("fk_cases_category_id_case_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["cases.id"], name=op.f("fk_cases_duplicate_of_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["handler_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_cases_handler_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["known_places.id"], name=op.f("fk_cases_place_id_known_places")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["people.id"], name=op.f("fk_cases_reporter_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_cases_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_category_reported_at", ["category_id", "reported_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index("ix_cases_status_unit", ["status", "unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column(
            "actor_staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "actor_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_person_id"], ["people.id"], name=op.f("fk_case_events_actor_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_case_events_actor_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_photos",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("phash", sa.String(length=32), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_photos_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_photos")),
        sa.UniqueConstraint(
            "case_id", "storage_key", name=op.f("uq_case_photos_case_id_storage_key")
        ),
    )
    with op.batch_alter_table("case_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_photos_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_photos_phash"), ["phash"], unique=False)

    op.create_table(
        "case_supporters",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_supporters_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_supporters_person_id_people")
        ),
        sa.PrimaryKeyConstraint("case_id", "person_id", name=op.f("pk_case_supporters")),
    )


def downgrade() -> None:
    op.drop_table("case_supporters")
    with op.batch_alter_table("case_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_photos_phash"))
        batch_op.drop_index(batch_op.f("ix_case_photos_case_id"))

    op.drop_table("case_photos")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_events_at"))

    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_unit_id"))
        batch_op.drop_index("ix_cases_status_unit")
        batch_op.drop_index(batch_op.f("ix_cases_reporter_id"))
        batch_op.drop_index("ix_cases_category_reported_at")

    op.drop_table("cases")
    with op.batch_alter_table("known_places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_places_org_unit_id"))

    op.drop_table("known_places")
    op.drop_table("case_categories")
