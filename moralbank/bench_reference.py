"""pgbench's built-in TPC-B workload: the yardstick the ledger benchmark divides by.

It runs on a scratch database of the same server, with the same number of clients on
pgbench's two threads, so the ratio says how the ledger compares with the server's own
benchmark on this machine, whatever the machine's speed that minute.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

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

    def initialise(self) -> None:
        """A fresh scratch database with pgbench's tables at scale 1."""
        self._psql(
            "postgres",
            f'DROP DATABASE IF EXISTS "{self._scratch}"',
            f'CREATE DATABASE "{self._scratch}"',
        )
        self._run(self._pgbench, *self._server, "-i", "-q", "-s", "1", self._scratch)

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
