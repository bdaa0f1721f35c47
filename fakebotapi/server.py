"""The fake Bot API server: its lifecycle, its HTTP routes and what tests ask of it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from fakebotapi import render, wire
from fakebotapi.methods import METHODS
from fakebotapi.state import ApiCall, BotMessage, FileStore
from fakebotapi.updates import UpdateQueue
from fakebotapi.users import FakeUser
from fakebotapi.webhook import WebhookPusher

Handler = Callable[["FakeBotAPI", wire.Call], Awaitable[Any]]
MAX_REQUEST_BYTES = 60 * 1024 * 1024


class FakeBotAPI:
    def __init__(
        self,
        *,
        token: str = "123456:TEST-token",
        bot_id: int | None = None,
        bot_username: str = "moralbank_test_bot",
        bot_first_name: str = "Moral Bank",
    ) -> None:
        self.token = token
        # Telegram's tokens start with the bot's id, which aiogram also reads from there.
        self.bot_id = int(token.split(":", 1)[0]) if bot_id is None else bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.webhook = WebhookPusher(self.updates, self.execute)
        # (scope as JSON, language code) -> the commands set for them.
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.open_callbacks: dict[str, FakeUser] = {}
        self._users: dict[int, FakeUser] = {}
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None

    @property
    def webhook_url(self) -> str | None:
        return None if self.webhook.config is None else self.webhook.config.url

    @property
    def webhook_secret(self) -> str | None:
        return None if self.webhook.config is None else self.webhook.config.secret

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1; `base_url` is then the Bot API address."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # handler_cancellation: a poll whose client went away ends, as on Telegram.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, listener).start()
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self._pusher = asyncio.create_task(self.webhook.run())

    async def stop(self) -> None:
        # Long polls still waiting answer now instead of holding up the shutdown.
        self.updates.closing = True
        self.updates.changed.notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- what tests use --------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> FakeUser:
        """The user with this id (the same object each time; later arguments are ignored)."""
        if user_id not in self._users:
            self._users[user_id] = FakeUser(
                self,
                user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        return self._users[user_id]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when it was not confirmed."""
        self.updates.redeliver(update_id)

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Until every queued update was fetched by getUpdates or taken by the webhook."""

        def idle() -> bool:
            return self.updates.idle(webhook=self.webhook.config is not None)

        if not await self.updates.changed.wait_for(idle, timeout):
            raise AssertionError(
                f"updates still waiting after {timeout}s: {self.updates.describe()}"
            )

    # -- what users and method handlers use -----------------------------------------------

    def push_update(self, content: dict[str, Any]) -> int:
        return self.updates.push(content)

    def push_member_change(self, user: FakeUser, *, old: str, new: str) -> None:
        """Blocking or unblocking the bot reaches it as a my_chat_member update."""
        if not user.has_chat:
            return

        def member(status: str) -> dict[str, Any]:
            state: dict[str, Any] = {"user": self.bot_user(), "status": status}
            if status == "kicked":
                state["until_date"] = 0
            return state

        change = {
            "chat": user.as_chat(),
            "from": user.as_user(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self.push_update({"my_chat_member": change})

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the user's and the bot's messages."""
        return next(self._message_ids[chat_id])

    def open_callback(self, callback_id: str, user: FakeUser) -> None:
        self.open_callbacks[callback_id] = user

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def chat_for(self, params: dict[str, Any]) -> FakeUser:
        """The private chat a method writes to: it must exist and not have blocked the bot."""
        chat_id = wire.require(params, "chat_id")
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None or not user.has_chat:
            raise wire.bad_request("chat not found")
        if user.blocked:
            raise wire.ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def message_json(self, message: BotMessage) -> dict[str, Any]:
        chat = self._users[message.chat_id].as_chat()
        return render.bot_message_json(message, chat=chat, sender=self.bot_user())

    def deliver(self, user: FakeUser, message: BotMessage) -> dict[str, Any]:
        user.receive(message)
        return self.message_json(message)

    # -- HTTP ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            raw, uploads = await wire.read_request(request)
        except wire.ApiError as exc:
            self.calls.append(ApiCall(method, {}))
            return wire.error(exc)
        if request.match_info["token"] != self.token:
            self.calls.append(ApiCall(method, raw))
            return wire.error(wire.ApiError(401, "Unauthorized"))
        try:
            return wire.ok(await self.execute(method, raw, uploads))
        except wire.ApiError as exc:
            return wire.error(exc)

    async def execute(
        self, method: str, raw: dict[str, Any], uploads: dict[str, wire.Upload]
    ) -> Any:
        """Run one method call (from HTTP or a webhook reply), recording it in `calls`."""
        try:
            params = wire.coerce(raw)
        except wire.ApiError:
            self.calls.append(ApiCall(method, raw))
            raise
        self.calls.append(ApiCall(method, params))
        handler: Handler | None = METHODS.get(method.lower())
        if handler is None:
            raise wire.ApiError(404, "Not Found")
        return await handler(self, wire.Call(params, uploads))

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return wire.error(wire.ApiError(401, "Unauthorized"))
        stored = self.files.by_path(request.match_info["path"])
        if stored is None:
            return wire.error(wire.ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type="application/octet-stream")
