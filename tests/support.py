"""Small helpers shared by tests: settings without the environment, optional services."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from core.settings import Settings

REDIS_URL = os.environ.get("MORALBANK_TEST_REDIS_URL", "")
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
