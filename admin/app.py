"""The web panel: `create_app` builds it from settings and the shared factories."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from admin.deps import LoginRequired, get_current_staff, get_uow
from admin.observability import REQUEST_ID_HEADER, RequestContext, request_id_of
from admin.rendering import create_templates, render, translator_for
from admin.routes import (
    auth,
    broadcasts,
    case_categories,
    case_stats,
    cases,
    changes,
    duty,
    fee_offsets,
    guides,
    health,
    home,
    households,
    kiosk,
    known_places,
    metrics,
    open311,
    outlet_reports,
    outlets,
    rankings,
    residents,
    rules,
    telegram_link,
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
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.ratelimit import MemoryRateLimiter, RateLimiter
from core.settings import Settings
from rewards.errors import NotFound, OutOfScope
from rewards.staff.service import StaffView

logger = logging.getLogger(__name__)
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
    app.state.files = LocalFileStorage(settings.files_dir)
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
    # Added late, so outside the others: it also covers what the session layer sends.
    app.add_middleware(SecurityHeaders)
    # Outermost of ours: the request's id and its count cover everything inside.
    app.add_middleware(RequestContext)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The page routers carry the CSRF check themselves (see admin.routes.page_router).
    # Places, categories and statistics before cases: "/cases/places" is no case id.
    routers = (
        health, auth, home, rules, residents, households, broadcasts, changes, known_places,
        case_categories, case_stats, cases, kiosk, outlet_reports, fee_offsets, outlets,
        telegram_link, open311, duty, rankings, guides,
    )  # fmt: skip
    for router in (module.router for module in routers):
        app.include_router(router)
    if settings.metrics_token is not None:
        app.include_router(metrics.router)  # else /metrics is no page at all: 404
    _install_error_pages(app)
    return app


async def _error_page(request: Request, status: int, message: str) -> Response:
    """The error in the reader's language, with the menu and logout when signed in."""
    staff = await _signed_in(request)
    t = translator_for(request, staff.language if staff else None)
    return render(request, "error.html", t, status_code=status, message=t(message), staff=staff)


async def _signed_in(request: Request) -> StaffView | None:
    if "session" not in request.scope or "staff_id" not in request.session:
        return None  # a visitor: their session (the login form's token) stays as it is
    try:
        return await get_current_staff(request, get_uow(request))
    except LoginRequired:
        return None
    except Exception:  # the database itself may be why this page is shown
        logger.exception("the error page could not tell who is signed in")
        return None


# Statuses the framework itself raises (unknown page, wrong method, unreadable body).
def _http_error_message(status: int) -> str:
    if status == 404:
        return "page.not_found"
    if status == 405:
        return "page.not_allowed"
    if status < 500:
        return "form.invalid"
    return "error.internal"


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return await _error_page(request, 403, "csrf.rejected")

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, OutOfScope | NotFound):
            # One answer for "not there" and "not yours": ids of other units can't be probed.
            return await _error_page(request, 403, "error.not_found")
        staff = await _signed_in(request)
        t = translator_for(request, staff.language if staff else None)
        message = t(f"error.{exc.code}", **exc.params)
        return render(request, "error.html", t, status_code=400, message=message, staff=staff)

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError) -> Response:
        return await _error_page(request, 400, "form.invalid")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        page = await _error_page(request, exc.status_code, _http_error_message(exc.status_code))
        page.headers.update(exc.headers or {})
        return page

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette sends this from outside every middleware and then re-raises, so the
        # server logs the traceback; the headers must be set here by hand.
        t = translator_for(request)
        page = render(request, "error.html", t, status_code=500, message=t("error.internal"))
        apply_security_headers(page.headers)
        if request_id := request_id_of(request.scope):
            page.headers[REQUEST_ID_HEADER] = request_id
        return page
