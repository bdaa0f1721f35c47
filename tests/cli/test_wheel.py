"""The wheel works: built from the source, installed into a fresh virtual environment
from the package index, it migrates, loads the demo and serves, with nothing of the
repository on its path (the migrations, catalogues, templates and guides come from the
wheel).

It takes about a minute (most of it pip installing the dependencies), and what it checks
does not depend on the test database, so it runs in the SQLite pass only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from core.db import Database
from rewards.people.models import Resident
from tests.conftest import ON_POSTGRES
from tests.processes import ROOT, moralbank_run

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(ON_POSTGRES, reason="the wheel is the same on both: SQLite pass only"),
]
# What a source checkout has and a build must not see (a stale build/ would leak into it).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    "test-results", "*.db",
)  # fmt: skip
# Every module, the benchmarks too: a third-party import missing from the dependencies fails.
IMPORT_ALL = """
import importlib, pkgutil, moralbank
for module in pkgutil.walk_packages(moralbank.__path__, "moralbank."):
    importlib.import_module(module.name)
print(moralbank.__file__)
"""


def _run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_env() -> dict[str, str]:
    """The operator's environment: no settings, nothing of this checkout on the path."""
    drop = ("MORALBANK_", "PYTHON", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, "LANG": "en_US.UTF-8", "LC_ALL": "", "PYTHONUNBUFFERED": "1"}


async def _residents(path: Path) -> int:
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.read() as session:
            return int(await session.scalar(select(func.count()).select_from(Resident)) or 0)
    finally:
        await database.dispose()


async def test_the_built_wheel_migrates_loads_the_demo_and_serves(tmp_path: Path) -> None:
    env = _clean_env()
    source, wheels, venv, work = (tmp_path / name for name in ("src", "dist", "venv", "work"))
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    build = (sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir")
    _run(*build, wheels, source, cwd=tmp_path, env=env)
    (wheel,) = wheels.glob("moralbank-*.whl")
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path, env=env)
    _run(venv / "bin/python", "-m", "pip", "install", "--quiet", "--no-compile", wheel,
         cwd=tmp_path, env=env)  # fmt: skip
    work.mkdir()
    moralbank = venv / "bin/moralbank"
    imported = _run(venv / "bin/python", "-c", IMPORT_ALL, cwd=work, env=env)
    assert imported.strip().startswith(str(venv)), imported

    _run(moralbank, "migrate", cwd=work, env=env)
    demo = _run(moralbank, "demo", cwd=work, env=env)
    assert "demo community loaded" in demo
    assert await _residents(work / "var/moralbank.db") == 35  # 32 verified, 3 newcomers

    # No setting at all: the demo's database and key, found in the directory it ran in.
    async with moralbank_run(env, cwd=work, program=str(moralbank)) as running:
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{running.base_url}/healthz")
            guide = await client.get(f"{running.base_url}/guide/residents")
        assert health.status_code == 200, health.text
        # The guides are Markdown files in the package, not in the repository only.
        assert "<h1>居民使用指南</h1>" in guide.text, guide.text
    assert running.process.returncode == 0, running.printed()
