"""The Open311 GeoReport v2 endpoints, checked against the specification's field names
and types: services from the categories, requests from reported cases (open or closed,
withdrawn ones closed; filtered, the latest 90 days by default, newest first), one
request, errors as GeoReport's list; drafts never shown, and nothing about the people in
it anywhere; listed in the OpenAPI document."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import quote

import httpx
import pytest

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.cases.models import Case, KnownPlace
from rewards.cases.reporting import (
    add_photo,
    add_proof,
    open_draft,
    set_category,
    set_description,
    set_place,
)
from tests.cases.town import Town, build_town, photo, reported
from tests.rewards.community import START, ZONE

# GeoReport v2, GET Service List and GET Service Requests: every field of a response.
SERVICE_FIELDS = {
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
}  # fmt: skip
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip
# The JSON type of each field: GeoReport's ids and codes are strings, times are W3C
# date-times, coordinates are numbers; None where a field may be empty.
REQUEST_TYPES: dict[str, tuple[type | None, ...]] = {
    "service_request_id": (str,), "status": (str,), "status_notes": (str, None),
    "service_name": (str, None), "service_code": (str, None), "description": (str, None),
    "agency_responsible": (str, None), "service_notice": (str, None),
    "requested_datetime": (str,), "updated_datetime": (str,), "expected_datetime": (str, None),
    "address": (str, None), "address_id": (str, None), "zipcode": (str, None),
    "lat": (float, None), "long": (float, None), "media_url": (str, None),
}  # fmt: skip

# Arguments answered with GeoReport's 400: unknown statuses and codes, times without a
# zone or that are no times, spans past 90 days or backwards, and ones that overflow.
REFUSED = [
    "status=maybe",
    "status=open,maybe",
    "service_code=%00",
    "service_code=lamp,%00",
    "service_request_id=1,x",
    "start_date=yesterday",
    "start_date=2026-04-01T00:00:00",
    "start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z",
    "start_date=2026-04-02T00:00:00Z&end_date=2026-04-01T00:00:00Z",
    "end_date=0001-01-01T00:00:00Z",
    "start_date=9999-12-31T00:00:00Z",
]


def check_request(request: dict[str, object]) -> None:
    assert set(request) == REQUEST_FIELDS
    for field, value in request.items():
        kinds = REQUEST_TYPES[field]
        assert (value is None and None in kinds) or any(
            kind is not None and isinstance(value, kind) for kind in kinds
        ), (field, value)
    assert request["status"] in ("open", "closed")
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        moment = request[field]
        if isinstance(moment, str):
            assert datetime.fromisoformat(moment).tzinfo is not None, field


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def test_services_are_the_active_categories(client: httpx.AsyncClient, town: Town) -> None:
    response = await client.get("/open311/v2/services.json")
    assert response.status_code == 200
    listed = response.json()
    assert [s["service_code"] for s in listed] == ["litter", "lamp"]
    for service in listed:
        assert set(service) == SERVICE_FIELDS
        assert all(isinstance(service[f], str) for f in SERVICE_FIELDS - {"metadata"})
        assert service["metadata"] is False
        assert service["type"] in ("realtime", "batch", "blackbox")
    assert listed[0]["service_name"] == "垃圾乱堆"


async def test_requests_carry_the_spec_fields_and_nothing_personal(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, clock: FrozenClock
) -> None:
    people = town.people
    first = await reported(uow, town, people.alice, town.litter)
    clock.advance(timedelta(hours=1))
    async with uow.write() as session:
        gate = KnownPlace(
            org_unit_id=people.units["community"].id, name="东门", latitude=40.1, longitude=116.1
        )
        session.add(gate)
    draft = await open_draft(uow, person_id=people.bob)
    await add_photo(uow, person_id=people.bob, case_id=draft.id, photo=photo(77))
    await set_place(uow, person_id=people.bob, case_id=draft.id, place_id=gate.id)
    await set_description(
        uow, person_id=people.bob, case_id=draft.id, text="Bob 13800138000 住3号楼"
    )
    await set_category(uow, person_id=people.bob, case_id=draft.id, category_id=town.lamp)
    second = await steps.submit(uow, person_id=people.bob, case_id=draft.id)
    await steps.reject(
        uow,
        staff=people.admin,
        case_id=first.id,
        version=None,
        reason="invalid",
        note="Alice 说错了",
    )
    withdrawn = await reported(uow, town, people.alice, town.lamp)
    await steps.withdraw(uow, person_id=people.alice, case_id=withdrawn.id)
    unsent = await open_draft(uow, person_id=people.bob)  # a draft: never shown
    await add_photo(uow, person_id=people.bob, case_id=unsent.id, photo=photo(78))
    assert unsent.id not in (first.id, second.id, withdrawn.id)

    response = await client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    requests = response.json()
    listed = [r["service_request_id"] for r in requests]
    assert listed == [str(withdrawn.id), str(second.id), str(first.id)]
    for request in requests:
        check_request(request)
    taken_back, newest, oldest = requests
    assert taken_back["status"] == "closed"
    assert (newest["status"], newest["service_code"], newest["address"]) == (
        "open",
        "lamp",
        "东门",
    )
    assert (newest["lat"], newest["long"]) == (40.1, 116.1)
    assert newest["agency_responsible"] == "grid-2"
    assert oldest["status"] == "closed"  # rejected
    everything = json.dumps(requests, ensure_ascii=False)
    for personal in ("Alice", "Bob", "13800138000", "3号楼", "Admin", "说错了"):
        assert personal not in everything
    assert str(unsent.id) not in [r["service_request_id"] for r in requests]

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.text
        return [int(r["service_request_id"]) for r in response.json()]

    assert await ids("status=closed") == [withdrawn.id, first.id]
    assert await ids("status=open") == [second.id]
    assert await ids("status=open,closed") == [withdrawn.id, second.id, first.id]
    assert await ids("service_code=lamp") == [withdrawn.id, second.id]
    assert await ids("service_code=lamp,litter&status=open") == [second.id]
    since = (START + timedelta(minutes=30)).astimezone(ZONE).isoformat()
    assert await ids(f"start_date={quote(since)}") == [withdrawn.id, second.id]
    assert await ids(f"end_date={quote(since)}") == [first.id]
    assert await ids(f"service_request_id={first.id},{unsent.id}&status=open") == [first.id]

    one = await client.get(f"/open311/v2/requests/{second.id}.json")
    assert [r["service_request_id"] for r in one.json()] == [str(second.id)]
    check_request(one.json()[0])
    gone = (await client.get(f"/open311/v2/requests/{withdrawn.id}.json")).json()
    assert [(r["service_request_id"], r["status"]) for r in gone] == [
        (str(withdrawn.id), "closed")
    ]
    for hidden in (unsent.id, 999999, "abc", "١٢", "9" * 30):
        missing = await client.get(f"/open311/v2/requests/{hidden}.json")
        assert missing.status_code == 404
        assert missing.json() == [{"code": 404, "description": "no such service request"}]
    for bad in REFUSED:
        refused = await client.get(f"/open311/v2/requests.json?{bad}")
        assert refused.status_code == 400
        assert refused.json()[0]["code"] == 400


async def test_the_openapi_document_lists_the_three_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests/{request_id}.json",
    ):
        assert "get" in paths[path]
    arguments = {p["name"] for p in paths["/open311/v2/requests.json"]["get"]["parameters"]}
    assert arguments == {"service_code", "status", "start_date", "end_date", "service_request_id"}
    assert "/cases/stats" not in paths  # pages are not an API


async def test_the_latest_90_days_by_default_and_a_closed_request_updated_when_closed(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, clock: FrozenClock
) -> None:
    people = town.people
    old = await reported(uow, town, people.alice, town.litter)
    clock.advance(timedelta(days=91))
    fixed = await reported(uow, town, people.alice, town.litter)
    await steps.verify(uow, staff=people.grid1, case_id=fixed.id, version=None, zone=ZONE)
    await add_proof(uow, staff=people.grid1, case_id=fixed.id, photo=photo(300))
    await steps.resolve(uow, staff=people.grid1, case_id=fixed.id, version=None, zone=ZONE)
    clock.advance(timedelta(hours=2))
    await steps.close(uow, staff=people.admin, case_id=fixed.id, version=None)
    closed_at = clock.now()
    clock.advance(timedelta(days=1))
    await steps.rate(uow, person_id=people.alice, case_id=fixed.id, stars=5, comment=None)

    latest = (await client.get("/open311/v2/requests.json")).json()
    assert [r["service_request_id"] for r in latest] == [str(fixed.id)]
    (request,) = latest
    assert request["status"] == "closed"  # rated
    assert datetime.fromisoformat(request["updated_datetime"]) == closed_at  # not the rating
    async with uow.read() as session:
        case = await session.get(Case, fixed.id)
        assert case is not None
        assert case.updated_at > closed_at
        assert datetime.fromisoformat(request["expected_datetime"]) == case.resolve_by
    since = START.isoformat()
    then = await client.get("/open311/v2/requests.json", params={"start_date": since})
    assert [r["service_request_id"] for r in then.json()] == [str(old.id)]  # 90 days on
    asked = {"start_date": since, "end_date": clock.now().isoformat()}
    too_long = await client.get("/open311/v2/requests.json", params=asked)
    assert too_long.status_code == 400
    assert too_long.json()[0]["description"].startswith("start_date to end_date")
