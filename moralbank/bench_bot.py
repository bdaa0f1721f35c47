"""`moralbank bench bot`: residents' updates per second through the real dispatcher.

The product runs as in production: a `moralbank run` process (panel, bot by webhook and
worker, with the demo community and a thousand more residents whose wallets hold a quarter
of history: see moralbank.bench_bot_seed) answers what residents chosen at random send:
"/points" (half of the updates), "/rules" (a fifth) and presses of a statement's page
buttons (the rest: callback queries, answered by editing the statement). Each update is
POSTed to its webhook by concurrent clients, each reply sent to a fake Bot API (in a
process of its own) over HTTP. The reference, in the same run: a bare aiogram echo bot
behind the same webhook endpoint and the same kind of server, driven by the same mix (it
echoes messages, and edits the pressed message and answers the query as the product
does). The ratio says what the product's work costs against aiogram's own floor on this
machine. After the product's phase its resident memory is read from /proc.
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
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx

from bot.webhook import SECRET_HEADER, webhook_secret
from moralbank.bench_bot_seed import known_chats, seed
from moralbank.bench_fake_api import CALLBACK_PREFIX, serve_fake_api
from moralbank.bench_report import percentile_ms

RESIDENTS = 1000
# What residents send, and how often: "My points", "Rules", a statement page turn.
MIX = (("points", 5), ("rules", 2), ("page", 3))
PAGE = 10  # statement lines a page (rewards.points.wallet)
WEBHOOK_PATH = "/telegram/webhook"
# The product keeps its replies to a sending pace shared with the outbox: Telegram's 28 a
# second would measure the pace, not the bot. The reference keeps none, and the fake
# Telegram has no flood limit: the product runs at the highest pace its settings allow,
# and still takes a slot of the shared schedule for every reply.
SEND_RATE = 1000
MORALBANK = str(Path(sys.executable).with_name("moralbank"))


@dataclass(frozen=True)
class BotBench:
    database: str
    residents: int
    clients: int
    seconds: float
    statement_lines: float  # per resident, on average
    mix: str
    updates: int
    points_updates: int
    rules_updates: int
    page_turns: int
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    points_p99_ms: float
    rules_p99_ms: float
    page_p99_ms: float
    reference: str
    reference_updates_per_s: float
    ratio: float
    run_rss_mb: float
    send_rate_per_s: int  # the product's sending pace in this run
    replies: int  # messages the fake Telegram received from the product (warm-up too)


async def run_bench(
    url: str, *, clients: int, seconds: float, residents: int = RESIDENTS
) -> BotBench:
    """Measure against the migrated database at `url` (its demo community is loaded)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    lines = await seed(url, residents)
    ids = list(lines)
    others = [chat for chat in await known_chats(url) if chat not in lines]
    context = get_context("spawn")
    answers, asks = context.Queue(), context.Queue()
    fake = context.Process(target=serve_fake_api, args=(answers, asks, ids, others), daemon=True)
    fake.start()
    try:
        api_url, token, statements = answers.get(timeout=60)
        senders = _Residents(lines, statements)
        key = secrets.token_urlsafe(32)  # this run's only: the servers live for minutes
        env = _env(url, api_url, token, key)
        secret = webhook_secret(key, token)
        async with _server(_run_command(), env, "Telegram bot:") as (port, pid):
            ours = await _drive(port, secret, senders, clients=clients, seconds=seconds)
            rss = _rss_mb(pid)
        asks.put("count")
        calls = answers.get(timeout=30)
        async with _server(_echo_command(), env, "echo bot: ready") as (port, _):
            reference = await _drive(port, secret, senders, clients=clients, seconds=seconds)
        asks.put("stop")
    finally:
        fake.join(10)
        if fake.is_alive():
            fake.terminate()
    _check_answers(ours, calls)
    return BotBench(
        database="postgresql" if url.startswith("postgresql") else "sqlite",
        residents=len(ids),
        clients=clients,
        seconds=seconds,
        statement_lines=round(sum(lines.values()) / len(lines), 1),
        mix=", ".join(f"{kind} {weight}" for kind, weight in MIX),
        updates=len(ours.latencies),
        points_updates=len(ours.by_kind["points"]),
        rules_updates=len(ours.by_kind["rules"]),
        page_turns=len(ours.by_kind["page"]),
        updates_per_s=round(ours.rate, 1),
        p50_ms=round(percentile_ms(ours.latencies, 50), 2),
        p99_ms=round(percentile_ms(ours.latencies, 99), 2),
        points_p99_ms=round(percentile_ms(ours.by_kind["points"], 99), 2),
        rules_p99_ms=round(percentile_ms(ours.by_kind["rules"], 99), 2),
        page_p99_ms=round(percentile_ms(ours.by_kind["page"], 99), 2),
        reference="aiogram echo handler, same webhook endpoint, server and mix",
        reference_updates_per_s=round(reference.rate, 1),
        ratio=round(ours.rate / reference.rate, 3) if reference.rate else 0.0,
        run_rss_mb=rss,
        send_rate_per_s=SEND_RATE,
        replies=calls["sent"] + calls["edits"],
    )


