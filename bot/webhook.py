"""Receiving updates by webhook: an HTTP endpoint that checks Telegram's secret header.

The secret is derived from the product's secret key, so there is nothing more to configure
and it changes whenever the key does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
log = logging.getLogger(__name__)


def webhook_secret(secret_key: str, bot_token: str) -> str:
    """64 hex characters: within Telegram's alphabet and length for secret_token."""
    message = f"telegram-webhook:{bot_token}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


Endpoint = Callable[[Request], Awaitable[Response]]


def create_webhook_endpoint(
    dispatcher: Dispatcher, bot: Bot, secret: str, *, concurrent: int
) -> Endpoint:
    """A Starlette endpoint; the composition root routes the webhook URL's path to it.
    At most `concurrent` updates are handled at once; further requests wait (Telegram
    keeps up to its max_connections open and sends more as answers come back)."""
    turns = asyncio.Semaphore(concurrent)

    async def receive(request: Request) -> Response:
        offered = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), secret.encode()):
            return JSONResponse({"ok": False}, status_code=401)
        try:
            update = Update.model_validate_json(await request.body(), context={"bot": bot})
        except ValidationError:
            # Not an update: Telegram would retry it forever, so accept and drop it.
            log.warning("webhook received a body that is not an Update")
            return JSONResponse({"ok": True})
        # Handled before answering: Telegram redelivers on failure, and the update
        # middleware makes a redelivery harmless.
        async with turns:
            await dispatcher.feed_update(bot, update)
        return JSONResponse({"ok": True})

    return receive
