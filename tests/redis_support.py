"""Redis for the tests that need it: `MORALBANK_TEST_REDIS_URL`, required in CI."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("MORALBANK_TEST_REDIS_URL", "")


def require_redis() -> str:
    if not REDIS_URL:
        if os.environ.get("MORALBANK_REQUIRE_SERVICES") == "1":
            pytest.fail("MORALBANK_TEST_REDIS_URL is required in CI")
        pytest.skip("MORALBANK_TEST_REDIS_URL not set")
    return REDIS_URL
