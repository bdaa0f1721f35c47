"""Snap-and-report cases in the panel: the queue of the cases a staff member may act on,
and one case with its history and the steps they may take (each a form calling one
service, which checks the permissions table at the case's unit and the version the page
was drawn from)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow, Zone
from admin.params import MAX_ID, IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.cases import steps
from rewards.cases.errors import StepNotAllowed
from rewards.cases.lifecycle import Status, Step
from rewards.cases.queue import case_page, case_queue

router = page_router()
Reason = Annotated[str, Form(max_length=500)]
Version = Annotated[int, Form(ge=1, le=MAX_ID)]
STATUSES = [status.value for status in Status if status is not Status.DRAFT]


@router.get("/cases")
async def queue(
    request: Request,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    status: str = "",
    overdue: str = "",
) -> Response:
    t = translator_for(request, staff.language)
    rows = await case_queue(
        uow,
        staff=staff,
        status=status if status in STATUSES else None,
        overdue_only=overdue == "1",
    )
    return render(
        request, "cases.html", t, staff=staff, rows=rows, statuses=STATUSES,
        status=status, overdue=overdue == "1", zone=zone,
    )  # fmt: skip


@router.get("/cases/{case_id}")
async def case(
    request: Request, case_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    t = translator_for(request, staff.language)
    page = await case_page(uow, staff=staff, case_id=case_id)
    done = request.query_params.get("done", "")
    return render(
        request, "case.html", t, staff=staff, page=page, zone=zone,
        done=done if done in Step.__members__.values() else None,
    )  # fmt: skip


@router.post("/cases/{case_id}/{step}")
async def take_step(
    case_id: IdPath,
    step: str,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    version: Version,
    reason: Reason = "",
    kind: Annotated[str, Form(max_length=16)] = "invalid",
    duplicate_of: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """One step, as the page offered it; the service decides whether it may be taken."""
    if step == Step.VERIFY:
        await steps.verify(uow, staff=staff, case_id=case_id, version=version, zone=zone)
    elif step == Step.REJECT:
        await steps.reject(
            uow, staff=staff, case_id=case_id, version=version, reason=kind,
            duplicate_of=duplicate_of, note=reason or None,
        )  # fmt: skip
    elif step == Step.ESCALATE:
        await steps.escalate(uow, staff=staff, case_id=case_id, version=version, reason=reason)
    elif step == Step.CLOSE:
        await steps.close(uow, staff=staff, case_id=case_id, version=version)
    elif step == Step.FOUND_FALSE:
        await steps.found_false(uow, staff=staff, case_id=case_id, version=version, reason=reason)
    else:  # resolving needs a proof photo, which the bot takes
        raise StepNotAllowed(step=step[:16], status="")
    return RedirectResponse(f"/cases/{case_id}?done={step}", status_code=303)
