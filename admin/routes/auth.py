"""Logging in and out, and choosing the panel's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import Uow, VisitorT
from admin.rendering import render
from admin.security import LANGUAGE_COOKIE, start_session
from core.errors import DomainError
from core.i18n import LOCALES
from core.ratelimit import RateLimiter
from rewards.errors import AccountLocked
from rewards.staff.service import authenticate

router = APIRouter(include_in_schema=False)
# Long enough for any real name or passphrase; longer input is cut, not hashed at length.
MAX_USERNAME = 64
MAX_PASSWORD = 1024
ONE_YEAR = 365 * 24 * 3600


@router.get("/login")
async def login_form(request: Request, t: VisitorT) -> Response:
    return render(request, "login.html", t)


@router.post("/login")
async def login(
    request: Request,
    uow: Uow,
    t: VisitorT,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    limiter: RateLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    if not await limiter.hit(client):
        return _form_again(request, t, username, t("throttle.too_many"), 429)
    try:
        staff = await authenticate(
            uow, username=username.strip()[:MAX_USERNAME], password=password[:MAX_PASSWORD]
        )
    except DomainError as error:
        status = 403 if isinstance(error, AccountLocked) else 401
        return _form_again(request, t, username, t(f"error.{error.code}", **error.params), status)
    start_session(request, staff.id, uow.now().timestamp())
    return RedirectResponse("/", status_code=303)


def _form_again(request: Request, t: VisitorT, username: str, error: str, status: int) -> Response:
    return render(
        request,
        "login.html",
        t,
        status_code=status,
        error=error,
        username=username[:MAX_USERNAME],
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/language")
async def choose_language(
    locale: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "/"
) -> Response:
    # Only a path on this site: an outside address here would make an open redirect.
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if locale in LOCALES:
        response.set_cookie(
            LANGUAGE_COOKIE, locale, max_age=ONE_YEAR, httponly=True, samesite="lax"
        )
    return response
