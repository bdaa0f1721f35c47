"""`moralbank bench bot`: "My points" updates per second through the real dispatcher.

The product runs as in production: a `moralbank run` process (panel, bot by webhook and
worker, with the demo community and a thousand more residents) answers "/points" from
residents chosen at random, each update POSTed to its webhook by concurrent clients, each
reply sent to a fake Bot API (in a process of its own) over HTTP. The reference, in the
same run: a bare aiogram echo bot behind the same webhook endpoint and the same kind of
server, driven the same way. The ratio says what the product's work costs against
aiogram's own floor on this machine. After the product's phase its resident memory is
read from /proc.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import random
import secrets
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import update

from bot.webhook import SECRET_HEADER, webhook_secret
from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from moralbank.bench_fake_api import serve_fake_api
from moralbank.bench_report import percentile_ms
from moralbank.demo import load_demo
from rewards.messaging.models import OutboxMessage
from rewards.org.service import find_unit
from rewards.people.models import Resident
from rewards.people.residents import TELEGRAM, enrol
from rewards.people.service import greet
from rewards.points.awards import apply_rule
from rewards.staff.service import staff_by_username

RESIDENTS = 1000
FIRST_ID = 7_100_000_000  # Telegram ids of the benchmark's residents
WEBHOOK_PATH = "/telegram/webhook"
MORALBANK = str(Path(sys.executable).with_name("moralbank"))


@dataclass(frozen=True)
class BotBench:
    database: str
    residents: int
    clients: int
    seconds: float
    updates: int
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    reference: str
    reference_updates_per_s: float
    ratio: float
    run_rss_mb: float
    replies: int  # messages the fake Telegram received from the product (warm-up too)


async def run_bench(
    url: str, *, clients: int, seconds: float, residents: int = RESIDENTS
) -> BotBench:
    """Measure against the migrated database at `url` (its demo community is loaded)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    ids = await _seed(url, residents)
    context = get_context("spawn")
    answers, asks = context.Queue(), context.Queue()
    fake = context.Process(target=serve_fake_api, args=(answers, asks, ids), daemon=True)
    fake.start()
    try:
        api_url, token = answers.get(timeout=60)
        key = secrets.token_urlsafe(32)  # this run's only: the servers live for minutes
        env = _env(url, api_url, token, key)
        secret = webhook_secret(key, token)
        async with _server(_run_command(), env, "Telegram bot:") as (port, pid):
            ours = await _drive(port, secret, ids, clients=clients, seconds=seconds)
            rss = _rss_mb(pid)
        asks.put("count")
        sent, wallets = answers.get(timeout=30)
        async with _server(_echo_command(), env, "echo bot: ready") as (port, _):
            reference = await _drive(port, secret, ids, clients=clients, seconds=seconds)
        asks.put("stop")
    finally:
        fake.join(10)
        if fake.is_alive():
            fake.terminate()
    if wallets < ours.answered:
        raise RuntimeError(f"{ours.answered} updates answered 200, only {wallets} wallets sent")
    return BotBench(
        database="postgresql" if url.startswith("postgresql") else "sqlite",
        residents=len(ids),
        clients=clients,
        seconds=seconds,
        updates=len(ours.latencies),
        updates_per_s=round(ours.rate, 1),
        p50_ms=round(percentile_ms(ours.latencies, 50), 2),
        p99_ms=round(percentile_ms(ours.latencies, 99), 2),
        reference="aiogram echo handler, same webhook endpoint and server",
        reference_updates_per_s=round(reference.rate, 1),
        ratio=round(ours.rate / reference.rate, 3) if reference.rate else 0.0,
        run_rss_mb=rss,
        replies=sent,
    )


