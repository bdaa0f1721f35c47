"""Staff login over HTTP: hashing, cookies, CSRF, throttling, lockout, languages."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from admin.app import create_app
from core.db import Database
from core.i18n import Catalogues
from core.settings import SettingsError
from rewards.staff.models import StaffAccount
from rewards.staff.service import MAX_FAILED_LOGINS
from tests.admin.conftest import Staff, csrf_of, log_in
from tests.support import make_settings


async def _failed_logins(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(StaffAccount.failed_logins)) or 0)


async def test_home_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/login")


async def test_login_sets_a_protected_cookie_and_shows_the_home_page(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    response = await log_in(client, staff.username, staff.password)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("moralbank_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    home = await client.get("/")
    assert home.status_code == 200
    assert "您好，王网格员" in home.text
    assert "网格员" in home.text
    assert "第一网格" in home.text


async def test_cookie_is_secure_behind_https(
    database: Database, catalogues: Catalogues, staff: Staff
) -> None:
    settings = make_settings(secret_key="k" * 40, https=True)
    app = create_app(settings=settings, database=database, catalogues=catalogues)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await log_in(client, staff.username, staff.password)
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("username", ["wang", "nobody"])
async def test_wrong_password_or_unknown_user_is_refused_alike(
    client: httpx.AsyncClient, staff: Staff, username: str
) -> None:
    response = await log_in(client, username, "not the password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert (await client.get("/")).status_code == 303


async def test_a_post_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    await csrf_of(client)  # a session exists, but the form lacks its token
    for token in (None, "forged"):
        data = {"username": staff.username, "password": "wrong"}
        if token:
            data["csrf_token"] = token
        response = await client.post("/login", data=data)
        assert response.status_code == 403
        assert "页面已过期" in response.text
    assert await _failed_logins(database) == 0
    response = await client.post("/logout", data={})
    assert response.status_code == 403


async def test_repeated_failures_lock_the_account(client: httpx.AsyncClient, staff: Staff) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert (await log_in(client, staff.username, "wrong")).status_code == 401
    locked = await log_in(client, staff.username, staff.password)
    assert locked.status_code == 403
    assert "账号已暂时锁定" in locked.text
    assert "15 分钟" in locked.text


@pytest.mark.parametrize("login_limit", [3])
async def test_throttling_stops_attempts_before_they_reach_the_accounts(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    statuses = [(await log_in(client, staff.username, "wrong")).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert await _failed_logins(database) == 3


async def test_logout_ends_the_session(client: httpx.AsyncClient, staff: Staff) -> None:
    await log_in(client, staff.username, staff.password)
    token = await csrf_of(client, "/")
    response = await client.post("/logout", data={"csrf_token": token})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert (await client.get("/")).status_code == 303


async def test_english_from_the_browser_and_from_the_switch(client: httpx.AsyncClient) -> None:
    page = await client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Staff login" in page.text
    assert '<html lang="en">' in page.text
    token = await csrf_of(client)
    switched = await client.post(
        "/language", data={"locale": "en", "back": "//evil.example", "csrf_token": token}
    )
    assert switched.headers["location"] == "/"
    assert "Staff login" in (await client.get("/login")).text
    token = await csrf_of(client)
    await client.post("/language", data={"locale": "zh_Hans", "csrf_token": token})
    page = await client.get("/login", headers={"Accept-Language": "en"})
    assert "工作人员登录" in page.text


async def test_health_openapi_and_security_headers(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.json() == {"status": "ok", "database": "ok"}
    schema = (await client.get("/openapi.json")).json()
    assert "/healthz" in schema["paths"]
    assert "/login" not in schema["paths"]
    page = await client.get("/login")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    css = await client.get("/static/panel.css")
    assert css.status_code == 200


async def test_the_panel_refuses_to_start_without_a_secret_key(
    database: Database, catalogues: Catalogues
) -> None:
    with pytest.raises(SettingsError):
        create_app(
            settings=make_settings(secret_key=None), database=database, catalogues=catalogues
        )
