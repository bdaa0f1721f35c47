"""`moralbank bench …`: speed measured against a reference taken in the same run."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from moralbank.cli_support import VAR, run_async


@click.group("bench")
def bench_group() -> None:
    """Benchmarks, printed as a table or as JSON."""


@bench_group.command("ledger")
@click.option(
    "--database-url",
    default=None,
    help="Database to measure (migrated first). Default: a fresh SQLite file "
    "under var/. Use a scratch PostgreSQL database, not production.",
)
@click.option("--clients", default=16, show_default=True, help="Concurrent writers.")
@click.option("--seconds", default=20.0, show_default=True, help="Length of each phase.")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="Client processes the clients are spread over. Default: 2 on PostgreSQL "
    "(as pgbench runs them on 2 threads), 1 on SQLite.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_ledger(
    database_url: str | None, clients: int, seconds: float, processes: int | None, as_json: bool
) -> None:
    """Single transfers and batches of 100 per second, p50/p99 latency; on PostgreSQL
    also pgbench TPC-B on the same server as the reference, and the ratio."""
    from moralbank import migrations
    from moralbank.bench_ledger import as_table, run_bench

    if database_url is None:
        path = VAR / "bench-ledger.db"
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        database_url = f"sqlite+aiosqlite:///{path}"
    migrations.upgrade(database_url)  # synchronous: Alembic runs its own event loop
    result = run_async(
        run_bench(database_url, clients=clients, seconds=seconds, processes=processes)
    )
    click.echo(json.dumps(asdict(result)) if as_json else as_table(result))
