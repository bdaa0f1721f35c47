"""ledger: on PostgreSQL, entries are checked when their postings arrive, before any
wallet row is locked

The balance check is a deferred constraint trigger, one call per entry. Left to COMMIT,
it ran while the statement-level trigger's wallet locks were held: for a batch of 100,
about 2 ms of checks at commit, after a round trip to the client, with every batch that
shares a wallet waiting behind it. The postings trigger now fires the checks that are
pending (SET CONSTRAINTS … IMMEDIATE, then back to DEFERRED) before it locks the
wallets. A benchmark of 8 clients posting batches of 100 awards to 1,000 wallets ran
12,890-13,500 transfers/s before and 14,980-15,590 after, in alternating runs.

What still holds: every entry is checked, exactly as before, once; an entry whose
postings never arrive is checked at COMMIT; postings written before their entry (as
SQLite's writer does) are checked when the entry row arrives, at COMMIT. What changes:
an entry's postings must now all arrive in one statement, since the check fires at the
first statement that brings any of them. The ledger writes them in one.

Revision ID: 5d8e1f3a6c20
Revises: 7b41d0c9e2a6
Create Date: 2026-11-25 13:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d8e1f3a6c20"
down_revision: str | None = "7b41d0c9e2a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The postings trigger as the previous revision left it; the pending checks go at the mark.
POSTINGS_ARRIVE = """
    CREATE OR REPLACE FUNCTION ledger_postings_arrive() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE entry_ids bigint[]; account_ids bigint[]; deltas bigint[];
    BEGIN
        SELECT array_agg(DISTINCT entry_id) INTO entry_ids FROM arrived;
        SELECT array_agg(account_id ORDER BY account_id), array_agg(delta ORDER BY account_id)
          INTO account_ids, deltas
          FROM (SELECT account_id, CAST(sum(amount) AS bigint) AS delta
                  FROM arrived GROUP BY account_id) AS per_account;
        IF EXISTS (
            SELECT FROM ledger_entries e
             WHERE e.id = ANY (entry_ids)
               AND (SELECT count(*) FROM ledger_postings p WHERE p.entry_id = e.id) > e.legs)
        THEN
            RAISE EXCEPTION 'ledger entry is sealed: no posting may be added'
                USING ERRCODE = 'restrict_violation';
        END IF;--pending checks--
        PERFORM FROM ledger_accounts
          WHERE id = ANY (account_ids) AND posted IS NOT NULL
          ORDER BY id FOR NO KEY UPDATE;
        UPDATE ledger_accounts a SET posted = a.posted + d.delta
          FROM unnest(account_ids, deltas) AS d(account_id, delta)
         WHERE a.id = ANY (account_ids) AND a.id = d.account_id AND a.posted IS NOT NULL;
        RETURN NULL;
    END $$
"""


# Switching a deferred constraint to IMMEDIATE runs its pending checks there and then.
CHECK_PENDING_ENTRIES = """
        SET CONSTRAINTS ledger_entries_balanced IMMEDIATE;
        SET CONSTRAINTS ledger_entries_balanced DEFERRED;"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTINGS_ARRIVE.replace("--pending checks--", CHECK_PENDING_ENTRIES))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTINGS_ARRIVE.replace("--pending checks--", ""))
