"""`moralbank bench ledger`: transfers per second through the real ledger code.

Single transfers mix awards out of the hot issuance account with spends from wallets that
have a floor (the locked path). Batches post 100 awards per transaction. A reference runs
in the same run, so the ratio means something on a shared machine where absolute times do
not: on PostgreSQL pgbench's built-in TPC-B workload on the same server, on SQLite the
same transaction through Python's own sqlite3 driver on the same disk. It runs in two
halves, just before and just after the single transfers (see moralbank.bench_reference).

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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context

from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db import Database
from ledger.errors import BalanceOutOfBounds
from ledger.service import EntryRequest, Leg, open_account, post_batch, post_entry
from moralbank.bench_reference import PgbenchReference, SqliteReference
from moralbank.bench_report import percentile_ms
from moralbank.cli_support import run_async

WALLETS = 1000
BATCH = 100
# Time for client processes to start and connect before the phase's agreed start.
STARTUP_SECONDS = 4.0


@dataclass(frozen=True)
class LedgerBench:
    database: str
    clients: int
    processes: int
    seconds: float
    single_transfers: int
    single_tps: float
    single_p50_ms: float
    single_p99_ms: float
    refused_spends: int
    batch_tps: float
    reference: str | None
    reference_tps: float | None
    ratio: float | None
    # SQLite's yardstick (null on PostgreSQL): one plain sqlite3 writer doing TPC-B
    # transactions on the same disk, in two halves around the single transfers.
    sqlite_reference_tps: float | None
    sqlite_ratio: float | None


@dataclass(frozen=True)
class _Accounts:
    issuance: int
    clearing: int
    wallets: list[int]


async def _prepare(database: Database, run: str) -> _Accounts:
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
        funding = [
            EntryRequest(f"bench:{run}:fund:{w}", "award", (Leg(issuance.id, -50), Leg(w, 50)))
            for w in wallets
        ]
        await post_batch(session, funding, now=now)
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


async def settle(database: Database) -> None:
    """Let PostgreSQL catch up on the previous phase before the next one is timed. (SQLite
    has no background work of that kind: it checkpoints its WAL as it goes.)"""
    if database.dialect != "postgresql":
        return
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"VACUUM ANALYZE {', '.join(LEDGER_TABLES)}"))
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


def _run_share(share: _Share) -> _Outcome:
    """Entry point of a client process (module level, so that it can be pickled)."""
    return run_async(_clients(share))


async def _clients(share: _Share) -> _Outcome:
    database = _database(share.url, share.clients)
    numbers = range(share.first_client, share.first_client + share.clients)
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
        return _Outcome(time.perf_counter() - started, transfers, sum(refused), latencies)
    finally:
        await database.dispose()


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
    )


def default_processes(url: str) -> int:
    """Two client processes on PostgreSQL, like pgbench's two threads; one on SQLite, the
    embedded database of a one-process deployment."""
    return 1 if url.startswith("sqlite") else 2


async def run_bench(
    url: str, *, clients: int, seconds: float, processes: int | None = None
) -> LedgerBench:
    """Measure the ledger at `url`, which must already be migrated."""
    processes = processes or default_processes(url)
    database = _database(url, 4)
    reference = _reference(url, database.dialect)
    run = uuid.uuid4().hex[:8]
    try:
        accounts = await _prepare(database, run)
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
    reference_tps = (before + after) / 2
    single_tps = single.transfers / single.elapsed
    ratio = round(single_tps / reference_tps, 3) if reference_tps else None
    on_postgres = isinstance(reference, PgbenchReference)
    return LedgerBench(
        database=database.dialect,
        clients=clients,
        processes=processes,
        seconds=seconds,
        single_transfers=single.transfers,
        single_tps=round(single_tps, 1),
        single_p50_ms=round(percentile_ms(single.latencies, 50), 2),
        single_p99_ms=round(percentile_ms(single.latencies, 99), 2),
        refused_spends=single.refused,
        batch_tps=round(batch.transfers / batch.elapsed, 1),
        reference="pgbench TPC-B" if on_postgres else None,
        reference_tps=round(reference_tps, 1) if on_postgres else None,
        ratio=ratio if on_postgres else None,
        sqlite_reference_tps=None if on_postgres else round(reference_tps, 1),
        sqlite_ratio=None if on_postgres else ratio,
    )


def _reference(url: str, dialect: str) -> PgbenchReference | SqliteReference:
    if dialect == "postgresql":
        return PgbenchReference(url)
    path = make_url(url).database
    if not path or path == ":memory:":
        raise ValueError("the SQLite benchmark needs a database file")
    return SqliteReference(path)


async def _reference_half(
    reference: PgbenchReference | SqliteReference, clients: int, seconds: float
) -> float:
    """Half the reference, run right before or right after the single transfers it is
    compared with: a machine that speeds up or slows down during the run moves both."""
    half = max(1, round(seconds / 2))
    if isinstance(reference, SqliteReference):  # one writer: SQLite admits no more
        return await asyncio.to_thread(reference.tps, seconds=half)
    return await asyncio.to_thread(reference.tps, clients=clients, seconds=half)
