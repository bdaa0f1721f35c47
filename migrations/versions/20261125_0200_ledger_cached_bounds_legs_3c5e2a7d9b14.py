"""ledger: bounded accounts keep their balance under database-enforced bounds; entries
state their legs, which seals them

Bounded accounts (floor or ceiling) get `posted` and `held`, kept by triggers on postings
and holds; a trigger on the account refuses a change that takes it further out of bounds.
Entries get `legs`: a posting for an entry that has all its legs is refused, which lets
PostgreSQL write an entry before its postings in one statement.

Postings lose their foreign key to the account: checking it takes a share lock on the
account row, and on the hot issuance account every concurrent award queued on that lock.
Accounts can no longer be deleted or renumbered instead, writers check the accounts before
inserting, and every entry's balance check joins each posting to its account.

Revision ID: 3c5e2a7d9b14
Revises: 95629c0512a0
Create Date: 2026-11-25 02:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3c5e2a7d9b14"
down_revision: str | None = "95629c0512a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = [
    """
    UPDATE ledger_accounts SET
        posted = coalesce((SELECT sum(p.amount) FROM ledger_postings p
                            WHERE p.account_id = ledger_accounts.id), 0),
        held = coalesce((SELECT sum(h.amount) FROM ledger_holds h
                          WHERE h.debit_account_id = ledger_accounts.id
                            AND h.status = 'pending'), 0)
     WHERE floor IS NOT NULL OR ceiling IS NOT NULL
    """,
    """
    UPDATE ledger_entries
       SET legs = (SELECT count(*) FROM ledger_postings p WHERE p.entry_id = ledger_entries.id)
    """,
]

# The same rules on both engines, phrased for each.
CACHED_IFF_BOUNDED = """
    ((NEW.floor IS NOT NULL OR NEW.ceiling IS NOT NULL) <> (NEW.posted IS NOT NULL)
     OR (NEW.posted IS NULL) <> (NEW.held IS NULL))
"""
# Only a change that makes things worse is refused: an account opened below a positive
# floor can still receive points, and a floor raised later does not block credits.
OUT_OF_BOUNDS = """
    ((NEW.floor IS NOT NULL AND NEW.posted - NEW.held < NEW.floor
      AND NEW.posted - NEW.held < OLD.posted - OLD.held)
     OR (NEW.ceiling IS NOT NULL AND NEW.posted > NEW.ceiling AND NEW.posted > OLD.posted))
"""
# A pending hold may be resolved (nothing else about it changes); a posted one may then be
# linked to its entry, once. Anything else is refused.
HOLD_MAY_CHANGE = """
    ((OLD.status = 'pending'
      AND NEW.amount = OLD.amount
      AND NEW.debit_account_id = OLD.debit_account_id
      AND NEW.credit_account_id = OLD.credit_account_id)
     OR (OLD.status = 'posted' AND NEW.status = 'posted'
         AND OLD.resolution_entry_id IS NULL AND NEW.resolution_entry_id IS NOT NULL
         AND NEW.amount = OLD.amount AND NEW.posted_amount = OLD.posted_amount
         AND NEW.resolved_at = OLD.resolved_at))
