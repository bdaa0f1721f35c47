"""Every parameter of every panel route, fed what attackers and accidents send: the answer
is a 4xx page (never a 5xx), and input that is refused changes nothing in the database.
The routes and their parameters are read from the app, so a new route is walked too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from core.uow import UnitOfWork
from moralbank.schema import product_metadata
from rewards.points.corrections import adjust
from tests.admin.conftest import RECORDS_REFUSALS, alert_text, csrf_of, log_in
from tests.rewards.community import PASSWORD, ZONE, Community, build_community

TOO_BIG = str(2**63)
BAD_NUMBERS = [TOO_BIG, "-1", "0", "1" + "0" * 30, "1e3", "١٢"]
BAD_TEXTS = ["a\x00b", "a\x1bb", "x" * 5000, "𝔘𝔫𝔦 مرحبا 🙂 \u202e", "' OR 1=1 --", "<b>&"]
BAD_DAYS = ["0001-01-01", "9999-12-31", "2026-02-30"]
DAY_FIELDS = {"since", "until", "valid_from", "valid_to"}

# Routes that read their form themselves (a form of many optional fields) declare no
# parameters; their fields are named here.
FORM_FIELDS_READ_BY_HAND = {
    "/rules/save": {
        "code": "sweep",
        "unit": "community",
        "category": "clean",
        "point_type": "moral",
        "action": "打扫楼道",
        "points": "5",
        "awarder_roles": "grid_worker",
        "valid_from": "",
        "valid_to": "",
        "reason": "check",
        "intent": "preview",
    }
}


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path, query or form
    annotation: Any


def page_routes(app: FastAPI) -> Iterator[APIRoute]:
    """The app's routes, through routers included into it."""
    pending = list(app.routes)
    while pending:
        route = pending.pop(0)
        if isinstance(route, APIRoute):
            yield route
        pending[0:0] = getattr(getattr(route, "original_router", None), "routes", [])


def params_of(route: APIRoute) -> list[Param]:
    dependant = route.dependant
    found = [Param(p.name, "path", p.field_info.annotation) for p in dependant.path_params]
    found += [Param(p.name, "query", p.field_info.annotation) for p in dependant.query_params]
    found += [Param(p.name, "form", p.field_info.annotation) for p in dependant.body_params]
    for name in FORM_FIELDS_READ_BY_HAND.get(route.path, {}):
        found.append(Param(name, "form", str))
    return found


def bad_values(param: Param) -> list[str]:
    if param.name in DAY_FIELDS:
        return BAD_DAYS + BAD_TEXTS[:2]
    kinds = {param.annotation, *get_args(param.annotation)}
    if int in kinds or any(int in get_args(kind) for kind in kinds):
        return BAD_NUMBERS + BAD_TEXTS[:1]
    return BAD_TEXTS


async def table_counts(uow: UnitOfWork) -> dict[str, int]:
    async with uow.read() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in product_metadata().sorted_tables
            if table.name not in RECORDS_REFUSALS
        }


@pytest.fixture
async def community(uow: UnitOfWork) -> Community:
    return await build_community(uow)


def valid_values(community: Community, change_id: int) -> dict[str, str]:
    """A value for each parameter name that the route would take, so that the bad value
    under test is the only thing wrong with a request."""
    return {
        "person_id": str(community.alice),
        "household_id": "1",
        "change_id": str(change_id),
        "decision": "approve",
        "broadcast_id": "1",
        "action": "pause",
        "code": "sweep",
        "q": "Alice",
        "page": "0",
        "rule": "sweep",
        "request_key": "walk",
        "point_type": "moral",
        "points": "1",
        "reason": "walk",
        "note": "",
        "text": "hello",
        "role": "residents",
        "intent": "preview",
        "locale": "en",
        "back": "/",
        "username": "nobody",
        "password": "not the password",
    }


