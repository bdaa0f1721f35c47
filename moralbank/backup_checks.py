"""What both databases' backups share: the operator's mistakes and the check that a
backup's schema is one this release knows."""

from __future__ import annotations

from pathlib import Path

from moralbank.cli_support import Mistake
from moralbank.migrations import is_known_revision

OWNER_ONLY = 0o600


class BackupMistake(Mistake):
    """A backup or restore refused or failed, told as `cli.<key>`; a restore that raises
    it has changed nothing."""


def known_revision(source: Path, revision: str | None) -> str:
    """The backup's schema revision, when this release can bring it up to date."""
    if not revision:
        raise BackupMistake("backup_not_a_backup", path=str(source), reason="alembic_version")
    if not is_known_revision(revision):
        # A later release's schema: this code would misread it, and migrate cannot go back.
        raise BackupMistake("backup_too_new", path=str(source), revision=revision)
    return revision
