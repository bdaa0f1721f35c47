"""Recomputing the books from the postings and naming everything that does not add up.

The database already refuses most of these states; verification proves it after the fact
(after a crash, a restore, a manual fix, or every concurrency test).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Problem:
    check: str
    detail: str


# Every account with what its postings and pending holds add up to, and how many debits,
# credits and holds it has ever had.
ACCOUNT_TOTALS = """
    SELECT a.id, a.code, a.floor, a.ceiling, a.posted, a.held,
           coalesce(b.total, 0) AS total, coalesce(b.debits, 0) AS debits,
           coalesce(b.credits, 0) AS credits, coalesce(h.pending, 0) AS pending,
           coalesce(h.holds, 0) AS holds
      FROM ledger_accounts a
      LEFT JOIN (SELECT account_id, sum(amount) AS total,
                        sum(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS debits,
                        sum(CASE WHEN amount > 0 THEN 1 ELSE 0 END) AS credits
                   FROM ledger_postings GROUP BY account_id) b ON b.account_id = a.id
      LEFT JOIN (SELECT debit_account_id, count(*) AS holds,
                        sum(CASE WHEN status = 'pending' THEN amount ELSE 0 END) AS pending
                   FROM ledger_holds GROUP BY debit_account_id) h
             ON h.debit_account_id = a.id
"""

# Each check is one query whose every row is a problem, described by its columns.
CHECKS: dict[str, str] = {
    "entry does not balance": """
        SELECT e.id, count(p.id), e.legs, count(DISTINCT a.unit), coalesce(sum(p.amount), 0)
          FROM ledger_entries e
          LEFT JOIN ledger_postings p ON p.entry_id = e.id
          LEFT JOIN ledger_accounts a ON a.id = p.account_id
         GROUP BY e.id, e.legs
        HAVING count(p.id) < 2 OR count(p.id) <> e.legs OR count(DISTINCT a.unit) <> 1
            OR coalesce(sum(p.amount), 0) <> 0
    """,
    "posting without an entry": """
        SELECT p.id, p.entry_id FROM ledger_postings p
          LEFT JOIN ledger_entries e ON e.id = p.entry_id WHERE e.id IS NULL
    """,
    "posting to an unknown account": """
        SELECT p.id, p.account_id FROM ledger_postings p
          LEFT JOIN ledger_accounts a ON a.id = p.account_id WHERE a.id IS NULL
    """,
    "a unit does not sum to zero": """
        SELECT a.unit, sum(p.amount) FROM ledger_postings p
          JOIN ledger_accounts a ON a.id = p.account_id
         GROUP BY a.unit HAVING sum(p.amount) <> 0
    """,
    # Below the floor is sound only while money has never left the account: the database
    # refuses any debit or hold that leaves it below, so such a wallet only fills up.
    # Likewise above the ceiling, with credits.
    "balance below floor or above ceiling": f"""
        SELECT id, code, total, pending, floor, ceiling FROM ({ACCOUNT_TOTALS}) t
         WHERE (floor IS NOT NULL AND total - pending < floor AND (debits > 0 OR holds > 0))
            OR (ceiling IS NOT NULL AND total > ceiling AND credits > 0)
    """,  # noqa: S608 (only ACCOUNT_TOTALS, a constant, is interpolated)
    "kept balance differs from the postings and holds": f"""
        SELECT id, code, posted, total, held, pending FROM ({ACCOUNT_TOTALS}) t
         WHERE posted <> total OR held <> pending
    """,  # noqa: S608 (likewise)
    "balance kept on an unbounded account, or not kept on a bounded one": """
        SELECT a.id, a.code, a.floor, a.ceiling, a.posted, a.held FROM ledger_accounts a
         WHERE (a.floor IS NOT NULL OR a.ceiling IS NOT NULL) <> (a.posted IS NOT NULL)
            OR (a.posted IS NULL) <> (a.held IS NULL)
    """,
    "hold resolved inconsistently": """
        SELECT h.id, h.status, h.amount, h.posted_amount, h.resolution_entry_id
          FROM ledger_holds h
         WHERE (h.status = 'pending' AND (h.resolved_at IS NOT NULL
                                          OR h.resolution_entry_id IS NOT NULL))
            OR (h.status <> 'pending' AND h.resolved_at IS NULL)
            OR (h.status = 'posted' AND (h.resolution_entry_id IS NULL
                                         OR h.posted_amount IS NULL
                                         OR h.posted_amount > h.amount))
            OR (h.status IN ('voided', 'expired') AND h.resolution_entry_id IS NOT NULL)
    """,
    "hold posted for another amount or account": """
        SELECT h.id, h.posted_amount, p.amount FROM ledger_holds h
          JOIN ledger_postings p ON p.entry_id = h.resolution_entry_id
                                AND p.account_id = h.credit_account_id
         WHERE h.status = 'posted' AND p.amount <> h.posted_amount
    """,
    "reversal does not mirror its entry": """
        SELECT r.id, r.reverses_entry_id FROM ledger_entries r
         WHERE r.reverses_entry_id IS NOT NULL AND EXISTS (
            SELECT account_id, sum(amount) FROM ledger_postings
             WHERE entry_id IN (r.id, r.reverses_entry_id)
             GROUP BY account_id HAVING sum(amount) <> 0)
    """,
}


async def verify(session: AsyncSession) -> list[Problem]:
    problems: list[Problem] = []
    for check, query in CHECKS.items():
        for row in await session.execute(text(query)):
            problems.append(Problem(check, ", ".join(str(value) for value in row)))
    return problems


async def totals(session: AsyncSession) -> tuple[int, int, int]:
    """Accounts, entries and holds checked, for the report."""
    row = (
        await session.execute(
            text(
                "SELECT (SELECT count(*) FROM ledger_accounts), "
                "(SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM ledger_holds)"
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])
