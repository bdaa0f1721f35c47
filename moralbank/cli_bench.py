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
    """Single transfers and batches of 100 per second, p50/p99 latency, and a reference
    measured in the same run with the ratio: pgbench TPC-B on the same PostgreSQL server,
    or on SQLite the same transaction through Python's sqlite3 on the same disk."""
    from moralbank import migrations
    from moralbank.bench_ledger import run_bench
    from moralbank.bench_report import as_table

    if database_url is None:
        database_url = _fresh_sqlite("bench-ledger.db")
    migrations.upgrade(database_url)  # synchronous: Alembic runs its own event loop
    result = run_async(
        run_bench(database_url, clients=clients, seconds=seconds, processes=processes)
    )
    click.echo(json.dumps(asdict(result)) if as_json else as_table(result))


@bench_group.command("broadcast")
@click.option(
    "--database-url",
    default=None,
    help="Database to use (migrated first). Default: a fresh SQLite file under var/. "
    "Use a scratch database: its workers send whatever its outbox holds.",
)
@click.option("--messages", default=3000, show_default=True, help="Chats to broadcast to.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="`moralbank worker` processes. Default: 3 on PostgreSQL, 2 on SQLite (with one "
    "worker the killed one's restart, about 4 s of which 3 importing aiogram, is time with "
    "nobody sending).",
)
@click.option("--no-kill", is_flag=True, help="Do not kill a worker midway.")
@click.option("--timeout", default=600.0, show_default=True, help="Give up after this long.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_broadcast(
    database_url: str | None,
    messages: int,
    workers: int | None,
    no_kill: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """One broadcast through the outbox to a fake Bot API that enforces Telegram's limits:
    sustained rate against the 30/s limit, 429s, duplicates and losses, with a worker
    killed (SIGKILL) midway and started again."""
    from moralbank import migrations
    from moralbank.bench_broadcast import as_table, run_bench

    if database_url is None:
        database_url = _fresh_sqlite("bench-broadcast.db")
    migrations.upgrade(database_url)
    workers = workers or (3 if database_url.startswith("postgresql") else 2)
    result = run_async(
        run_bench(
            database_url,
            messages=messages,
            workers=workers,
            kill=not no_kill,
            give_up_after=timeout,
        )
    )
    click.echo(json.dumps(asdict(result)) if as_json else as_table(result))


def _fresh_sqlite(name: str) -> str:
    path = VAR / name
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


@bench_group.command("bot")
@click.option(
    "--database-url",
    default=None,
    help="Database to use (migrated and loaded with the demo community and 1,000 "
    "residents). Default: a fresh SQLite file under var/. Use a scratch database.",
)
@click.option("--clients", default=16, show_default=True, help="Concurrent webhook senders.")
@click.option("--residents", default=1000, show_default=True, help="Residents writing to it.")
@click.option("--seconds", default=20.0, show_default=True, help="Length of each phase.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_bot(
    database_url: str | None, clients: int, residents: int, seconds: float, as_json: bool
) -> None:
    """ "My points" updates per second through `moralbank run` by webhook, against a bare
    aiogram echo bot in the same run; p50/p99 latency and the run process's memory."""
    from moralbank import migrations
    from moralbank.bench_bot import run_bench
    from moralbank.bench_report import as_table

    if database_url is None:
        database_url = _fresh_sqlite("bench-bot.db")
    migrations.upgrade(database_url)
    result = run_async(
        run_bench(database_url, clients=clients, seconds=seconds, residents=residents)
    )
    click.echo(json.dumps(asdict(result)) if as_json else as_table(result))


@bench_group.command("redeem")
@click.option(
    "--database-url",
    default=None,
    help="Database to use (migrated, and loaded once with the demo community, kiosks and "
    "their residents). Default: a fresh SQLite file under var/. Use a scratch database.",
)
@click.option("--clients", default=16, show_default=True, help="Operators buying without pause.")
@click.option(
    "--kiosks", default=100, show_default=True, help="Kiosks, each starting a purchase a second."
)
@click.option("--seconds", default=20.0, show_default=True, help="Length of each loop.")
@click.option(
    "--warmup",
    default=5.0,
    show_default=True,
    help="Seconds each loop runs first, as measured, without counting (connections opened, "
    "statements prepared).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_redeem(
    database_url: str | None,
    clients: int,
    kiosks: int,
    seconds: float,
    warmup: float,
    as_json: bool,
) -> None:
    """Love-supermarket purchases (pay code, scan, confirm) per second with operators
    buying without pause, against pgbench TPC-B (on SQLite, sqlite3) in the same run; and
    the latency of kiosks each starting a purchase every second. The ledger is verified
    afterwards."""
    from moralbank import migrations
    from moralbank.bench_redeem import run_bench
    from moralbank.bench_report import as_table

    if database_url is None:
        database_url = _fresh_sqlite("bench-redeem.db")
    migrations.upgrade(database_url)
    result = run_async(
        run_bench(database_url, kiosks=kiosks, clients=clients, seconds=seconds, warmup=warmup)
    )
    click.echo(json.dumps(asdict(result)) if as_json else as_table(result))
    if not result.ledger_verified:  # fast figures from broken books are worth nothing
        raise SystemExit(1)


@bench_group.command("rankings")
@click.option(
    "--database-url",
    default=None,
    help="Database to use (migrated, and loaded once with the synthetic city). Default: a "
    "fresh SQLite file under var/. Use a scratch database.",
)
@click.option(
    "--residents",
    type=click.IntRange(min=1000),
    default=None,
    help="Residents of the city. Default: 1,000,000 on PostgreSQL (20,000,000 postings), "
    "100,000 on SQLite.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_rankings(database_url: str | None, residents: int | None, as_json: bool) -> None:
    """A quarter's resident and household boards of a whole city, drafted through the
    panel's service, against one GROUP BY over the quarter's postings in the same run."""
    from moralbank import migrations
    from moralbank.bench_rankings import run_bench
    from moralbank.bench_report import as_table

    if database_url is None:
        database_url = _fresh_sqlite("bench-rankings.db")
    if residents is None:
        residents = 100_000 if database_url.startswith("sqlite") else 1_000_000
    migrations.upgrade(database_url)
    result = run_async(run_bench(database_url, residents))
    click.echo(json.dumps(asdict(result)) if as_json else as_table(result))
