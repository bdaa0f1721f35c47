"""`moralbank bench redeem`: purchases at love-supermarket kiosks through the services the
kiosk page calls: the resident's pay code (`issue_pay_code`), the operator's scan (`scan`)
and confirmation (`confirm`, which holds and posts the points and takes the stock in one
transaction). The shop is seeded once per database (moralbank.bench_redeem_seed).

Two loops, each from a settled server (moralbank.bench_ledger.settle):

- closed: `clients` operators buy without pause, each waiting for its purchase before the
  next. A purchase is timed from the scan to the committed confirmation; the pay code is
  the resident's phone's work, done before they reach the counter, and timed apart.
  Refused purchases are counted apart, never as throughput. A reference runs in two
  halves around it, as `bench ledger`'s does: pgbench TPC-B on the same server, or on
  SQLite the same transaction through Python's sqlite3 on the same disk.
- open: every kiosk starts a purchase each second, on schedule whether or not the last
  one is done (a queue at the counter does not stop people arriving), its pay code
  issued a moment before. Latency runs from the scheduled start to the committed
  confirmation, so time spent queueing counts.

Each loop first runs `warmup` seconds as it will be measured, and counts none of it: a
kiosk server runs for days, so its pool's connections are open and its statements
prepared, where a fresh client process spends its first seconds opening and preparing
them (at 100 purchases a second that queued the first three seconds' purchases for up to
two seconds). The warm-up's purchases are reported apart, with its open-loop p99.

The clients, and the kiosks, are spread over client processes as `bench ledger` spreads
its clients. The ledger is verified afterwards (`moralbank ledger verify`'s checks): the
command fails when the run broke the books, whatever its speed.
"""

from __future__ import annotations

import asyncio
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.verify import verify
from moralbank.bench_bot_seed import ZONE
from moralbank.bench_ledger import STARTUP_SECONDS, default_processes, settle
from moralbank.bench_redeem_seed import RESIDENTS_PER_KIOSK, Kiosk, seed
from moralbank.bench_reference import PgbenchReference, SqliteReference
from moralbank.bench_report import percentile_ms
from moralbank.cli_support import run_async
from rewards.errors import RewardsError
from rewards.redemption.checkout import confirm, scan
from rewards.redemption.codes import issue_pay_code
from rewards.staff.service import StaffView, staff_by_username

ARRIVAL_PERIOD = 1.0  # seconds between a kiosk's purchases in the open loop
WARMUP_SECONDS = 5.0
CODE_LEAD = 0.5  # the resident opens their pay code this long before their turn
MOST_ITEMS = 3


@dataclass(frozen=True)
class RedeemBench:
    database: str
    kiosks: int
    clients: int
    processes: int
    seconds: float
    # Closed loop: completed purchases only; refused ones counted apart.
    redemptions: int
    redemptions_per_s: float
    refused: int
    closed_p50_ms: float
    closed_p99_ms: float
    pay_code_p50_ms: float  # issuing the code, timed apart from the purchase
    reference: str
    reference_tps: float
    ratio: float | None
    # Open loop: each kiosk starts a purchase every second.
    open_loop_arrivals: int
    open_loop_completed: int
    open_loop_refused: int
    # Purchases that never got a connection from the pool in its 30 s (the kiosk page
    # would have answered with an error): the open loop's arrivals beyond what it serves.
    open_loop_failed: int
    open_loop_rate_per_s: float
    p50_ms: float
    p99_ms: float
    warmup_s: float  # run before each loop as it is measured, not counted
    warmup_purchases: int  # completed in the two warm-ups (checkouts the books also hold)
    open_loop_warmup_p99_ms: float
    ledger_verified: bool
    ledger_problems: list[str]  # what the verifier found, when it found anything


@dataclass(frozen=True)
class _Lane:
    """Who buys where: a kiosk (its operator at the counter) and the residents it serves."""

    kiosk: Kiosk
    residents: tuple[int, ...]


