"""The `moralbank` command as an operator runs it: real processes, real database."""

from __future__ import annotations

import asyncio
import functools
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import Database
from moralbank.cli_support import run_async
from moralbank.demo_people import LINKED_STAFF_CHAT
from rewards.cases.models import Case, CasePhoto
from rewards.duty.models import DutyShift, DutySignup
from rewards.messaging.models import OutboxMessage
from rewards.org.models import OrgUnit
from rewards.people.models import Household, PersonChannel, Resident
from rewards.points.models import PointChange
from rewards.rankings.models import RankingBoard
from rewards.redemption.models import CatalogueItem, Checkout, Outlet
from rewards.staff.models import StaffAccount, StaffChat
from tests.processes import CHINESE, ENGLISH, MORALBANK, ROOT, moralbank_env

COMMANDS = [
    [],
    ["run"],
    ["migrate"],
    ["demo"],
    ["try"],
    ["doctor"],
    ["secret"],
    ["admin"],
    ["admin", "create"],
    ["admin", "list"],
    ["admin", "passwd"],
    ["org"],
    ["org", "add"],
    ["org", "list"],
    ["ledger"],
    ["ledger", "verify"],
    ["bench"],
    ["bench", "ledger"],
    ["bench", "broadcast"],
    ["worker"],
    ["broadcast"],
    ["broadcast", "status"],
    ["broadcast", "pause"],
    ["broadcast", "resume"],
    ["broadcast", "cancel"],
    ["rankings"],
    ["rankings", "draft"],
]


def _moralbank(
    *args: str, env: dict[str, str], cwd: Path = ROOT, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MORALBANK, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "moralbank")
def test_every_command_has_help(command: list[str], database_url: str) -> None:
    result = _moralbank(*command, "--help", env=moralbank_env(database_url))
    assert result.returncode == 0, result.stderr
    assert "Usage: moralbank" in result.stdout


async def _count(database_url: str, model: type, *where: Any) -> int:
    database = Database.from_url(database_url)
    try:
        async with database.read() as session:
            query = select(func.count()).select_from(model).where(*where)
            return int(await session.scalar(query) or 0)
    finally:
        await database.dispose()


