"""The web panel: `create_app` builds it from settings and the shared factories."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from admin.deps import LoginRequired
from admin.rendering import create_templates, render, translator_for
from admin.routes import auth, health, home
from admin.security import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    CsrfRejected,
    add_security_headers,
    verify_csrf,
)
from core.clock import Clock, SystemClock
from core.db import Database
from core.errors import DomainError
from core.i18n import Catalogues
from core.ratelimit import MemoryRateLimiter, RateLimiter
from core.settings import Settings
from rewards.errors import OutOfScope

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


def create_app(
    *,
    settings: Settings,
    database: Database,
    catalogues: Catalogues,
    clock: Clock | None = None,
    login_limiter: RateLimiter | None = None,
) -> FastAPI:
    secret_key = settings.require_secret_key()
    app = FastAPI(title="Moral Bank", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.database = database
    app.state.catalogues = catalogues
    app.state.clock = clock or SystemClock()
    app.state.templates = create_templates()
    app.state.login_limiter = login_limiter or MemoryRateLimiter(limit=10, window_seconds=60)

    app.middleware("http")(add_security_headers)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=settings.https,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(health.router)
    # Every page router gets the CSRF check here, so no route can forget it.
    for pages in (auth.router, home.router):
        app.include_router(pages, dependencies=[Depends(verify_csrf)])
    _install_error_pages(app)
    return app


def _error_page(request: Request, status: int, key: str, **params: object) -> Response:
    t = translator_for(request)
    return render(request, "error.html", t, status_code=status, message=t(key, **params))


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return _error_page(request, 403, "csrf.rejected")

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = 403 if isinstance(exc, OutOfScope) else 400
        return _error_page(request, status, f"error.{exc.code}", **exc.params)

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError) -> Response:
        return _error_page(request, 400, "form.invalid")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return _error_page(request, 500, "error.internal")
