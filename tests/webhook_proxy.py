"""A load balancer in front of several bot processes, as a deployment puts one.

Telegram posts every update to one webhook URL; this hands them to the processes in turn,
passing the secret header, the body and the answer through unchanged.
"""

from __future__ import annotations

import itertools
import socket
from collections import Counter
from types import TracebackType

import aiohttp
from aiohttp import web

from bot.webhook import SECRET_HEADER


class RoundRobinProxy:
    def __init__(self) -> None:
        self.backends: list[str] = []  # base URLs of the bot processes
        self.forwarded: Counter[str] = Counter()
        self.url = ""
        self._turns = itertools.count()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RoundRobinProxy:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, listener).start()
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self._client = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        if not self.backends:
            return web.Response(status=503)
        backend = self.backends[next(self._turns) % len(self.backends)]
        headers = {"Content-Type": request.content_type}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        assert self._client is not None
        async with self._client.post(
            backend + request.path, data=await request.read(), headers=headers
        ) as answer:
            self.forwarded[backend] += 1
            return web.Response(
                status=answer.status, body=await answer.read(), content_type=answer.content_type
            )
