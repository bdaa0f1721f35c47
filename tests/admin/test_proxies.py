"""The client address behind proxies: X-Forwarded-For counts only from trusted proxies."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from moralbank.runtime import server_config
from tests.admin.conftest import csrf_of
from tests.support import make_settings


@pytest.fixture
def login_limit() -> int:
    return 3


async def _statuses(panel: FastAPI, peer: str, trusted: str) -> list[int]:
    """Five wrong logins from `peer`, each claiming another address, served the way
    `moralbank run` serves the panel."""
    config = server_config(panel, make_settings(trusted_proxies=trusted))
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = await csrf_of(client)
        statuses = []
        for n in range(5):
            response = await client.post(
                "/login",
                data={"username": "nobody", "password": "wrong password", "csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            statuses.append(response.status_code)
    return statuses


async def test_a_local_client_cannot_choose_its_address(panel: FastAPI) -> None:
    assert await _statuses(panel, "127.0.0.1", "") == [401, 401, 401, 429, 429]


async def test_a_trusted_proxy_names_each_client(panel: FastAPI) -> None:
    assert await _statuses(panel, "10.0.0.5", "10.0.0.0/24") == [401] * 5


def test_uvicorn_is_told_exactly_the_trusted_proxies() -> None:
    app = FastAPI()
    assert not server_config(app, make_settings()).proxy_headers
    config = server_config(app, make_settings(trusted_proxies="10.0.0.1, 10.1.0.0/16"))
    assert config.proxy_headers
    assert config.forwarded_allow_ips == ["10.0.0.1", "10.1.0.0/16"]
