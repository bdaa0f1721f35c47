"""Every HTTP request gets an id and is counted.

The id comes from the client's `X-Request-ID` when it looks like one (a proxy in front
may have set it: then its logs and ours name the same request), else a new one; it goes
back in the response's `X-Request-ID`, and every line logged while the request is handled
carries it (core.logs). The request is counted by method, route template (never the raw
path: `/residents/{resident_id}`, so ids do not make new series) and status
(core.metrics).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logs import bind_log_context, unbind_log_context
from core.metrics import HTTP_ERRORS, HTTP_REQUESTS

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id from outside may look like: a UUID, a proxy's hex or base64 token.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{8,128}")
# Methods counted under their own name; anything else a client invents is "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: a 404, or a 405 that no route claimed


def request_id_of(scope: Scope) -> str | None:
    """The id RequestContext gave this request (error pages sent from outside it use it)."""
    value = scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def _offered_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if SANE_REQUEST_ID.fullmatch(text) else None
    return None


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestContext:
    """A plain ASGI middleware, the outermost of ours."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _offered_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        method = scope["method"] if scope["method"] in METHODS else "other"
        status: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        token = bind_log_context(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            route = _route_of(scope)
            HTTP_ERRORS.labels(method, route).inc()
            HTTP_REQUESTS.labels(method, route, str(status[0] if status else 500)).inc()
            # The id stays bound: the server logs the traceback after this returns, in
            # the request's own task (uvicorn runs each request in a task of its own).
            raise
        HTTP_REQUESTS.labels(method, _route_of(scope), str(status[0] if status else 500)).inc()
        unbind_log_context(token)
