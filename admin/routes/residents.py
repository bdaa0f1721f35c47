"""Residents: search, verify, see a wallet, award by rule, adjust by hand; the changes
waiting for a second staff member; the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.audit_lines import audit_lines
from admin.dates import local_midnight
from admin.deps import CurrentStaff, Uow, Zone
from admin.params import IdPath, OlderThanQuery, PageQuery
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.audit import AUDIT_ACTIONS, search_audit
from rewards.cases.abuse import reporting_stop
from rewards.people.joining import verify_resident
from rewards.people.residents import resident_for_staff, search_residents
from rewards.points.awards import apply_rule
from rewards.points.corrections import adjust, decide, pending_changes, recent_changes
from rewards.points.rules import rules_for, setup_choices
from rewards.points.wallet import holdings_of, my_wallet
from rewards.staff.permissions import Action

router = page_router()
# Messages a redirect may ask the next page to show, by the name in its query string.
DONE = {
    "verified": "residents.done_verified",
    "awarded": "residents.done_awarded",
    "deducted": "residents.done_deducted",
    "adjusted": "residents.done_adjusted",
    "requested": "residents.done_requested",
    "approved": "adjustments.done_approved",
    "rejected": "adjustments.done_rejected",
    "undone": "changes.done_undone",
    "reporting_stop": "reporting.done_stop",
    "reporting_resume": "reporting.done_resume",
}


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


@router.get("/residents")
async def residents(
    request: Request, staff: CurrentStaff, uow: Uow, q: str = "", status: str = ""
) -> Response:
    t = translator_for(request, staff.language)
    rows = await search_residents(uow, staff=staff, query=q[:60], status=status or None)
    holdings = await holdings_of(uow, [row.person_id for row in rows])
    return render(
        request,
        "residents.html",
        t,
        staff=staff,
        rows=rows,
        holdings=holdings,
        q=q,
        status=status,
        done=_done(request),
    )


@router.post("/residents/{person_id}/verify")
async def verify(person_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    await verify_resident(uow, staff=staff, person_id=person_id)
    return RedirectResponse("/residents?done=verified", status_code=303)


@router.get("/residents/{person_id}")
async def resident_page(
    person_id: IdPath,
    request: Request,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    page: PageQuery = 0,
) -> Response:
    t = translator_for(request, staff.language)
    resident = await resident_for_staff(uow, staff=staff, person_id=person_id)
    wallet = await my_wallet(uow, person_id=person_id, locale=t.locale, zone=zone, page=page)
    rules = await rules_for(uow, resident.unit_path, at=uow.now())
    _, point_types = await setup_choices(uow)
    undoable = staff.can(Action.UNDO_CHANGES, resident.unit_path)  # what the page offers
    changes = await recent_changes(uow, staff=staff, person_id=person_id) if undoable else []
    stopped = await reporting_stop(uow, person_id=person_id)
    return render(
        request,
        "resident.html",
        t,
        staff=staff,
        resident=resident,
        wallet=wallet,
        rules=rules,
        point_types=point_types,
        type_names={kind.code: t.pick(kind.name, kind.name_en) for kind in point_types},
        changes=changes,
        reporting_stopped=stopped,
        request_key=uuid.uuid4().hex,  # one per form shown: a second submit is the same change
        done=_done(request),
        zone=zone,
    )


@router.post("/residents/{person_id}/award")
async def award(
    person_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    rule: Annotated[str, Form()],
    request_key: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    change = await apply_rule(
        uow,
        staff=staff,
        person_id=person_id,
        rule_code=rule,
        request_key=f"panel:{request_key}",
        zone=zone,
        note=note.strip() or None,
    )
    done = "deducted" if change.kind == "deduction" else "awarded"
    if change.status == "pending":
        done = "requested"
    return RedirectResponse(f"/residents/{person_id}?done={done}", status_code=303)


@router.post("/residents/{person_id}/adjust")
async def adjust_points(
    person_id: IdPath,
    request: Request,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    point_type: Annotated[str, Form()],
    points: Annotated[int, Form(ge=-1_000_000, le=1_000_000)],
    reason: Annotated[str, Form(max_length=500)],
    request_key: Annotated[str, Form(max_length=64)],
) -> Response:
    change = await adjust(
        uow,
        staff=staff,
        person_id=person_id,
        point_type=point_type,
        points=points,
        reason=reason,
        request_key=f"panel:{request_key}",
        approval_above=request.app.state.settings.adjustment_approval_above,
        zone=zone,
    )
    done = "requested" if change.status == "pending" else "adjusted"
    return RedirectResponse(f"/residents/{person_id}?done={done}", status_code=303)


@router.get("/adjustments")
async def adjustments(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    rows = await pending_changes(uow, staff=staff)
    _, point_types = await setup_choices(uow)
    type_names = {kind.code: t.pick(kind.name, kind.name_en) for kind in point_types}
    return render(
        request, "adjustments.html", t, staff=staff, rows=rows, type_names=type_names,
        done=_done(request),
    )  # fmt: skip


@router.post("/adjustments/{change_id}/{decision}")
async def decide_change(
    change_id: IdPath, decision: str, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    if decision not in ("approve", "reject"):
        return RedirectResponse("/adjustments", status_code=303)
    approve = decision == "approve"
    await decide(uow, staff=staff, change_id=change_id, approve=approve, zone=zone)
    done = "approved" if approve else "rejected"
    return RedirectResponse(f"/adjustments?done={done}", status_code=303)


@router.get("/audit")
async def audit(
    request: Request,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    actor: str = "",
    target: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    before: OlderThanQuery = None,
) -> Response:
    t = translator_for(request, staff.language)
    page = await search_audit(
        uow,
        staff=staff,
        actor=actor[:64],
        target=target[:128],
        action=action[:64],
        since=_day(since, zone),
        until=_day(until, zone, end=True),
        before=before,
    )
    filters = {"actor": actor, "target": target, "action": action, "since": since, "until": until}
    older = None if page.older is None else {**filters, "before": page.older}
    return render(
        request, "audit.html", t, staff=staff, lines=audit_lines(t, page), filters=filters,
        actions=AUDIT_ACTIONS, older=older, zone=zone,
    )  # fmt: skip


def _day(text: str, zone: ZoneInfo, *, end: bool = False) -> datetime | None:
    """A filter's day: its start, or (end) the start of the next; a wrong date is ignored
    rather than refused, as the filters are a search, not a record."""
    try:
        start = local_midnight(text, zone)
    except ValueError:
        return None
    return start + timedelta(days=1) if start is not None and end else start
