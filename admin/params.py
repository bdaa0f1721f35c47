"""What the panel accepts at its edge: bounded ids and pages, and text without control
characters. Input outside these bounds is answered with the "check the form" page before
any service or database sees it (a NUL byte or an id past 2⁶³ made the databases fail)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Form, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field

# Ids are BIGINT on both databases.
MAX_ID = 2**63 - 1
# A statement page past this is far beyond any wallet's history.
MAX_PAGE = 10_000

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # an element of a list of ids in a form
PageQuery = Annotated[int, Query(ge=0, le=MAX_PAGE)]
OlderThanQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]  # a page after this id
# A filter's id: a select's "any" option sends an empty value, which means no filter.
IdFilter = Annotated[str, Query(pattern=r"^([1-9][0-9]{0,17})?$")]
# A number a form may leave blank (no value): digits, or nothing.
OptionalNumber = Annotated[str, Form(pattern=r"^\s*([0-9]{1,12})?\s*$")]


def number_or_none(field: str) -> int | None:
    return int(field) if field.strip() else None


# C0 controls and DEL, but for the tab and line breaks a text area may hold.
_CONTROL = frozenset(chr(code) for code in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}


def has_control_characters(values: Iterable[str]) -> bool:
    return any(not _CONTROL.isdisjoint(value) for value in values)


async def refuse_control_characters(request: Request) -> None:
    """Refuses a request whose path, query or form carries a control character: no field
    of the panel wants one, and PostgreSQL refuses NUL in text outright."""
    values = [request.url.path, *request.query_params.values()]
    if request.method not in ("GET", "HEAD"):
        form = await request.form()
        values += [str(name) for name in form] + [v for v in form.values() if isinstance(v, str)]
    if has_control_characters(values):
        raise RequestValidationError([{"type": "control_character", "loc": ("request",)}])
