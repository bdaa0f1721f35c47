"""points earned per person and month

Revision ID: 8e4f2a6c0b91
Revises: 7d2e9a4b1c36
Create Date: 2026-12-05 11:57:00+00:00

Rankings read the points each person earned per point type and month (of the
community's calendar, MORALBANK_TIME_ZONE) instead of every posting; the services add to
it with every entry from now on, and this fills it from the ledger's history: the wallet
postings of awards, deductions and adjustments and of their reversals.
"""

import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "8e4f2a6c0b91"
down_revision: str | None = "7d2e9a4b1c36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARNING = """
  FROM ledger_postings p
  JOIN ledger_accounts a ON a.id = p.account_id
  JOIN ledger_entries e ON e.id = p.entry_id
  LEFT JOIN ledger_entries undone ON undone.id = e.reverses_entry_id
 WHERE a.kind = 'wallet' AND a.owner_ref LIKE 'person:%'
   AND (e.kind IN ('award', 'deduction', 'adjustment')
        OR (e.kind = 'reversal' AND undone.kind IN ('award', 'deduction', 'adjustment')))
"""
# PostgreSQL sums a city's history itself; SQLite (a community's) is summed here.
POSTGRES_FILL = f"""
INSERT INTO earned_points (person_id, unit, month, points)
SELECT CAST(substr(a.owner_ref, 8) AS BIGINT), a.unit,
       to_char(e.effective_at AT TIME ZONE :zone, 'YYYY-MM'), sum(p.amount)
{EARNING}
 GROUP BY 1, 2, 3 HAVING sum(p.amount) <> 0
"""
HISTORY = f"SELECT a.owner_ref, a.unit, e.effective_at, p.amount {EARNING}"


def upgrade() -> None:
    table = op.create_table(
        "earned_points",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "unit", "month", name=op.f("pk_earned_points")),
    )
    with op.batch_alter_table("earned_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_earned_points_month"), ["month"], unique=False)
    zone_name = os.environ.get("MORALBANK_TIME_ZONE") or "Asia/Shanghai"
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().execute(sa.text(POSTGRES_FILL), {"zone": zone_name})
        return
    zone = ZoneInfo(zone_name)
    sums: dict[tuple[int, str, str], int] = defaultdict(int)
    for owner, unit, at, amount in op.get_bind().execute(sa.text(HISTORY)):
        if isinstance(at, str):  # SQLite gives the stored text
            at = datetime.fromisoformat(at)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        person = int(owner.removeprefix("person:"))
        sums[(person, unit, at.astimezone(zone).strftime("%Y-%m"))] += amount
    rows = [
        {"person_id": p, "unit": u, "month": m, "points": s} for (p, u, m), s in sums.items() if s
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("earned_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_earned_points_month"))
    op.drop_table("earned_points")
