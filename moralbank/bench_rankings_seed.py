"""The synthetic city `moralbank bench rankings` ranks: a city of streets, communities and
grids of a thousand residents each; residents in households of three or four (0.3 a
resident), nine in ten agreed to public boards and one in a hundred gone; two wallets each
(moral and volunteer points) with two years of history, ten entries (twenty postings) a
resident: awards, deductions, spending at the kiosk and reversals of awards, the most
active residents far more active than the rest (activity falls off as 1/√rank).

Loaded by the database itself (INSERT … SELECT over a series of numbers), a million rows
at a time, so building a city of twenty million postings takes minutes, not hours. On
PostgreSQL the loading session turns the ledger's per-row triggers off
(session_replication_role, which a scratch database's owner may set as superuser): every
entry is balanced by construction, two legs in one unit. Wallets are loaded without a
floor, so no cached balance needs keeping; rankings never read one. Loaded once per
database: a city already there is ranked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Database

CITY = "bench-city"
GRID_SIZE = 1000
HOUSEHOLDS_PER_RESIDENT = (3, 10)
ENTRIES_PER_RESIDENT = 10  # two postings each
FIRST_DAY = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86400  # two years of history
CHUNK = 1_000_000  # rows a statement
SKEW = 1_000_003  # a prime: the activity pattern's period


@dataclass(frozen=True)
class City:
    unit_id: int
    residents: int
    households: int
    postings: int


async def city(database: Database, residents: int) -> City:
    """The city with `residents` residents, built unless a city is there already."""
    async with database.engine.begin() as connection:
        found = await _found(connection)
        if found is not None:
            return found
        plan = _Plan.of(await _offsets(connection), residents)
        if database.dialect == "postgresql":
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in plan.statements(database.dialect):
            await connection.execute(text(statement))
        if database.dialect == "postgresql":
            await _catch_up_sequences(connection)
        return City(plan.city, residents, plan.households, plan.entries * 2)


async def _found(connection: AsyncConnection) -> City | None:
    row = (
        await connection.execute(
            text("SELECT id FROM org_units WHERE code = :code"), {"code": CITY}
        )
    ).one_or_none()
    if row is None:
        return None
    counts = (
        await connection.execute(
            text(
                "SELECT (SELECT count(*) FROM residents), (SELECT count(*) FROM households),"
                " (SELECT count(*) FROM ledger_postings)"
            )
        )
    ).one()
    return City(row[0], *counts)


TABLES = (
    "org_units", "people", "person_channels", "households", "ledger_accounts",
    "ledger_entries", "ledger_postings",
)  # fmt: skip


async def _offsets(connection: AsyncConnection) -> dict[str, int]:
    """The highest id of each table: the city's rows come after whatever is there."""
    return {
        table: int(
            (await connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}"))).scalar()
            or 0
        )
        for table in TABLES
    }


async def _catch_up_sequences(connection: AsyncConnection) -> None:
    for table in TABLES:
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        )


