"""/metrics over HTTP: off without MORALBANK_METRICS_TOKEN, 401 without the right bearer
token, and with it Prometheus text whose numbers move when the product works: an update
to the running bot, a message in the outbox, an award in the ledger, a job, a request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from admin.app import create_app
from core.clock import FrozenClock
from core.db import Database
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.jobs.models import ScheduledJob
from core.jobs.scheduler import Recurring, ensure_recurring, run_due_job
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from fakebotapi.limits import FloodLimits
from rewards.errors import NotFound
from rewards.messaging.broadcasts import start_broadcast
from rewards.messaging.outbox import notify
from rewards.points.awards import apply_rule
from tests.bot.outbox import sending, until_settled
from tests.rewards.community import ZONE, build_community
from tests.support import TEST_SECRET_KEY, make_settings

TOKEN = "metrics-token-for-the-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metered(
    database: Database, catalogues: Catalogues, clock: FrozenClock, files: LocalFileStorage
) -> FastAPI:
    settings = make_settings(secret_key=TEST_SECRET_KEY, files_dir=files.root, metrics_token=TOKEN)
    return create_app(settings=settings, database=database, catalogues=catalogues, clock=clock)


@pytest.fixture
async def scraper(metered: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=metered, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def until_moved(
    client: httpx.AsyncClient, moved: Callable[[Samples], bool], timeout: float = 5.0
) -> Samples:
    """Scrapes until `moved` holds: a handler's count follows its reply by a moment."""
    async with asyncio.timeout(timeout):
        while not moved(samples := await scrape(client)):
            await asyncio.sleep(0.05)
    return samples


async def test_without_a_token_setting_there_is_no_metrics_page(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404
    assert (await client.get("/metrics", headers=AUTH)).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-the-token-at-all-000000",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer ",
    ],
)
async def test_anything_but_the_right_bearer_token_is_401(
    scraper: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await scraper.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "moralbank_" not in response.text


async def test_the_right_token_gets_prometheus_text_with_help_for_every_metric(
    scraper: httpx.AsyncClient,
) -> None:
    response = await scraper.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    ours = {name for name in families if name.startswith("moralbank_")}
    assert ours >= {
        "moralbank_bot_updates",
        "moralbank_bot_handler_errors",
        "moralbank_outbox_messages_sent",
        "moralbank_telegram_too_many_requests",
        "moralbank_job_runs",
        "moralbank_http_requests",
        "moralbank_http_request_errors",
        "moralbank_database_up",
        "moralbank_outbox_queue_depth",
        "moralbank_outbox_oldest_unsent_age_seconds",
        "moralbank_ledger_entries",
        "moralbank_job_last_success_timestamp_seconds",
        "moralbank_job_consecutive_failures",
    }
    assert all(families[name].documentation for name in ours)
    assert families["moralbank_bot_updates"].type == "counter"
    assert families["moralbank_outbox_queue_depth"].type == "gauge"
    samples = await scrape(scraper)
    assert value(samples, "moralbank_database_up") == 1
    assert value(samples, "process_resident_memory_bytes") > 0


async def test_the_outbox_and_the_ledger_move_the_gauges(
    scraper: httpx.AsyncClient, uow: UnitOfWork, clock: FrozenClock
) -> None:
    before = await scrape(scraper)
    assert value(before, "moralbank_outbox_queue_depth") == 0
    assert value(before, "moralbank_outbox_oldest_unsent_age_seconds") == 0
    assert value(before, "moralbank_ledger_entries") == 0

    town = await build_community(uow)
    await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key="m1", zone=ZONE
    )
    awarded = await scrape(scraper)
    assert value(awarded, "moralbank_ledger_entries") == 1
    assert value(awarded, "moralbank_outbox_queue_depth") == 1  # the resident's notice

    async with uow.write() as session:
        await notify(
            session,
            chat_id=4242,
            key="help.text",
            locale="en",
            now=clock.now() - timedelta(minutes=2),  # due two minutes ago, by the panel's clock
        )
    queued = await scrape(scraper)
    assert value(queued, "moralbank_outbox_queue_depth") == 2
    assert value(queued, "moralbank_outbox_oldest_unsent_age_seconds") == 120


async def cmd_crash(message: Message) -> None:
    raise ArithmeticError("a bug, for the count")


async def cmd_refuse(message: Message) -> None:
    raise NotFound()


def _failing_router() -> Router:
    router = Router(name="failing")
    router.message.register(cmd_crash, Command("crash"))
    router.message.register(cmd_refuse, Command("refuse"))
    return router


