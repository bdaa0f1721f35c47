"""The panel as a whole: health, schema, headers, error pages and the CSRF guard's reach."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

import admin.routes
from admin.app import create_app
from admin.security import SAFE_METHODS, verify_csrf
from core.db import Database
from core.i18n import Catalogues
from rewards.errors import AccountLocked, OutOfScope
from tests.support import TEST_SECRET_KEY, make_settings


@pytest.fixture
async def lenient_client(panel: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 page instead of the exception behind it."""
    transport = httpx.ASGITransport(app=panel, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _assert_secure_headers(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_health_checks_the_database(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}
    _assert_secure_headers(health)


async def test_health_reports_an_unreachable_database(catalogues: Catalogues) -> None:
    # Port 1 on loopback refuses at once: a database that is down.
    database = Database.from_url("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(
        settings=make_settings(secret_key=TEST_SECRET_KEY),
        database=database,
        catalogues=catalogues,
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            health = await client.get("/healthz")
    finally:
        await database.dispose()
    assert health.status_code == 503
    assert health.json()["database"] == "unavailable"


async def test_openapi_lists_json_endpoints_only(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/healthz" in paths
    assert not {"/", "/login", "/logout", "/language"} & paths.keys()


async def test_pages_and_files_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    _assert_secure_headers(page)
    assert page.headers["cache-control"] == "no-store"
    css = await client.get("/static/panel.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    _assert_secure_headers(css)
    assert "cache-control" not in css.headers
    # No inline style or script for the policy to block.
    assert "<script" not in page.text
    assert "style=" not in page.text
    assert "<style" not in page.text


def _routes_of_the_panel() -> list[APIRoute]:
    found: list[APIRoute] = []
    for module in pkgutil.iter_modules(admin.routes.__path__, "admin.routes."):
        router = getattr(importlib.import_module(module.name), "router", None)
        assert isinstance(router, APIRouter), f"{module.name} has no router"
        found += [route for route in router.routes if isinstance(route, APIRoute)]
    return found


def test_every_unsafe_route_checks_the_csrf_token() -> None:
    unsafe = [route for route in _routes_of_the_panel() if (route.methods or set()) - SAFE_METHODS]
    assert {route.path for route in unsafe} >= {"/login", "/logout", "/language"}
    for route in unsafe:
        checks = [dep.dependency for dep in route.dependencies]
        assert verify_csrf in checks, route.path


async def test_an_unknown_page_is_a_translated_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert "找不到这个页面。" in response.text
    _assert_secure_headers(response)
    wrong_method = await client.get("/logout")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["allow"]


async def test_domain_errors_become_translated_pages(
    panel: FastAPI, client: httpx.AsyncClient
) -> None:
    async def out_of_scope() -> None:
        raise OutOfScope()

    async def locked() -> None:
        raise AccountLocked(minutes=3)

    panel.add_api_route("/test/out-of-scope", out_of_scope, include_in_schema=False)
    panel.add_api_route("/test/locked", locked, include_in_schema=False)
    response = await client.get("/test/out-of-scope")
    assert response.status_code == 403
    assert "您没有权限在这里做这件事" in response.text
    response = await client.get("/test/locked", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "3 minutes" in response.text
    assert '<html lang="en">' in response.text


async def test_an_unexpected_error_shows_a_plain_500_page(
    panel: FastAPI, lenient_client: httpx.AsyncClient
) -> None:
    async def broken() -> None:
        raise RuntimeError("secret detail from deep inside")

    panel.add_api_route("/test/broken", broken, include_in_schema=False)
    response = await lenient_client.get("/test/broken")
    assert response.status_code == 500
    assert "抱歉，出了点问题，请稍后再试。" in response.text
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    _assert_secure_headers(response)
