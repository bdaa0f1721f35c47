"""Points that lapse: a point type may say its points expire so many months after they
were granted. Spending and deductions use the oldest points first, so what must lapse by
now is whatever was granted before the cut-off and has not left the wallet since:

    due = credits before the cut-off − every debit so far (earlier lapses included)

A daily job posts it from each wallet to the point type's expiry account, in the job's
own transaction, and tells the resident. Run twice, the second run finds nothing due.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    """Let lapse what is due in every wallet; returns how many wallets lost points."""
    lapsed = 0
    types = (
        await session.scalars(select(PointType).where(PointType.expiry_months.is_not(None)))
    ).all()
    for point_type in types:
        assert point_type.expiry_months is not None
        cutoff = months_before(now, point_type.expiry_months)
        lapsed += await _expire_type(session, point_type.code, cutoff, now)
    return lapsed


async def _expire_type(session: AsyncSession, unit: str, cutoff: datetime, now: datetime) -> int:
    wallets = (
        await session.execute(
            select(Account.id, Account.owner_ref).where(
                Account.unit == unit, Account.kind == WALLET
            )
        )
    ).all()
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
