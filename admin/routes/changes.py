"""Undoing an award or an adjustment, and the second staff member's decision on rule
versions worth more than the approval threshold."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow, Zone
from admin.params import IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.points.corrections import undo
from rewards.points.rule_approvals import decide_rule, pending_rules

router = page_router()
DONE = {
    "requested": "rules.done_requested",
    "approved": "rule_approvals.done_approved",
    "refused": "rule_approvals.done_refused",
}


@router.post("/changes/{change_id}/undo")
async def undo_change(
    change_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    change = await undo(uow, staff=staff, change_id=change_id, reason=reason, zone=zone)
    return RedirectResponse(f"/residents/{change.person_id}?done=undone", status_code=303)


@router.get("/rule-approvals")
async def rule_approvals(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    rows = await pending_rules(uow, staff=staff)
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "rule_approvals.html", t, staff=staff, rows=rows, done=done)


@router.post("/rule-approvals/{approval_id}/{decision}")
async def decide_rule_version(
    approval_id: IdPath, decision: str, staff: CurrentStaff, uow: Uow
) -> Response:
    if decision not in ("approve", "refuse"):
        return RedirectResponse("/rule-approvals", status_code=303)
    approve = decision == "approve"
    await decide_rule(uow, staff=staff, approval_id=approval_id, approve=approve)
    done = "approved" if approve else "refused"
    return RedirectResponse(f"/rule-approvals?done={done}", status_code=303)
