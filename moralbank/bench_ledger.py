"""`moralbank bench ledger`: transfers per second through the real ledger code.

Single transfers mix awards out of the hot issuance account with spends from wallets that
have a floor (the locked path). A spend the wallet cannot cover is refused by the ledger:
refused spends are counted apart and left out of the throughput and the latencies, which
report committed transfers only (a refusal costs less than a transfer, so counting it
would flatter). Batches post 100 awards per transaction. A reference runs in the same run,
so the ratio means something on a shared machine where absolute times do not: on
PostgreSQL pgbench's built-in TPC-B workload on the same server at a scale of at least the
number of clients, on SQLite the same transaction through Python's own sqlite3 driver on
the same disk, committed one by one and in groups as the ledger's writers share commits.
It runs in two halves, just before and just after the single transfers (see
moralbank.bench_reference).

Every measured phase, the reference's too, starts from a settled server: the previous
phase's rows vacuumed and analysed and a checkpoint taken. Otherwise autovacuum and the
full-page writes after a checkpoint land on whichever phase comes next, which moved the
figures by a third between otherwise identical runs.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing import get_context

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url

from core.db import Database
from core.group_commit import MAX_GROUP
from ledger.errors import BalanceOutOfBounds
from ledger.service import EntryRequest, Leg, open_account, post_batch, post_entry
from moralbank.bench_reference import PgbenchReference, SqliteReference
from moralbank.bench_report import percentile_ms
from moralbank.cli_support import run_async

WALLETS = 1000
FUNDING = 50  # points each wallet starts with
BATCH = 100
# Time for client processes to start and connect before the phase's agreed start.
STARTUP_SECONDS = 4.0


@dataclass(frozen=True)
class LedgerBench:
    database: str
    clients: int
    processes: int
    seconds: float
    # Committed single transfers only: refused spends are counted apart.
    single_transfers: int
    single_seconds: float
    single_tps: float
    single_p50_ms: float
    single_p99_ms: float
    refused_spends: int
    batch_tps: float
    reference: str | None
    reference_scale: int | None  # pgbench's scale (branches), at least the clients
    reference_tps: float | None
    ratio: float | None
    # SQLite's yardsticks (null on PostgreSQL): one plain sqlite3 writer doing TPC-B
    # transactions on the same disk, in two halves around the single transfers; first
    # one commit per transaction, then `sqlite_group` transactions per commit, each in its
    # savepoint, as the ledger's queued writers share commits.
    sqlite_reference_tps: float | None
    sqlite_ratio: float | None
    sqlite_group: int | None
    sqlite_group_reference_tps: float | None
    sqlite_group_ratio: float | None
    # How many single transfers (refused ones too) the ledger's commits carried on average.
    transfers_per_commit: float | None


@dataclass(frozen=True)
class _Accounts:
    issuance: int
    clearing: int
    wallets: list[int]


async def _prepare(database: Database, run: str, funding: int) -> _Accounts:
    now = datetime.now(UTC)
    async with database.write() as session:
        issuance = await open_account(
            session, code=f"bench:{run}:iss", unit="bench", kind="system", now=now
        )
        clearing = await open_account(
            session, code=f"bench:{run}:clr", unit="bench", kind="system", now=now
        )
        wallets = [
            (
                await open_account(
                    session,
                    code=f"bench:{run}:w{n}",
                    unit="bench",
                    kind="wallet",
                    floor=0,
                    now=now,
                )
            ).id
            for n in range(WALLETS)
        ]
        if funding:
            grants = [
                EntryRequest(
                    f"bench:{run}:fund:{w}",
                    "award",
                    (Leg(issuance.id, -funding), Leg(w, funding)),
                )
                for w in wallets
            ]
            await post_batch(session, grants, now=now)
    return _Accounts(issuance.id, clearing.id, wallets)


async def _single_client(
    database: Database,
    accounts: _Accounts,
    run: str,
    client: int,
    until: float,
    latencies: list[float],
) -> int:
    rng = random.Random(client)
    refused = 0
    n = 0
    while time.perf_counter() < until:
        wallet = rng.choice(accounts.wallets)
        if rng.random() < 0.5:
            legs = [Leg(accounts.issuance, -2), Leg(wallet, 2)]
        else:
            legs = [Leg(wallet, -1), Leg(accounts.clearing, 1)]
        started = time.perf_counter()
        try:
            async with database.write() as session:
                await post_entry(
                    session,
                    idempotency_key=f"bench:{run}:s:{client}:{n}",
                    kind="bench",
                    legs=legs,
                    now=datetime.now(UTC),
                )
        except BalanceOutOfBounds:
            refused += 1
        else:
            latencies.append(time.perf_counter() - started)
        n += 1
    return refused


async def _batch_client(
    database: Database, accounts: _Accounts, run: str, client: int, until: float
) -> int:
    rng = random.Random(1000 + client)
    posted = 0
    while time.perf_counter() < until:
        batch = [
            EntryRequest(
                f"bench:{run}:b:{client}:{posted + i}",
                "bench",
                (Leg(accounts.issuance, -1), Leg(rng.choice(accounts.wallets), 1)),
            )
            for i in range(BATCH)
        ]
        async with database.write() as session:
            await post_batch(session, batch, now=datetime.now(UTC))
        posted += BATCH
    return posted


LEDGER_TABLES = ("ledger_accounts", "ledger_entries", "ledger_postings", "ledger_holds")


async def settle(database: Database, tables: Sequence[str] | None = LEDGER_TABLES) -> None:
    """Let PostgreSQL catch up on the previous phase (or on loading `tables`, all of them
    when None) before the next one is timed, as autovacuum would in a database in use:
    its planner then knows how many rows each table holds. (SQLite has no background work
    of that kind: it checkpoints its WAL as it goes.)"""
    if database.dialect != "postgresql":
        return
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"VACUUM ANALYZE {', '.join(tables or ())}"))
        await autocommit.execute(text("CHECKPOINT"))


def _database(url: str, clients: int) -> Database:
    if url.startswith("sqlite"):
        return Database.from_url(url)
    # One connection per client: the clients measure the database, not the pool.
    return Database.from_url(url, pool_size=clients, max_overflow=0)


@dataclass(frozen=True)
class _Share:
    """One process's part of a phase: its clients, started at one agreed wall-clock time."""

    url: str
    accounts: _Accounts
    run: str
    phase: str  # "single" or "batch"
    first_client: int
    clients: int
    start_at: float
    seconds: float


