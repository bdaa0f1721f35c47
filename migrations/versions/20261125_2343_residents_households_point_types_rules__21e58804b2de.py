"""residents, households, point types, categories, versioned rules and point changes;
the audit log and rule versions become append-only

Revision ID: 21e58804b2de
Revises: d02616844f5b
Create Date: 2026-11-25 23:43:48.147835+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "21e58804b2de"
down_revision: str | None = "d02616844f5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# History that is corrected by writing more of it, never by changing it: who did what
# (audit) and what a rule said (its versions).
APPEND_ONLY = ("audit_log", "point_rule_versions")


def _on(table: str) -> str:
    return f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""


def _append_only(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            """
            CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
            END $$
            """,
            *(
                f"""
                CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_history_change()
                """
                for table in APPEND_ONLY
                for verb in ("UPDATE", "DELETE")
            ),
        ]
    return [
        f"""
        CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END
        """
        for table in APPEND_ONLY
        for verb in ("UPDATE", "DELETE")
    ]


def upgrade() -> None:
    op.create_table(
        "point_categories",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_point_categories_code")),
    )
    op.create_table(
        "point_types",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=True),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("redeemable", sa.Boolean(), nullable=False),
        sa.Column("household_base", sa.Integer(), nullable=False),
        sa.Column("expiry_months", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_types")),
        sa.UniqueConstraint("code", name=op.f("uq_point_types_code")),
    )
    op.create_table(
        "households",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "head_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("invite_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["head_person_id"], ["people.id"], name=op.f("fk_households_head_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_households_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("invite_code", name=op.f("uq_households_invite_code")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_households_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "point_rules",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_point_rules_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_rules")),
        sa.UniqueConstraint("code", name=op.f("uq_point_rules_code")),
    )
    with op.batch_alter_table("point_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_point_rules_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "point_cap_usage",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_point_cap_usage_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["point_rules.id"], name=op.f("fk_point_cap_usage_rule_id_point_rules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_cap_usage")),
        sa.UniqueConstraint(
            "rule_id",
            "person_id",
            "period_start",
            name=op.f("uq_point_cap_usage_rule_id_person_id_period_start"),
        ),
    )
    op.create_table(
        "point_rule_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "category_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "point_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("action", sa.String(length=120), nullable=False),
        sa.Column("action_en", sa.String(length=120), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("cap_period", sa.String(length=8), nullable=True),
        sa.Column("cap_points", sa.Integer(), nullable=True),
        sa.Column("cap_mode", sa.String(length=8), nullable=False),
        sa.Column("awarder_roles", sa.JSON(), nullable=False),
        sa.Column("second_approver", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["point_categories.id"],
            name=op.f("fk_point_rule_versions_category_id_point_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_point_rule_versions_created_by_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["point_type_id"],
            ["point_types.id"],
            name=op.f("fk_point_rule_versions_point_type_id_point_types"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["point_rules.id"],
            name=op.f("fk_point_rule_versions_rule_id_point_rules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_rule_versions")),
        sa.UniqueConstraint(
            "rule_id", "version", name=op.f("uq_point_rule_versions_rule_id_version")
        ),
    )
    op.create_table(
        "residents",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "org_unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "verified_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_residents_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_residents_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_residents_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_residents_verified_by_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_residents")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_residents_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_residents_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "point_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("request_key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "point_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "rule_version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("asked_points", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "requested_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "decided_by_staff_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_point_changes_decided_by_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_point_changes_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["point_type_id"],
            ["point_types.id"],
            name=op.f("fk_point_changes_point_type_id_point_types"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_point_changes_requested_by_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_version_id"],
            ["point_rule_versions.id"],
            name=op.f("fk_point_changes_rule_version_id_point_rule_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_changes")),
        sa.UniqueConstraint("request_key", name=op.f("uq_point_changes_request_key")),
    )
    with op.batch_alter_table("point_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_point_changes_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_point_changes_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_point_changes_person_id"), ["person_id"], unique=False
        )

    for statement in _append_only(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for table in APPEND_ONLY:
        for trigger in ("no_update", "no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger}" + _on(table))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS refuse_history_change()")
    with op.batch_alter_table("point_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_point_changes_person_id"))
        batch_op.drop_index(batch_op.f("ix_point_changes_entry_id"))
        batch_op.drop_index(batch_op.f("ix_point_changes_created_at"))

    op.drop_table("point_changes")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_residents_household_id"))

    op.drop_table("residents")
    op.drop_table("point_rule_versions")
    op.drop_table("point_cap_usage")
    with op.batch_alter_table("point_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_point_rules_org_unit_id"))

    op.drop_table("point_rules")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_org_unit_id"))

    op.drop_table("households")
    op.drop_table("point_types")
    op.drop_table("point_categories")