async def _seed(url: str, residents: int) -> list[int]:
    """The demo community, plus `residents` verified residents who each talked to the bot
    and earned points once; returns their Telegram ids. Loaded once per database."""
    database = Database.from_url(url)
    uow = UnitOfWork(database, SystemClock())
    try:
        with tempfile.TemporaryDirectory() as folder:
            await load_demo(
                uow, Path(folder) / "logins.txt", ZoneInfo("Asia/Shanghai"), approval_above=50
            )
        staff = await staff_by_username(uow, "shequ")
        assert staff is not None
        grids = [await find_unit(uow, f"demo-grid-{n}") for n in (1, 2, 3)]
        ids = [FIRST_ID + n for n in range(residents)]
        for n, telegram_id in enumerate(ids):
            person = await greet(
                uow,
                channel=TELEGRAM,
                external_id=telegram_id,
                display_name=f"居民{n}",
                language_hint="zh-hans",
            )
            await _verified(uow, person.id, grids[n % 3].id, staff.id)
            await apply_rule(
                uow,
                staff=staff,
                person_id=person.id,
                rule_code="help-neighbour",
                request_key=f"bench-bot:{telegram_id}",
                zone=ZoneInfo("Asia/Shanghai"),
            )
        await _notices_already_read(uow, ids)
        return ids
    finally:
        await database.dispose()


async def _notices_already_read(uow: UnitOfWork, ids: list[int]) -> None:
    """The seed's award notices went out long ago in the benchmark's story; left pending,
    the worker would send a thousand of them during the measured phase."""
    async with uow.write() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id.in_(ids), OutboxMessage.status == "pending")
            .values(status="sent", sent_at=uow.now())
        )


async def _verified(uow: UnitOfWork, person_id: int, unit_id: int, staff_id: int) -> None:
    async with uow.write() as session:
        if await session.get(Resident, person_id) is None:
            await enrol(
                session,
                person_id=person_id,
                unit_id=unit_id,
                household_id=None,
                now=uow.now(),
                verified_by_staff_id=staff_id,
            )


def _env(url: str, api_url: str, token: str, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MORALBANK_")}
    env.update(
        MORALBANK_DATABASE_URL=url,
        MORALBANK_SECRET_KEY=key,
        MORALBANK_BOT_TOKEN=token,
        MORALBANK_TELEGRAM_API_URL=api_url,
        MORALBANK_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run_command() -> list[str]:
    return [MORALBANK, "run"]


def _echo_command() -> list[str]:
    return [sys.executable, "-m", "moralbank.bench_echo_bot"]


@asynccontextmanager
async def _server(
    command: list[str], env: dict[str, str], ready_line: str
) -> AsyncIterator[tuple[int, int]]:
    """Start a webhook server on a free port; yields (port, pid) once it says it is up."""
    port = _free_port()
    env = {
        **env,
        "MORALBANK_WEB_PORT": str(port),
        "MORALBANK_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
    }
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert process.stdout is not None
    drain: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(60):
            seen: list[str] = []
            while not any(line.startswith(ready_line) for line in seen):
                line = await process.stdout.readline()
                if not line:
                    raise RuntimeError("the server stopped:\n" + "\n".join(seen))
                seen.append(line.decode("utf-8", "replace").strip())
        drain = asyncio.create_task(_drain(process.stdout))
        yield port, process.pid
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
        if drain is not None:
            drain.cancel()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


@dataclass(frozen=True)
class _Phase:
    rate: float
    latencies: list[float]
    answered: int  # warm-up included


async def _drive(
    port: int, secret: str, ids: list[int], *, clients: int, seconds: float
) -> _Phase:
    """`clients` concurrent senders of "/points" updates for `seconds`, after a short
    warm-up that is not counted."""
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    headers = {SECRET_HEADER: secret}
    # Update ids never seen before, even in an earlier run on the same database: the
    # product drops an update it has processed already.
    numbers = itertools.count(time.time_ns() // 1000)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        warm_up: list[float] = []
        await _send_for(client, url, headers, ids, numbers, clients, 2.0, warm_up)
        latencies: list[float] = []
        started = time.perf_counter()
        await _send_for(client, url, headers, ids, numbers, clients, seconds, latencies)
        elapsed = time.perf_counter() - started
    return _Phase(len(latencies) / elapsed, latencies, len(warm_up) + len(latencies))


async def _send_for(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    ids: list[int],
    numbers: Any,
    clients: int,
    seconds: float,
    latencies: list[float],
) -> None:
    until = time.perf_counter() + seconds

    async def one_client(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < until:
            body = json.dumps(_update(next(numbers), rng.choice(ids)))
            started = time.perf_counter()
            answer = await client.post(url, content=body, headers=headers)
            answer.raise_for_status()
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one_client(seed) for seed in range(clients)))


def _update(update_id: int, user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "居民"},
            "from": user,
            "text": "/points",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