@pytest.mark.parametrize("extra_routers", [[_failing_router()]])
@pytest.mark.usefixtures("running_bot")
async def test_updates_the_running_bot_handles_are_counted_by_outcome(
    scraper: httpx.AsyncClient, fake_api: FakeBotAPI
) -> None:
    """In one process, as `moralbank run`: the bot and the panel share the counters."""
    before = await scrape(scraper)
    user = fake_api.user(3301, first_name="Ann", language_code="en")
    await user.send("/help")
    await user.expect_message(contains="What Moral Bank can do")
    ok = "moralbank_bot_updates_total"
    await until_moved(
        scraper, lambda now: value(now, ok, outcome="ok") > value(before, ok, outcome="ok")
    )

    await user.send("/crash")
    await user.expect_message(contains="Sorry, something went wrong")
    await user.send("/refuse")
    await user.expect_message()
    after = await until_moved(
        scraper,
        lambda now: (
            value(now, ok, outcome="refused") > value(before, ok, outcome="refused")
            and value(now, ok, outcome="error") > value(before, ok, outcome="error")
        ),
    )
    assert value(after, ok, outcome="error") == value(before, ok, outcome="error") + 1
    assert value(after, ok, outcome="refused") == value(before, ok, outcome="refused") + 1
    errors = "moralbank_bot_handler_errors_total"
    assert value(after, errors, exception="ArithmeticError") == (
        value(before, errors, exception="ArithmeticError") + 1
    )


async def test_requests_are_counted_by_route_template_and_errors_apart(
    metered: FastAPI, scraper: httpx.AsyncClient
) -> None:
    async def broken() -> None:
        raise LookupError("a bug in a route")

    metered.add_api_route("/broken/{part}", broken)
    requests, errors = "moralbank_http_requests_total", "moralbank_http_request_errors_total"
    before = await scrape(scraper)
    assert (await scraper.get("/healthz")).status_code == 200
    assert (await scraper.get("/residents/12345")).status_code == 303  # to the login page
    assert (await scraper.get("/no/such/page")).status_code == 404
    failed = await scraper.get("/broken/7")
    assert failed.status_code == 500
    assert failed.headers["x-request-id"]
    after = await scrape(scraper)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(requests, method="GET", route="/healthz", status="200") == 1
    assert moved(requests, method="GET", route="/residents/{person_id}", status="303") == 1
    assert moved(requests, method="GET", route="unmatched", status="404") == 1
    assert moved(requests, method="GET", route="/broken/{part}", status="500") == 1
    assert moved(errors, method="GET", route="/broken/{part}") == 1
    assert not [
        labels
        for name, labels in after
        if name == requests and ("route", "/residents/12345") in labels
    ]


async def test_job_runs_are_counted_and_the_database_knows_each_jobs_last_success(
    scraper: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    async def tick(session: AsyncSession, job: ScheduledJob, now: object) -> None:
        return None

    async def trip(session: AsyncSession, job: ScheduledJob, now: object) -> None:
        raise OSError("the job's trouble")

    await ensure_recurring(uow, [Recurring("test.tick", timedelta(minutes=1))])
    await ensure_recurring(uow, [Recurring("test.trip", timedelta(minutes=1))])
    runs = "moralbank_job_runs_total"
    before = await scrape(scraper)
    assert await run_due_job(uow, {"test.tick": tick})
    assert await run_due_job(uow, {"test.trip": trip})
    after = await scrape(scraper)
    assert value(after, runs, job="test.tick", outcome="ok") == (
        value(before, runs, job="test.tick", outcome="ok") + 1
    )
    assert value(after, runs, job="test.trip", outcome="error") == (
        value(before, runs, job="test.trip", outcome="error") + 1
    )
    last = value(after, "moralbank_job_last_success_timestamp_seconds", job="test.tick")
    assert abs(last - uow.now().timestamp()) < 60
    assert (
        "moralbank_job_last_success_timestamp_seconds",
        frozenset({("job", "test.trip")}),
    ) not in after
    assert value(after, "moralbank_job_consecutive_failures", job="test.trip") == 1
    assert value(after, "moralbank_job_consecutive_failures", job="test.tick") == 0


async def test_messages_sent_and_telegrams_429s_are_counted(
    scraper: httpx.AsyncClient,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    uow: UnitOfWork,
) -> None:
    """The sender in this process, against a Telegram stricter than our pace."""
    sent, refused = (
        "moralbank_outbox_messages_sent_total",
        "moralbank_telegram_too_many_requests_total",
    )
    async with FakeBotAPI(limits=FloodLimits(per_second=5)) as api:
        chats = list(range(3400, 3412))
        for chat in chats:
            api.user(chat).has_chat = True
        await start_broadcast(uow, text="通知", chat_ids=chats, urgent=True, created_by="t")
        waiting = await scrape(scraper)
        assert value(waiting, "moralbank_outbox_queue_depth") == 12
        async with sending(api, database, database_url, catalogues, per_second=20):
            await until_settled(database, timeout=20)
        after = await scrape(scraper)
    assert api.http_429 > 0
    assert value(after, sent) - value(waiting, sent) == 12
    assert value(after, refused, source="outbox") - value(waiting, refused, source="outbox") == (
        api.http_429
    )
    assert value(after, "moralbank_outbox_queue_depth") == 0
