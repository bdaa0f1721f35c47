"""The background worker's jobs, one pass at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.models import ProcessedUpdate
from core.clock import FrozenClock
from core.db import Database
from ledger.holds import place_hold
from ledger.models import Hold
from ledger.service import Leg, open_account, post_entry
from moralbank.worker import KEEP_PROCESSED_UPDATES, Worker

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


async def test_one_pass_expires_due_holds_and_prunes_old_update_records(
    database: Database,
) -> None:
    async with database.write() as session:
        iss = await open_account(session, code="iss", unit="u", kind="system", now=NOW)
        clr = await open_account(session, code="clr", unit="u", kind="system", now=NOW)
        wallet = await open_account(session, code="w", unit="u", kind="wallet", floor=0, now=NOW)
        await post_entry(
            session,
            idempotency_key="f",
            kind="award",
            now=NOW,
            legs=[Leg(iss.id, -9), Leg(wallet.id, 9)],
        )
        for key, minutes in (("due", 5), ("later", 30)):
            await place_hold(
                session,
                idempotency_key=key,
                debit_account_id=wallet.id,
                credit_account_id=clr.id,
                amount=1,
                now=NOW,
                expires_at=NOW + timedelta(minutes=minutes),
            )
        session.add_all(
            [
                ProcessedUpdate(
                    bot_id=1, update_id=1, processed_at=NOW - KEEP_PROCESSED_UPDATES * 2
                ),
                ProcessedUpdate(bot_id=1, update_id=2, processed_at=NOW),
            ]
        )
    worker = Worker(database, FrozenClock(NOW + timedelta(minutes=10)))
    await worker.schedule_recurring()
    # holds, update records, abandoned messages, expiry, kiosk checkouts, overdue cases,
    # the week-later question, duty shifts planned, offers lapsed, reminders, group posts
    # roll calls and the quarter's ranking boards
    assert await worker.run_once() == 13
    async with database.read() as session:
        statuses = dict((await session.execute(select(Hold.idempotency_key, Hold.status))).all())
        kept = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert statuses == {"due": "expired", "later": "pending"}
    assert kept == 1


async def test_a_reminder_reaches_the_outbox_once_when_due(database: Database) -> None:
    from rewards.messaging.models import OutboxMessage
    from rewards.messaging.reminders import remind

    async with database.write() as session:
        for _ in range(2):  # set twice, e.g. the patrol was saved twice: still one reminder
            await remind(
                session,
                key="patrol:7:volunteer:3",
                at=NOW + timedelta(hours=1),
                chat_id=3003,
                text_key="help.text",
                locale="en",
                now=NOW,
            )
    early = Worker(database, FrozenClock(NOW + timedelta(minutes=59)))
    await early.run_once()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    due = Worker(database, FrozenClock(NOW + timedelta(hours=1)))
    assert await due.run_once() == 1
    assert await due.run_once() == 0
    async with database.read() as session:
        notices = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.chat_id, m.text_key, m.locale, m.status) for m in notices] == [
        (3003, "help.text", "en", "pending")
    ]
