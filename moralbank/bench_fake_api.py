"""The fake Bot API in a process of its own, for `moralbank bench bot`: the replies the
bots under test send cost the fake's CPU, not the measured process's event loop."""

from __future__ import annotations

import asyncio
from multiprocessing.queues import Queue
from typing import Any

from fakebotapi import FakeBotAPI
from fakebotapi.state import BotMessage
from fakebotapi.users import FakeUser

WALLET_TITLE = "我的积分"
CALLBACK_PREFIX = "bench:"  # callback query ids the benchmark makes: bench:<user id>:<n>


class _PressedByBench(dict[str, FakeUser]):
    """Open callback queries: the fake's own (a user pressed), and the benchmark's, which
    press a statement's page button without the fake knowing: each is open once."""

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__()
        self._api = api
        self._answered: set[str] = set()

    def pop(self, key: str, default: Any = None) -> Any:
        if key in self:
            return super().pop(key)
        if not key.startswith(CALLBACK_PREFIX) or key in self._answered:
            return default
        self._answered.add(key)
        return self._api.user(int(key.split(":")[1]))


def serve_fake_api(
    answers: Queue[Any], asks: Queue[Any], user_ids: list[int], other_chats: list[int]
) -> None:
    """Entry point of the process. Puts (base URL, token, {user id: id of a statement
    message}) in `answers` once it listens; then answers each "count" from `asks` with the
    calls the bots made (see _count), until "stop". `other_chats` are the database's other
    Telegram chats (the demo's people), whom the worker's jobs may write to meanwhile."""
    asyncio.run(_serve(answers, asks, user_ids, other_chats))


async def _serve(
    answers: Queue[Any], asks: Queue[Any], user_ids: list[int], other_chats: list[int]
) -> None:
    async with FakeBotAPI() as api:
        api.open_callbacks = _PressedByBench(api)
        for chat_id in other_chats:
            api.user(chat_id).has_chat = True
        statements = {}
        for user_id in user_ids:
            user = api.user(user_id)
            user.has_chat = True  # each resident wrote to the bot before
            statements[user_id] = _statement_message(api, user)
        answers.put((api.base_url, api.token, statements))
        while (await asyncio.to_thread(asks.get)) != "stop":
            answers.put(_count(api))


def _statement_message(api: FakeBotAPI, user: FakeUser) -> int:
    """The statement message with page buttons a resident got earlier, whose buttons the
    benchmark presses."""
    message = BotMessage(
        message_id=api.next_message_id(user.chat_id),
        chat_id=user.chat_id,
        kind="text",
        text="…",
        parse_mode=None,
        reply_markup=None,
    )
    user.receive(message)
    return message.message_id


def _count(api: FakeBotAPI) -> dict[str, int]:
    """Calls answered without error, by what they were; and calls refused (any method)."""
    sent = [call for call in api.calls_of("sendMessage") if call.ok]
    return {
        "sent": len(sent),
        "wallets": sum(WALLET_TITLE in str(call.params.get("text", "")) for call in sent),
        "edits": sum(call.ok is True for call in api.calls_of("editMessageText")),
        "callback_answers": sum(call.ok is True for call in api.calls_of("answerCallbackQuery")),
        "refused": sum(call.ok is False for call in api.calls),
    }
