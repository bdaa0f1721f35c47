"""Snap-and-report cases in the panel: the queue of the cases a staff member may act on,
and one case with its history and the steps they may take (each a form calling one
service, which checks the permissions table at the case's unit and the version the page
was drawn from)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Files, Uow, Zone
from admin.params import MAX_ID, IdFilter, IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.cases import steps
from rewards.cases.abuse import resume_reporting, stop_reporting
from rewards.cases.errors import StepNotAllowed
from rewards.cases.lifecycle import Status, Step
from rewards.cases.photos import MAX_PHOTO_BYTES, keep_photo
from rewards.cases.queue import (
    case_page,
    case_photo_key,
    case_queue,
    case_voice_key,
    queue_filters,
)
from rewards.cases.reporting import MAX_PHOTOS, add_proof

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
    unit: IdFilter = "",
    category: IdFilter = "",
) -> Response:
    t = translator_for(request, staff.language)
    rows = await case_queue(
        uow,
        staff=staff,
        status=status if status in STATUSES else None,
        unit_id=int(unit) if unit else None,
        category_id=int(category) if category else None,
        overdue_only=overdue == "1",
    )
    filters = await queue_filters(uow, staff=staff)
    return render(
        request, "cases.html", t, staff=staff, rows=rows, statuses=STATUSES,
        status=status, overdue=overdue == "1", zone=zone, filters=filters,
        unit=int(unit) if unit else None, category=int(category) if category else None,
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


@router.get("/cases/{case_id}/photos/{index}")
async def photo(
    case_id: IdPath,
    index: Annotated[int, Path(ge=0, lt=2 * MAX_PHOTOS)],
    staff: CurrentStaff,
    uow: Uow,
    files: Files,
) -> Response:
    """A photo of the case, as kept: re-encoded, without the phone's EXIF."""
    key = await case_photo_key(uow, staff=staff, case_id=case_id, index=index)
    # The key names its content for ever, so the browser may keep it; but only privately.
    return Response(
        await files.get(key),
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/cases/{case_id}/voice")
async def voice(case_id: IdPath, staff: CurrentStaff, uow: Uow, files: Files) -> Response:
    """The reporter's voice note (Telegram's Ogg/Opus, which browsers play)."""
    key = await case_voice_key(uow, staff=staff, case_id=case_id)
    return Response(
        await files.get(key),
        media_type="audio/ogg",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.post("/cases/{case_id}/resolve")
async def resolve(
    case_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    files: Files,
    version: Version,
    proof: UploadFile,
    reason: Reason = "",
) -> Response:
    """Resolved with the photo of the fix uploaded in the same form."""
    data = await proof.read(MAX_PHOTO_BYTES + 1)
    kept = await keep_photo(files, data)
    await add_proof(uow, staff=staff, case_id=case_id, photo=kept)
    await steps.resolve(
        uow, staff=staff, case_id=case_id, version=version, zone=zone, note=reason or None
    )
    return RedirectResponse(f"/cases/{case_id}?done=resolve", status_code=303)


@router.post("/residents/{person_id}/reporting/{change}")
async def reporting(
    person_id: IdPath,
    change: Literal["stop", "resume"],
    staff: CurrentStaff,
    uow: Uow,
    reason: Reason = "",
) -> Response:
    """Stop a resident who misuses reporting (with a reason), or let them report again."""
    if change == "stop":
        await stop_reporting(uow, staff=staff, person_id=person_id, reason=reason)
    else:
        await resume_reporting(uow, staff=staff, person_id=person_id)
    return RedirectResponse(f"/residents/{person_id}?done=reporting_{change}", status_code=303)


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
    handler: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """One step, as the page offered it; the service decides whether it may be taken."""
    if step == Step.VERIFY:
        await steps.verify(uow, staff=staff, case_id=case_id, version=version, zone=zone)
    elif step == Step.REJECT:
        await steps.reject(
            uow, staff=staff, case_id=case_id, version=version, reason=kind,
            duplicate_of=duplicate_of, note=reason or None,
        )  # fmt: skip
    elif step == Step.DISPATCH and handler is not None:
        await steps.dispatch(
            uow, staff=staff, case_id=case_id, version=version, handler_id=handler
        )
    elif step == Step.ESCALATE:
        await steps.escalate(uow, staff=staff, case_id=case_id, version=version, reason=reason)
    elif step == Step.CLOSE:
        await steps.close(uow, staff=staff, case_id=case_id, version=version)
    elif step == Step.FOUND_FALSE:
        await steps.found_false(
            uow, staff=staff, case_id=case_id, version=version, reason=reason, zone=zone
        )
    else:  # resolving has its own form (a photo of the fix)
        raise StepNotAllowed(step=step[:16], status="")
    return RedirectResponse(f"/cases/{case_id}?done={step}", status_code=303)
