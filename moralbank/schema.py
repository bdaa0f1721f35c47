"""Every table of the product, gathered for Alembic and for schema checks."""

from __future__ import annotations

from sqlalchemy import MetaData

from core.models import Base


def product_metadata() -> MetaData:
    # Imported for their side effect: each module registers its tables on Base.metadata.
    import bot.models
    import rewards.audit
    import rewards.org.models
    import rewards.people.models
    import rewards.staff.models  # noqa: F401

    return Base.metadata
