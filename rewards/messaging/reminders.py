"""Reminders: a notice that goes out at a set time ("your patrol starts in an hour").

A reminder is a scheduled job (core.jobs) that, when due, puts the notice in the outbox in
the same transaction that marks the job done: it is sent once, however many workers run.
Its key makes scheduling idempotent, so a reminder set again for the same thing stays one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs.models import ScheduledJob
from core.jobs.scheduler import schedule
from rewards.messaging.outbox import notify

JOB_KIND = "messaging.reminder"


async def remind(
    session: AsyncSession,
    *,
    key: str,
    at: datetime,
    chat_id: int,
    text_key: str,
    locale: str,
    now: datetime,
    params: dict[str, Any] | None = None,
) -> None:
    """Tell `chat_id` the catalogue text `text_key` at `at` (once per `key`)."""
    payload = {"chat_id": chat_id, "text_key": text_key, "locale": locale, "params": params or {}}
    await schedule(
        session, kind=JOB_KIND, key=f"reminder:{key}", run_at=at, now=now, payload=payload
    )


async def send_reminder(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    """The job's handler (registered in moralbank.worker)."""
    payload = job.payload
    await notify(
        session,
        chat_id=int(payload["chat_id"]),
        key=str(payload["text_key"]),
        locale=str(payload["locale"]),
        params=dict(payload.get("params") or {}),
        now=now,
    )
