"""The yardsticks the ledger benchmark divides by, measured in the same run.

PostgreSQL: pgbench's built-in TPC-B workload on a scratch database of the same server,
with the same number of clients on pgbench's two threads, so the ratio says how the ledger
compares with the server's own benchmark on this machine, whatever the machine's speed
that minute. Its scale is at least the number of clients, as pgbench's documentation asks:
at scale 1 every transaction updates the one branch row, so the clients queue for it and
the reference measures that lock rather than the server (scale 16 ran about 1.8 times the
transactions of scale 1 at 16 clients). SQLite: the same TPC-B transaction through Python's
own driver on the same disk, one plain writer, committing each transaction, and committing
a group of them at a time, each in its savepoint, as the application's writers share
commits (core.group_commit).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

PGBENCH_TABLES = ("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history")


class PgbenchReference:
    def __init__(self, url: str) -> None:
        executable = shutil.which("pgbench")
        if executable is None:
            raise RuntimeError("pgbench is not installed (Debian package postgresql-client)")
        parsed = make_url(url)
        self._pgbench = executable
        self._scratch = f"{parsed.database}_pgbench"
        self._server = [
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
        ]
        self._env = {**os.environ, "PGPASSWORD": parsed.password or ""}

    def initialise(self, *, scale: int) -> None:
        """A fresh scratch database with pgbench's tables at `scale` (branches)."""
        self._psql(
            "postgres",
            f'DROP DATABASE IF EXISTS "{self._scratch}"',
            f'CREATE DATABASE "{self._scratch}"',
        )
        self._run(self._pgbench, *self._server, "-i", "-q", "-s", str(scale), self._scratch)

    def tps(self, *, clients: int, seconds: int) -> float:
        """Transactions per second over `seconds`, from a settled server: the previous
        run's rows vacuumed and a checkpoint taken, as before each of the ledger's phases."""
        self._psql(self._scratch, f"VACUUM ANALYZE {', '.join(PGBENCH_TABLES)}", "CHECKPOINT")
        output = self._run(
            self._pgbench,
            *self._server,
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            self._scratch,
        )
        match = re.search(r"tps = ([0-9.]+)", output)
        if match is None:
            raise RuntimeError(f"could not read pgbench's result:\n{output}")
        return float(match.group(1))

    def _psql(self, database: str, *statements: str) -> None:
        """One psql for all of them, each in a transaction of its own (VACUUM needs that)."""
        commands = [arg for sql in statements for arg in ("-c", sql)]
        self._run("psql", *self._server, "-d", database, "-q", *commands)

    def _run(self, *command: str) -> str:
        return subprocess.run(
            command, check=True, env=self._env, capture_output=True, text=True
        ).stdout


# TPC-B's shape at scale 1, as pgbench builds it.
_SQLITE_TPCB_SCHEMA = (
    "CREATE TABLE branches (bid INTEGER PRIMARY KEY, bbalance INTEGER NOT NULL)",
    "CREATE TABLE tellers (tid INTEGER PRIMARY KEY, bid INTEGER NOT NULL,"
    " tbalance INTEGER NOT NULL)",
    "CREATE TABLE accounts (aid INTEGER PRIMARY KEY, bid INTEGER NOT NULL,"
    " abalance INTEGER NOT NULL)",
    "CREATE TABLE history (tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER, mtime TEXT)",
)
_SQLITE_TPCB_ACCOUNTS = 100_000
_SQLITE_TPCB_TELLERS = 10


class SqliteReference:
    """pgbench's TPC-B transaction on SQLite through Python's own sqlite3 driver: one
    connection, with the pragmas the application uses (WAL, synchronous=FULL, BEGIN
    IMMEDIATE). It is what this disk and CPU give one plain writer this minute, so the
    ledger's SQLite figure can be read as a ratio, as the PostgreSQL one is against pgbench.
    It runs on a scratch file beside the measured one.

    `group` transactions share one commit, each in a savepoint of its own, as the ledger's
    queued writers do (core.group_commit); `group=1` commits every transaction. Against
    the first figure alone the ledger would be credited with the fsyncs group commit saves,
    which the reference could save just as well.
    """

    def __init__(self, database_path: str) -> None:
        self._path = Path(database_path).with_name(Path(database_path).stem + "-tpcb.db")

    def initialise(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._path}{suffix}").unlink(missing_ok=True)
        with closing(self._connect()) as db:
            for statement in _SQLITE_TPCB_SCHEMA:
                db.execute(statement)
            db.execute("BEGIN")
            db.execute("INSERT INTO branches VALUES (1, 0)")
            db.executemany(
                "INSERT INTO tellers VALUES (?, 1, 0)",
                ((t,) for t in range(1, _SQLITE_TPCB_TELLERS + 1)),
            )
            db.executemany(
                "INSERT INTO accounts VALUES (?, 1, 0)",
                ((a,) for a in range(1, _SQLITE_TPCB_ACCOUNTS + 1)),
            )
            db.execute("COMMIT")

    def tps(self, *, seconds: float, group: int = 1) -> float:
        rng = random.Random(7)
        done = 0
        with closing(self._connect()) as db:
            started = time.perf_counter()
            until = started + seconds
            while time.perf_counter() < until:
                db.execute("BEGIN IMMEDIATE")
                if group == 1:
                    _tpcb_transaction(db, rng)
                for _ in range(group if group > 1 else 0):
                    db.execute("SAVEPOINT tpcb")
                    _tpcb_transaction(db, rng)
                    db.execute("RELEASE tpcb")
                db.execute("COMMIT")
                done += group
            return done / (time.perf_counter() - started)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, isolation_level=None)  # we say BEGIN ourselves
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db


def _tpcb_transaction(db: sqlite3.Connection, rng: random.Random) -> None:
    aid = rng.randint(1, _SQLITE_TPCB_ACCOUNTS)
    tid = rng.randint(1, _SQLITE_TPCB_TELLERS)
    delta = rng.randint(-5000, 5000)
    db.execute("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?", (delta, aid))
    db.execute("SELECT abalance FROM accounts WHERE aid = ?", (aid,)).fetchone()
    db.execute("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?", (delta, tid))
    db.execute("UPDATE branches SET bbalance = bbalance + ? WHERE bid = 1", (delta,))
    db.execute(
        "INSERT INTO history VALUES (?, 1, ?, ?, datetime('now'))",
        (tid, aid, delta),
    )
