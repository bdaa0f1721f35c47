"""Tables the Telegram adapter keeps for itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base


class ProcessedUpdate(Base):
    """Telegram may deliver an update more than once (webhook retries, restarts).

    The row commits together with whatever the update changed, so a second delivery finds
    it and is dropped; rows older than a few days are pruned by the worker.
    """

    __tablename__ = "telegram_processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(index=True)
