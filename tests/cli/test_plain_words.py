"""Mistakes an operator can make are told in one line of their language, exit status 1,
never a traceback; and `run` after `demo` needs no setting."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.processes import ENGLISH, MORALBANK, ROOT, moralbank_env, moralbank_run

CHINESE = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def _moralbank(
    *args: str, env: dict[str, str], cwd: Path = ROOT, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MORALBANK, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


BAD_URLS = [
    (
        "sqlite:///var/x.db",
        "needs the asynchronous driver: write sqlite+aiosqlite:///var/x.db instead of "
        "sqlite:///var/x.db",
    ),
    ("not a url", "“not a url” is not a database URL"),
    ("mysql://bank@db.example/bank", "runs on SQLite or PostgreSQL, not mysql"),
    (
        "postgresql+asyncpg://postgres:hunter2@127.0.0.1:1/bank",
        "Cannot connect to the database postgresql+asyncpg://postgres:***@127.0.0.1:1/bank",
    ),
]


@pytest.mark.parametrize(("url", "complaint"), BAD_URLS, ids=lambda v: v[:12])
def test_a_bad_database_url_is_one_sentence(url: str, complaint: str, tmp_path: Path) -> None:
    env = {**moralbank_env(url), **ENGLISH}
    line = _one_line_error(_moralbank("run", env=env, cwd=tmp_path))
    assert complaint in line
    assert "hunter2" not in line


@pytest.mark.parametrize("command", ["migrate", "demo", "worker", "ledger verify"])
def test_every_command_that_opens_the_database_says_so(command: str, tmp_path: Path) -> None:
    url, complaint = BAD_URLS[-1]
    env = {**moralbank_env(url), **ENGLISH}
    assert complaint in _one_line_error(_moralbank(*command.split(), env=env, cwd=tmp_path))


def test_doctor_lists_the_database_problem_among_its_findings(tmp_path: Path) -> None:
    url, complaint = BAD_URLS[-1]
    result = _moralbank("doctor", env={**moralbank_env(url), **ENGLISH}, cwd=tmp_path)
    assert result.returncode == 1
    assert f"XX database: {complaint}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    # A URL that is no database URL at all stops doctor before any check, in one line.
    wrong = {**moralbank_env(BAD_URLS[0][0]), **ENGLISH}
    assert BAD_URLS[0][1] in _one_line_error(_moralbank("doctor", env=wrong, cwd=tmp_path))


@pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server")
@pytest.mark.parametrize("command", ["run", "doctor"])
def test_a_missing_postgres_database_is_named_with_the_way_to_create_it(
    command: str, tmp_path: Path
) -> None:
    url = make_url(TEST_DATABASE_URL).set(database="moralbank_never_created")
    env = {**moralbank_env(url.render_as_string(hide_password=False)), **ENGLISH}
    result = _moralbank(command, env=env, cwd=tmp_path)
    if command == "doctor":  # doctor goes on with the other checks and lists them
        assert result.returncode == 1
        expected = "XX database: The PostgreSQL database “moralbank_never_created” does not exist"
        assert expected in result.stdout
        assert "createdb moralbank_never_created" in result.stdout
        return
    line = _one_line_error(result)
    assert "The PostgreSQL database “moralbank_never_created” does not exist" in line
    assert "createdb moralbank_never_created" in line


def test_the_sentence_is_in_the_shells_language(tmp_path: Path) -> None:
    env = moralbank_env("mysql://bank@db.example/bank")
    chinese = _one_line_error(_moralbank("run", env={**env, **CHINESE}, cwd=tmp_path))
    assert "道德银行只支持 SQLite 和 PostgreSQL，不支持 mysql" in chinese
    # LC_ALL outranks LANG, as in every POSIX program.
    english = {**env, **CHINESE, "LC_ALL": "en_GB.UTF-8"}
    assert "not mysql" in _one_line_error(_moralbank("run", env=english, cwd=tmp_path))
    # A shell that names no language (C, POSIX) gets Chinese, the product's first language.
    plain = {**env, "LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    assert "不支持 mysql" in _one_line_error(_moralbank("run", env=plain, cwd=tmp_path))


def test_a_wrong_setting_is_named_by_its_variable(database_url: str, tmp_path: Path) -> None:
    env = {**moralbank_env(database_url, web_port="eighty"), **ENGLISH}
    line = _one_line_error(_moralbank("migrate", env=env, cwd=tmp_path))
    assert line.startswith("Error: The setting MORALBANK_WEB_PORT is not valid: ")
    assert "input_value" not in line  # not pydantic's dump


def test_a_domain_error_is_the_catalogues_sentence(database_url: str) -> None:
    add = ("org", "add", "--code", "g1", "--name", "第一网格", "--level", "grid")
    env = moralbank_env(database_url)
    english = _one_line_error(_moralbank(*add, "--parent", "nope", env={**env, **ENGLISH}))
    assert english == "Error: No such organisation unit: nope."
    chinese = _one_line_error(_moralbank(*add, "--parent", "nope", env={**env, **CHINESE}))
    assert "nope" in chinese
    assert "unknown_org_unit" not in chinese


def test_doctor_looks_without_creating_anything(tmp_path: Path) -> None:
    env = {**moralbank_env("sqlite+aiosqlite:///var/moralbank.db"), **ENGLISH}
    result = _moralbank("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "XX database: no database at var/moralbank.db: run `moralbank migrate`" in (
        result.stdout
    )
    assert list(tmp_path.iterdir()) == []


def _without_secret(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "MORALBANK_SECRET_KEY"}


async def test_run_after_demo_uses_the_demos_key(tmp_path: Path) -> None:
    env = {**_without_secret(moralbank_env("sqlite+aiosqlite:///var/moralbank.db")), **ENGLISH}
    missing = _one_line_error(_moralbank("run", env=env, cwd=tmp_path))
    assert "MORALBANK_SECRET_KEY is not set" in missing
    assert _moralbank("demo", env=env, cwd=tmp_path).returncode == 0
    async with moralbank_run(env, cwd=tmp_path) as running:
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{running.base_url}/healthz")
        assert health.status_code == 200
    assert "secret key: var/secret_key, made by `moralbank demo`" in running.printed()


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    env = {**_without_secret(moralbank_env("sqlite+aiosqlite:///var/moralbank.db")), **ENGLISH}
    (tmp_path / "var").mkdir()
    key = tmp_path / "var/secret_key"
    key.write_text("k" * 64)
    key.chmod(0o644)
    line = _one_line_error(_moralbank("run", env=env, cwd=tmp_path))
    assert "var/secret_key can be read by other users. Run chmod 600 var/secret_key" in line
    assert not (tmp_path / "var/moralbank.db").exists()
