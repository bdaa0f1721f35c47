"""`moralbank backup` and `moralbank restore` round trip on the test's own database: the
books after a restore are those of the backup (a later award gone), and `moralbank ledger
verify` finds them sound; a file that is not a backup is refused and changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Account
from rewards.points.accounts import WALLET
from rewards.points.awards import apply_rule
from tests.conftest import ON_POSTGRES
from tests.processes import moralbank_env, run_moralbank
from tests.rewards.community import ZONE, Community, build_community


async def wallets(database: Database) -> dict[str, int | None]:
    async with database.read() as session:
        rows = await session.execute(
            select(Account.code, Account.posted).where(Account.kind == WALLET)
        )
        return {code: posted for code, posted in rows}


async def award(uow: UnitOfWork, town: Community, key: str) -> None:
    await apply_rule(
        uow, staff=town.admin, person_id=town.alice, rule_code="sweep", request_key=key,
        zone=ZONE,
    )  # fmt: skip


async def test_a_restore_brings_back_the_books_of_the_backup(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    town = await build_community(uow)
    await award(uow, town, "before")
    kept = await wallets(database)
    env = moralbank_env(database_url)
    target = tmp_path / ("city.dump" if ON_POSTGRES else "city.db")
    made = await run_moralbank("backup", str(target), env=env)
    assert made.returncode == 0, made.stderr
    assert f"backup written to {target}" in made.stdout
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]

    await award(uow, town, "after")
    assert await wallets(database) != kept
    await database.dispose()  # as the operator stops the product first
    restored = await run_moralbank("restore", "--yes", str(target), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "moralbank migrate" in restored.stdout
    assert await wallets(database) == kept
    migrated = await run_moralbank("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    verified = await run_moralbank("ledger", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 problem(s)" in verified.stdout


async def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    town = await build_community(uow)
    await award(uow, town, "one")
    kept = await wallets(database)
    env = moralbank_env(database_url)
    letter = tmp_path / "notes.txt"
    letter.write_text("这不是备份\n")
    good = tmp_path / "good.bak"
    assert (await run_moralbank("backup", str(good), env=env)).returncode == 0
    cut = tmp_path / "cut.bak"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    await database.dispose()
    for wrong in (letter, cut, tmp_path / "missing.bak"):
        refused = await run_moralbank("restore", "--yes", str(wrong), env=env)
        assert refused.returncode == 1, (wrong, refused.stdout, refused.stderr)
        assert "restore refused" in refused.stderr
        assert "the database is as it was" in refused.stderr
    assert await wallets(database) == kept
