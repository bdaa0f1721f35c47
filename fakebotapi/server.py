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
from fakebotapi.limits import LIMITED_METHODS, FloodControl, FloodLimits
from fakebotapi.methods import METHODS
from fakebotapi.state import ApiCall, BotMessage, FileStore
from fakebotapi.updates import UpdateQueue
from fakebotapi.users import FakeChat, FakeGroup, FakeUser, GroupKind
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
        limits: FloodLimits | None = None,
    ) -> None:
        """`limits`: refuse sends over Telegram's flood limits with 429 (None: never)."""
        self.token = token
        # Telegram's tokens start with the bot's id, which aiogram also reads from there.
        self.bot_id = int(token.split(":", 1)[0]) if bot_id is None else bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.http_429 = 0  # sends refused for flooding
        self._flood = None if limits is None else FloodControl(limits)
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.webhook = WebhookPusher(self.updates, self.execute)
        # (scope as JSON, language code) -> the commands set for them.
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.open_callbacks: dict[str, FakeUser] = {}
        # Refusals a test asks for: method (lower case) -> the error it answers with.
        self.refusals: dict[str, wire.ApiError] = {}
        self.revoked = False  # the token no longer works: every call answers 401
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None

    @property
    def limits(self) -> FloodLimits | None:
        return None if self._flood is None else self._flood.limits

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

    def group(
        self, chat_id: int, *, title: str = "Test group", kind: GroupKind = "group"
    ) -> FakeGroup:
        """A group, supergroup or channel the bot may post to, with an id as Telegram's (-42
        for a group, -1001234567890 for the others); the same object each time."""
        if chat_id not in self._groups:
            self._groups[chat_id] = FakeGroup(chat_id, title=title, kind=kind)
        return self._groups[chat_id]

    def refuse(self, method: str, code: int, description: str) -> None:
        """Answer every later call of `method` with this error, as Telegram may."""
        self.refusals[method.lower()] = wire.ApiError(code, description)

    def revoke_token(self) -> None:
        """The owner revoked the token in @BotFather: from now on every call gets 401."""
        self.revoked = True

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def deliveries(self) -> list[tuple[int, float]]:
        """(chat id, `ApiCall.at`) of every message the bot sent that arrived, in order."""
        return [
            (call.params["chat_id"], call.at)
            for call in self.calls
            if call.ok and call.method.lower() in LIMITED_METHODS
        ]

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

    def destination(self, params: dict[str, Any]) -> FakeChat:
        """The chat a message is sent to: a group the test made, or else a private chat.
        Edits and deletions use `chat_for`, so they stay in private chats."""
        chat_id = params.get("chat_id")
        group = self._groups.get(chat_id) if isinstance(chat_id, int) else None
        return group if group is not None else self.chat_for(params)

    def message_json(self, message: BotMessage) -> dict[str, Any]:
        chat = (self._groups.get(message.chat_id) or self._users[message.chat_id]).as_chat()
        return render.bot_message_json(message, chat=chat, sender=self.bot_user())

    def deliver(self, chat: FakeChat, message: BotMessage) -> dict[str, Any]:
        chat.receive(message)
        return self.message_json(message)

    # -- HTTP ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            raw, uploads = await wire.read_request(request)
        except wire.ApiError as exc:
            return self._refuse(ApiCall(method, {}), exc)
        if request.match_info["token"] != self.token or self.revoked:
            return self._refuse(ApiCall(method, raw), wire.ApiError(401, "Unauthorized"))
        try:
            return wire.ok(await self.execute(method, raw, uploads))
        except wire.ApiError as exc:
            return wire.error(exc)

    async def execute(
        self, method: str, raw: dict[str, Any], uploads: dict[str, wire.Upload]
    ) -> Any:
        """Run one method call (from HTTP or a webhook reply), recording it in `calls`."""
        call = ApiCall(method, raw)
        self.calls.append(call)
        try:
            result = await self._run(call, uploads)
        except wire.ApiError as exc:
            call.ok, call.error_code = False, exc.code
            raise
        call.ok = True
        return result

    async def _run(self, call: ApiCall, uploads: dict[str, wire.Upload]) -> Any:
        call.params = wire.coerce(call.params)  # on 400 the call keeps the raw parameters
        handler: Handler | None = METHODS.get(call.method.lower())
        if handler is None:
            raise wire.ApiError(404, "Not Found")
        if refusal := self.refusals.get(call.method.lower()):
            raise refusal
        if call.method.lower() in LIMITED_METHODS:
            self._admit(call)
        return await handler(self, wire.Call(call.params, uploads))

    def _admit(self, call: ApiCall) -> None:
        """Count a send against the flood limits, when there are any, before it runs."""
        chat_id = call.params.get("chat_id")
        # Without a numeric chat_id the method refuses the call itself ("chat not found").
        if self._flood is None or not isinstance(chat_id, int):
            return
        try:
            self._flood.admit(chat_id, call.at)
        except wire.ApiError:
            self.http_429 += 1
            raise

    def _refuse(self, call: ApiCall, exc: wire.ApiError) -> web.Response:
        """Answer a request that never reached a method, keeping it in `calls` too."""
        call.ok, call.error_code = False, exc.code
        self.calls.append(call)
        return wire.error(exc)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return wire.error(wire.ApiError(401, "Unauthorized"))
        stored = self.files.by_path(request.match_info["path"])
        if stored is None:
            return wire.error(wire.ApiError(404, "Not Found"))
        self.files.downloads.append(stored.path)
        return web.Response(body=stored.data, content_type="application/octet-stream")
