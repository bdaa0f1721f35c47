"""Small helpers shared by tests: settings without the environment, optional services."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from core.settings import Settings


def _own_redis(url: str) -> str:
    """Each process of a spread run (pytest-xdist's gw0, gw1, …) its own Redis database,
    two below the last: the test command gives SQLite's pass 15 and PostgreSQL's 14, so
    their second processes use 13 and 12."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base, _, number = url.rpartition("/")
    if not url or not number.isdigit():
        return url
    return f"{base}/{int(number) - 2 * int(worker.removeprefix('gw'))}"


REDIS_URL = _own_redis(os.environ.get("MORALBANK_TEST_REDIS_URL", ""))
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def make_settings(**values: Any) -> Settings:
    """Settings from `values` and the environment, never from a developer's `.env`."""
    return Settings(_env_file=None, **values)


def require_redis() -> str:
    """Redis for the tests that need it; required when the run requires services (CI)."""
    if not REDIS_URL:
        if os.environ.get("MORALBANK_REQUIRE_SERVICES") == "1":
            pytest.fail("MORALBANK_TEST_REDIS_URL is required in CI")
        pytest.skip("MORALBANK_TEST_REDIS_URL not set")
    return REDIS_URL


def require_program(name: str) -> str:
    """A program some tests run (caddy, systemd-analyze); required when services are (CI)."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("MORALBANK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{name} is required in CI (scripts/test.sh installs it)")
        pytest.skip(f"{name} is not installed")
    return found
