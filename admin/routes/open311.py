"""Open311 GeoReport v2, read-only and public, in JSON: `services.json`,
`requests.json` (filtered by service code, status and dates, newest 1000) and one
request. Listed in `/openapi.json`. Errors come as GeoReport's list of code and
description, not as the panel's pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from admin.deps import Uow
from admin.params import MAX_ID
from rewards.cases.open311 import (
    RequestFilter,
    ServiceRequest,
    service_request,
    service_requests,
    services,
)
from rewards.errors import NotFound

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SERVICE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")  # as categories are coded


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


@router.get("/requests.json", response_model=list[RequestOut], responses=ERRORS)
async def requests_json(request: Request, uow: Uow) -> JSONResponse | list[RequestOut]:
    query = request.query_params
    status = query.get("status")
    if status not in (None, "open", "closed"):
        return _error(400, "status is open or closed")
    try:
        start, end = _when(query.get("start_date")), _when(query.get("end_date"))
    except ValueError:
        return _error(400, "start_date and end_date are ISO 8601 date-times with a zone")
    code = query.get("service_code")
    if code is not None and not SERVICE_CODE.fullmatch(code):
        return _error(400, "no such service_code")
    where = RequestFilter(code, status, start, end)
    return [_out(found) for found in await service_requests(uow, where=where)]


@router.get("/requests/{request_id}.json", response_model=list[RequestOut], responses=ERRORS)
async def request_json(request_id: str, uow: Uow) -> JSONResponse | list[RequestOut]:
    if not request_id.isdigit() or not 1 <= int(request_id) <= MAX_ID:
        return _error(404, "no such service request")
    try:
        return [_out(await service_request(uow, case_id=int(request_id)))]
    except NotFound:
        return _error(404, "no such service request")


def _when(text: str | None) -> datetime | None:
    """An ISO 8601 instant; one without a zone is refused (whose midnight would it be?)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


def _service(code: str, name: str, name_en: str | None) -> ServiceOut:
    return ServiceOut(
        service_code=code, service_name=name, description=name_en or name, metadata=False,
        type="realtime", keywords=code, group="随手拍",
    )  # fmt: skip


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
