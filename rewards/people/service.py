"""Knowing who writes to the bank and which language they read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import LOCALES, normalize_locale
from core.uow import UnitOfWork
from rewards.errors import UnknownPerson, UnsupportedLanguage
from rewards.people.models import Person, PersonChannel


@dataclass(frozen=True)
class PersonView:
    id: int
    display_name: str
    language: str
    language_chosen: bool


def _view(person: Person) -> PersonView:
    return PersonView(person.id, person.display_name, person.language, person.language_chosen)


# Built once: greet runs for every update the bot receives.
_VIEW_BY_CHANNEL = (
    select(Person.id, Person.display_name, Person.language, Person.language_chosen)
    .join(PersonChannel, PersonChannel.person_id == Person.id)
    .where(
        PersonChannel.channel == bindparam("channel"),
        PersonChannel.external_id == bindparam("external_id"),
    )
)


async def _find_view(session: AsyncSession, channel: str, external_id: int) -> PersonView | None:
    params = {"channel": channel, "external_id": external_id}
    row = (await session.execute(_VIEW_BY_CHANNEL, params)).first()
    return PersonView(*row) if row is not None else None


async def _find(session: AsyncSession, channel: str, external_id: int) -> Person | None:
    return await session.scalar(
        select(Person)
        .join(PersonChannel, PersonChannel.person_id == Person.id)
        .where(PersonChannel.channel == channel, PersonChannel.external_id == external_id)
    )


async def greet(
    uow: UnitOfWork,
    *,
    channel: str,
    external_id: int,
    display_name: str,
    language_hint: str | None,
) -> PersonView:
    """The person behind a channel identity, created on first contact.

    Until the person picks a language, the client's language tag decides it (Chinese
    when in doubt). Two first messages racing each other create one person.
    """
    async with uow.read() as session:
        known = await _find_view(session, channel, external_id)
        if known is not None:
            return known
    try:
        async with uow.write() as session:
            # Look again inside the write: on SQLite a racing twin may have inserted in an
            # earlier savepoint of this same group commit, which no read sees until the
            # group commits (and which would fail our insert before it does).
            known = await _find_view(session, channel, external_id)
            if known is not None:
                return known
            person = Person(
                display_name=display_name[:120],
                language=normalize_locale(language_hint),
                created_at=uow.now(),
            )
            session.add(person)
            await session.flush()
            session.add(
                PersonChannel(person_id=person.id, channel=channel, external_id=external_id)
            )
            return _view(person)
    except IntegrityError:
        # PostgreSQL: the twin's transaction committed before our insert was refused.
        async with uow.read() as session:
            known = await _find_view(session, channel, external_id)
            assert known is not None, "the racing insert committed this identity"
            return known


async def set_language(
    uow: UnitOfWork, *, channel: str, external_id: int, language: str
) -> PersonView:
    """Remember the person's own choice of language.

    Raises unsupported_language, unknown_person."""
    if language not in LOCALES:
        raise UnsupportedLanguage(language=language)
    async with uow.write() as session:
        person = await _find(session, channel, external_id)
        if person is None:
            raise UnknownPerson()
        person.language = language
        person.language_chosen = True
        return _view(person)
