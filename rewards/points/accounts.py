"""The ledger accounts behind points: one wallet per person and point type, and per point
type one issuance account (awards come out of it), one penalties account (deductions go
into it). The point type's code is the ledger unit, so types never mix in one entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.service import AccountView, open_account


def wallet_code(person_id: int, unit: str) -> str:
    return f"person:{person_id}:{unit}"


def person_ref(person_id: int) -> str:
    return f"person:{person_id}"


async def person_wallet(
    session: AsyncSession, person_id: int, unit: str, now: datetime
) -> AccountView:
    """The person's wallet of this point type; it never goes below zero."""
    return await open_account(
        session,
        code=wallet_code(person_id, unit),
        unit=unit,
        kind="wallet",
        owner_ref=person_ref(person_id),
        floor=0,
        now=now,
    )


async def issuance(session: AsyncSession, unit: str, now: datetime) -> AccountView:
    return await open_account(session, code=f"issuance:{unit}", unit=unit, kind="system", now=now)


async def penalties(session: AsyncSession, unit: str, now: datetime) -> AccountView:
    return await open_account(session, code=f"penalties:{unit}", unit=unit, kind="system", now=now)
