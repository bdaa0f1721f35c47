"""SQLite's backups: the online backup API, consistent while the product writes; a
restore swaps the file only while no process has the database open, and keeps the old
one beside it."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from moralbank.backup_checks import OWNER_ONLY, BackupMistake, known_revision


def database_file(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupMistake("backup_no_database_file", url=parsed.render_as_string())
    return Path(parsed.database)


def copy(database: Path, target: Path) -> None:
    """One read transaction copies every page, so the copy is the database at one moment
    even while others write. The copy leaves write-ahead mode: a single file, with no log
    beside it that could be lost when it is moved."""
    if not database.is_file():
        raise BackupMistake("backup_no_file", path=str(database))
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    with closing(source), closing(sqlite3.connect(target)) as backup:
        source.backup(backup)
        backup.execute("PRAGMA journal_mode=DELETE")


def restore(database: Path, source: Path, now: datetime) -> tuple[str, Path | None]:
    """Returns the backup's schema revision and where the old database was kept."""
    revision = _checked(source)
    incoming = database.with_name(database.name + ".restoring")
    database.parent.mkdir(parents=True, exist_ok=True)  # a new machine's first restore
    shutil.copyfile(source, incoming)
    os.chmod(incoming, OWNER_ONLY)
    try:
        if not database.exists():
            incoming.replace(database)
            return revision, None
        kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        with _alone(database):
            os.link(database, kept)
            incoming.replace(database)
        return revision, kept
    finally:
        incoming.unlink(missing_ok=True)


def _checked(source: Path) -> str:
    """The backup read from end to end (integrity_check reads every page) and its schema
    revision; anything else is not a backup."""
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            sound = backup.execute("PRAGMA integrity_check").fetchall()
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
            revision = None
            if "alembic_version" in tables:
                found = backup.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = found[0] if found else None
    except sqlite3.DatabaseError as error:
        raise BackupMistake("backup_not_a_backup", path=str(source), reason=str(error)) from error
    if sound != [("ok",)]:
        reason = "; ".join(str(row[0]) for row in sound[:3])
        raise BackupMistake("backup_not_a_backup", path=str(source), reason=reason)
    return known_revision(source, revision)


@contextmanager
def _alone(database: Path) -> Iterator[None]:
    """Holds the database while nothing else has it open. In write-ahead mode every open
    connection, even an idle one, keeps the log's shared memory, and leaving that mode is
    refused while any does; an exclusive transaction alone would not see idle readers.
    Leaving it also folds the log into the file, so no log is left to be played over the
    restored one."""
    with closing(sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=0)) as current:
        try:
            mode = current.execute("PRAGMA journal_mode=DELETE").fetchone()
            current.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as error:
            raise BackupMistake("backup_in_use", path=str(database)) from error
        if mode != ("delete",):
            raise BackupMistake("backup_in_use", path=str(database))
        try:
            yield
        finally:
            current.rollback()
