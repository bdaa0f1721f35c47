"""Points that lapse: a point type may say its points expire so many months after they
were granted. Spending and deductions use the oldest points first, so what must lapse by
now is whatever was granted before the cut-off and has not left the wallet since:

    due = credits before the cut-off − every debit so far (earlier lapses included)

A job posts it from each wallet to the point type's expiry account and tells the
resident, in chunks of wallets, each in its own short transaction with the cursor that
says where the next begins. Run twice, the second run finds nothing due.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.history import flows
from ledger.models import Account
from ledger.service import Leg, balances, open_account, post_entry
from rewards.points.accounts import WALLET
from rewards.points.models import PointType
from rewards.points.notices import tell_resident

JOB_KIND = "points.expire"
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the
    month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


async def expire_points(session: AsyncSession, *, now: datetime) -> int:
    """Let lapse what is due in every wallet at once; returns how many wallets lost points."""
    lapsed, cursor = 0, None
    while True:
        count, cursor = await expire_chunk(session, now=now, cursor=cursor, limit=None)
        lapsed += count
        if cursor is None:
            return lapsed


async def expire_chunk(
    session: AsyncSession, *, now: datetime, cursor: dict[str, Any] | None, limit: int | None
) -> tuple[int, dict[str, Any] | None]:
    """Up to `limit` wallets of one point type, from `cursor` (None: the start); returns
    how many lost points and the cursor to go on from (None: all done). The run's moment
    travels in the cursor, so every chunk lapses against the same cut-off and under the
    same idempotency keys; a wallet is in exactly one chunk (ids ascend)."""
    cursor = cursor or {"started": now.isoformat(), "type": "", "after": 0}
    started = datetime.fromisoformat(cursor["started"])
    # Within the cursor's point type, or past it once its last wallet is done.
    from_type = (
        PointType.code > cursor["type"]
        if cursor.get("type_done")
        else PointType.code >= cursor["type"]
    )
    point_type = await session.scalar(
        select(PointType)
        .where(PointType.expiry_months.is_not(None), from_type)
        .order_by(PointType.code)
        .limit(1)
    )
    if point_type is None:
        return 0, None
    assert point_type.expiry_months is not None
    query = (
        select(Account.id, Account.owner_ref)
        .where(
            Account.unit == point_type.code,
            Account.kind == WALLET,
            Account.id > (cursor["after"] if point_type.code == cursor["type"] else 0),
        )
        .order_by(Account.id)
    )
    wallets = list((await session.execute(query.limit(limit))).all())
    cutoff = months_before(started, point_type.expiry_months)
    lapsed = await _expire_type(session, point_type.code, wallets, cutoff, started)
    if limit is not None and len(wallets) == limit:
        return lapsed, {
            **cursor,
            "type": point_type.code,
            "type_done": False,
            "after": wallets[-1][0],
        }
    return lapsed, {**cursor, "type": point_type.code, "type_done": True, "after": 0}


async def _expire_type(
    session: AsyncSession,
    unit: str,
    wallets: list[Any],
    cutoff: datetime,
    now: datetime,
) -> int:
    if not wallets:
        return 0
    ids = [account_id for account_id, _ in wallets]
    granted = await flows(session, ids, since=BEGINNING, until=cutoff)
    moved = await flows(session, ids, since=BEGINNING)
    spendable = await balances(session, ids)
    expiry = await open_account(session, code=f"expiry:{unit}", unit=unit, kind="system", now=now)
    lapsed = 0
    for account_id, owner in wallets:
        due = granted[account_id][0] - moved[account_id][1]
        amount = min(due, spendable[account_id].available)  # held points lapse when freed
        if amount <= 0:
            continue
        await post_entry(
            session,
            idempotency_key=f"expiry:{account_id}:{now.isoformat()}",
            kind="expiry",
            legs=[Leg(account_id, -amount), Leg(expiry.id, amount)],
            now=now,
            meta={"point_type": unit, "granted_before": cutoff.isoformat()},
        )
        lapsed += 1
        if owner and owner.startswith("person:"):
            await tell_resident(
                session,
                person_id=int(owner.removeprefix("person:")),
                wallet_id=account_id,
                details={"point_type": unit},
                points=-amount,
                asked_points=-amount,
                now=now,
                key="points.expired",
            )
    return lapsed
