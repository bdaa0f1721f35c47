"""Open311 GeoReport v2, read-only and public, in JSON: `services.json`,
`requests.json` (filtered by service codes, statuses and a span of at most 90 days, the
latest 90 by default, or by request ids; newest 1000) and one request. Listed in
`/openapi.json`. Errors come as GeoReport's list of code and description, not as the
panel's pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from admin.deps import Uow
from admin.params import MAX_ID
from rewards.cases.open311 import (
    MAX_REQUESTS,
    RequestFilter,
    ServiceRequest,
    service_request,
    service_requests,
    services,
    window,
)
from rewards.errors import NotFound

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SERVICE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")  # as categories are coded
STATUSES = ("open", "closed")


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class RequestOut(BaseModel):
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class ErrorOut(BaseModel):
    code: int
    description: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": list[ErrorOut]},
    404: {"model": list[ErrorOut]},
}


@router.get("/services.json", response_model=list[ServiceOut])
async def services_json(uow: Uow) -> list[ServiceOut]:
    return [
        ServiceOut(
            service_code=service.code,
            service_name=service.name,
            description=service.name_en or service.name,
            metadata=False,
            type="realtime",
            keywords=service.code,
            group="随手拍",
        )
        for service in await services(uow)
    ]


# The arguments are plain text, checked here, so that a wrong one is answered in
# GeoReport's error format rather than by the panel's error page.
Listed = Annotated[str | None, Query(description="comma-delimited")]
Moment = Annotated[str | None, Query(description="ISO 8601 with a zone; at most 90 days apart")]


@router.get("/requests.json", response_model=list[RequestOut], responses=ERRORS)
async def requests_json(
    uow: Uow,
    service_code: Listed = None,
    status: Listed = None,
    start_date: Moment = None,
    end_date: Moment = None,
    service_request_id: Listed = None,
) -> JSONResponse | list[RequestOut]:
    """Requests reported in the span asked (the latest 90 days when none is), newest
    first, at most 1000. service_request_id overrides the other arguments."""
    statuses = _listed(status)
    if any(one not in STATUSES for one in statuses):
        return _error(400, "status is open or closed")
    codes = _listed(service_code)
    if not all(SERVICE_CODE.fullmatch(code) for code in codes):
        return _error(400, "no such service_code")
    ids = _listed(service_request_id)
    if len(ids) > MAX_REQUESTS or not all(_is_id(text) for text in ids):
        return _error(400, "service_request_id is a list of request ids")
    try:
        asked = _when(start_date), _when(end_date)
    except ValueError:
        return _error(400, "start_date and end_date are ISO 8601 date-times with a zone")
    try:
        start, end = window(*asked, uow.now())
    except ValueError:
        return _error(400, "start_date to end_date spans at most 90 days, in order")
    where = RequestFilter(start, end, codes, statuses, tuple(int(text) for text in ids))
    return [_out(found) for found in await service_requests(uow, where=where)]


@router.get("/requests/{request_id}.json", response_model=list[RequestOut], responses=ERRORS)
async def request_json(request_id: str, uow: Uow) -> JSONResponse | list[RequestOut]:
    if not _is_id(request_id):
        return _error(404, "no such service request")
    try:
        return [_out(await service_request(uow, case_id=int(request_id)))]
    except NotFound:
        return _error(404, "no such service request")


def _listed(text: str | None) -> tuple[str, ...]:
    """A comma-delimited argument's values; none for an absent or empty one."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) < 20 and 1 <= int(text) <= MAX_ID


def _when(text: str | None) -> datetime | None:
    """An ISO 8601 instant; one without a zone is refused (whose midnight would it be?)."""
    if text is None or not text.strip():
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": code, "description": description}], status_code=code)


def _out(found: ServiceRequest) -> RequestOut:
    return RequestOut(
        service_request_id=str(found.id), status=found.status, status_notes=None,
        service_name=found.service_name, service_code=found.service_code, description=None,
        agency_responsible=found.agency, service_notice=None,
        requested_datetime=found.requested, updated_datetime=found.updated,
        expected_datetime=found.expected, address=found.address,
        address_id=None if found.address_id is None else str(found.address_id),
        zipcode=None, lat=found.latitude, long=found.longitude, media_url=None,
    )  # fmt: skip