"""

POSTGRES_UP = [
    "ALTER TABLE ledger_postings DROP CONSTRAINT fk_ledger_postings_account_id_ledger_accounts",
    "DROP INDEX ix_ledger_entries_kind",
    "ALTER TABLE ledger_accounts ADD COLUMN posted BIGINT, ADD COLUMN held BIGINT",
    "ALTER TABLE ledger_entries ADD COLUMN legs INTEGER",
    "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only",
    *BACKFILL,
    "ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only",
    "ALTER TABLE ledger_entries ALTER COLUMN legs SET NOT NULL",
    "DROP TRIGGER ledger_postings_sealed ON ledger_postings",
    "DROP FUNCTION ledger_refuse_posting_after_seal()",
    # Once per statement, not per posting: a batch of a hundred entries is one seal check,
    # one lock sweep in ascending id order and one update of the kept balances.
    """
    CREATE FUNCTION ledger_postings_arrive() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT FROM (SELECT DISTINCT entry_id FROM arrived) n
              JOIN ledger_entries e ON e.id = n.entry_id
             WHERE (SELECT count(*) FROM ledger_postings p WHERE p.entry_id = n.entry_id)
                   > e.legs) THEN
            RAISE EXCEPTION 'ledger entry is sealed: no posting may be added'
                USING ERRCODE = 'restrict_violation';
        END IF;
        PERFORM FROM ledger_accounts
          WHERE id IN (SELECT account_id FROM arrived) AND posted IS NOT NULL
          ORDER BY id FOR NO KEY UPDATE;
        UPDATE ledger_accounts a SET posted = a.posted + d.delta
          FROM (SELECT account_id, sum(amount) AS delta FROM arrived GROUP BY account_id) d
         WHERE a.id = d.account_id AND a.posted IS NOT NULL;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_postings_arrive AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_arrive()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE legs bigint; units bigint; total numeric;
    BEGIN
        SELECT count(*), count(DISTINCT a.unit), coalesce(sum(p.amount), 0)
          INTO legs, units, total
          FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
         WHERE p.entry_id = NEW.id;
        IF legs < 2 OR legs <> NEW.legs OR units <> 1 OR total <> 0 THEN
            RAISE EXCEPTION 'ledger entry % does not balance (legs %/%, units %, sum %)',
                NEW.id, legs, NEW.legs, units, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_accounts_never_deleted BEFORE DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    f"""
    CREATE FUNCTION ledger_account_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'ledger account % cannot be renumbered', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF {CACHED_IFF_BOUNDED} THEN
            RAISE EXCEPTION 'ledger account % keeps a balance exactly when it is bounded',
                NEW.id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND {OUT_OF_BOUNDS} THEN
            RAISE EXCEPTION 'ledger account % would go out of bounds', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER ledger_accounts_bounds BEFORE INSERT OR UPDATE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_bounds()
    """,
    # Only this module's constant rule is interpolated, never a value.
    f"""
    CREATE OR REPLACE FUNCTION ledger_hold_resolves_once() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.status <> 'pending' THEN
                RAISE EXCEPTION 'a ledger hold starts pending'
                    USING ERRCODE = 'restrict_violation';
            END IF;
            UPDATE ledger_accounts SET held = held + NEW.amount
             WHERE id = NEW.debit_account_id AND held IS NOT NULL;
            RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' OR NOT coalesce({HOLD_MAY_CHANGE}, false) THEN
            RAISE EXCEPTION 'ledger hold % is already resolved', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF OLD.status = 'pending' AND NEW.status <> 'pending' THEN
            UPDATE ledger_accounts SET held = held - OLD.amount
             WHERE id = OLD.debit_account_id AND held IS NOT NULL;
        END IF;
        RETURN NEW;
    END $$
    """,  # noqa: S608
    """
    CREATE TRIGGER ledger_holds_reserve BEFORE INSERT ON ledger_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_hold_resolves_once()
    """,
]

POSTGRES_DOWN = [
    "DROP TRIGGER ledger_holds_reserve ON ledger_holds",
    "DROP TRIGGER ledger_accounts_never_deleted ON ledger_accounts",
    """
    CREATE OR REPLACE FUNCTION ledger_hold_resolves_once() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR OLD.status <> 'pending' THEN
            RAISE EXCEPTION 'ledger hold % is already resolved', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    "DROP FUNCTION ledger_account_bounds() CASCADE",
    """
    CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE legs bigint; units bigint; total numeric;
    BEGIN
        SELECT count(*), count(DISTINCT a.unit), coalesce(sum(p.amount), 0)
          INTO legs, units, total
          FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
         WHERE p.entry_id = NEW.id;
        IF legs < 2 OR units <> 1 OR total <> 0 THEN
            RAISE EXCEPTION 'ledger entry % does not balance (legs %, units %, sum %)',
                NEW.id, legs, units, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    "DROP FUNCTION ledger_postings_arrive() CASCADE",
    """
    CREATE FUNCTION ledger_refuse_posting_after_seal() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id) THEN
            RAISE EXCEPTION 'ledger entry % is sealed: no posting may be added', NEW.entry_id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER ledger_postings_sealed BEFORE INSERT ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_posting_after_seal()
    """,
    "ALTER TABLE ledger_entries DROP COLUMN legs",
    "ALTER TABLE ledger_accounts DROP COLUMN held, DROP COLUMN posted",
    "CREATE INDEX ix_ledger_entries_kind ON ledger_entries (kind)",
    """
    ALTER TABLE ledger_postings ADD CONSTRAINT fk_ledger_postings_account_id_ledger_accounts
    FOREIGN KEY (account_id) REFERENCES ledger_accounts (id)
    """,
]

