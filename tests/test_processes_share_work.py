"""The production layout on one PostgreSQL and Redis, started from the commands of the
systemd units in deploy/: `moralbank migrate` once, two web and bot processes by webhook
on two ports (behind a round-robin load balancer, on the path the deploy Caddyfile routes)
and two `moralbank worker`.

Both web processes serve the panel; they share the updates and the workers share the
outbox while users block the bot and write to it; one worker is stopped midway and started
again (a crash is the benchmark's and test_worker_crash's business). Every message must
arrive once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from core.db import Database
from fakebotapi import FakeBotAPI
from rewards.messaging.models import OutboxChat, OutboxMessage
from tests.conftest import ON_POSTGRES
from tests.deploy_layout import SystemdLayout
from tests.processes import (
    MORALBANK,
    ROOT,
    Running,
    bot_env,
    free_port,
    moralbank_run,
    run_moralbank,
    start_worker,
    stop,
)
from tests.support import require_redis
from tests.webhook_proxy import RoundRobinProxy

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="the production layout (deploy/) is PostgreSQL's: several web processes and "
        "workers share one database; on SQLite one `moralbank run` takes at most one worker",
    ),
]
CHATS = list(range(70_001, 70_301))
BLOCKED = CHATS[:20]
WRITERS = CHATS[20:50]
TEXT = "周六上午九点，活动室，志愿服务"


async def until(database: Database, condition: str, timeout: float = 60) -> None:
    """Poll until `condition` (a count query's name below) is met."""
    queries = {
        "blocked_known": (
            select(func.count())
            .select_from(OutboxChat)
            .where(OutboxChat.unreachable_since.is_not(None))
        ),
        "broadcast_done": select(func.count()).where(
            OutboxMessage.status.in_(("pending", "sending"))
        ),
        "a_third_sent": select(func.count()).where(OutboxMessage.status == "sent"),
    }
    wanted = {"blocked_known": len(BLOCKED), "broadcast_done": 0, "a_third_sent": 100}
    async with asyncio.timeout(timeout):
        while True:
            async with database.read() as session:
                count = await session.scalar(queries[condition])
            done = (
                count == 0 if condition == "broadcast_done" else (count or 0) >= wanted[condition]
            )
            if done:
                return
            await asyncio.sleep(0.1)


async def broadcast(env: dict[str, str], tmp_path: Path) -> None:
    chat_file = tmp_path / "chats.txt"
    chat_file.write_text("\n".join(map(str, CHATS)) + "\n")
    process = await asyncio.create_subprocess_exec(
        MORALBANK, "broadcast", "--chat-ids", str(chat_file), "--text", TEXT,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert f"queued for {len(CHATS)} chats" in output.decode()


async def test_the_units_layout_serves_and_sends_everything_once(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    layout = SystemdLayout.read()
    async with FakeBotAPI() as api, RoundRobinProxy() as proxy:
        for chat in CHATS:
            api.user(chat).has_chat = True
        env = bot_env(
            database_url,
            api.token,
            api.base_url,
            webhook_url=f"{proxy.url}{layout.webhook_path}",
            redis_url=require_redis(),
            send_rate_per_second="60",
            quiet_hours="",
        )
        migrated = await run_moralbank(*layout.migrate, env=env)
        assert migrated.returncode == 0, migrated.stderr
        async with web_unit(layout, env) as bot_a, web_unit(layout, env) as bot_b:
            await assert_panel_answers(bot_a, bot_b)
            proxy.backends = [bot_a.base_url, bot_b.base_url]
            for chat in BLOCKED:
                api.user(chat).block()
            await until(database, "blocked_known")
            workers = [await start_worker(env, layout.worker) for _ in range(2)]
            try:
                await broadcast(env, tmp_path)
                for chat in WRITERS:
                    await api.user(chat).send("/start")
                await until(database, "a_third_sent")
                assert await stop(workers[0]) == 0  # SIGTERM: it sends what it holds first
                workers[0] = await start_worker(env, layout.worker)
                await until(database, "broadcast_done")
                await api.wait_idle(timeout=30)
            finally:
                for worker in workers:
                    await stop(worker)
        await assert_each_sent_once(api, database)
        assert min(proxy.forwarded[bot.base_url] for bot in (bot_a, bot_b)) >= 10


def web_unit(layout: SystemdLayout, env: dict[str, str]) -> AbstractAsyncContextManager[Running]:
    """moralbank-web@PORT on a free port: the unit's command and its own environment."""
    port = free_port()
    args, unit_env = layout.web_on(port)
    return moralbank_run({**env, **unit_env}, port=port, args=tuple(args))


async def assert_panel_answers(*processes: Running) -> None:
    """Each web process, on its own port, serves the login page and its health."""
    async with httpx.AsyncClient() as client:
        for process in processes:
            login = await client.get(f"{process.base_url}/login")
            assert login.status_code == 200, process.printed()
            health = await client.get(f"{process.base_url}/healthz")
            assert health.json() == {"status": "ok", "database": "ok"}


async def assert_each_sent_once(api: FakeBotAPI, database: Database) -> None:
    broadcast_to = Counter(
        call.params["chat_id"] for call in api.calls if call.ok and call.params.get("text") == TEXT
    )
    assert broadcast_to == Counter(set(CHATS) - set(BLOCKED))
    for chat in WRITERS:
        welcomes = [m for m in api.user(chat).messages if m.text and "欢迎" in m.text]
        assert len(welcomes) == 1, chat
    async with database.read() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
        senders = await session.scalar(
            select(func.count(func.distinct(OutboxMessage.claimed_by))).where(
                OutboxMessage.status == "sent"
            )
        )
    assert statuses == {"sent": len(CHATS) - len(BLOCKED), "unreachable": len(BLOCKED)}
    assert (senders or 0) >= 2  # the work was shared