@dataclass(frozen=True)
class _Share:
    url: str
    loop: str  # "closed" or "open"
    lanes: tuple[_Lane, ...]
    kiosks: int  # all kiosks, to stagger the open loop's arrivals
    first: int  # the first lane's number among all lanes
    start_at: float
    warmup: float
    seconds: float


@dataclass(frozen=True)
class _Outcome:
    elapsed: float  # of the measured part, after the warm-up
    latencies: list[float]  # completed purchases only
    code_latencies: list[float]
    refused: int
    failed: int
    arrivals: int
    warmup_latencies: list[float]  # completed during the warm-up


async def run_bench(
    url: str, *, kiosks: int, clients: int, seconds: float, warmup: float = WARMUP_SECONDS
) -> RedeemBench:
    """Seed (once) and measure the database at `url`, which must already be migrated."""
    if clients > kiosks * RESIDENTS_PER_KIOSK:
        raise ValueError("more clients than residents to serve them")
    shop = await seed(url, kiosks)
    processes = default_processes(url)
    database = Database.from_url(url)
    reference = _reference(url, database.dialect, clients)
    try:
        half = max(1, round(seconds / 2))
        reference.initialise(scale=max(clients, 1))
        before = await asyncio.to_thread(reference.tps, clients=clients, seconds=half)
        await settle(database, tables=None)
        closed_lanes = _closed_lanes(shop, clients)
        closed = await _measure(url, "closed", closed_lanes, processes, warmup, seconds)
        after = await asyncio.to_thread(reference.tps, clients=clients, seconds=half)
        await settle(database, tables=None)
        lanes = tuple(_Lane(kiosk, kiosk.residents) for kiosk in shop)
        opened = await _measure(url, "open", lanes, processes, warmup, seconds)
        problems = await _verify(database)
    finally:
        await database.dispose()
    return _figures(
        database.dialect, kiosks, clients, processes, seconds, warmup, closed, opened,
        reference, (before + after) / 2, problems,
    )  # fmt: skip


def _figures(
    dialect: str,
    kiosks: int,
    clients: int,
    processes: int,
    seconds: float,
    warmup: float,
    closed: _Outcome,
    opened: _Outcome,
    reference: PgbenchReference | _SqliteTpcb,
    reference_tps: float,
    problems: list[str],
) -> RedeemBench:
    rate = len(closed.latencies) / closed.elapsed
    return RedeemBench(
        database=dialect,
        kiosks=kiosks,
        clients=clients,
        processes=processes,
        seconds=seconds,
        redemptions=len(closed.latencies),
        redemptions_per_s=round(rate, 1),
        refused=closed.refused,
        closed_p50_ms=round(percentile_ms(closed.latencies, 50), 2),
        closed_p99_ms=round(percentile_ms(closed.latencies, 99), 2),
        pay_code_p50_ms=round(percentile_ms(closed.code_latencies, 50), 2),
        reference="pgbench TPC-B" if isinstance(reference, PgbenchReference) else "sqlite3 TPC-B",
        reference_tps=round(reference_tps, 1),
        ratio=round(rate / reference_tps, 3) if reference_tps else None,
        open_loop_arrivals=opened.arrivals,
        open_loop_completed=len(opened.latencies),
        open_loop_refused=opened.refused,
        open_loop_failed=opened.failed,
        open_loop_rate_per_s=round(len(opened.latencies) / opened.elapsed, 1),
        p50_ms=round(percentile_ms(opened.latencies, 50), 2),
        p99_ms=round(percentile_ms(opened.latencies, 99), 2),
        warmup_s=warmup,
        warmup_purchases=len(closed.warmup_latencies) + len(opened.warmup_latencies),
        open_loop_warmup_p99_ms=round(percentile_ms(opened.warmup_latencies, 99), 2),
        ledger_verified=not problems,
        ledger_problems=problems,
    )


