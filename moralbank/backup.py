"""Backups of the whole database and putting one back (`moralbank backup`, `restore`).

A backup is written beside its place and renamed into it when complete, so a file with
the final name is never half a backup; it is readable by its owner only. A restore reads
the whole backup first and changes nothing unless it is sound, made by this release or an
older one (`moralbank migrate` brings it up), and the database is not in use. SQLite's
part is in `backup_sqlite`, PostgreSQL's in `backup_postgres`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from moralbank import backup_postgres, backup_sqlite
from moralbank.backup_checks import OWNER_ONLY, BackupMistake

BACKUPS = Path("var") / "backups"

__all__ = ["BACKUPS", "BackupMistake", "Restored", "back_up", "default_file", "restore"]


@dataclass(frozen=True)
class Restored:
    revision: str
    kept: Path | None  # SQLite: the database as it was, kept beside it


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
            backup_postgres.dump(parsed, partial)
        else:
            backup_sqlite.copy(backup_sqlite.database_file(parsed), partial)
        os.chmod(partial, OWNER_ONLY)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def restore(url: str, source: Path, now: datetime) -> Restored:
    """Puts the backup `source` in place of the database at `url`, or raises
    BackupMistake with the database as it was."""
    if not source.is_file():
        raise BackupMistake("backup_no_file", path=str(source))
    parsed = make_url(url)
    if _is_postgres(parsed):
        return Restored(backup_postgres.restore(parsed, source), None)
    revision, kept = backup_sqlite.restore(backup_sqlite.database_file(parsed), source, now)
    return Restored(revision, kept)


def _is_postgres(parsed: URL) -> bool:
    return parsed.get_backend_name() == "postgresql"