def _check_answers(ours: _Phase, calls: dict[str, int]) -> None:
    """Every update the product answered 200 got its reply at the fake Telegram: a
    wallet for "My points", an edited statement and an answered query for a page turn."""
    if calls["refused"]:
        raise RuntimeError(f"the fake Bot API refused {calls['refused']} calls")
    if calls["wallets"] < ours.answered["points"]:
        raise RuntimeError(
            f"{ours.answered['points']} /points answered 200, {calls['wallets']} wallets sent"
        )
    if min(calls["edits"], calls["callback_answers"]) < ours.answered["page"]:
        raise RuntimeError(f"{ours.answered['page']} page turns answered 200, got {calls}")


def _env(url: str, api_url: str, token: str, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MORALBANK_")}
    env.update(
        MORALBANK_DATABASE_URL=url,
        MORALBANK_SECRET_KEY=key,
        MORALBANK_BOT_TOKEN=token,
        MORALBANK_TELEGRAM_API_URL=api_url,
        MORALBANK_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        MORALBANK_SEND_RATE_PER_SECOND=str(SEND_RATE),
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
        async with asyncio.timeout(180):  # a busy machine starts a server slowly
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


class _Residents:
    """Who sends what: each resident's statement message (in the fake Telegram) and how
    many pages it has; the page each one shows now, so that a press always changes it
    (Telegram refuses an edit that changes nothing)."""

    def __init__(self, lines: dict[int, int], statements: dict[int, int]) -> None:
        self.ids = list(lines)
        self.pages = {user: max(1, -(-count // PAGE)) for user, count in lines.items()}
        self.statements = statements
        self.showing: dict[int, int] = {}

    def next_page(self, user_id: int, rng: random.Random) -> int | None:
        pages = [p for p in range(self.pages[user_id]) if p != self.showing.get(user_id)]
        if not pages:
            return None
        self.showing[user_id] = page = rng.choice(pages)
        return page


@dataclass(frozen=True)
class _Phase:
    rate: float
    latencies: list[float]
    by_kind: dict[str, list[float]]
    answered: dict[str, int]  # by kind, warm-up included


async def _drive(
    port: int, secret: str, residents: _Residents, *, clients: int, seconds: float
) -> _Phase:
    """`clients` concurrent senders of the mix for `seconds`, after a short warm-up that
    is not counted. Each client speaks for its own share of the residents, so that no two
    turn one statement's pages at once."""
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    headers = {SECRET_HEADER: secret}
    # Update ids never seen before, even in an earlier run on the same database: the
    # product drops an update it has processed already.
    numbers = itertools.count(time.time_ns() // 1000)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    sender = _Sender(url, headers, residents, numbers)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        warm_up = await sender.run(client, clients, 2.0)
        started = time.perf_counter()
        measured = await sender.run(client, clients, seconds)
        elapsed = time.perf_counter() - started
    latencies = [latency for kind in measured.values() for latency in kind]
    answered = {kind: len(warm_up[kind]) + len(measured[kind]) for kind, _ in MIX}
    return _Phase(len(latencies) / elapsed, latencies, measured, answered)


@dataclass(frozen=True)
class _Sender:
    url: str
    headers: dict[str, str]
    residents: _Residents
    numbers: Iterator[int]

    async def run(
        self, client: httpx.AsyncClient, clients: int, seconds: float
    ) -> dict[str, list[float]]:
        """Latencies by kind of update."""
        until = time.perf_counter() + seconds
        latencies: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
        kinds = [kind for kind, weight in MIX for _ in range(weight)]

        async def one_client(seed: int) -> None:
            rng = random.Random(seed)
            mine = self.residents.ids[seed::clients] or self.residents.ids
            while time.perf_counter() < until:
                kind, body = self._update(rng.choice(kinds), rng.choice(mine), rng)
                started = time.perf_counter()
                answer = await client.post(self.url, content=body, headers=self.headers)
                answer.raise_for_status()
                latencies[kind].append(time.perf_counter() - started)

        await asyncio.gather(*(one_client(seed) for seed in range(clients)))
        return latencies

    def _update(self, kind: str, user_id: int, rng: random.Random) -> tuple[str, str]:
        number = next(self.numbers)
        page = self.residents.next_page(user_id, rng) if kind == "page" else None
        if kind == "page" and page is not None:
            statement = self.residents.statements[user_id]
            return kind, json.dumps(_page_turn(number, user_id, statement, page))
        kind = "rules" if kind == "rules" else "points"
        return kind, json.dumps(_command(number, user_id, f"/{kind}"))


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}


def _chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "居民"}


def _command(update_id: int, user_id: int, command: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": _chat(user_id),
            "from": _user(user_id),
            "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def _page_turn(update_id: int, user_id: int, message_id: int, page: int) -> dict[str, Any]:
    """A press of a statement's page button (bot.callbacks.WalletPage)."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"{CALLBACK_PREFIX}{user_id}:{update_id}",
            "from": _user(user_id),
            "chat_instance": str(user_id),
            "data": f"wp:{page}",
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(user_id),
                "from": {"id": 1, "is_bot": True, "first_name": "道德银行"},
                "text": "…",
            },
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
