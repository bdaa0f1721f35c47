"""`moralbank org list`, `admin list`, `admin passwd` and `--version`, run as an operator
runs them."""

from __future__ import annotations

import asyncio
import subprocess
from importlib.metadata import version

from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.errors import InvalidCredentials
from rewards.staff.service import authenticate
from tests.processes import ENGLISH, MORALBANK, ROOT, moralbank_env

PASSWORD = "the first long password"


def _moralbank(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MORALBANK, *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _add(env: dict[str, str], code: str, name: str, level: str, parent: str | None) -> None:
    args = ["org", "add", "--code", code, "--name", name, "--level", level]
    _ok(_moralbank(*args, *(["--parent", parent] if parent else []), env=env))


def _create(env: dict[str, str], username: str, name: str, unit: str, role: str) -> None:
    args = ["admin", "create", "--username", username, "--name", name, "--unit", unit]
    _ok(_moralbank(*args, "--role", role, "--password-stdin", env=env, stdin=PASSWORD + "\n"))


def test_version_is_the_installed_distributions() -> None:
    printed = _ok(_moralbank("--version", env=ENGLISH))
    assert printed == f"moralbank, version {version('moralbank')}\n"


def test_org_list_shows_the_tree_indented(database_url: str) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    assert "The organisation tree is empty" in _ok(_moralbank("org", "list", env=env))
    _add(env, "c1", "幸福社区", "community", None)
    _add(env, "g1", "第一网格", "grid", "c1")
    _add(env, "g2", "第二网格", "grid", "c1")
    _add(env, "b1", "1号楼", "building", "g1")
    assert _ok(_moralbank("org", "list", env=env)).splitlines() == [
        "c1  community  幸福社区",
        "  g1  grid  第一网格",
        "    b1  building  1号楼",
        "  g2  grid  第二网格",
    ]


def test_admin_list_names_each_role_and_its_unit(database_url: str) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    assert "There are no staff accounts yet" in _ok(_moralbank("admin", "list", env=env))
    _add(env, "c1", "幸福社区", "community", None)
    _add(env, "g1", "第一网格", "grid", "c1")
    _create(env, "wang", "王网格员", "g1", "grid_worker")
    _create(env, "liu", "刘主任", "c1", "community_staff")
    assert _ok(_moralbank("admin", "list", env=env)).splitlines() == [
        "liu  刘主任  community_staff@c1 (幸福社区)",
        "wang  王网格员  grid_worker@g1 (第一网格)",
    ]


async def _logs_in(database_url: str, username: str, password: str) -> bool:
    database = Database.from_url(database_url)
    try:
        uow = UnitOfWork(database, SystemClock())
        await authenticate(uow, username=username, password=password, address="127.0.0.1")
    except InvalidCredentials:
        return False
    finally:
        await database.dispose()
    return True


def test_admin_passwd_changes_the_password(database_url: str) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    _add(env, "c1", "幸福社区", "community", None)
    _create(env, "liu", "刘主任", "c1", "community_staff")
    new = "a second long password"
    changed = _moralbank("admin", "passwd", "liu", "--password-stdin", env=env, stdin=new + "\n")
    assert _ok(changed) == "password of liu changed\n"
    assert new not in changed.stdout + changed.stderr
    assert asyncio.run(_logs_in(database_url, "liu", new))
    assert not asyncio.run(_logs_in(database_url, "liu", PASSWORD))
    # Typed at the prompt, the password is asked twice and must match.
    typo = _moralbank("admin", "passwd", "liu", env=env, stdin="one long password\nanother one\n")
    assert typo.returncode != 0
    assert asyncio.run(_logs_in(database_url, "liu", new))
    unknown = _moralbank("admin", "passwd", "zhang", "--password-stdin", env=env, stdin=new + "\n")
    assert unknown.returncode == 1
    assert unknown.stderr == (
        "Error: There is no staff account zhang. `moralbank admin list` shows them all.\n"
    )
    short = _moralbank("admin", "passwd", "liu", "--password-stdin", env=env, stdin="short\n")
    assert short.returncode == 1
    assert "The password is too short" in short.stderr
