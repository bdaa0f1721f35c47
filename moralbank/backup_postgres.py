"""PostgreSQL's backups: `pg_dump --format=custom`, and a restore that replaces the whole
schema in one transaction, so a database is never left half old and half restored, and
holds no table of a later release that the backup does not have."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy.engine import URL

from moralbank.backup_checks import BackupMistake, known_revision

IN_USE = "moralbank: the database is in use"  # a fixed text, no value goes in
# Run before the backup's own statements, in the same transaction: refuse while the
# product is connected, wait at most a few seconds for a lock, then start from nothing.
PREAMBLE = f"""\\set ON_ERROR_STOP on
BEGIN;
SET LOCAL lock_timeout = '5s';
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
             AND pid <> pg_backend_pid() AND backend_type = 'client backend') THEN
    RAISE EXCEPTION '{IN_USE}';
  END IF;
END $$;
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
"""  # noqa: S608


def dump(parsed: URL, target: Path) -> None:
    _run(["pg_dump", "--format=custom", f"--file={target}"], parsed, "backup_failed")


def restore(parsed: URL, source: Path) -> str:
    """Returns the backup's schema revision."""
    # Reading the archive to its end proves it whole before anything is dropped.
    _run(["pg_restore", f"--file={os.devnull}", str(source)], parsed, "backup_not_a_backup",
         path=str(source))  # fmt: skip
    revision = known_revision(source, _revision_in(parsed, source))
    _replay(parsed, source)
    return revision


def _revision_in(parsed: URL, source: Path) -> str | None:
    script = _run(
        ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)],
        parsed, "backup_not_a_backup", path=str(source),
    )  # fmt: skip
    lines = script.splitlines()
    for number, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and "alembic_version" in line:
            found = lines[number + 1].strip()
            return None if found == "\\." else found
    return None


def _replay(parsed: URL, source: Path) -> None:
    """pg_restore's script, streamed into psql after the preamble. COMMIT is sent only
    when pg_restore has written all of it: psql at the end of a script without it rolls
    back, as it does at the first error."""
    env = _environment(parsed)
    psql_command = [_program("psql"), "--no-psqlrc", "--quiet", "--file=-"]
    script_command = [_program("pg_restore"), "--no-owner", "--no-privileges", "--file=-",
                      str(source)]  # fmt: skip
    with tempfile.TemporaryFile() as said:
        # Fixed PostgreSQL programs; their arguments are the settings' URL and the file.
        psql = subprocess.Popen(  # noqa: S603
            psql_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=said, env=env
        )
        script = subprocess.Popen(  # noqa: S603
            script_command, stdout=subprocess.PIPE, stderr=said, env=env
        )
        assert psql.stdin is not None
        assert script.stdout is not None
        whole = _pour(script.stdout, psql.stdin)
        if not whole:  # psql stopped reading: pg_restore would wait for it for ever
            script.kill()
        whole = script.wait() == 0 and whole
        if whole:
            _write(psql.stdin, b"COMMIT;\n")
        _close(psql.stdin)
        done = psql.wait() == 0 and whole
        said.seek(0)
        errors = said.read().decode(errors="replace")
    if IN_USE in errors:
        raise BackupMistake("backup_in_use", path=parsed.render_as_string())
    if not done:
        raise BackupMistake("restore_failed", reason=_last_line(errors, "psql"))


def _pour(script: IO[bytes], psql: IO[bytes]) -> bool:
    if not _write(psql, PREAMBLE.encode()):
        return False
    while chunk := script.read(1 << 16):
        if not _write(psql, chunk):
            return False
    return True


def _write(stream: IO[bytes], data: bytes) -> bool:
    """False when psql has stopped reading (it stops at the first error)."""
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        return False
    return True


def _close(stream: IO[bytes]) -> None:
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def _run(command: list[str], parsed: URL, failure: str, **params: str) -> str:
    """A PostgreSQL client program to its end; its output, or BackupMistake(failure)."""
    # A fixed PostgreSQL program; its arguments are the settings' URL and the operator's file.
    done = subprocess.run(  # noqa: S603
        [_program(command[0]), *command[1:]], env=_environment(parsed),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupMistake(failure, reason=_last_line(done.stderr, command[0]), **params)
    return done.stdout


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupMistake("backup_tool_missing", program=name)
    return found


def _environment(parsed: URL) -> dict[str, str]:
    """The connection from the URL; the password goes through the environment, never the
    command line (which others on the machine see)."""
    env = {**os.environ, "PGDATABASE": parsed.database or ""}
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                        ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password)):  # fmt: skip
        if value is not None:
            env[name] = str(value)
    return env


def _last_line(said: str, program: str) -> str:
    """The error a program gave, without the notices and details around it."""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [f"{program} failed"])[-1]
