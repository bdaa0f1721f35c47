"""The fake Bot API in a process of its own, for `moralbank bench bot`: the replies the
bots under test send cost the fake's CPU, not the measured process's event loop."""

from __future__ import annotations

import asyncio
from multiprocessing.queues import Queue
from typing import Any

from fakebotapi import FakeBotAPI


def serve_fake_api(ready: Queue[Any], user_ids: list[int]) -> None:
    """Entry point of the process: serve until terminated; (base URL, token) go to
    `ready` once it listens."""
    asyncio.run(_serve(ready, user_ids))


async def _serve(ready: Queue[Any], user_ids: list[int]) -> None:
    async with FakeBotAPI() as api:
        for user_id in user_ids:
            api.user(user_id).has_chat = True  # each resident wrote to the bot before
        ready.put((api.base_url, api.token))
        await asyncio.Event().wait()