def test_demo_is_idempotent_and_keeps_passwords_out_of_its_output(
    database_url: str, tmp_path: Path
) -> None:
    env = moralbank_env(database_url)
    for _ in range(2):
        result = _moralbank("demo", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    text = (tmp_path / "var/demo-logins.txt").read_text()
    logins = dict(line.split() for line in text.splitlines() if not line.startswith("#"))
    assert set(logins) >= {"admin", "shequ", "wangge1", "chaoshi"}
    assert all(password not in result.stdout + result.stderr for password in logins.values())
    # What each account may do, in the file and in what the command said.
    assert "# wangge1 · 第一网格 王网格员: 第一网格：核实居民" in text
    assert "  chaoshi  爱心超市 收银员: 爱心超市收银台" in result.stdout
    assert (tmp_path / "var/demo-logins.txt").stat().st_mode & 0o077 == 0
    assert (tmp_path / "var/secret_key").stat().st_mode & 0o077 == 0
    count = functools.partial(_count_in, database_url)
    assert count(OrgUnit) == 11
    assert count(StaffAccount) == 6
    # The love supermarket with its cashier and shelf, loaded once.
    assert count(Outlet) == 1
    assert count(CatalogueItem) == 5
    # Residents in households with a quarter of points history, loaded once, and three
    # newcomers who joined through the bot waiting for verification.
    assert count(Resident, Resident.status == "verified") == 32
    assert count(Resident, Resident.status == "pending") == 3
    assert count(Household) == 14
    assert count(Resident, Resident.household_id.is_(None)) == 0
    assert count(PointChange) > 100
    verify = _moralbank("ledger", "verify", env=env, cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout


def test_demo_leaves_something_for_every_page_and_chat(database_url: str, tmp_path: Path) -> None:
    env = moralbank_env(database_url)
    for _ in range(2):
        result = _moralbank("demo", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    count = functools.partial(_count_in, database_url)
    # An adjustment above the threshold, waiting for a second staff member.
    waiting = (PointChange.kind == "adjustment", PointChange.status == "pending")
    assert count(PointChange, *waiting, PointChange.asked_points == 70) == 1
    # Reports at three stages, each with its photo kept under var/files.
    assert count(Case, Case.status == "reported") == 1
    assert count(Case, Case.status == "verified") == 1
    assert count(Case, Case.status == "rated") == 1
    assert count(CasePhoto) == 4  # three reports and one proof of a fix
    assert len(list((tmp_path / "var/files").rglob("*.jpg"))) == 4
    # Purchases at the counter, in the settlement and the residents' statements.
    assert count(Checkout) == 5
    assert count(Checkout, Checkout.status == "completed") >= 3
    assert count(Checkout, Checkout.status.not_in(("completed", "cancelled"))) == 0
    # A patrol walked (two came, one did not) and two signed up for the next one.
    assert count(DutySignup, DutySignup.status == "attended") == 2
    assert count(DutySignup, DutySignup.status == "absent") == 1
    assert count(DutySignup, DutySignup.status == "signed") == 2
    assert count(DutyShift, DutyShift.starts_at > datetime.now(UTC)) > 7
    # Last quarter's boards, drafted for the committee.
    assert count(RankingBoard, RankingBoard.status == "draft") == 2
    # Every resident on Telegram (the try mode's personas), a grid worker linked, and
    # nothing from the demo's past waiting to be sent to them.
    assert count(PersonChannel) == 35
    assert count(StaffChat, StaffChat.telegram_user_id == LINKED_STAFF_CHAT) == 1
    assert count(OutboxMessage) == 0


def _count_in(database_url: str, model: type, *where: Any) -> int:
    return asyncio.run(_count(database_url, model, *where))


def test_admin_create_takes_the_password_from_stdin_and_never_prints_it(
    database_url: str,
) -> None:
    env = {**moralbank_env(database_url), "LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    added = _moralbank(
        "org", "add", "--code", "c1", "--name", "幸福社区", "--level", "community", env=env
    )
    assert added.returncode == 0, added.stderr
    password = "a long enough password"
    created = _moralbank(
        "admin",
        "create",
        "--username",
        "liu",
        "--name",
        "刘主任",
        "--unit",
        "c1",
        "--password-stdin",
        env=env,
        stdin=password + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert password not in created.stdout + created.stderr
    assert asyncio.run(_count(database_url, StaffAccount)) == 1
    again = _moralbank(
        "admin",
        "create",
        "--username",
        "liu",
        "--name",
        "x",
        "--unit",
        "c1",
        "--password-stdin",
        env=env,
        stdin=password + "\n",
    )
    assert again.returncode != 0
    assert "用户名 liu 已被使用。" in again.stderr  # the shell names no language: Chinese


def test_run_refuses_to_start_without_a_secret_key(database_url: str, tmp_path: Path) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    del env["MORALBANK_SECRET_KEY"]
    result = _moralbank("run", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "MORALBANK_SECRET_KEY is not set" in result.stderr


def test_doctor_passes_on_a_sound_setup(database_url: str) -> None:
    result = _moralbank("doctor", env={**moralbank_env(database_url), **ENGLISH})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database: " in result.stdout
    assert "all checks passed" in result.stdout


def test_doctor_names_each_problem_in_plain_words(tmp_path: Path) -> None:
    env = moralbank_env(
        f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}",
        secret_key="change-me",
        redis_url="redis://127.0.0.1:1/0",
        bot_token="123:nope",
        telegram_api_url="http://127.0.0.1:1",
    )
    result = _moralbank("doctor", env={**env, **ENGLISH})
    assert result.returncode == 1
    out = result.stdout
    assert "XX secret key:" in out
    assert "run `moralbank migrate`" in out
    assert "XX Redis: cannot reach" in out
    assert "XX Telegram: cannot reach" in out
    assert "4 problem(s) found" in out
    chinese = _moralbank("doctor", env={**env, **CHINESE})
    assert "XX 密钥:" in chinese.stdout
    assert "发现 4 个问题" in chinese.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not built for Windows")
def test_commands_run_their_work_on_uvloop() -> None:
    import uvloop

    async def loop_of_this_work() -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert run_async(loop_of_this_work()) is uvloop.Loop


def test_a_broadcast_is_queued_steered_and_reported_from_the_command_line(
    database_url: str, tmp_path: Path
) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    chats = tmp_path / "chats.txt"
    chats.write_text("# grid 1\n1001\n1002\n\n1002\n1003\n")
    queued = _moralbank("broadcast", "--chat-ids", str(chats), "--text", "停水通知", env=env)
    assert queued.returncode == 0, queued.stderr
    assert "broadcast 1 queued for 3 chats" in queued.stdout
    assert _moralbank("broadcast", "pause", "1", env=env).stdout == "broadcast 1: paused\n"
    status = _moralbank("broadcast", "status", "1", "--json", env=env)
    assert json.loads(status.stdout) == {
        "id": 1,
        "state": "paused",
        "recipients": 3,
        "waiting": 3,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
        "cancelled": 0,
        "finished": False,
    }
    assert _moralbank("broadcast", "cancel", "1", env=env).returncode == 0
    report = _moralbank("broadcast", "status", "1", env=env).stdout
    assert "broadcast 1 (cancelled): 3/3 done" in report
    assert "cancelled 3, waiting 0" in report
    again = _moralbank("broadcast", "resume", "1", env=env)
    assert again.returncode == 1
    assert "This broadcast was cancelled; it cannot be paused or resumed." in again.stderr


def test_broadcast_input_mistakes_are_named(database_url: str, tmp_path: Path) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    chats = tmp_path / "chats.txt"
    chats.write_text("1001\n张三\n")
    wrong = _moralbank("broadcast", "--chat-ids", str(chats), "--text", "hi", env=env)
    assert wrong.returncode == 1
    assert "chats.txt:2: '张三' is not a chat id" in wrong.stderr
    chats.write_text("1001\n")
    blank = _moralbank("broadcast", "--chat-ids", str(chats), "--text", "  ", env=env)
    assert "A broadcast needs a text and at least one recipient." in blank.stderr
    missing = _moralbank("broadcast", "status", "99", env=env)
    assert missing.returncode == 1
    assert "There is no such broadcast." in missing.stderr


def test_admin_create_refuses_a_role_that_is_not_for_the_panel(database_url: str) -> None:
    env = {**moralbank_env(database_url), **ENGLISH}
    added = _moralbank(
        "org", "add", "--code", "c1", "--name", "社区", "--level", "community", env=env
    )
    assert added.returncode == 0, added.stderr
    created = _moralbank(
        "admin",
        "create",
        "--username",
        "zhang",
        "--name",
        "张居民",
        "--unit",
        "c1",
        "--role",
        "resident",
        "--password-stdin",
        env=env,
        stdin="a long enough password\n",
    )
    assert created.returncode == 1
    assert "is not for the panel" in created.stderr
    assert asyncio.run(_count(database_url, StaffAccount)) == 0


def test_the_log_level_setting_quiets_the_commands(tmp_path: Path) -> None:
    """An operator sets MORALBANK_LOG_LEVEL (in any case) and the INFO lines go."""
    env = moralbank_env(f"sqlite+aiosqlite:///{tmp_path / 'loud.db'}")
    loud = _moralbank("migrate", env=env)
    assert loud.returncode == 0, loud.stderr
    assert "Running upgrade" in loud.stderr
    env = {
        **moralbank_env(f"sqlite+aiosqlite:///{tmp_path / 'quiet.db'}"),
        "MORALBANK_LOG_LEVEL": "warning",
    }
    quiet = _moralbank("migrate", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert "Running upgrade" not in quiet.stderr
    assert (tmp_path / "quiet.db").stat().st_size > 0  # migrated all the same


def test_the_json_log_format_makes_every_log_line_one_object(tmp_path: Path) -> None:
    """What an operator's log collector reads: `moralbank migrate` logs each migration."""
    env = {
        **moralbank_env(f"sqlite+aiosqlite:///{tmp_path / 'json.db'}"),
        "MORALBANK_LOG_FORMAT": "json",
    }
    migrated = _moralbank("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    lines = [json.loads(line) for line in migrated.stderr.splitlines()]
    assert any(line["message"].startswith("Running upgrade") for line in lines)
    assert {line["logger"] for line in lines} >= {"alembic.runtime.migration"}
    assert migrated.stdout == "database schema is up to date\n"  # the command's answer


def test_a_wrong_log_format_is_told_in_one_line(tmp_path: Path) -> None:
    env = {
        **moralbank_env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"),
        "MORALBANK_LOG_FORMAT": "xml",
        "LANG": "en_US.UTF-8",
    }
    refused = _moralbank("migrate", env=env)
    assert refused.returncode == 1
    assert "MORALBANK_LOG_FORMAT" in refused.stderr
    assert "Traceback" not in refused.stderr
