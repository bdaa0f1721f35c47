"""Staff login over HTTP: cookies, CSRF, throttling, lockout, session lifetime, languages."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from admin.app import create_app
from admin.security import IDLE_SECONDS, SESSION_SECONDS
from core.clock import FrozenClock
from core.db import Database
from core.i18n import Catalogues
from core.settings import SettingsError
from core.uow import UnitOfWork
from rewards.staff.models import StaffAccount
from rewards.staff.service import LOCKOUT, MAX_FAILED_LOGINS, set_password
from tests.admin.conftest import Staff, csrf_of, log_in, make_grid_worker, set_cookie
from tests.support import TEST_SECRET_KEY, make_settings


async def _failed_logins(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(StaffAccount.failed_logins)) or 0)


async def _change_account(database: Database, **values: object) -> None:
    async with database.write() as session:
        await session.execute(update(StaffAccount).values(**values))


async def test_home_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/login")


async def test_login_sets_a_protected_cookie_and_shows_the_home_page(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    response = await log_in(client, staff.username, staff.password)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    cookie = set_cookie(response, "moralbank_session")
    assert cookie is not None
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "max-age=28800" in cookie
    assert "secure" not in cookie
    home = await client.get("/")
    assert home.status_code == 200
    assert "您好，王网格员" in home.text
    assert "网格员" in home.text
    assert "第一网格" in home.text


async def test_cookies_are_secure_behind_https(
    database: Database, catalogues: Catalogues, staff: Staff
) -> None:
    settings = make_settings(secret_key=TEST_SECRET_KEY, https=True)
    app = create_app(settings=settings, database=database, catalogues=catalogues)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await log_in(client, staff.username, staff.password)
    assert response.status_code == 303
    for name in ("moralbank_session", "moralbank_lang"):
        assert "secure" in (set_cookie(response, name) or ""), name


@pytest.mark.parametrize("username", ["wang", "nobody"])
async def test_wrong_password_or_unknown_user_is_refused_alike(
    client: httpx.AsyncClient, staff: Staff, username: str
) -> None:
    response = await log_in(client, username, "not the password")
    assert response.status_code == 401
    assert "用户名或密码不正确。" in response.text
    assert set_cookie(response, "moralbank_lang") is None
    assert (await client.get("/")).status_code == 303


async def test_a_post_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    await csrf_of(client)  # a session exists, but the form lacks its token
    for token in (None, "forged", ""):
        data = {"username": staff.username, "password": "wrong"}
        if token is not None:
            data["csrf_token"] = token
        response = await client.post("/login", data=data)
        assert response.status_code == 403
        assert "页面已过期" in response.text
    assert await _failed_logins(database) == 0
    assert (await client.post("/logout", data={})).status_code == 403
    assert (await client.post("/language", data={"locale": "en"})).status_code == 403
    assert "工作人员登录" in (await client.get("/login")).text


async def test_a_token_from_another_session_is_refused(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    stolen = await csrf_of(client)
    client.cookies.clear()
    response = await client.post(
        "/login", data={"username": staff.username, "password": "x", "csrf_token": stolen}
    )
    assert response.status_code == 403
    assert await _failed_logins(database) == 0


async def test_login_starts_a_new_session(client: httpx.AsyncClient, staff: Staff) -> None:
    before = await csrf_of(client)
    await log_in(client, staff.username, staff.password)
    after = await csrf_of(client, "/")
    assert after != before
    # The token of the session before login no longer works.
    assert (await client.post("/logout", data={"csrf_token": before})).status_code == 403
    assert (await client.get("/")).status_code == 200


async def test_repeated_failures_lock_the_account_for_a_while(
    client: httpx.AsyncClient, staff: Staff, clock: FrozenClock
) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert (await log_in(client, staff.username, "wrong")).status_code == 401
    locked = await log_in(client, staff.username, staff.password)
    assert locked.status_code == 403
    assert "账号已暂时锁定" in locked.text
    assert "15 分钟" in locked.text
    assert (await client.get("/")).status_code == 303
    clock.advance(LOCKOUT)
    assert (await log_in(client, staff.username, staff.password)).status_code == 303


@pytest.mark.parametrize("login_limit", [3])
async def test_throttling_stops_attempts_before_they_reach_the_accounts(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    statuses = []
    for _ in range(5):
        response = await log_in(client, staff.username, "wrong")
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429, 429]
    assert "尝试次数太多" in response.text
    assert await _failed_logins(database) == 3
    # Throttled means not even the right password is tried.
    assert (await log_in(client, staff.username, staff.password)).status_code == 429


async def test_the_default_throttle_allows_ten_attempts_a_minute(
    database: Database, catalogues: Catalogues
) -> None:
    app = create_app(
        settings=make_settings(secret_key=TEST_SECRET_KEY),
        database=database,
        catalogues=catalogues,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        statuses = [(await log_in(client, "nobody", "wrong")).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]


async def test_logout_ends_the_session(client: httpx.AsyncClient, staff: Staff) -> None:
    await log_in(client, staff.username, staff.password)
    token = await csrf_of(client, "/")
    response = await client.post("/logout", data={"csrf_token": token})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert "expires=thu, 01 jan 1970" in (set_cookie(response, "moralbank_session") or "")
    assert (await client.get("/")).status_code == 303


async def test_a_cookie_captured_before_logout_is_refused_after_it(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    await log_in(client, staff.username, staff.password)
    captured = client.cookies["moralbank_session"]
    token = await csrf_of(client, "/")
    await client.post("/logout", data={"csrf_token": token})
    client.cookies.set("moralbank_session", captured)
    assert (await client.get("/")).status_code == 303


async def test_a_new_password_ends_the_sessions_before_it(
    client: httpx.AsyncClient, staff: Staff, uow: UnitOfWork
) -> None:
    await log_in(client, staff.username, staff.password)
    await set_password(
        uow, username=staff.username, password="another long password", actor_staff_id=None
    )
    assert (await client.get("/")).status_code == 303


async def test_a_session_in_use_lasts_eight_hours_from_login(
    client: httpx.AsyncClient, staff: Staff, clock: FrozenClock
) -> None:
    await log_in(client, staff.username, staff.password)
    for _ in range(SESSION_SECONDS // IDLE_SECONDS - 1):
        clock.advance(timedelta(seconds=IDLE_SECONDS))
        assert (await client.get("/")).status_code == 200
    clock.advance(timedelta(seconds=IDLE_SECONDS - 60))
    assert (await client.get("/")).status_code == 200
    clock.advance(timedelta(seconds=61))
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/login")


async def test_a_session_left_alone_half_an_hour_ends(
    client: httpx.AsyncClient, staff: Staff, clock: FrozenClock
) -> None:
    """A kiosk tablet left at the counter: the next person is not the last operator."""
    await log_in(client, staff.username, staff.password)
    clock.advance(timedelta(seconds=IDLE_SECONDS - 1))
    assert (await client.get("/")).status_code == 200  # used: the half hour starts again
    clock.advance(timedelta(seconds=IDLE_SECONDS + 1))
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/login")


async def test_rights_are_read_again_on_every_request(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    await log_in(client, staff.username, staff.password)
    assert (await client.get("/")).status_code == 200
    await _change_account(database, is_active=False)
    assert (await client.get("/")).status_code == 303


async def test_english_from_the_browser_and_from_the_switch(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    assert '<html lang="zh-Hans">' in page.text
    assert "工作人员登录" in page.text
    page = await client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Staff login" in page.text
    assert '<html lang="en">' in page.text
    token = await csrf_of(client)
    switched = await client.post(
        "/language", data={"locale": "en", "back": "/login", "csrf_token": token}
    )
    assert (switched.status_code, switched.headers["location"]) == (303, "/login")
    assert "Staff login" in (await client.get("/login")).text
    await client.post("/language", data={"locale": "zh_Hans", "csrf_token": token})
    page = await client.get("/login", headers={"Accept-Language": "en"})
    assert "工作人员登录" in page.text


@pytest.mark.parametrize(
    "back", ["//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example"]
)
async def test_the_language_switch_stays_on_this_site(
    client: httpx.AsyncClient, back: str
) -> None:
    token = await csrf_of(client)
    switched = await client.post(
        "/language", data={"locale": "en", "back": back, "csrf_token": token}
    )
    assert switched.headers["location"] == "/"


async def test_after_login_the_account_language_applies(
    client: httpx.AsyncClient, staff: Staff, database: Database
) -> None:
    await _change_account(database, language="en")
    response = await log_in(client, staff.username, staff.password)
    assert "moralbank_lang=en" in (set_cookie(response, "moralbank_lang") or "")
    home = await client.get("/", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in home.text
    assert "Hello, 王网格员" in home.text
    assert "Grid worker" in home.text


async def test_names_are_escaped(client: httpx.AsyncClient, uow: UnitOfWork) -> None:
    staff = await make_grid_worker(uow, username="li", display_name="<script>x()</script>")
    await log_in(client, staff.username, staff.password)
    home = await client.get("/")
    assert "&lt;script&gt;x()&lt;/script&gt;" in home.text
    assert "<script>" not in home.text


async def test_the_panel_refuses_to_start_without_a_secret_key(
    database: Database, catalogues: Catalogues
) -> None:
    for weak in (None, "change-me", "short"):
        with pytest.raises(SettingsError):
            create_app(
                settings=make_settings(secret_key=weak), database=database, catalogues=catalogues
            )


async def test_the_language_chosen_on_the_login_page_stays_after_login(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    token = await csrf_of(client)
    await client.post("/language", data={"locale": "en", "back": "/login", "csrf_token": token})
    await log_in(client, staff.username, staff.password)  # the account speaks Chinese
    home = await client.get("/")
    assert '<html lang="en">' in home.text
    token = await csrf_of(client, "/")
    await client.post("/logout", data={"csrf_token": token})
    assert "工作人员登录" in (await client.get("/login")).text  # the next person's own
    await log_in(client, staff.username, staff.password)
    assert '<html lang="zh-Hans">' in (await client.get("/")).text
