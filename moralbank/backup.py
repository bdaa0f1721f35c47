"""Backups of the whole database and putting one back: SQLite through its online backup
(consistent while the product runs), PostgreSQL through pg_dump's custom format and
pg_restore. A backup is written beside its place and renamed into it when complete, so a
file with the final name is never half a backup; it is readable by its owner only."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

BACKUPS = Path("var") / "backups"
OWNER_ONLY = 0o600


class BackupError(Exception):
    """A backup or restore that cannot be done, in words an operator acts on."""


def default_file(url: str, now: datetime) -> Path:
    suffix = ".dump" if _is_postgres(make_url(url)) else ".db"
    return BACKUPS / f"moralbank-{now:%Y%m%d-%H%M%S}{suffix}"


def back_up(url: str, target: Path) -> int:
    """Writes the backup of the database at `url` to `target`; returns its size in bytes."""
    parsed = make_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=OWNER_ONLY)
    try:
        if _is_postgres(parsed):
            _run(["pg_dump", "--format=custom", f"--file={partial}"], parsed)
        else:
            source, copy = _open_sqlite(_sqlite_path(parsed)), sqlite3.connect(partial)
            with closing(source), closing(copy):
                source.backup(copy)
        os.chmod(partial, OWNER_ONLY)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def restore(url: str, source: Path) -> None:
    """Puts the backup `source` in place of the database at `url`. The backup is checked
    first; a file that is not one leaves the database as it was."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    parsed = make_url(url)
    if _is_postgres(parsed):
        _run(["pg_restore", "--list", str(source)], parsed, quiet=True, what="a backup")
        # One transaction: a restore that fails half-way leaves the database as it was.
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={parsed.database}", str(source)],
            parsed,
        )  # fmt: skip
        return
    _check_sqlite_backup(source)
    _replace_sqlite(_sqlite_path(parsed), source)


def _check_sqlite_backup(source: Path) -> None:
    try:
        with closing(_open_sqlite(source, read_only=True)) as backup:
            sound = backup.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not a Moral Bank backup ({error})") from error
    if sound != ("ok",) or "alembic_version" not in tables:
        raise BackupError(f"{source} is not a Moral Bank backup (damaged, or another database)")


def _replace_sqlite(target: Path, source: Path) -> None:
    """Only while nothing uses the database: its write-ahead log must go with it, or the
    old log would be played over the restored file."""
    if target.exists():
        with closing(_open_sqlite(target)) as current:
            try:
                current.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError as error:
                raise BackupError(
                    f"{target} is in use: stop `moralbank run` and the workers first"
                ) from error
            current.rollback()
    incoming = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, incoming)
    os.chmod(incoming, OWNER_ONLY)
    for leftover in ("-wal", "-shm"):
        target.with_name(target.name + leftover).unlink(missing_ok=True)
    incoming.replace(target)


def _open_sqlite(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path}: no such database file")
    mode = "ro" if read_only else "rw"
    return sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=0)


def _sqlite_path(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("the database URL names no SQLite file")
    return Path(parsed.database)


def _is_postgres(parsed: URL) -> bool:
    return parsed.get_backend_name() == "postgresql"


def _run(command: list[str], parsed: URL, *, quiet: bool = False, what: str = "") -> None:
    """A PostgreSQL client program with the connection from the URL; the password goes
    through the environment, never the command line (which others on the machine see)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is missing: install Debian's postgresql-client")
    env = {**os.environ, "PGDATABASE": parsed.database or ""}
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                        ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password)):  # fmt: skip
        if value is not None:
            env[name] = str(value)
    # A fixed PostgreSQL program; its arguments are the settings' URL and the operator's file.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        reason = said[-1] if said else f"exit {done.returncode}"
        if what:
            raise BackupError(f"{command[-1]} is not {what} ({reason})")
        raise BackupError(f"{command[0]} failed: {reason}")