def build_request(
    route: APIRoute, params: list[Param], values: dict[str, str], csrf: str
) -> tuple[str, str, dict[str, str], dict[str, str]]:
    path = route.path
    query: dict[str, str] = {}
    form: dict[str, str] = {"csrf_token": csrf, **FORM_FIELDS_READ_BY_HAND.get(route.path, {})}
    for param in params:
        value = values.get(param.name, "1")
        if param.where == "path":
            path = path.replace("{" + param.name + "}", quote(value, safe=""))
        elif param.where == "query":
            query[param.name] = value
        else:
            form[param.name] = value
    methods = route.methods or {"GET"}
    method = "GET" if "GET" in methods else sorted(methods)[0]
    return method, path, query, form


async def test_no_parameter_of_any_route_turns_bad_input_into_a_server_error(
    panel: FastAPI, client: httpx.AsyncClient, uow: UnitOfWork, community: Community
) -> None:
    pending = await adjust(
        uow,
        staff=community.grid1,
        person_id=community.alice,
        point_type="moral",
        points=300,
        reason="a large one, waiting",
        request_key="pending",
        approval_above=50,
        zone=ZONE,
    )
    assert (await log_in(client, "deputy", PASSWORD)).status_code == 303
    csrf = await csrf_of(client, "/")
    walked = 0
    for route in page_routes(panel):
        if route.path in ("/logout", "/login"):
            continue  # walked without a session below
        params = params_of(route)
        for param in params:
            for bad in bad_values(param):
                values = {**valid_values(community, pending.id), param.name: bad}
                before = await table_counts(uow)
                method, path, query, form = build_request(route, params, values, csrf)
                response = await client.request(
                    method, path, params=query, data=form if method == "POST" else None
                )
                where = f"{method} {route.path} {param.name}={bad[:20]!r}"
                assert response.status_code < 500, where
                if response.status_code >= 400 and method == "POST":
                    assert await table_counts(uow) == before, where
                walked += 1
    assert walked > 150, "the walk found too few parameters: did the routes move?"


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize("bad", BAD_TEXTS)
async def test_the_login_form_refuses_bad_text_with_a_page(
    client: httpx.AsyncClient, uow: UnitOfWork, community: Community, field: str, bad: str
) -> None:
    before = await table_counts(uow)
    form = {"username": "deputy", "password": PASSWORD, field: bad}
    response = await client.post("/login", data={**form, "csrf_token": await csrf_of(client)})
    assert response.status_code < 500
    if "\x00" in bad or "\x1b" in bad:
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
        assert await table_counts(uow) == before


@pytest.mark.parametrize(
    "path",
    [
        "/residents?q=a%00b",
        f"/residents/{TOO_BIG}",
        "/residents/1?page=99999999999999999999",
        "/audit?until=9999-12-31",
        "/audit?since=0001-01-01",
    ],
)
async def test_the_issues_examples_are_answered_with_a_page(
    client: httpx.AsyncClient, community: Community, path: str
) -> None:
    assert (await log_in(client, "deputy", PASSWORD)).status_code == 303
    response = await client.get(path)
    assert response.status_code < 500
    assert "text/html" in response.headers["content-type"]
    assert 'action="/logout"' in response.text  # the error page keeps the menu and logout


async def test_a_rule_dated_year_one_is_refused_in_the_form(
    client: httpx.AsyncClient, uow: UnitOfWork, community: Community
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    before = await table_counts(uow)
    form = {**FORM_FIELDS_READ_BY_HAND["/rules/save"], "intent": "save"}
    for day in ("0001-01-01", "9999-12-31"):
        form["valid_from"] = day
        response = await client.post(
            "/rules/save", data={**form, "csrf_token": await csrf_of(client, "/rules/new")}
        )
        assert response.status_code == 400
        assert await table_counts(uow) == before


async def test_another_grids_ids_answer_as_ids_that_do_not_exist(
    client: httpx.AsyncClient, uow: UnitOfWork, community: Community
) -> None:
    """grid1's worker asks for Bob (grid 2) and for people who are not there: the same
    status and the same page, so ids cannot be probed."""
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    csrf = await csrf_of(client, "/")
    missing = community.bob + 1000
    answers = []
    for person in (community.bob, missing):
        page = await client.get(f"/residents/{person}")
        verify = await client.post(f"/residents/{person}/verify", data={"csrf_token": csrf})
        answers.append((page.status_code, alert_text(page.text), verify.status_code))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403
