"""One unit of work per update, and each update applied once.

The update id is recorded in the same transaction as the first write a handler's service
makes, so a redelivered update either finds that record and is dropped, or finds nothing
because nothing committed. An update that wrote nothing to the database ("My points",
/help, a request refused with a DomainError, a conversation step kept in the FSM storage)
leaves no record: delivered again, it is answered again, as if the user had asked twice,
and the busiest updates save a write transaction each. Replies are sent by handlers after their
service returned, that is after the commit, so a reply never reports work that could
still roll back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ProcessedUpdate
from core.clock import Clock
from core.db import Database
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        uow = UnitOfWork(self.database, self.clock)
        if await _already_processed(uow, bot.id, event.update_id):
            log.info("update %s delivered again; dropped", event.update_id)
            return UNHANDLED
        uow.join_next_commit(_recorder(bot.id, event.update_id, uow))
        data["uow"] = uow
        try:
            return await handler(event, data)
        except IntegrityError:
            if await _already_processed(uow, bot.id, event.update_id):
                log.info("update %s applied concurrently elsewhere; dropped", event.update_id)
                return UNHANDLED
            raise


def _recorder(bot_id: int, update_id: int, uow: UnitOfWork) -> Callable[[AsyncSession], Any]:
    async def record(session: AsyncSession) -> None:
        session.add(ProcessedUpdate(bot_id=bot_id, update_id=update_id, processed_at=uow.now()))

    return record


# Built once: every update asks it.
_PROCESSED = select(ProcessedUpdate.update_id).where(
    ProcessedUpdate.bot_id == bindparam("bot_id"),
    ProcessedUpdate.update_id == bindparam("update_id"),
)


async def _already_processed(uow: UnitOfWork, bot_id: int, update_id: int) -> bool:
    async with uow.read() as session:
        found = await session.scalar(_PROCESSED, {"bot_id": bot_id, "update_id": update_id})
    return found is not None
