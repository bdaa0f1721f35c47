"""Session, CSRF and response headers for the panel.

The session is a signed cookie holding only the staff id, a CSRF token and the login time;
rights are re-read from the database on every request. Every unsafe request must carry the
session's CSRF token in its form, checked before anything else runs.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

SESSION_COOKIE = "moralbank_session"
SESSION_SECONDS = 8 * 3600
LANGUAGE_COOKIE = "moralbank_lang"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    # No inline script or style anywhere, so the strictest policy fits.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class CsrfRejected(Exception):
    """An unsafe request without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (the login form needs one too)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request) -> None:
    """A router dependency: every POST/PUT/PATCH/DELETE of the panel passes through it."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    offered = (await request.form()).get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(offered, str):
        raise CsrfRejected()
    if not hmac.compare_digest(expected.encode(), offered.encode()):
        raise CsrfRejected()


def start_session(request: Request, staff_id: int, now: float) -> None:
    """A fresh session at login: nothing from before it survives (no session fixation)."""
    request.session.clear()
    request.session.update(staff_id=staff_id, login_at=now, csrf=secrets.token_urlsafe(32))


async def add_security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
