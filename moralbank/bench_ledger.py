"""`moralbank bench ledger`: transfers per second through the real ledger code.

Single transfers mix awards out of the hot issuance account with spends from wallets that
have a floor (the locked path). Batches post 100 awards per transaction. On PostgreSQL,
pgbench's built-in TPC-B workload runs on the same server in the same run as the
reference, so the ratio means something on a shared machine where absolute times do not.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from core.db import Database
from ledger.errors import BalanceOutOfBounds
from ledger.service import EntryRequest, Leg, open_account, post_batch, post_entry

WALLETS = 1000
BATCH = 100


@dataclass(frozen=True)
class LedgerBench:
    database: str
    clients: int
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


def _percentile_ms(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _database(url: str, clients: int) -> Database:
    if url.startswith("sqlite"):
        return Database.from_url(url)
    # One connection per client: the clients measure the database, not the pool.
    return Database.from_url(url, pool_size=clients, max_overflow=0)


async def run_bench(url: str, *, clients: int, seconds: float) -> LedgerBench:
    """Measure the ledger at `url`, which must already be migrated."""
    database = _database(url, clients)
    run = uuid.uuid4().hex[:8]
    try:
        accounts = await _prepare(database, run)
        latencies: list[float] = []
        until = time.perf_counter() + seconds
        started = time.perf_counter()
        refused = await asyncio.gather(
            *(_single_client(database, accounts, run, c, until, latencies) for c in range(clients))
        )
        single_elapsed = time.perf_counter() - started
        until = time.perf_counter() + seconds
        started = time.perf_counter()
        posted = await asyncio.gather(
            *(_batch_client(database, accounts, run, c, until) for c in range(clients))
        )
        batch_elapsed = time.perf_counter() - started
    finally:
        await database.dispose()
    reference = None
    if database.dialect == "postgresql":
        reference = pgbench_tps(url, clients=clients, seconds=seconds)
    single_tps = len(latencies) / single_elapsed
    return LedgerBench(
        database=database.dialect,
        clients=clients,
        seconds=seconds,
        single_transfers=len(latencies),
        single_tps=round(single_tps, 1),
        single_p50_ms=round(_percentile_ms(latencies, 50), 2),
        single_p99_ms=round(_percentile_ms(latencies, 99), 2),
        refused_spends=sum(refused),
        batch_tps=round(sum(posted) / batch_elapsed, 1),
        reference="pgbench TPC-B" if reference is not None else None,
        reference_tps=round(reference, 1) if reference is not None else None,
        ratio=round(single_tps / reference, 3) if reference else None,
    )


def pgbench_tps(url: str, *, clients: int, seconds: float) -> float:
    """TPC-B on a scratch database of the same server: the yardstick for this machine."""
    executable = shutil.which("pgbench")
    if executable is None:
        raise RuntimeError("pgbench is not installed (Debian package postgresql-client)")
    parsed = make_url(url)
    scratch = f"{parsed.database}_pgbench"
    base = [
        "-h",
        parsed.host or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
    ]
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    for sql in (f'DROP DATABASE IF EXISTS "{scratch}"', f'CREATE DATABASE "{scratch}"'):
        subprocess.run(
            ["psql", *base, "-d", "postgres", "-qc", sql], check=True, env=env, capture_output=True
        )
    subprocess.run(
        [executable, *base, "-i", "-q", "-s", "1", scratch],
        check=True,
        env=env,
        capture_output=True,
    )
    result = subprocess.run(
        [executable, *base, "-n", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), scratch],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    if match is None:
        raise RuntimeError(f"could not read pgbench's result:\n{result.stdout}")
    return float(match.group(1))


def as_table(result: LedgerBench) -> str:
    rows = asdict(result)
    width = max(len(name) for name in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows.items())
