"""The fake Bot API server: aiohttp routes, the update queue and the method handlers."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakebotapi import wire
from tests.fakebotapi.state import ApiCall, BotMessage, FileStore
from tests.fakebotapi.users import FakeUser
from tests.fakebotapi.wire import ApiError, bad_request

Params = dict[str, Any]
Method = Callable[[Params, dict[str, bytes]], Awaitable[Any]]
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


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
        self.bot_id = bot_id or int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.calls: list[ApiCall] = []
        self.files = FileStore()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self._users: dict[int, FakeUser] = {}
        self._updates: list[dict[str, Any]] = []  # unconfirmed, for getUpdates
        self._delivered: dict[int, dict[str, Any]] = {}
        # Redelivered ids are handed out once more even though the offset confirmed them,
        # as Telegram does after a bot crashed before its next getUpdates.
        self._forced: set[int] = set()
        self._update_ids = itertools.count(100_000)
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._open_callbacks: dict[str, FakeUser] = {}
        self._arrived = asyncio.Condition()
        self._webhook_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        # Long polls still waiting answer now instead of holding the shutdown.
        self._closing = True
        async with self._arrived:
            self._arrived.notify_all()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- the test's side -------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> FakeUser:
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

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids[chat_id])

    def open_callback(self, callback_id: str, user: FakeUser) -> None:
        self._open_callbacks[callback_id] = user

    async def push_update(self, content: dict[str, Any]) -> int:
        update = {"update_id": next(self._update_ids), **content}
        await self._deliver(update)
        return int(update["update_id"])

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram may after a timeout or a restart."""
        self._forced.add(update_id)
        await self._deliver(self._delivered[update_id])

    async def wait_idle(self, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while self._updates or not self._webhook_queue.empty():
                await asyncio.sleep(0.02)
            await self._webhook_queue.join()

    async def _deliver(self, update: dict[str, Any]) -> None:
        self._delivered[update["update_id"]] = update
        if self.webhook_url:
            self._webhook_queue.put_nowait(update)
            return
        async with self._arrived:
            self._updates.append(update)
            self._arrived.notify_all()

    # -- HTTP ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return wire.error(ApiError(401, "Unauthorized"))
        name = request.match_info["method"].lower()
        try:
            params, uploads = await wire.read_params(request)
            self.calls.append(ApiCall(request.match_info["method"], params))
            method: Method | None = getattr(self, f"_m_{name}", None)
            if method is None:
                raise ApiError(404, "Not Found")
            return wire.ok(await method(params, uploads))
        except ApiError as exc:
            return wire.error(exc)

    async def _download(self, request: web.Request) -> web.Response:
        stored = self.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.Response(status=404, text='{"ok":false,"error_code":404}')
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # -- updates ---------------------------------------------------------------------------

    async def _m_getme(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, params: Params, uploads: dict[str, bytes]) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        allowed = params.get("allowed_updates") or None
        async with self._arrived:
            self._updates = [
                u
                for u in self._updates
                if u["update_id"] >= offset or u["update_id"] in self._forced
            ]
            timeout = float(params.get("timeout") or 0)
            if not self._updates and timeout > 0:
                try:
                    async with asyncio.timeout(timeout):
                        await self._arrived.wait_for(lambda: bool(self._updates) or self._closing)
                except TimeoutError:
                    pass
            ready = self._updates[:limit]
            for update in ready:
                if update["update_id"] in self._forced:
                    self._forced.discard(update["update_id"])
                    self._updates.remove(update)
        return [u for u in ready if allowed is None or any(k in u for k in allowed)]

    async def _m_setwebhook(self, params: Params, uploads: dict[str, bytes]) -> Any:
        wire.require(params, "url")
        secret = params.get("secret_token")
        if secret is not None and not wire.SECRET_TOKEN.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url, self.webhook_secret = str(params["url"]), secret
        pending, self._updates = self._updates, []
        for update in pending:
            self._webhook_queue.put_nowait(update)
        if self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._push_webhooks())
        return True

    async def _m_deletewebhook(self, params: Params, uploads: dict[str, bytes]) -> Any:
        self.webhook_url = self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getwebhookinfo(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates) + self._webhook_queue.qsize(),
        }

    async def _push_webhooks(self) -> None:
        """One update at a time, in order, retried with backoff until the bot takes it."""
        async with aiohttp.ClientSession() as session:
            while True:
                update = await self._webhook_queue.get()
                try:
                    await self._post_with_retries(session, update)
                finally:
                    self._webhook_queue.task_done()

    async def _post_with_retries(self, session: aiohttp.ClientSession, update: Params) -> None:
        delay = 0.05
        for _ in range(8):
            if not self.webhook_url:
                return
            headers = {}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            try:
                async with session.post(self.webhook_url, json=update, headers=headers) as reply:
                    if 200 <= reply.status < 300:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    # -- sending ---------------------------------------------------------------------------

    def _chat(self, params: Params) -> FakeUser:
        wire.require(params, "chat_id")
        user = self._users.get(int(params["chat_id"]))
        if user is None:
            raise bad_request("chat not found")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def message_json(self, message: BotMessage) -> dict[str, Any]:
        user = self._users[message.chat_id]
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": user.as_chat(),
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
            },
        }
        if message.edits:
            body["edit_date"] = message.date
        if message.kind == "text":
            body["text"] = message.text
        elif message.text is not None:
            body["caption"] = message.text
        # Telegram returns entities for the markup; the visible text is what matters here.
        if message.kind == "photo":
            body["photo"] = [
                {
                    "file_id": message.file_id,
                    "file_unique_id": message.file_id,
                    "width": 640,
                    "height": 480,
                }
            ]
        if message.kind == "document":
            body["document"] = {
                "file_id": message.file_id,
                "file_unique_id": message.file_id,
                "file_name": message.filename,
            }
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            body["reply_markup"] = message.reply_markup
        return body

    async def _record(self, user: FakeUser, message: BotMessage) -> dict[str, Any]:
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            user.reply_keyboard = [
                [b["text"] if isinstance(b, dict) else str(b) for b in row]
                for row in markup["keyboard"]
            ]
        elif markup.get("remove_keyboard"):
            user.reply_keyboard = None
        user.messages.append(message)
        await user.notify()
        return self.message_json(message)

    async def _m_sendmessage(self, params: Params, uploads: dict[str, bytes]) -> Any:
        user = self._chat(params)
        visible = wire.check_text(params.get("text"), params.get("parse_mode"))
        message = BotMessage(
            self.next_message_id(user.chat_id),
            user.chat_id,
            "text",
            visible,
            params.get("parse_mode"),
            wire.check_markup(params.get("reply_markup")),
            raw_text=params["text"],
        )
        return await self._record(user, message)

    async def _send_file(self, params: Params, uploads: dict[str, bytes], kind: str) -> Any:
        user = self._chat(params)
        wire.require(params, kind)
        data, filename, file_id = self._file_param(params[kind], uploads, kind)
        caption = params.get("caption")
        visible = None if caption is None else wire.visible_text(caption, params.get("parse_mode"))
        message = BotMessage(
            self.next_message_id(user.chat_id),
            user.chat_id,
            kind,
            visible,
            params.get("parse_mode"),
            wire.check_markup(params.get("reply_markup")),
            file_bytes=data,
            filename=filename,
            file_id=file_id,
            raw_text=caption,
        )
        return await self._record(user, message)

    def _file_param(
        self, value: Any, uploads: dict[str, bytes], kind: str
    ) -> tuple[bytes, str | None, str]:
        name = str(value).removeprefix("attach://")
        if name in uploads:
            stored = self.files.add(uploads[name], kind, name)
            return uploads[name], name, stored.file_id
        existing = self.files.get(str(value))
        if existing is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return existing.data, None, existing.file_id

    async def _m_sendphoto(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return await self._send_file(params, uploads, "photo")

    async def _m_senddocument(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return await self._send_file(params, uploads, "document")

    async def _m_sendchataction(self, params: Params, uploads: dict[str, bytes]) -> Any:
        self._chat(params)
        return True

    # -- changing what was sent --------------------------------------------------------------

    def _existing(self, params: Params, what: str) -> tuple[FakeUser, BotMessage]:
        user = self._chat(params)
        wire.require(params, "message_id")
        for message in user.messages:
            if message.message_id == int(params["message_id"]) and not message.deleted:
                return user, message
        raise bad_request(f"message to {what} not found")

    async def _m_editmessagetext(self, params: Params, uploads: dict[str, bytes]) -> Any:
        user, message = self._existing(params, "edit")
        visible = wire.check_text(params.get("text"), params.get("parse_mode"))
        markup = wire.check_markup(params.get("reply_markup"))
        if params["text"] == message.raw_text and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.text, message.raw_text = visible, params["text"]
        message.reply_markup, message.edits = markup, message.edits + 1
        message.parse_mode = params.get("parse_mode")
        await user.notify()
        return self.message_json(message)

    async def _m_editmessagereplymarkup(self, params: Params, uploads: dict[str, bytes]) -> Any:
        user, message = self._existing(params, "edit")
        markup = wire.check_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup, message.edits = markup, message.edits + 1
        await user.notify()
        return self.message_json(message)

    async def _m_deletemessage(self, params: Params, uploads: dict[str, bytes]) -> Any:
        user, message = self._existing(params, "delete")
        message.deleted = True
        await user.notify()
        return True

    async def _m_answercallbackquery(self, params: Params, uploads: dict[str, bytes]) -> Any:
        wire.require(params, "callback_query_id")
        user = self._open_callbacks.pop(str(params["callback_query_id"]), None)
        if user is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        user.record_answer(str(params["callback_query_id"]), params)
        await user.notify()
        return True

    # -- files and commands ------------------------------------------------------------------

    async def _m_getfile(self, params: Params, uploads: dict[str, bytes]) -> Any:
        wire.require(params, "file_id")
        stored = self.files.get(str(params["file_id"]))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    async def _m_setmycommands(self, params: Params, uploads: dict[str, bytes]) -> Any:
        wire.require(params, "commands")
        self.commands[params.get("language_code")] = list(params["commands"])
        return True

    async def _m_getmycommands(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return self.commands.get(params.get("language_code"), [])

    async def _m_deletemycommands(self, params: Params, uploads: dict[str, bytes]) -> Any:
        self.commands.pop(params.get("language_code"), None)
        return True
