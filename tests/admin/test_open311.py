"""The Open311 GeoReport v2 endpoints, checked against the specification's field names
and types: services from the categories, requests from reported cases (open or closed,
filtered, newest first), one request, errors as GeoReport's list; drafts and withdrawn
reports never shown, and nothing about the people in it anywhere; listed in the OpenAPI
document."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.cases.models import KnownPlace
from rewards.cases.reporting import (
    add_photo,
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
    unsent = await open_draft(uow, person_id=people.alice)  # a draft: never shown
    withdrawn = await reported(uow, town, people.alice, town.lamp)
    await steps.withdraw(uow, person_id=people.alice, case_id=withdrawn.id)

    response = await client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    requests = response.json()
    assert [r["service_request_id"] for r in requests] == [str(second.id), str(first.id)]
    for request in requests:
        assert set(request) == REQUEST_FIELDS
        assert request["status"] in ("open", "closed")
        datetime.fromisoformat(request["requested_datetime"])
        datetime.fromisoformat(request["updated_datetime"])
    newest, oldest = requests
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

    closed = (await client.get("/open311/v2/requests.json?status=closed")).json()
    assert [r["service_request_id"] for r in closed] == [str(first.id)]
    lamps = (await client.get("/open311/v2/requests.json?service_code=lamp")).json()
    assert [r["service_request_id"] for r in lamps] == [str(second.id)]
    since = (START + timedelta(minutes=30)).astimezone(ZONE).isoformat()
    recent = (await client.get("/open311/v2/requests.json", params={"start_date": since})).json()
    assert [r["service_request_id"] for r in recent] == [str(second.id)]

    one = await client.get(f"/open311/v2/requests/{second.id}.json")
    assert [r["service_request_id"] for r in one.json()] == [str(second.id)]
    for hidden in (unsent.id, withdrawn.id, 999999, "abc"):
        missing = await client.get(f"/open311/v2/requests/{hidden}.json")
        assert missing.status_code == 404
        assert missing.json() == [{"code": 404, "description": "no such service request"}]
    for bad in ("status=maybe", "start_date=yesterday", "start_date=2026-04-01T00:00:00",
                "service_code=%00"):  # fmt: skip
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
        assert path in paths
