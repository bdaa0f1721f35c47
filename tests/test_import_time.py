"""Importing the product builds nothing: engines, bots, apps and settings come from
factories called by entry points, so tests and tools can import any module safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, importlib, pkgutil
for package in ("core", "ledger", "rewards", "bot", "admin", "moralbank"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
from aiogram import Bot, Dispatcher
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from core.settings import Settings
built = [type(o).__name__ for o in gc.get_objects()
         if isinstance(o, (Bot, Dispatcher, FastAPI, AsyncEngine, Settings))]
print("built:", sorted(built))
"""


def test_importing_every_module_builds_no_engine_bot_app_or_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "MORALBANK_DATABASE_URL": "nosuchdriver://"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "built: []"