SQLITE_APPEND_ONLY_ENTRIES = """
    CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END
"""
SQLITE_OLD_TRIGGERS = [
    """
    CREATE TRIGGER ledger_postings_sealed BEFORE INSERT ON ledger_postings
    WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id)
    BEGIN SELECT RAISE(ABORT, 'ledger entry is sealed: no posting may be added'); END
    """,
    """
    CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    WHEN (SELECT count(*) < 2 OR count(DISTINCT a.unit) <> 1 OR coalesce(sum(p.amount), 0) <> 0
            FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
           WHERE p.entry_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'ledger entry does not balance'); END
    """,
    """
    CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds
    WHEN OLD.status <> 'pending'
    BEGIN SELECT RAISE(ABORT, 'ledger hold is already resolved'); END
    """,
]
SQLITE_NEW_TRIGGER_NAMES = [
    "ledger_postings_sealed",
    "ledger_postings_keep_balance",
    "ledger_entries_balanced",
    "ledger_accounts_cached_iff_bounded_insert",
    "ledger_accounts_cached_iff_bounded_update",
    "ledger_accounts_bounds",
    "ledger_holds_start_pending",
    "ledger_holds_reserve",
    "ledger_holds_resolve_once",
    "ledger_holds_release",
]


def sqlite_postings_table(*, account_key: bool) -> list[str]:
    """Rebuild ledger_postings (SQLite changes a foreign key only by copying the table),
    with or without the key to the account; its triggers are made afresh by the caller."""
    account_fk = (
        """,
        CONSTRAINT fk_ledger_postings_account_id_ledger_accounts
            FOREIGN KEY(account_id) REFERENCES ledger_accounts (id)"""
        if account_key
        else ""
    )
    return [
        f"""
        CREATE TABLE ledger_postings_new (
            id INTEGER NOT NULL,
            entry_id INTEGER NOT NULL,
            account_id INTEGER NOT NULL,
            amount BIGINT NOT NULL,
            CONSTRAINT pk_ledger_postings PRIMARY KEY (id),
            CONSTRAINT ck_ledger_postings_amount_not_zero CHECK (amount <> 0),
            CONSTRAINT fk_ledger_postings_entry_id_ledger_entries FOREIGN KEY(entry_id)
                REFERENCES ledger_entries (id) DEFERRABLE INITIALLY DEFERRED{account_fk}
        )
        """,
        "INSERT INTO ledger_postings_new (id, entry_id, account_id, amount)"
        " SELECT id, entry_id, account_id, amount FROM ledger_postings",
        "DROP TABLE ledger_postings",  # and its indexes and triggers
        "ALTER TABLE ledger_postings_new RENAME TO ledger_postings",
        "CREATE INDEX ix_ledger_postings_account_id ON ledger_postings (account_id)",
        "CREATE INDEX ix_ledger_postings_entry_id ON ledger_postings (entry_id)",
        *(
            f"""
            CREATE TRIGGER ledger_postings_no_{op.lower()} BEFORE {op} ON ledger_postings
            BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END
            """
            for op in ("UPDATE", "DELETE")
        ),
    ]


