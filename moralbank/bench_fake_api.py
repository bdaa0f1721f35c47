"""The fake Bot API in a process of its own, for `moralbank bench bot`: the replies the
bots under test send cost the fake's CPU, not the measured process's event loop."""

from __future__ import annotations

import asyncio
from multiprocessing.queues import Queue
from typing import Any

from fakebotapi import FakeBotAPI

WALLET_TITLE = "我的积分"


def serve_fake_api(answers: Queue[Any], asks: Queue[Any], user_ids: list[int]) -> None:
    """Entry point of the process. Puts (base URL, token) in `answers` once it listens;
    then answers each "count" from `asks` with (messages sent, how many of them show a
    wallet), until "stop"."""
    asyncio.run(_serve(answers, asks, user_ids))


async def _serve(answers: Queue[Any], asks: Queue[Any], user_ids: list[int]) -> None:
    async with FakeBotAPI() as api:
        for user_id in user_ids:
            api.user(user_id).has_chat = True  # each resident wrote to the bot before
        answers.put((api.base_url, api.token))
        while (await asyncio.to_thread(asks.get)) != "stop":
            sent = [call for call in api.calls_of("sendMessage") if call.ok]
            wallets = sum(WALLET_TITLE in str(call.params.get("text", "")) for call in sent)
            answers.put((len(sent), wallets))
