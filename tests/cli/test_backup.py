"""`moralbank backup` and `moralbank restore` on the test's own database, as an operator
runs them: the books after a restore are those of the backup and `moralbank ledger
verify` finds them sound; a backup taken while residents are being paid is one moment of
the books; and every refusal (not a backup, cut short, from a later release, a database
in use) says why and changes nothing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core.db import Database
from core.i18n import Catalogues, Translator
from core.uow import UnitOfWork
from ledger.models import Account
from moralbank.cli_support import shell_locale
from moralbank.migrations import head_revision
from rewards.points.accounts import WALLET
from rewards.points.awards import apply_rule
from tests.conftest import ON_POSTGRES, recreate_postgres_database
from tests.processes import Finished, moralbank_env, run_moralbank
from tests.rewards.community import ZONE, Community, build_community

SUFFIX = ".dump" if ON_POSTGRES else ".db"
LATER_RELEASE = "ffffffffffff"  # a schema revision no migration of this release has


def said(env: dict[str, str]) -> Translator:
    return Catalogues.load().translator(shell_locale(env))


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


async def restore(file: Path, env: dict[str, str]) -> Finished:
    return await run_moralbank("restore", "--yes", str(file), env=env, timeout=120)


async def set_revision(database: Database, revision: str | None) -> None:
    async with database.engine.begin() as connection:
        update = text("UPDATE alembic_version SET version_num = :revision")
        await connection.execute(update, {"revision": revision})


def up_to_reason(t: Translator, key: str, **params: str) -> str:
    """The words of a message before the reason a program gave, which differs by version."""
    return t(key, reason="\0", **params).split("\0")[0]


def refused(finished: Finished, message: str) -> None:
    assert finished.returncode == 1, (finished.stdout, finished.stderr)
    assert message in finished.stderr, finished.stderr


async def test_a_restore_brings_back_the_books_of_the_backup(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    town = await build_community(uow)
    await award(uow, town, "before")
    kept = await wallets(database)
    env = moralbank_env(database_url)
    t = said(env)
    target = tmp_path / f"city{SUFFIX}"
    made = await run_moralbank("backup", str(target), env=env)
    assert made.returncode == 0, made.stderr
    size = f"{target.stat().st_size:,}"
    assert t("cli.backup_written", path=str(target), size=size) in made.stdout
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]

    await award(uow, town, "after")
    later = await wallets(database)
    assert later != kept
    async with database.engine.begin() as connection:  # as a later release might add
        await connection.execute(text("CREATE TABLE added_since (id INTEGER PRIMARY KEY)"))
    await database.dispose()  # as the operator stops the product first
    restored = await restore(target, env)
    assert restored.returncode == 0, restored.stderr
    head = head_revision(database_url)
    assert t("cli.restore_done", path=str(target), revision=head) in restored.stdout
    assert await wallets(database) == kept
    async with database.read() as session:
        tables = await session.run_sync(lambda s: s.connection().dialect.get_table_names(
            s.connection()))  # fmt: skip
    assert "added_since" not in tables
    await database.dispose()
    migrated = await run_moralbank("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    verified = await run_moralbank("ledger", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 problem(s)" in verified.stdout
    if not ON_POSTGRES:  # the database as it was is kept beside it, whole
        [old] = [tmp_path / name for name in os.listdir(tmp_path) if ".before-restore-" in name]
        assert t("cli.restore_kept", path=str(old)) in restored.stdout
        before = Database.from_url(f"sqlite+aiosqlite:///{old}")
        try:
            assert await wallets(before) == later
        finally:
            await before.dispose()


async def test_a_backup_taken_while_residents_are_paid_is_one_moment_of_the_books(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    town = await build_community(uow)
    env = moralbank_env(database_url)
    target = tmp_path / f"busy{SUFFIX}"
    paying = asyncio.Event()

    async def pay_until_done() -> int:
        paid = 0
        while not paying.is_set() or paid < 3:
            await award(uow, town, f"busy-{paid}")
            paid += 1
            await asyncio.sleep(0)
        return paid

    payer = asyncio.create_task(pay_until_done())
    made = await run_moralbank("backup", str(target), env=env)
    paying.set()
    paid = await payer
    assert made.returncode == 0, made.stderr

    copy_url = await fresh_database(database_url, tmp_path)
    copy_env = moralbank_env(copy_url)
    restored = await restore(target, copy_env)
    assert restored.returncode == 0, restored.stderr
    verified = await run_moralbank("ledger", "verify", env=copy_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 problem(s)" in verified.stdout
    copy = Database.from_url(copy_url)
    try:
        alice = (await wallets(copy)).get(f"person:{town.alice}:moral")
    finally:
        await copy.dispose()
    now = (await wallets(database))[f"person:{town.alice}:moral"]
    assert paid >= 3
    sweep = (now or 0) // paid
    # Some whole number of the awards, none half-written: a moment between two of them.
    assert (alice or 0) % sweep == 0
    assert 0 <= (alice or 0) <= (now or 0)


async def fresh_database(database_url: str, tmp_path: Path) -> str:
    """Where a restore goes on a new machine: an empty PostgreSQL database, or no file."""
    if not ON_POSTGRES:
        return f"sqlite+aiosqlite:///{tmp_path / 'new-machine' / 'moralbank.db'}"
    parsed = make_url(database_url)
    url = parsed.set(database=f"{parsed.database}_copy").render_as_string(hide_password=False)
    await recreate_postgres_database(url)
    return url


async def test_what_is_not_a_whole_backup_is_refused_and_changes_nothing(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    town = await build_community(uow)
    await award(uow, town, "one")
    kept = await wallets(database)
    env = moralbank_env(database_url)
    t = said(env)
    letter = tmp_path / "notes.txt"
    letter.write_text("这不是备份\n")
    good = tmp_path / f"good{SUFFIX}"
    assert (await run_moralbank("backup", str(good), env=env)).returncode == 0
    cut = tmp_path / f"cut{SUFFIX}"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 9 // 10])
    await database.dispose()
    for wrong in (letter, cut):
        finished = await restore(wrong, env)
        refused(finished, up_to_reason(t, "cli.backup_not_a_backup", path=str(wrong)))
    missing = tmp_path / "missing.bak"
    refused(await restore(missing, env), t("cli.backup_no_file", path=str(missing)))
    assert await wallets(database) == kept


async def backup_then_pay(
    database: Database, uow: UnitOfWork, env: dict[str, str], target: Path, revision: str
) -> dict[str, int | None]:
    """A backup of the books at schema `revision`, then one more award: the wallets a
    refused restore must leave as they are."""
    town = await build_community(uow)
    await award(uow, town, "one")
    head = head_revision(env["MORALBANK_DATABASE_URL"])
    await set_revision(database, revision)
    assert (await run_moralbank("backup", str(target), env=env)).returncode == 0
    await set_revision(database, head)
    await award(uow, town, "two")
    return await wallets(database)


async def test_a_backup_from_a_later_release_is_refused(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    env = moralbank_env(database_url)
    later = tmp_path / f"later{SUFFIX}"
    after = await backup_then_pay(database, uow, env, later, LATER_RELEASE)
    await database.dispose()
    message = said(env)("cli.backup_too_new", path=str(later), revision=LATER_RELEASE)
    refused(await restore(later, env), message)
    assert await wallets(database) == after


async def test_a_database_in_use_is_refused(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    env = moralbank_env(database_url)
    target = tmp_path / f"city{SUFFIX}"
    after = await backup_then_pay(database, uow, env, target, head_revision(database_url) or "")
    parsed = make_url(database_url)
    shown = parsed.render_as_string() if ON_POSTGRES else str(parsed.database)
    async with database.read() as session:  # the product, idle between two requests
        await session.execute(text("SELECT 1"))
        finished = await restore(target, env)
    refused(finished, said(env)("cli.backup_in_use", path=shown))
    assert await wallets(database) == after


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite file's own write-ahead log")
async def test_a_sqlite_backup_is_one_file_without_a_log(
    database: Database, database_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    town = await build_community(uow)
    await award(uow, town, "one")
    target = tmp_path / "one.db"
    made = await run_moralbank("backup", str(target), env=moralbank_env(database_url))
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert [name for name in os.listdir(tmp_path) if name.startswith("one.db")] == ["one.db"]