SQLITE_UP = [
    # SQLite checks every trigger when a table is renamed: this one names ledger_postings.
    "DROP TRIGGER ledger_entries_balanced",
    *sqlite_postings_table(account_key=False),
    "DROP INDEX ix_ledger_entries_kind",
    """
    CREATE TRIGGER ledger_accounts_never_deleted BEFORE DELETE ON ledger_accounts
    BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END
    """,
    """
    CREATE TRIGGER ledger_accounts_never_renumbered BEFORE UPDATE OF id ON ledger_accounts
    WHEN NEW.id <> OLD.id
    BEGIN SELECT RAISE(ABORT, 'ledger account cannot be renumbered'); END
    """,
    "ALTER TABLE ledger_accounts ADD COLUMN posted BIGINT",
    "ALTER TABLE ledger_accounts ADD COLUMN held BIGINT",
    # SQLite adds a NOT NULL column only with a default; the backfill sets the real values.
    "ALTER TABLE ledger_entries ADD COLUMN legs INTEGER NOT NULL DEFAULT 2",
    "DROP TRIGGER ledger_entries_no_update",
    *BACKFILL,
    SQLITE_APPEND_ONLY_ENTRIES,
    "DROP TRIGGER ledger_holds_resolve_once",
    """
    CREATE TRIGGER ledger_postings_sealed BEFORE INSERT ON ledger_postings
    WHEN (SELECT count(*) FROM ledger_postings WHERE entry_id = NEW.entry_id)
         >= (SELECT legs FROM ledger_entries WHERE id = NEW.entry_id)
    BEGIN SELECT RAISE(ABORT, 'ledger entry is sealed: no posting may be added'); END
    """,
    """
    CREATE TRIGGER ledger_postings_keep_balance AFTER INSERT ON ledger_postings
    BEGIN
        UPDATE ledger_accounts SET posted = posted + NEW.amount
         WHERE id = NEW.account_id AND posted IS NOT NULL;
    END
    """,
    # Postings precede their entry on SQLite (see ledger.models), so checking when the
    # entry row arrives sees them all.
    """
    CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    WHEN (SELECT count(*) < 2 OR count(*) <> NEW.legs OR count(DISTINCT a.unit) <> 1
                 OR coalesce(sum(p.amount), 0) <> 0
            FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
           WHERE p.entry_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'ledger entry does not balance'); END
    """,
    f"""
    CREATE TRIGGER ledger_accounts_cached_iff_bounded_insert BEFORE INSERT ON ledger_accounts
    WHEN {CACHED_IFF_BOUNDED}
    BEGIN SELECT RAISE(ABORT, 'ledger account keeps a balance exactly when it is bounded'); END
    """,
    f"""
    CREATE TRIGGER ledger_accounts_cached_iff_bounded_update BEFORE UPDATE ON ledger_accounts
    WHEN {CACHED_IFF_BOUNDED}
    BEGIN SELECT RAISE(ABORT, 'ledger account keeps a balance exactly when it is bounded'); END
    """,
    f"""
    CREATE TRIGGER ledger_accounts_bounds BEFORE UPDATE ON ledger_accounts
    WHEN {OUT_OF_BOUNDS}
    BEGIN SELECT RAISE(ABORT, 'ledger account would go out of bounds'); END
    """,
    """
    CREATE TRIGGER ledger_holds_start_pending BEFORE INSERT ON ledger_holds
    WHEN NEW.status <> 'pending'
    BEGIN SELECT RAISE(ABORT, 'a ledger hold starts pending'); END
    """,
    """
    CREATE TRIGGER ledger_holds_reserve AFTER INSERT ON ledger_holds
    BEGIN
        UPDATE ledger_accounts SET held = held + NEW.amount
         WHERE id = NEW.debit_account_id AND held IS NOT NULL;
    END
    """,
    f"""
    CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds
    WHEN NOT coalesce({HOLD_MAY_CHANGE}, false)
    BEGIN SELECT RAISE(ABORT, 'ledger hold is already resolved'); END
    """,
    """
    CREATE TRIGGER ledger_holds_release AFTER UPDATE OF status ON ledger_holds
    WHEN OLD.status = 'pending' AND NEW.status <> 'pending'
    BEGIN
        UPDATE ledger_accounts SET held = held - OLD.amount
         WHERE id = OLD.debit_account_id AND held IS NOT NULL;
    END
    """,
]

SQLITE_DOWN = [
    *(f"DROP TRIGGER {name}" for name in SQLITE_NEW_TRIGGER_NAMES),
    "DROP TRIGGER ledger_accounts_never_deleted",
    "DROP TRIGGER ledger_accounts_never_renumbered",
    *sqlite_postings_table(account_key=True),
    "CREATE INDEX ix_ledger_entries_kind ON ledger_entries (kind)",
    *SQLITE_OLD_TRIGGERS,
    "ALTER TABLE ledger_entries DROP COLUMN legs",
    "ALTER TABLE ledger_accounts DROP COLUMN held",
    "ALTER TABLE ledger_accounts DROP COLUMN posted",
]


def _run_all(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run_all(POSTGRES_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP)


def downgrade() -> None:
    _run_all(POSTGRES_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN)
