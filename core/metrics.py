"""What the product measures, for Prometheus (`/metrics` on the panel, when
MORALBANK_METRICS_TOKEN is set).

Two kinds of numbers:

- Counters of work this process did (updates handled, HTTP requests, messages sent, 429s,
  job runs). They live in the process that did the work and start from 0 when it starts;
  Prometheus's rate() and increase() take restarts in their stride. The adapters and the
  job runner increment them; the domain (`rewards`, `ledger`) never sees them.
- Gauges read from the database at scrape time (outbox depth and age, ledger entries,
  recurring jobs' last success): the same from every process, whichever did the work.
  The caller reads them and hands a `Snapshot` to `exposition`.

Only a process that serves the panel serves /metrics. A separate `moralbank worker` counts
its sends and job runs for itself and exposes them nowhere; the database gauges cover its
work all the same (see docs/internals.md, "Monitoring").

The metric objects are made when this module is imported, as Prometheus clients do: they
are counters in memory, and nothing else is built here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# A `…_created` series beside every counter doubles the series for nothing we use.
disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# Telegram updates, by how their handling ended: ok, refused (a DomainError answered with
# its sentence: not enough points, not allowed) or error (anything else: a bug, the
# database gone; the user was told "something went wrong").
UPDATE_OUTCOMES = ("ok", "refused", "error")
BOT_UPDATES = Counter(
    "moralbank_bot_updates",
    "Telegram updates handled by the bot, by outcome: ok, refused (a domain error told to "
    "the user) or error (an unexpected exception)",
    ["outcome"],
    registry=REGISTRY,
)
BOT_HANDLER_ERRORS = Counter(
    "moralbank_bot_handler_errors",
    "Unexpected exceptions raised while the bot handled an update, by exception class",
    ["exception"],
    registry=REGISTRY,
)
OUTBOX_SENT = Counter(
    "moralbank_outbox_messages_sent",
    "Outbox messages Telegram accepted, sent by this process's outbox sender",
    registry=REGISTRY,
)
TELEGRAM_429 = Counter(
    "moralbank_telegram_too_many_requests",
    "Telegram's 429 Too Many Requests answers, by what was being sent: outbox (the sender) "
    "or reply (a handler answering an update)",
    ["source"],
    registry=REGISTRY,
)
JOB_OUTCOMES = ("ok", "error")
JOB_RUNS = Counter(
    "moralbank_job_runs",
    "Scheduled job runs in this process, by job and outcome (ok, error); a long job "
    "counts each chunk",
    ["job", "outcome"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "moralbank_http_requests",
    "HTTP requests handled, by method, route template and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_ERRORS = Counter(
    "moralbank_http_request_errors",
    "HTTP requests that raised an unexpected exception (answered 500), by method and route",
    ["method", "route"],
    registry=REGISTRY,
)
for _outcome in UPDATE_OUTCOMES:
    BOT_UPDATES.labels(_outcome)
for _source in ("outbox", "reply"):
    TELEGRAM_429.labels(_source)


@dataclass(frozen=True)
class JobState:
    """A recurring job as the database knows it."""

    job: str
    last_success: float | None  # Unix time, None before its first success
    failures_in_a_row: int


@dataclass(frozen=True)
class Snapshot:
    """What the database says at scrape time; `database_up` False leaves the rest out."""

    database_up: bool
    outbox_queue_depth: int = 0
    outbox_oldest_age_seconds: float = 0.0
    ledger_entries: int = 0
    jobs: list[JobState] = field(default_factory=list)


class _SnapshotCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        return list(_families(self.snapshot))


def _families(snapshot: Snapshot) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "moralbank_database_up",
        "1 when the database answered this scrape's questions, 0 when it did not (the "
        "gauges read from it are then missing)",
        value=1 if snapshot.database_up else 0,
    )
    if not snapshot.database_up:
        return
    yield GaugeMetricFamily(
        "moralbank_outbox_queue_depth",
        "Outbox messages waiting to be sent (pending, due now or later), all processes",
        value=snapshot.outbox_queue_depth,
    )
    yield GaugeMetricFamily(
        "moralbank_outbox_oldest_unsent_age_seconds",
        "Seconds since the longest-waiting outbox message that may go now became due (0 "
        "when none waits; broadcasts held through quiet hours do not count then)",
        value=snapshot.outbox_oldest_age_seconds,
    )
    yield GaugeMetricFamily(
        "moralbank_ledger_entries",
        "Ledger entries written: the highest entry id, read from the primary key's index "
        "(cheap at any size; on PostgreSQL ids of rolled-back transactions count too)",
        value=snapshot.ledger_entries,
    )
    last_success = GaugeMetricFamily(
        "moralbank_job_last_success_timestamp_seconds",
        "When each recurring job last finished without error (Unix time), any process",
        labels=["job"],
    )
    failures = GaugeMetricFamily(
        "moralbank_job_consecutive_failures",
        "Failed runs of each recurring job since its last success, any process",
        labels=["job"],
    )
    for job in snapshot.jobs:
        if job.last_success is not None:
            last_success.add_metric([job.job], job.last_success)
        failures.add_metric([job.job], job.failures_in_a_row)
    yield last_success
    yield failures


def exposition(snapshot: Snapshot) -> bytes:
    """Prometheus's text format: this process's counters, then the database's gauges."""
    scrape = CollectorRegistry()
    scrape.register(_SnapshotCollector(snapshot))
    return generate_latest(REGISTRY) + generate_latest(scrape)
