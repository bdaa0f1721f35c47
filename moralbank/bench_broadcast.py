"""`moralbank bench broadcast`: one broadcast to thousands of chats, at Telegram's limit.

The fake Bot API (fakebotapi) plays Telegram in this process and enforces its flood limits:
a message over 30 a second for the bot, or over one a second for a chat, is refused with
429, as Telegram does. The product runs as it does in production: `moralbank worker`
processes claim the outbox and send. Midway one worker is killed (SIGKILL: no chance to
tidy up) and started again, and the broadcast must still arrive once in every chat.

The reference is Telegram's own limit: the ratio is the sustained rate (first to last
delivery) over 30 a second.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from fakebotapi.limits import FloodLimits
from rewards.messaging.broadcasts import broadcast_progress, start_broadcast

TELEGRAM_LIMIT = 30.0
# Chat ids far from real users' and from one run to the next (each run its own block).
FIRST_CHAT = 9_000_000_000
MORALBANK = str(Path(sys.executable).with_name("moralbank"))


@dataclass(frozen=True)
class BroadcastBenchResult:
    database: str
    messages: int
    workers: int
    killed_worker: bool
    rate_per_s: float
    limit_per_s: float
    ratio: float
    http_429: int
    duplicates: int
    lost: int
    seconds: float


async def run_bench(
    database_url: str, *, messages: int, workers: int, kill: bool, give_up_after: float
) -> BroadcastBenchResult:
    async with FakeBotAPI(limits=FloodLimits()) as api:
        chats = [FIRST_CHAT + int(time.time()) % 100_000 * 100_000 + n for n in range(messages)]
        for chat in chats:
            api.user(chat).has_chat = True  # each user opened the bot once, long ago
        broadcast_id = await _queue(database_url, chats)
        env = _worker_env(database_url, api)
        fleet = [await _start_worker(env) for _ in range(workers)]
        try:
            async with asyncio.timeout(give_up_after):
                if kill:
                    await _until_half_delivered(api, chats)
                    fleet[0].kill()  # SIGKILL: mid-send, no cleanup
                    await fleet[0].wait()
                    fleet[0] = await _start_worker(env)
                await _until_finished(database_url, broadcast_id)
        finally:
            await _stop(fleet)
        return _result(database_url, api, chats, workers=workers, kill=kill)


async def _queue(database_url: str, chats: list[int]) -> int:
    database = Database.from_url(database_url)
    try:
        return await start_broadcast(
            UnitOfWork(database, SystemClock()),
            text="社区通知：本周六上午九点在活动室开展志愿服务，欢迎参加。",
            chat_ids=chats,
            urgent=True,  # the benchmark must not wait for the morning
            created_by="bench",
        )
    finally:
        await database.dispose()


def _worker_env(database_url: str, api: FakeBotAPI) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MORALBANK_")}
    env.update(
        MORALBANK_DATABASE_URL=database_url,
        MORALBANK_BOT_TOKEN=api.token,
        MORALBANK_TELEGRAM_API_URL=api.base_url,
        MORALBANK_LOG_LEVEL="WARNING",
    )
    pace = os.environ.get("MORALBANK_SEND_RATE_PER_SECOND")
    if pace:  # the workers send at the pace this run was given
        env["MORALBANK_SEND_RATE_PER_SECOND"] = pace
    return env


async def _start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        MORALBANK,
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _stop(fleet: list[asyncio.subprocess.Process]) -> None:
    for process in fleet:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in fleet:
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            process.kill()
            await process.wait()


def _delivered(api: FakeBotAPI, chats: list[int]) -> list[tuple[int, float]]:
    wanted = set(chats)
    return [(chat, at) for chat, at in api.deliveries() if chat in wanted]


async def _until_half_delivered(api: FakeBotAPI, chats: list[int]) -> None:
    while len(_delivered(api, chats)) < len(chats) // 2:
        await asyncio.sleep(0.05)


async def _until_finished(database_url: str, broadcast_id: int) -> None:
    database = Database.from_url(database_url)
    uow = UnitOfWork(database, SystemClock())
    try:
        while not (await broadcast_progress(uow, broadcast_id)).finished:
            await asyncio.sleep(0.5)
    finally:
        await database.dispose()


def _result(
    database_url: str, api: FakeBotAPI, chats: list[int], *, workers: int, kill: bool
) -> BroadcastBenchResult:
    delivered = _delivered(api, chats)
    per_chat = Counter(chat for chat, _ in delivered)
    times = [at for _, at in delivered]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    return BroadcastBenchResult(
        database="postgresql" if database_url.startswith("postgresql") else "sqlite",
        messages=len(chats),
        workers=workers,
        killed_worker=kill,
        rate_per_s=round(rate, 2),
        limit_per_s=TELEGRAM_LIMIT,
        ratio=round(rate / TELEGRAM_LIMIT, 3),
        http_429=api.http_429,
        duplicates=sum(count - 1 for count in per_chat.values()),
        lost=sum(1 for chat in chats if per_chat[chat] == 0),
        seconds=round(span, 1),
    )


def as_table(result: BroadcastBenchResult) -> str:
    rows = [
        ("database", result.database),
        ("messages", str(result.messages)),
        (
            "worker processes",
            f"{result.workers}{', one killed midway' if result.killed_worker else ''}",
        ),
        ("sustained rate", f"{result.rate_per_s:.2f}/s over {result.seconds:.1f} s"),
        ("Telegram's limit", f"{result.limit_per_s:.0f}/s"),
        ("ratio", f"{result.ratio:.3f}"),
        ("HTTP 429 answers", str(result.http_429)),
        ("duplicates", str(result.duplicates)),
        ("lost", str(result.lost)),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
