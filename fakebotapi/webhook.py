"""Pushing updates to the bot's webhook: one at a time, in order, retried on failure.

Like Telegram, a 2xx answer confirms the update and anything else (or no answer) is
retried with growing pauses. Telegram retries for hours; a test cannot wait that long, so
after a bounded number of attempts the update is dropped and the failure kept for
getWebhookInfo. A 2xx answer may carry a method call, which is then executed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from fakebotapi import wire
from fakebotapi.updates import Pending, UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ATTEMPTS = 8
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 0.4
REPLY_TIMEOUT = 10.0

# Runs a method a webhook reply asked for: (method, raw parameters, uploads) -> result.
Executor = Callable[[str, dict[str, Any], dict[str, wire.Upload]], Awaitable[Any]]


@dataclass
class WebhookConfig:
    url: str
    secret: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class WebhookPusher:
    def __init__(self, queue: UpdateQueue, execute: Executor) -> None:
        self.queue = queue
        self.config: WebhookConfig | None = None
        self.dropped: list[dict[str, Any]] = []  # given up on after every attempt failed
        self._execute = execute

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await self.queue.changed.wait_for(self._has_work, timeout=3600)
                item = self.queue.first()
                if self.config is None or item is None:
                    continue
                await self._deliver(session, item)

    def _has_work(self) -> bool:
        return self.config is not None and self.queue.has_updates()

    async def _deliver(self, session: aiohttp.ClientSession, item: Pending) -> None:
        pause = FIRST_PAUSE
        for _ in range(ATTEMPTS):
            config = self.config
            if config is None:
                return  # the webhook was deleted: the update waits for getUpdates
            if await self._post(session, config, item):
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
        self.dropped.append(item.update)
        self.queue.remove(item)

    async def _post(
        self, session: aiohttp.ClientSession, config: WebhookConfig, item: Pending
    ) -> bool:
        headers = {SECRET_HEADER: config.secret} if config.secret else {}
        try:
            async with session.post(config.url, json=item.update, headers=headers) as reply:
                if not 200 <= reply.status < 300:
                    reason = f"{reply.status} {reply.reason or ''}".rstrip()
                    self._failed(config, f"Wrong response from the webhook: {reason}")
                    return False
                call = await _reply_call(reply)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._failed(config, f"Connection failed: {type(exc).__name__}: {exc}")
            return False
        if call is not None:
            await self._run_reply(*call)
        # Confirmed only now, so that waiting for idle also waits for the reply's method.
        self.queue.remove(item)
        return True

    def _failed(self, config: WebhookConfig, message: str) -> None:
        config.last_error_date = int(time.time())
        config.last_error_message = message

    async def _run_reply(
        self, method: str, raw: dict[str, Any], uploads: dict[str, wire.Upload]
    ) -> None:
        # Telegram cannot tell the bot whether a method in a webhook reply failed.
        with contextlib.suppress(wire.ApiError):
            await self._execute(method, raw, uploads)


async def _reply_call(
    reply: aiohttp.ClientResponse,
) -> tuple[str, dict[str, Any], dict[str, wire.Upload]] | None:
    """The method call a webhook reply carries, as JSON or as multipart form data."""
    if reply.content_type == "application/json":
        try:
            body = json.loads(await reply.read() or b"null")
        except ValueError:
            return None
        raw = body if isinstance(body, dict) else {}
        uploads: dict[str, wire.Upload] = {}
    elif reply.content_type == "multipart/form-data":
        raw, uploads = await wire.read_parts(aiohttp.MultipartReader(reply.headers, reply.content))
    else:
        return None
    method = raw.pop("method", None)
    if not isinstance(method, str) or not method:
        return None
    return method, raw, uploads
