"""Session, CSRF, cookies and response headers for the panel.

The session is a signed cookie holding only the staff id, the account's session generation,
a CSRF token and the login time; rights and the generation are re-read from the database on
every request, so logout ends the session on the server too. Every unsafe request must carry the
session's CSRF token in its form, checked before anything else runs.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.i18n import LOCALES

SESSION_COOKIE = "moralbank_session"
SESSION_SECONDS = 8 * 3600
# A session nobody used for this long ends too: kiosk tablets and office computers are
# shared, and the next person at the counter must not act as the last one.
IDLE_SECONDS = 30 * 60
LANGUAGE_COOKIE = "moralbank_lang"
LANGUAGE_SECONDS = 365 * 24 * 3600
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    # No inline script or style anywhere, so the strictest policy fits.
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Pages show personal data: after logout the back button must not bring them back.
NO_STORE = ("Cache-Control", "no-store")
STATIC_PREFIX = "/static/"
# A path on this site only. "//host", "/\\host" or a tab between slashes would let a
# browser leave the site, so only plain path characters pass.
LOCAL_PATH = re.compile(r"/(?![/\\])[\w\-./]*")


class CsrfRejected(Exception):
    """An unsafe request without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (the login form needs one too)."""
    if "session" not in request.scope:
        # Only when the session layer itself failed; such a page has nothing to submit.
        return ""
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


def start_session(request: Request, staff_id: int, generation: int, now: datetime) -> None:
    """A fresh session at login: nothing from before it survives (no session fixation).
    `generation` is the account's session generation; moving it on ends the session."""
    request.session.clear()
    request.session.update(
        staff_id=staff_id,
        generation=generation,
        login_at=now.timestamp(),
        seen_at=now.timestamp(),
        csrf=secrets.token_urlsafe(32),
    )


def session_expired(login_at: object, seen_at: object, now: datetime) -> bool:
    """True when the session is older than its lifetime, counted from the login itself,
    or nobody used it for IDLE_SECONDS.

    The cookie's own expiry is renewed whenever the session changes; these are not.
    """
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return True
    age, idle = now.timestamp() - login_at, now.timestamp() - seen_at
    return not (0 <= age <= SESSION_SECONDS and idle <= IDLE_SECONDS)


def local_path(target: str) -> str:
    """`target` when it is a path on this site, else "/": never an open redirect."""
    return target if LOCAL_PATH.fullmatch(target) else "/"


def set_language_cookie(response: Response, locale: str, *, secure: bool) -> None:
    if locale in LOCALES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            locale,
            max_age=LANGUAGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure,
        )


def apply_security_headers(headers: MutableHeaders, *, static: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if not static:
        headers.setdefault(*NO_STORE)


class SecurityHeaders:
    """Pure ASGI middleware: the headers above on every response, streamed or not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope["path"]).startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                apply_security_headers(MutableHeaders(scope=message), static=static)
            await send(message)

        await self.app(scope, receive, send_with_headers)