def _closed_lanes(shop: list[Kiosk], clients: int) -> tuple[_Lane, ...]:
    """Client c works kiosk c (wrapping round); clients sharing a kiosk share out its
    residents, so no two clients ever pay from the same wallet."""
    lanes = []
    for c in range(clients):
        kiosk = shop[c % len(shop)]
        sharing = len(range(c % len(shop), clients, len(shop)))
        lanes.append(_Lane(kiosk, kiosk.residents[c // len(shop) :: sharing]))
    return tuple(lanes)


async def _verify(database: Database) -> list[str]:
    async with database.read() as session:
        return [f"{problem.check}: {problem.detail}" for problem in await verify(session)]


class _SqliteTpcb:
    """SQLite's yardstick with pgbench's calling convention: one plain writer (SQLite
    admits no more), committing each transaction."""

    def __init__(self, path: str) -> None:
        self._reference = SqliteReference(path)

    def initialise(self, *, scale: int) -> None:
        self._reference.initialise()

    def tps(self, *, clients: int, seconds: int) -> float:
        return self._reference.tps(seconds=seconds)


def _reference(url: str, dialect: str, clients: int) -> PgbenchReference | _SqliteTpcb:
    if dialect == "postgresql":
        return PgbenchReference(url)
    path = make_url(url).database
    if not path or path == ":memory:":
        raise ValueError("the SQLite benchmark needs a database file")
    return _SqliteTpcb(path)


async def _measure(
    url: str, loop: str, lanes: tuple[_Lane, ...], processes: int, warmup: float, seconds: float
) -> _Outcome:
    """One loop with its lanes spread over `processes` client processes."""
    processes = min(processes, len(lanes))
    sizes = [len(lanes) // processes + (p < len(lanes) % processes) for p in range(processes)]
    firsts = [sum(sizes[:p]) for p in range(processes)]
    start_at = time.time() + (STARTUP_SECONDS if processes > 1 else 0.0)
    shares = [
        _Share(
            url, loop, lanes[first : first + size], len(lanes), first, start_at, warmup, seconds
        )
        for first, size in zip(firsts, sizes, strict=True)
    ]
    if len(shares) == 1:
        outcomes = [await _clients(shares[0])]
    else:
        runner = asyncio.get_running_loop()
        with ProcessPoolExecutor(len(shares), mp_context=get_context("spawn")) as pool:
            outcomes = await asyncio.gather(
                *(runner.run_in_executor(pool, _run_share, share) for share in shares)
            )
    return _Outcome(
        max(outcome.elapsed for outcome in outcomes),
        [latency for outcome in outcomes for latency in outcome.latencies],
        [latency for outcome in outcomes for latency in outcome.code_latencies],
        sum(outcome.refused for outcome in outcomes),
        sum(outcome.failed for outcome in outcomes),
        sum(outcome.arrivals for outcome in outcomes),
        [latency for outcome in outcomes for latency in outcome.warmup_latencies],
    )


def _run_share(share: _Share) -> _Outcome:
    """Entry point of a client process (module level, so that it can be pickled)."""
    return run_async(_clients(share))


async def _clients(share: _Share) -> _Outcome:
    if share.loop == "closed" and not share.url.startswith("sqlite"):
        # One connection per client: the clients measure the database, not the pool.
        database = Database.from_url(share.url, pool_size=len(share.lanes), max_overflow=0)
    else:  # the open loop meets the pool the application runs with
        database = Database.from_url(share.url)
    uow = UnitOfWork(database, SystemClock())
    try:
        operators = [await _operator(uow, lane.kiosk) for lane in share.lanes]
        await asyncio.sleep(max(0.0, share.start_at - time.time()))
        started = time.perf_counter()
        counter = _Counter(uow, measure_from=started + share.warmup)
        numbered = list(enumerate(zip(share.lanes, operators, strict=True), share.first))
        if share.loop == "closed":
            until = counter.measure_from + share.seconds
            await asyncio.gather(
                *(counter.closed(n, lane, op, until) for n, (lane, op) in numbered)
            )
        else:
            every = ARRIVAL_PERIOD / share.kiosks
            await asyncio.gather(
                *(
                    counter.open(
                        lane, op, started + n * every, counter.measure_from + share.seconds
                    )
                    for n, (lane, op) in numbered
                )
            )
        return counter.outcome(time.perf_counter() - counter.measure_from)
    finally:
        await database.dispose()


async def _operator(uow: UnitOfWork, kiosk: Kiosk) -> StaffView:
    staff = await staff_by_username(uow, kiosk.operator)
    assert staff is not None, "seeded with the kiosk"
    return staff


class _Counter:
    """One process's purchases and what they took: those started before `measure_from`
    (the warm-up) apart."""

    def __init__(self, uow: UnitOfWork, *, measure_from: float) -> None:
        self.uow = uow
        self.measure_from = measure_from
        self.warmup_latencies: list[float] = []
        self.latencies: list[float] = []
        self.code_latencies: list[float] = []
        self.refused = 0
        self.failed = 0
        self.arrivals = 0

    def outcome(self, elapsed: float) -> _Outcome:
        return _Outcome(
            elapsed,
            self.latencies,
            self.code_latencies,
            self.refused,
            self.failed,
            self.arrivals,
            self.warmup_latencies,
        )

    async def closed(self, n: int, lane: _Lane, staff: StaffView, until: float) -> None:
        rng = random.Random(n)
        turn = 0
        while time.perf_counter() < until:
            person_id = lane.residents[turn % len(lane.residents)]
            turn += 1
            asked = time.perf_counter()
            digits = await self._pay_code(person_id)
            started = time.perf_counter()
            if started >= self.measure_from:
                self.code_latencies.append(started - asked)
            self._count(started, await self._purchase(lane.kiosk, staff, digits, rng, started))

    async def open(self, lane: _Lane, staff: StaffView, first: float, until: float) -> None:
        """Purchases at this kiosk every ARRIVAL_PERIOD from `first`, each its own task."""
        rng = random.Random(lane.kiosk.outlet_id)
        purchases = []
        turn = 0
        at = first
        while at < until:
            person_id = lane.residents[turn % len(lane.residents)]
            purchases.append(asyncio.create_task(self._arrival(lane, staff, person_id, rng, at)))
            turn += 1
            at = first + turn * ARRIVAL_PERIOD
        await asyncio.gather(*purchases)

    async def _arrival(
        self, lane: _Lane, staff: StaffView, person_id: int, rng: random.Random, at: float
    ) -> None:
        await asyncio.sleep(max(0.0, at - CODE_LEAD - time.perf_counter()))
        measured = at >= self.measure_from
        self.arrivals += measured
        try:
            digits = await self._pay_code(person_id)
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            self._count(at, await self._purchase(lane.kiosk, staff, digits, rng, at))
        except PoolTimeout:
            self.failed += measured

    def _count(self, since: float, latency: float | None) -> None:
        """A purchase's outcome (None: refused), in the warm-up's figures or the run's."""
        if since < self.measure_from:
            if latency is not None:
                self.warmup_latencies.append(latency)
        elif latency is None:
            self.refused += 1
        else:
            self.latencies.append(latency)

    async def _pay_code(self, person_id: int) -> str:
        return (await issue_pay_code(self.uow, person_id=person_id)).digits

    async def _purchase(
        self, kiosk: Kiosk, staff: StaffView, digits: str, rng: random.Random, since: float
    ) -> float | None:
        """Scan and confirm 1–3 of the kiosk's goods: the latency from `since`, or None
        when the kiosk was refused."""
        chosen = rng.sample(kiosk.items, rng.randint(1, min(MOST_ITEMS, len(kiosk.items))))
        address = f"10.8.{kiosk.outlet_id // 250}.{kiosk.outlet_id % 250}"
        try:
            checkout = await scan(
                self.uow, staff=staff, outlet_id=kiosk.outlet_id, digits=digits,
                address=address, zone=ZONE,
            )  # fmt: skip
            await confirm(
                self.uow, staff=staff, checkout_id=checkout.id,
                lines={item: 1 for item in chosen}, address=address, zone=ZONE,
            )  # fmt: skip
        except RewardsError:
            return None
        return time.perf_counter() - since
