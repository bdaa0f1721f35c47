"""/metrics for Prometheus, behind a bearer token (MORALBANK_METRICS_TOKEN).

`create_app` includes this router only when the token is set: without it the path is an
unknown page (404) like any other. The token is compared in constant time (the SHA-256 of
what was offered against that of the token, so not even its length shows). The numbers:
this process's counters and the gauges read from the database now (core.metrics).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from core.jobs.scheduler import recurring_states
from core.metrics import Snapshot, exposition
from core.settings import Settings
from core.uow import UnitOfWork
from ledger.history import entries_written
from rewards.messaging.delivery import queue_state
from rewards.messaging.quiet_hours import QuietHours

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def authorized(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, the scheme in any case."""
    scheme, _, offered = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        offered = ""
    wanted = hashlib.sha256(token.encode()).digest()
    given = hashlib.sha256(offered.strip().encode()).digest()
    return hmac.compare_digest(wanted, given)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value().strip() if settings.metrics_token else ""
    if not token or not authorized(request.headers.get("authorization"), token):
        return PlainTextResponse(
            "401 Unauthorized: send Authorization: Bearer <MORALBANK_METRICS_TOKEN>\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    uow = UnitOfWork(request.app.state.database, request.app.state.clock)
    snapshot = await _from_database(uow, settings)
    return Response(exposition(snapshot), media_type=CONTENT_TYPE_LATEST)


async def _from_database(uow: UnitOfWork, settings: Settings) -> Snapshot:
    """Three small reads, each through an index (see each function). A database that does
    not answer leaves them out and says so (moralbank_database_up 0): the process's own
    counters are still worth a scrape."""
    quiet = QuietHours.parse(settings.quiet_hours, settings.time_zone)
    try:
        queue = await queue_state(uow, quiet_hours=quiet)
        async with uow.read() as session:
            entries = await entries_written(session)
        jobs = await recurring_states(uow)
    except Exception as exc:
        log.warning("metrics: the database did not answer: %s", exc)
        return Snapshot(database_up=False)
    oldest = 0.0
    if queue.oldest_due is not None:
        oldest = max((uow.now() - queue.oldest_due).total_seconds(), 0.0)
    return Snapshot(
        database_up=True,
        outbox_queue_depth=queue.waiting,
        outbox_oldest_age_seconds=oldest,
        ledger_entries=entries,
        jobs=jobs,
    )
