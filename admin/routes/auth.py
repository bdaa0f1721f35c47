"""Logging in and out, and choosing the panel's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import Uow, VisitorT
from admin.rendering import render
from admin.routes import page_router
from admin.security import LANGUAGE_COOKIE, local_path, set_language_cookie, start_session
from core.errors import DomainError
from core.i18n import LOCALES, Translator
from core.ratelimit import RateLimiter
from rewards.errors import AccountLocked
from rewards.staff.service import authenticate, end_sessions

router = page_router()
# Long enough for any real name or passphrase; longer input is cut, not hashed at length.
MAX_USERNAME = 64
MAX_PASSWORD = 1024


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
    # Counted before the accounts are touched: guessing costs the guesser, not the database.
    if not await limiter.hit(client):
        return _form_again(request, t, username, t("throttle.too_many"), 429)
    try:
        staff = await authenticate(
            uow,
            username=username.strip()[:MAX_USERNAME],
            password=password[:MAX_PASSWORD],
            address=client,
        )
    except DomainError as error:
        status = 403 if isinstance(error, AccountLocked) else 401
        return _form_again(request, t, username, t(f"error.{error.code}", **error.params), status)
    start_session(request, staff.id, staff.session_generation, uow.now())
    response = RedirectResponse("/", status_code=303)
    # A language chosen on the login page stays; else the panel speaks the account's.
    if request.cookies.get(LANGUAGE_COOKIE) not in LOCALES:
        set_language_cookie(response, staff.language, secure=request.app.state.settings.https)
    return response


def _form_again(
    request: Request, t: Translator, username: str, error: str, status: int
) -> Response:
    return render(
        request,
        "login.html",
        t,
        status_code=status,
        error=error,
        username=username[:MAX_USERNAME],
    )


@router.post("/logout")
async def logout(request: Request, uow: Uow) -> Response:
    staff_id = request.session.get("staff_id")
    if isinstance(staff_id, int):
        await end_sessions(uow, staff_id)
    request.session.clear()
    response = RedirectResponse("/login", status_code=303)
    # The next person at this browser starts from their own language, not this one's.
    response.delete_cookie(LANGUAGE_COOKIE)
    return response


@router.post("/language")
async def choose_language(
    request: Request,
    locale: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    response = RedirectResponse(local_path(back), status_code=303)
    set_language_cookie(response, locale, secure=request.app.state.settings.https)
    return response
