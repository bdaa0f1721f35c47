"""Every web request has an id: the client's X-Request-ID when it is sane, else a new one;
the response carries it back and every line logged while handling it names it."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from core.logs import log_context_fields

log = logging.getLogger("moralbank.test.web")


@pytest.fixture
def logging_panel(panel: FastAPI) -> FastAPI:
    """The panel with one route more that logs while it works, as any route may."""

    async def work(name: str) -> dict[str, str]:
        log.info("working on %s", name)
        await asyncio.sleep(0.02)  # other requests run meanwhile
        log.info("done with %s", name)
        return {"name": name}

    panel.add_api_route("/logged/{name}", work)
    return panel


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_the_clients_request_id_comes_back_and_names_every_line(
    logging_panel: FastAPI, client: httpx.AsyncClient, json_logs: io.StringIO
) -> None:
    response = await client.get("/logged/a", headers={"X-Request-ID": "edge-0123456789abcdef"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "edge-0123456789abcdef"
    logged = [line for line in lines(json_logs) if line["logger"] == log.name]
    assert [line["message"] for line in logged] == ["working on a", "done with a"]
    assert {line["request_id"] for line in logged} == {"edge-0123456789abcdef"}
    assert log_context_fields() == {}  # nothing left behind once the request is done


@pytest.mark.parametrize(
    "offered",
    [
        None,
        "",
        "short",
        "has spaces in it",
        "x" * 200,
        "<script>alert(1)</script>",
        "é".encode() * 10,
    ],
)
async def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(
    logging_panel: FastAPI,
    client: httpx.AsyncClient,
    json_logs: io.StringIO,
    offered: str | bytes | None,
) -> None:
    raw = offered.encode() if isinstance(offered, str) else offered
    headers = [] if raw is None else [(b"X-Request-ID", raw)]
    response = await client.get("/logged/b", headers=headers)
    given = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)
    assert {line["request_id"] for line in lines(json_logs) if line["logger"] == log.name} == {
        given
    }


async def test_requests_at_the_same_time_each_name_their_own_lines(
    logging_panel: FastAPI, client: httpx.AsyncClient, json_logs: io.StringIO
) -> None:
    names = [f"n{i}" for i in range(5)]
    responses = await asyncio.gather(
        *(
            client.get(f"/logged/{name}", headers={"X-Request-ID": f"req-{name}-0000"})
            for name in names
        )
    )
    assert [r.headers["x-request-id"] for r in responses] == [f"req-{n}-0000" for n in names]
    for line in lines(json_logs):
        if line["logger"] == log.name:
            name = line["message"].rsplit(" ", 1)[1]
            assert line["request_id"] == f"req-{name}-0000"


async def test_every_page_and_refusal_carries_its_id(client: httpx.AsyncClient) -> None:
    for path in ("/login", "/healthz", "/no/such/page", "/residents/1"):
        response = await client.get(path, headers={"X-Request-ID": "trace-abcdef12"})
        assert response.headers["x-request-id"] == "trace-abcdef12", path
