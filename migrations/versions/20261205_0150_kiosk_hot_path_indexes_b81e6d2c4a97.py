"""partial indexes for the kiosk's hot path: wrong codes, live pay codes

Revision ID: b81e6d2c4a97
Revises: 4c5ba7bb28f5
Create Date: 2026-12-05 01:50:00+00:00

The guessing throttle read every attempt of a kiosk's operator and address in the last
ten minutes, good ones included, to count its few wrong codes (2 ms a scan at a busy
kiosk); a new pay code read all of a resident's past codes to retire the live one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b81e6d2c4a97"
down_revision: str | None = "4c5ba7bb28f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WRONG_CODE = sa.text(
    "step = 'scan' AND outcome IN"
    " ('pay_code_unknown', 'pay_code_expired', 'pay_code_used', 'too_many_wrong_codes')"
)
LIVE = sa.text("used_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_redemption_attempts_staff_id_at", table_name="redemption_attempts")
    op.drop_index("ix_redemption_attempts_address_at", table_name="redemption_attempts")
    for column in ("staff", "address"):
        op.create_index(
            f"ix_redemption_attempts_wrong_code_{column}",
            "redemption_attempts",
            ["staff_id" if column == "staff" else "address", "at"],
            postgresql_where=WRONG_CODE,
            sqlite_where=WRONG_CODE,
        )
    op.create_index(
        "ix_pay_codes_live", "pay_codes", ["person_id"], postgresql_where=LIVE, sqlite_where=LIVE
    )


def downgrade() -> None:
    op.drop_index("ix_pay_codes_live", table_name="pay_codes")
    op.drop_index("ix_redemption_attempts_wrong_code_address", table_name="redemption_attempts")
    op.drop_index("ix_redemption_attempts_wrong_code_staff", table_name="redemption_attempts")
    op.create_index("ix_redemption_attempts_address_at", "redemption_attempts", ["address", "at"])
    op.create_index(
        "ix_redemption_attempts_staff_id_at", "redemption_attempts", ["staff_id", "at"]
    )