@dataclass(frozen=True)
class _Plan:
    at: dict[str, int]  # id offsets
    residents: int
    households: int
    grids: int
    communities: int
    streets: int
    entries: int

    @classmethod
    def of(cls, offsets: dict[str, int], residents: int) -> _Plan:
        grids = -(-residents // GRID_SIZE)
        communities = -(-grids // 10)
        share, of = HOUSEHOLDS_PER_RESIDENT
        return cls(
            offsets, residents, residents * share // of, grids, communities,
            -(-communities // 10), residents * ENTRIES_PER_RESIDENT,
        )  # fmt: skip

    @property
    def city(self) -> int:
        return self.at["org_units"] + 1

    def statements(self, dialect: str) -> list[str]:
        sql = _Sql(dialect)
        return [
            *self._tree(sql),
            *self._people(sql),
            *self._accounts(sql),
            *self._ledger(sql),
        ]

    def _tree(self, sql: _Sql) -> list[str]:
        city = self.city
        street0, community0 = city + 1, city + 1 + self.streets
        grid0 = community0 + self.communities
        insert = "INSERT INTO org_units (id, parent_id, level, code, name, path)"
        return [
            f"{insert} VALUES ({city}, NULL, 'city', '{CITY}', '测试市', '/{city}/')",
            sql.over(
                self.streets,
                f"""{insert}
                SELECT {street0} + i - 1, {city}, 'street', 'bench-street-' || i,
                       '第' || i || '街道', '/{city}/' || ({street0} + i - 1) || '/' FROM s""",
            ),
            sql.over(
                self.communities,
                f"""{insert}
                SELECT {community0} + i - 1, p.id, 'community', 'bench-community-' || i,
                       '第' || i || '社区', p.path || ({community0} + i - 1) || '/'
                FROM s JOIN org_units p ON p.id = {street0} + (i - 1) / 10""",
            ),
            sql.over(
                self.grids,
                f"""{insert}
                SELECT {grid0} + i - 1, p.id, 'grid', 'bench-grid-' || i, '第' || i || '网格',
                       p.path || ({grid0} + i - 1) || '/'
                FROM s JOIN org_units p ON p.id = {community0} + (i - 1) / 10""",
            ),
        ]

    def _grid_of(self, person: str) -> str:
        return (
            f"({self.city + 1 + self.streets + self.communities} + ({person} - 1) / {GRID_SIZE})"
        )

    def _people(self, sql: _Sql) -> list[str]:
        p, ch, hh = self.at["people"], self.at["person_channels"], self.at["households"]
        n, h = self.residents, self.households
        joined, verified = sql.at("0"), sql.at(str(86400 * 30))
        first_of = f"(((i - 1) * {n} + {h} - 1) / {h} + 1)"  # the household's first member
        return [
            *sql.chunks(
                n,
                f"""INSERT INTO people (id, display_name, language, language_chosen,
                    created_at, left_at, on_public_boards)
                SELECT {p} + i, CASE WHEN i % 100 = 0 THEN '' ELSE '居民' || i END, 'zh_Hans',
                       FALSE, {joined}, CASE WHEN i % 100 = 0 THEN {sql.at(str(SPAN_SECONDS // 2))}
                       END, CASE WHEN i % 10 = 0 THEN FALSE ELSE TRUE END FROM s""",
            ),
            *sql.chunks(
                n,
                f"""INSERT INTO person_channels (id, person_id, channel, external_id)
                SELECT {ch} + i, {p} + i, 'telegram', 7000000000 + {p} + i FROM s""",
            ),
            *sql.chunks(
                h,
                f"""INSERT INTO households (id, org_unit_id, head_person_id,
                    invite_code, created_at)
                SELECT {hh} + i, {self._grid_of(first_of)}, {p} + {first_of},
                       'bench' || ({hh} + i), {joined} FROM s""",
            ),
            *sql.chunks(
                n,
                f"""INSERT INTO residents (person_id, org_unit_id, household_id,
                    status, verified_at, created_at)
                SELECT {p} + i, {self._grid_of("i")}, {hh} + (i - 1) * {h} / {n} + 1,
                       'verified', {verified}, {joined} FROM s""",
            ),
        ]

    def _accounts(self, sql: _Sql) -> list[str]:
        a, p, n = self.at["ledger_accounts"], self.at["people"], self.residents
        insert = "INSERT INTO ledger_accounts (id, code, unit, kind, owner_ref, created_at)"
        joined = sql.at("0")
        system = ", ".join(
            f"({a + 2 * n + k}, 'bench-{code}', '{unit}', 'system', NULL, {joined})"
            for k, (code, unit) in enumerate(
                (("issuance:moral", "moral"), ("issuance:volunteer", "volunteer"),
                 ("redeemed:moral", "moral"), ("redeemed:volunteer", "volunteer")),
                start=1,
            )
        )  # fmt: skip
        return [
            *sql.chunks(
                n,
                f"""{insert}
                SELECT {a} + i, 'bench-person:' || ({p} + i) || '-moral', 'moral', 'wallet',
                       'person:' || ({p} + i), {joined} FROM s""",
            ),
            *sql.chunks(
                n,
                f"""{insert}
                SELECT {a} + {n} + i, 'bench-person:' || ({p} + i) || '-volunteer', 'volunteer',
                       'wallet', 'person:' || ({p} + i), {joined} FROM s""",
            ),
            f"{insert} VALUES {system}",
        ]

    def _ledger(self, sql: _Sql) -> list[str]:
        """Entry i's kind by i % 100: 0–69 an award, 70–74 a deduction, 75–97 spending,
        98–99 the reversal of the award 97 entries before (a correction, now and then in
        the next quarter). Whose wallet and which type come from the entry (or, for a
        reversal, from the award it undoes)."""
        a, e, po, n = self.at["ledger_accounts"], self.at["ledger_entries"], self.at[
            "ledger_postings"], self.residents  # fmt: skip
        source = "(CASE WHEN i % 100 >= 98 THEN i - 97 ELSE i END)"
        h = f"(({source} * 7919) % {SKEW})"
        person = f"(1 + ({h} * {h} / {SKEW}) * {n} / {SKEW})"
        volunteer = f"({source} % 10 < 2)"
        wallet = f"(CASE WHEN {volunteer} THEN {a} + {n} ELSE {a} END + {person})"
        amount = f"(1 + {source} % 20)"
        delta = f"(CASE WHEN i % 100 < 70 THEN {amount} ELSE -{amount} END)"
        counter = (
            f"({a} + 2 * {n} + CASE WHEN i % 100 >= 75 AND i % 100 < 98 THEN 3 ELSE 1 END"
            f" + CASE WHEN {volunteer} THEN 1 ELSE 0 END)"
        )
        kind = (
            "CASE WHEN i % 100 < 70 THEN 'award' WHEN i % 100 < 75 THEN 'deduction'"
            " WHEN i % 100 < 98 THEN 'hold_post' ELSE 'reversal' END"
        )
        moment = sql.at(f"(i - 1) * {SPAN_SECONDS // self.entries or 1}")
        postings = f"""INSERT INTO ledger_postings (id, entry_id, account_id, amount)
            SELECT {po} + 2 * i - 1, {e} + i, {wallet}, {delta} FROM s
            UNION ALL
            SELECT {po} + 2 * i, {e} + i, {counter}, -{delta} FROM s"""
        entries = f"""INSERT INTO ledger_entries (id, idempotency_key, fingerprint, kind,
                created_at, effective_at, meta, reverses_entry_id, legs)
            SELECT {e} + i, 'bench-' || ({e} + i), 'bench', {kind}, {moment}, {moment},
                   CAST('{{}}' AS JSON), CASE WHEN i % 100 >= 98 THEN {e} + i - 97 END, 2
            FROM s"""
        earned = f"""INSERT INTO earned_points (person_id, unit, month, points)
            SELECT CAST(substr(a.owner_ref, 8) AS BIGINT), a.unit, {sql.month("e.effective_at")},
                   sum(p.amount)
            FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
            JOIN ledger_entries e ON e.id = p.entry_id
            WHERE e.id > {e} AND a.kind = 'wallet' AND e.kind IN ('award', 'deduction', 'reversal')
            GROUP BY 1, 2, 3"""
        # SQLite checks an entry's balance when its row arrives: its postings come first.
        return [*sql.chunks(self.entries, postings), *sql.chunks(self.entries, entries), earned]


class _Sql:
    """The two dialects' ways to count and to tell the time."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def over(self, n: int, statement: str, first: int = 1) -> str:
        """`statement` with `s(i)` the numbers first … first + n - 1."""
        last = first + n - 1
        if self.postgres:
            return f"WITH s(i) AS (SELECT generate_series({first}::bigint, {last})) {statement}"
        return (
            f"WITH RECURSIVE s(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM s"
            f" WHERE i < {last}) {statement}"
        )

    def chunks(self, n: int, statement: str) -> list[str]:
        return [
            self.over(min(CHUNK, n - start), statement, first=start + 1)
            for start in range(0, n, CHUNK)
        ]

    def month(self, column: str) -> str:
        """The month of a stored time in the benchmark's zone (Shanghai, UTC+8 all year)."""
        if self.postgres:
            return f"to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        return f"strftime('%Y-%m', datetime(substr({column}, 1, 19), '+8 hours'))"

    def at(self, seconds: str) -> str:
        """FIRST_DAY plus `seconds` (an integer expression), as the column stores it."""
        if self.postgres:
            return f"(TIMESTAMPTZ '{FIRST_DAY.isoformat()}' + ({seconds}) * INTERVAL '1 second')"
        day = FIRST_DAY.strftime("%Y-%m-%d %H:%M:%S")
        return f"(datetime('{day}', '+' || ({seconds}) || ' seconds') || '.000000')"
