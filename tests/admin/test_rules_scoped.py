"""Rules pages over HTTP are scoped like the services: a grid worker reads no version
history, no edit form and no preview figures of a rule made elsewhere (the findings)."""

from __future__ import annotations

import httpx
import pytest

from core.uow import UnitOfWork
from rewards.points.rules import save_rule
from tests.admin.conftest import csrf_of, log_in
from tests.rewards.community import APPROVAL_ABOVE, PASSWORD, Community, build_community, rule

REASON = "第二网格内部讨论的理由"


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    """Made before the panel, whose clock stops when it is made."""
    community = await build_community(uow)
    await save_rule(
        uow,
        staff=community.admin,
        draft=rule("g2.sweep", unit="grid-2", reason=REASON),
        approval_above=APPROVAL_ABOVE,
    )
    return community


async def test_a_grid_worker_reads_no_history_or_edit_form_of_another_grids_rule(
    town: Community, client: httpx.AsyncClient
) -> None:
    await log_in(client, "grid1", PASSWORD)
    history = await client.get("/rules/g2.sweep/history")
    assert history.status_code == 403
    assert REASON not in history.text
    edit = await client.get("/rules/g2.sweep/edit")
    assert edit.status_code == 403
    assert 'value="g2.sweep"' not in edit.text  # the form is not filled in


async def test_a_grid_worker_gets_no_preview_figures(
    town: Community, client: httpx.AsyncClient
) -> None:
    await log_in(client, "grid1", PASSWORD)
    token = await csrf_of(client, "/")
    form = {
        "code": "sweep",
        "unit": "community",
        "category": "clean",
        "point_type": "moral",
        "action": "打扫楼道",
        "points": "50",
        "awarder_roles": "grid_worker",
        "intent": "preview",
        "csrf_token": token,
    }
    preview = await client.post("/rules/save", data=form)
    assert preview.status_code == 403
    assert 'class="preview"' not in preview.text


async def test_the_rules_staff_of_the_grid_read_its_history(
    town: Community, client: httpx.AsyncClient
) -> None:
    await log_in(client, "admin", PASSWORD)
    history = await client.get("/rules/g2.sweep/history")
    assert history.status_code == 200
    assert REASON in history.text
