"""Timed work kept in the database, so it survives restarts and runs once.

A job runs inside the transaction that claims it: its row stays locked while it runs (other
workers skip it: SKIP LOCKED on PostgreSQL; SQLite has one writer at a time), and what the
job writes commits together with the mark that it ran. A worker that dies mid-job takes its
transaction with it, and the job is due again for the next worker. Anything a job says to
people goes through the outbox, so it too is sent once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, id_column


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        Index(
            "ix_scheduled_jobs_due",
            "run_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = id_column()
    kind: Mapped[str] = mapped_column(String(64))
    # One job per key: scheduling the same reminder twice keeps the first.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime]
    # Set for a job that comes back: after each run it is due again this much later.
    every_seconds: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
