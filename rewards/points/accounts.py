"""The ledger accounts behind points: one wallet per person and point type, and per point
type one issuance account (awards come out of it), one penalties account (deductions go
into it). The point type's code is the ledger unit, so types never mix in one entry.

A household's base (Litang: 100) gets an account of its own the first time a deduction
reaches into it; until then the household still has its whole base, so nothing needs to
be written for the many households that never lose a point. Its grant comes from an
account of its own too, not from issuance: a base is never spent, so it is no liability."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, SQLColumnExpression, case, cast, func
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.service import AccountView, Leg, find_entry, open_account, post_entry

WALLET = "wallet"  # the account kinds of points
HOUSEHOLD_BASE = "household_base"


def wallet_code(person_id: int, unit: str) -> str:
    return f"person:{person_id}:{unit}"


PERSON_REF = "person:"


def person_ref(person_id: int) -> str:
    return f"{PERSON_REF}{person_id}"


def owner_person(owner_ref: SQLColumnExpression[str | None]) -> ColumnElement[int | None]:
    """SQL: the person an account's owner_ref names (NULL for any other owner). Joining
    people on it lets a database go from the accounts to the people by their primary
    key, or hash either side; joining on the reference built from the person's id
    instead left SQLite scanning every resident for each posting."""
    number = cast(func.substr(owner_ref, len(PERSON_REF) + 1), BigInteger)
    return case((owner_ref.startswith(PERSON_REF), number))


async def person_wallet(
    session: AsyncSession, person_id: int, unit: str, now: datetime
) -> AccountView:
    """The person's wallet of this point type; it never goes below zero."""
    return await open_account(
        session,
        code=wallet_code(person_id, unit),
        unit=unit,
        kind=WALLET,
        owner_ref=person_ref(person_id),
        floor=0,
        now=now,
    )


async def issuance(session: AsyncSession, unit: str, now: datetime) -> AccountView:
    return await open_account(session, code=f"issuance:{unit}", unit=unit, kind="system", now=now)


async def penalties(session: AsyncSession, unit: str, now: datetime) -> AccountView:
    return await open_account(session, code=f"penalties:{unit}", unit=unit, kind="system", now=now)


def household_ref(household_id: int) -> str:
    return f"household:{household_id}"


async def household_base(
    session: AsyncSession, household_id: int, unit: str, base: int, now: datetime
) -> AccountView:
    """The household's base of this point type, opened and granted `base` on first use.
    It never goes below zero."""
    account = await open_account(
        session,
        code=f"household:{household_id}:{unit}:base",
        unit=unit,
        kind=HOUSEHOLD_BASE,
        owner_ref=household_ref(household_id),
        floor=0,
        now=now,
    )
    key = f"household-base:{household_id}:{unit}"
    if await find_entry(session, key) is None:
        grants = await open_account(
            session, code=f"household-bases:{unit}", unit=unit, kind="system", now=now
        )
        await post_entry(
            session,
            idempotency_key=key,
            kind=HOUSEHOLD_BASE,
            legs=[Leg(grants.id, -base), Leg(account.id, base)],
            now=now,
            meta={"household": household_id},
        )
    return account