@dataclass(frozen=True)
class _Outcome:
    elapsed: float
    transfers: int
    refused: int
    latencies: list[float]
    commits: int


def _run_share(share: _Share) -> _Outcome:
    """Entry point of a client process (module level, so that it can be pickled)."""
    return run_async(_clients(share))


async def _clients(share: _Share) -> _Outcome:
    database = _database(share.url, share.clients)
    numbers = range(share.first_client, share.first_client + share.clients)
    commits = _CommitCounter()
    try:
        await asyncio.sleep(max(0.0, share.start_at - time.time()))
        started = time.perf_counter()
        until = started + share.seconds
        latencies: list[float] = []
        if share.phase == "single":
            refused = await asyncio.gather(
                *(
                    _single_client(database, share.accounts, share.run, c, until, latencies)
                    for c in numbers
                )
            )
            transfers = len(latencies)
        else:
            posted = await asyncio.gather(
                *(_batch_client(database, share.accounts, share.run, c, until) for c in numbers)
            )
            refused, transfers = [], sum(posted)
        elapsed = time.perf_counter() - started
        return _Outcome(elapsed, transfers, sum(refused), latencies, commits.count)
    finally:
        commits.stop()
        await database.dispose()


class _CommitCounter:
    """Counts the commits this process makes while it lives: on SQLite, how many writers
    shared each commit is what the group-commit reference is compared with."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "commit", self._commit)

    def _commit(self, connection: Connection) -> None:
        self.count += 1

    def stop(self) -> None:
        event.remove(Engine, "commit", self._commit)


async def _measure(
    url: str,
    accounts: _Accounts,
    run: str,
    phase: str,
    *,
    clients: int,
    processes: int,
    seconds: float,
) -> _Outcome:
    """Run one phase with its clients spread over `processes` processes (as pgbench spreads
    its clients over threads); one process runs them in this one."""
    sizes = [clients // processes + (p < clients % processes) for p in range(processes)]
    firsts = [sum(sizes[:p]) for p in range(processes)]
    start_at = time.time() + (STARTUP_SECONDS if processes > 1 else 0.0)
    shares = [
        _Share(url, accounts, run, phase, first, size, start_at, seconds)
        for first, size in zip(firsts, sizes, strict=True)
        if size
    ]
    if len(shares) == 1:
        outcomes = [await _clients(shares[0])]
    else:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(len(shares), mp_context=get_context("spawn")) as pool:
            outcomes = await asyncio.gather(
                *(loop.run_in_executor(pool, _run_share, share) for share in shares)
            )
    return _Outcome(
        max(outcome.elapsed for outcome in outcomes),
        sum(outcome.transfers for outcome in outcomes),
        sum(outcome.refused for outcome in outcomes),
        [latency for outcome in outcomes for latency in outcome.latencies],
        sum(outcome.commits for outcome in outcomes),
    )


def default_processes(url: str) -> int:
    """Two client processes on PostgreSQL, like pgbench's two threads; one on SQLite, the
    embedded database of a one-process deployment."""
    return 1 if url.startswith("sqlite") else 2


async def run_bench(
    url: str,
    *,
    clients: int,
    seconds: float,
    processes: int | None = None,
    funding: int = FUNDING,
) -> LedgerBench:
    """Measure the ledger at `url`, which must already be migrated. Each wallet starts
    with `funding` points (with none, most spends are refused)."""
    processes = processes or default_processes(url)
    database = _database(url, 4)
    reference = _reference(url, database.dialect, clients)
    run = uuid.uuid4().hex[:8]
    try:
        accounts = await _prepare(database, run, funding)
        await asyncio.to_thread(reference.initialise)
        before = await _reference_half(reference, clients, seconds)
        await settle(database)
        single = await _measure(
            url, accounts, run, "single", clients=clients, processes=processes, seconds=seconds
        )
        after = await _reference_half(reference, clients, seconds)
        await settle(database)
        batch = await _measure(
            url, accounts, run, "batch", clients=clients, processes=processes, seconds=seconds
        )
    finally:
        await database.dispose()
    single_tps = single.transfers / single.elapsed
    figures = LedgerBench(
        database=database.dialect,
        clients=clients,
        processes=processes,
        seconds=seconds,
        single_transfers=single.transfers,
        single_seconds=round(single.elapsed, 3),
        single_tps=round(single_tps, 1),
        single_p50_ms=round(percentile_ms(single.latencies, 50), 2),
        single_p99_ms=round(percentile_ms(single.latencies, 99), 2),
        refused_spends=single.refused,
        batch_tps=round(batch.transfers / batch.elapsed, 1),
        reference=None,
        reference_scale=None,
        reference_tps=None,
        ratio=None,
        sqlite_reference_tps=None,
        sqlite_ratio=None,
        sqlite_group=None,
        sqlite_group_reference_tps=None,
        sqlite_group_ratio=None,
        transfers_per_commit=None,
    )
    plain = (before.plain + after.plain) / 2
    if isinstance(reference, _PgbenchRun):
        return replace(
            figures,
            reference="pgbench TPC-B",
            reference_scale=reference.scale,
            reference_tps=round(plain, 1),
            ratio=_ratio(single_tps, plain),
        )
    grouped = (before.grouped + after.grouped) / 2
    shared = (single.transfers + single.refused) / single.commits if single.commits else None
    return replace(
        figures,
        sqlite_reference_tps=round(plain, 1),
        sqlite_ratio=_ratio(single_tps, plain),
        sqlite_group=reference.group,
        sqlite_group_reference_tps=round(grouped, 1),
        sqlite_group_ratio=_ratio(single_tps, grouped),
        transfers_per_commit=round(shared, 2) if shared else None,
    )


def _ratio(tps: float, reference_tps: float) -> float | None:
    return round(tps / reference_tps, 3) if reference_tps else None


@dataclass(frozen=True)
class _PgbenchRun:
    reference: PgbenchReference
    scale: int

    def initialise(self) -> None:
        self.reference.initialise(scale=self.scale)


@dataclass(frozen=True)
class _SqliteRun:
    reference: SqliteReference
    # The most writers that can share a commit with this many clients (core.group_commit).
    group: int

    def initialise(self) -> None:
        self.reference.initialise()


def _reference(url: str, dialect: str, clients: int) -> _PgbenchRun | _SqliteRun:
    if dialect == "postgresql":
        # pgbench's documentation: a scale below the clients measures the branch row lock.
        return _PgbenchRun(PgbenchReference(url), max(clients, 1))
    path = make_url(url).database
    if not path or path == ":memory:":
        raise ValueError("the SQLite benchmark needs a database file")
    return _SqliteRun(SqliteReference(path), max(1, min(clients, MAX_GROUP)))


@dataclass(frozen=True)
class _Half:
    plain: float  # one commit per transaction
    grouped: float = 0.0  # SQLite only: `group` transactions per commit


async def _reference_half(
    reference: _PgbenchRun | _SqliteRun, clients: int, seconds: float
) -> _Half:
    """Half the reference, run right before or right after the single transfers it is
    compared with: a machine that speeds up or slows down during the run moves both."""
    half = max(1, round(seconds / 2))
    if isinstance(reference, _SqliteRun):  # one writer: SQLite admits no more
        run = reference.reference.tps
        plain = await asyncio.to_thread(run, seconds=half)
        return _Half(plain, await asyncio.to_thread(run, seconds=half, group=reference.group))
    tps = reference.reference.tps
    return _Half(await asyncio.to_thread(tps, clients=clients, seconds=half))
