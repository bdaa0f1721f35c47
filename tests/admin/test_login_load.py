"""Logins under load: password hashing stays off the event loop, a few at a time."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from argon2 import PasswordHasher

from rewards.staff import passwords
from tests.admin.conftest import Staff, csrf_of

LOGINS = 20
HEALTH_CHECKS = 5


class _Spy:
    """Wraps the real hasher's verify, noting which thread ran it and how many at once."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.threads: set[int] = set()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.threads.add(threading.get_ident())
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.real.verify(password_hash, password)
        finally:
            with self.lock:
                self.running -= 1

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


@pytest.fixture
def login_limit() -> int:
    return 1000


async def test_logins_verify_off_the_loop_and_health_checks_pass_them(
    client: httpx.AsyncClient, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    token = await csrf_of(client)
    form = {"username": staff.username, "password": staff.password, "csrf_token": token}
    finished: list[str] = []

    async def request(kind: str) -> None:
        if kind == "login":
            response = await client.post("/login", data=form)
            assert response.status_code == 303
        else:
            assert (await client.get("/healthz")).status_code == 200
        finished.append(kind)

    logins = [asyncio.create_task(request("login")) for _ in range(LOGINS)]
    await asyncio.sleep(0)  # the logins are under way before the checks are sent
    checks = [asyncio.create_task(request("health")) for _ in range(HEALTH_CHECKS)]
    await asyncio.gather(*logins, *checks)

    assert threading.get_ident() not in spy.threads
    assert spy.most <= passwords.CONCURRENT_HASHES
    # Every check is answered while most logins are still waiting for their turn.
    last_check = max(i for i, kind in enumerate(finished) if kind == "health")
    assert finished[:last_check].count("login") < LOGINS // 2
