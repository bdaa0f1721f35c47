"""The one place where failures become replies: a translated sentence, never a trace,
never silence."""

from __future__ import annotations

import logging

from aiogram import Router, html
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, User

from bot.replies import tell
from core.errors import DomainError
from core.i18n import Catalogues, Translator, normalize_locale

log = logging.getLogger(__name__)


async def on_domain_error(
    event: ErrorEvent,
    catalogues: Catalogues,
    t: Translator | None = None,
    event_from_user: User | None = None,
) -> None:
    error = event.exception
    assert isinstance(error, DomainError)
    t = t or _their_language(catalogues, event_from_user)
    # Replies are HTML: a value someone typed must not become markup.
    params = {name: html.quote(str(value)) for name, value in error.params.items()}
    await tell(event.update, t(f"error.{error.code}", **params))


async def on_unexpected_error(
    event: ErrorEvent,
    catalogues: Catalogues,
    t: Translator | None = None,
    event_from_user: User | None = None,
) -> None:
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    t = t or _their_language(catalogues, event_from_user)
    await tell(event.update, t("error.internal"))


def _their_language(catalogues: Catalogues, user: User | None) -> Translator:
    """Before the person is known (the failure came first), their client's language."""
    return catalogues.translator(normalize_locale(user.language_code if user else None))


def create_router() -> Router:
    router = Router(name=__name__)
    router.error.register(on_domain_error, ExceptionTypeFilter(DomainError))
    router.error.register(on_unexpected_error)
    return router
