"""Every table of the product, gathered for Alembic and for schema checks."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from core.models import Base

# Each module registers its tables on Base.metadata when imported. A new model module
# must be added here, or Alembic will not see its tables (the schema test would fail).
MODEL_MODULES = (
    "rewards.org.models",
    "rewards.staff.models",
    "rewards.people.models",
    "rewards.audit",
    "bot.models",
    "ledger.models",
    "core.jobs.models",
    "rewards.messaging.models",
    "rewards.points.models",
    "rewards.redemption.models",
    "rewards.cases.models",
    "rewards.duty.models",
    "rewards.rankings.models",
)


def product_metadata() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata
