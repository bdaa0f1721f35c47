"""The web panel: `create_app` builds it from settings and the shared factories."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from admin.deps import LoginRequired
from admin.rendering import create_templates, render, translator_for
from admin.routes import (
    auth,
    broadcasts,
    changes,
    health,
    home,
    households,
    residents,
    rules,
)
from admin.security import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    CsrfRejected,
    SecurityHeaders,
    apply_security_headers,
)
from core.clock import Clock, SystemClock
from core.db import Database
from core.errors import DomainError
from core.i18n import Catalogues, Translator
from core.ratelimit import MemoryRateLimiter, RateLimiter
from core.settings import Settings
from rewards.errors import OutOfScope

STATIC = Path(__file__).parent / "static"
LOGIN_ATTEMPTS_PER_MINUTE = 10


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
    app.state.login_limiter = login_limiter or MemoryRateLimiter(
        limit=LOGIN_ATTEMPTS_PER_MINUTE, window_seconds=60
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=settings.https,
    )
    # Added last, so outermost: it also covers what the session layer sends.
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The page routers carry the CSRF check themselves (see admin.routes.page_router).
    routers = (health, auth, home, rules, residents, households, broadcasts, changes)
    for router in (module.router for module in routers):
        app.include_router(router)
    _install_error_pages(app)
    return app


def _error_page(request: Request, status: int, message: str, t: Translator) -> Response:
    return render(request, "error.html", t, status_code=status, message=message)


# Statuses the framework itself raises (unknown page, wrong method, unreadable body).
def _http_error_message(t: Translator, status: int) -> str:
    if status == 404:
        return t("page.not_found")
    if status == 405:
        return t("page.not_allowed")
    if status < 500:
        return t("form.invalid")
    return t("error.internal")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        t = translator_for(request)
        return _error_page(request, 403, t("csrf.rejected"), t)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        t = translator_for(request)
        status = 403 if isinstance(exc, OutOfScope) else 400
        return _error_page(request, status, t(f"error.{exc.code}", **exc.params), t)

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError) -> Response:
        t = translator_for(request)
        return _error_page(request, 400, t("form.invalid"), t)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        t = translator_for(request)
        page = _error_page(request, exc.status_code, _http_error_message(t, exc.status_code), t)
        page.headers.update(exc.headers or {})
        return page

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette sends this from outside every middleware and then re-raises, so the
        # server logs the traceback; the headers must be set here by hand.
        t = translator_for(request)
        page = _error_page(request, 500, t("error.internal"), t)
        apply_security_headers(page.headers)
        return page
