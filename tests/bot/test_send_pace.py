"""Replies asking for a sending slot at once share one reservation (bot.middlewares.send_pace)."""

from __future__ import annotations

import asyncio

import pytest

from bot.middlewares.send_pace import Shared


class Schedule:
    """Hands out numbered slots; each call takes a moment, like a transaction."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.next = 0
        self.release = asyncio.Event()
        self.fail: Exception | None = None

    async def reserve(self, count: int) -> list[int]:
        self.calls.append(count)
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        slots = list(range(self.next, self.next + count))
        self.next += count
        return slots


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_callers_arriving_during_a_reservation_share_the_next_one() -> None:
    schedule = Schedule()
    shared = Shared(schedule.reserve)
    first = asyncio.create_task(shared.get())
    await settle()
    rest = [asyncio.create_task(shared.get()) for _ in range(9)]
    await settle()
    schedule.release.set()
    slots = await asyncio.gather(first, *rest)
    assert schedule.calls == [1, 9]
    assert sorted(slots) == list(range(10))  # every caller its own slot, none lost


async def test_a_caller_who_leaves_while_leading_does_not_strand_the_others() -> None:
    schedule = Schedule()
    shared = Shared(schedule.reserve)
    leader = asyncio.create_task(shared.get())
    await settle()
    followers = [asyncio.create_task(shared.get()) for _ in range(3)]
    await settle()
    leader.cancel()
    await settle()
    schedule.release.set()
    slots = await asyncio.wait_for(asyncio.gather(*followers), timeout=5)
    assert len(set(slots)) == 3
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_waiting_caller_who_leaves_is_not_given_a_slot() -> None:
    schedule = Schedule()
    shared = Shared(schedule.reserve)
    leader = asyncio.create_task(shared.get())
    await settle()
    leaving, staying = asyncio.create_task(shared.get()), asyncio.create_task(shared.get())
    await settle()
    leaving.cancel()
    schedule.release.set()
    await asyncio.gather(leader, staying)
    assert schedule.calls == [1, 1]


async def test_a_failed_reservation_reaches_every_caller_it_served() -> None:
    schedule = Schedule()
    schedule.fail = ConnectionError("database gone")
    shared = Shared(schedule.reserve)
    callers = [asyncio.create_task(shared.get()) for _ in range(4)]
    await settle()
    schedule.release.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)
    assert schedule.calls == [1, 3]  # the first alone, then the three who came during it
