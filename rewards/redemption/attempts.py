"""Every kiosk attempt is recorded, refused ones too, each in a transaction of its own (a
refusal rolls the attempt's own work back, not its record). Wrong codes are counted from
these rows, per operator and per address, so the throttle holds across every process
without anything besides the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.redemption.errors import TooManyWrongCodes
from rewards.redemption.models import WRONG_CODE, RedemptionAttempt

WRONG_CODE_WINDOW = timedelta(minutes=10)
WRONG_CODES_PER_OPERATOR = 10
WRONG_CODES_PER_ADDRESS = 30  # a shared address (the kiosks of one office behind NAT)


@dataclass(frozen=True)
class Attempt:
    step: str  # scan | confirm | offer | resident_confirm | complete | cancel
    outlet_id: int | None
    staff_id: int | None
    address: str | None
    person_id: int | None = None


# Built once: a kiosk records two attempts a purchase, and building the statement anew
# cost as much as sending it.
_INSERT = insert(RedemptionAttempt)


def _row(attempt: Attempt, outcome: str, at: datetime, checkout_id: int | None) -> dict[str, Any]:
    return {
        "at": at,
        "outlet_id": attempt.outlet_id,
        "staff_id": attempt.staff_id,
        "person_id": attempt.person_id,
        "address": attempt.address[:64] if attempt.address else None,
        "step": attempt.step,
        "outcome": outcome[:32],
        "checkout_id": checkout_id,
    }


async def record_attempt(uow: UnitOfWork, attempt: Attempt, outcome: str) -> None:
    """A refusal, in a transaction of its own: the step's own rolled back."""
    async with uow.write() as session:
        await session.execute(_INSERT, _row(attempt, outcome, uow.now(), None))


async def note_success(
    session: AsyncSession, attempt: Attempt, now: datetime, checkout_id: int
) -> None:
    """A step that went through, recorded in the step's own transaction."""
    await session.execute(_INSERT, _row(attempt, "ok", now, checkout_id))


_BY_OPERATOR = RedemptionAttempt.staff_id == bindparam("staff_id")
_BY_ADDRESS = RedemptionAttempt.address == bindparam("address")
_WRONG_CODES = select(func.count().filter(_BY_OPERATOR), func.count().filter(_BY_ADDRESS)).where(
    WRONG_CODE,
    RedemptionAttempt.at >= bindparam("since"),
    or_(_BY_OPERATOR, _BY_ADDRESS),
)


async def refuse_guessers(session: AsyncSession, attempt: Attempt, now: datetime) -> None:
    """Raises too_many_wrong_codes when this operator or address typed or scanned too
    many codes that were not good in the last minutes."""
    params = {"staff_id": attempt.staff_id, "address": attempt.address}
    counts = (
        await session.execute(_WRONG_CODES, {**params, "since": now - WRONG_CODE_WINDOW})
    ).one()
    by_operator, by_address = int(counts[0]), int(counts[1])
    if by_operator >= WRONG_CODES_PER_OPERATOR or (
        attempt.address is not None and by_address >= WRONG_CODES_PER_ADDRESS
    ):
        raise TooManyWrongCodes(minutes=int(WRONG_CODE_WINDOW.total_seconds() // 60))
