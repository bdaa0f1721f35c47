"""Who did most for the community in a period, from the ledger alone: the net points each
resident earned (awards, deductions and staff adjustments, and the reversals of those; not
spending, holds or expiry), per point type weighted as the board says, summed per
household for household boards. Ties share a rank (1, 2, 2, 4). Only residents verified
before the period began and still living here count, within the board's part of the
tree. The result carries a checksum of its inputs: the same ledger gives the same board.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger.models import Account, Entry, Posting
from rewards.org.models import OrgUnit
from rewards.people.models import Resident
from rewards.points.accounts import WALLET

# Entries that are points earned or lost for what a resident did.
EARNING = ("award", "deduction", "adjustment")
Scope = Literal["resident", "household"]


@dataclass(frozen=True)
class Standing:
    subject_id: int  # a person, or a household
    points: int
    rank: int


@dataclass(frozen=True)
class Board:
    scope: Scope
    unit_path: str
    start: datetime
    end: datetime  # exclusive
    weights: tuple[tuple[str, int], ...]  # point type → weight; empty: every type once
    standings: tuple[Standing, ...]
    checksum: str  # SHA-256 of the inputs: period, scope, weights and every sum counted


async def compute_board(
    session: AsyncSession,
    *,
    scope: Scope,
    unit_path: str,
    start: datetime,
    end: datetime,
    weights: Mapping[str, int] | None = None,
    least_points: int = 1,
) -> Board:
    """The standings of the eligible residents (or their households) below `unit_path`
    for [start, end). Subjects with fewer than `least_points` are left off (no activity)."""
    sums = await _earned(session, start, end)
    people = await _eligible(session, unit_path, start)
    weighted: dict[int, int] = defaultdict(int)
    for (person_id, unit), points in sums.items():
        if person_id in people:
            weighted[person_id] += points * (weights.get(unit, 0) if weights else 1)
    if scope == "household":
        households: dict[int, int] = defaultdict(int)
        for person_id, points in weighted.items():
            household = people[person_id]
            if household is not None:
                households[household] += points
        weighted = households
    shown = {subject: points for subject, points in weighted.items() if points >= least_points}
    ordered = tuple(sorted((weights or {}).items()))
    inputs = {
        "scope": scope, "unit": unit_path, "start": start.isoformat(), "end": end.isoformat(),
        "weights": ordered,
        "sums": sorted([p, u, s] for (p, u), s in sums.items() if p in people),
    }  # fmt: skip
    checksum = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return Board(scope, unit_path, start, end, ordered, ranked(shown), checksum)


def ranked(points: Mapping[int, int]) -> tuple[Standing, ...]:
    """Most points first; equal points share a rank and the next rank skips (1, 2, 2, 4);
    within a tie, the lower id first, so the order is the same every time."""
    order = sorted(points.items(), key=lambda item: (-item[1], item[0]))
    standings, rank = [], 0
    for position, (subject, value) in enumerate(order, start=1):
        if position == 1 or value != order[position - 2][1]:
            rank = position
        standings.append(Standing(subject, value, rank))
    return tuple(standings)


async def _earned(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[tuple[int, str], int]:
    """(person, point type) → net points earned in the period, from the postings (of every
    wallet: the board's part of the tree is chosen by who is eligible)."""
    reversed_entry = aliased(Entry)
    earning = or_(
        Entry.kind.in_(EARNING),
        and_(Entry.kind == "reversal", reversed_entry.kind.in_(EARNING)),
    )
    rows = await session.execute(
        select(Account.owner_ref, Account.unit, func.sum(Posting.amount))
        .join(Account, Account.id == Posting.account_id)
        .join(Entry, Entry.id == Posting.entry_id)
        .outerjoin(reversed_entry, reversed_entry.id == Entry.reverses_entry_id)
        .where(
            Account.kind == WALLET,
            Entry.effective_at >= start,
            Entry.effective_at < end,
            earning,
        )
        .group_by(Account.owner_ref, Account.unit)
    )
    sums: dict[tuple[int, str], int] = {}
    for owner, unit, total in rows:
        if owner and owner.startswith("person:") and total:
            sums[(int(owner.removeprefix("person:")), unit)] = int(total)
    return sums


async def _eligible(
    session: AsyncSession, unit_path: str, start: datetime
) -> dict[int, int | None]:
    """Person → household of the residents below `unit_path` verified before the period
    began and not gone: a newcomer's first, partial period is not compared."""
    rows = await session.execute(
        select(Resident.person_id, Resident.household_id)
        .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
        .where(
            OrgUnit.path.startswith(unit_path),
            Resident.status == "verified",
            Resident.verified_at <= start,
        )
    )
    return {person: household for person, household in rows}
