"""Volunteer duty in the panel: activities (new or changed, daily times or one-off
shifts), the assembly point's poster as a PDF to print, each shift's roster with its
attendance confirmed in one go, and the volunteer hours of a period as XLSX."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import model_validator

from admin.bot_links import deep_link
from admin.dates import typed_period
from admin.deps import CurrentStaff, Uow, Zone
from admin.downloads import PDF, XLSX, attachment
from admin.params import Id, IdPath
from admin.posters import poster_pdf
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.spreadsheets import Cell, workbook_of
from rewards.duty.activities import (
    MOST_MULTIPLIER,
    ActivityDraft,
    add_shift,
    new_poster,
    save_activity,
)
from rewards.duty.attendance import confirm_attendance, roster
from rewards.duty.overview import duty_overview, volunteer_hours
from rewards.org.service import units_below
from rewards.staff.permissions import Action

router = page_router()


class ActivityForm(ActivityDraft):
    """The form as a browser sends it: daily times one a line, an empty rule for none
    (checked as the form is read: a mistyped time is the "check the form" page)."""

    daily_text: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_the_form(cls, values: Any) -> Any:
        if isinstance(values, dict):
            lines = str(values.get("daily_text") or "").splitlines()
            values = {**values, "daily": tuple(line.strip() for line in lines if line.strip())}
            values["rule_code"] = values.get("rule_code") or None
        return values


@router.get("/duty")
async def duty_page(request: Request, staff: CurrentStaff, uow: Uow, zone: Zone) -> Response:
    t = translator_for(request, staff.language)
    activities = await duty_overview(uow, staff=staff)
    units = await units_below(uow, list(staff.paths_for(Action.MANAGE_SHIFTS)))
    return render(
        request, "duty.html", t, staff=staff, activities=activities, units=units, zone=zone,
        done=request.query_params.get("done") in ("saved", "shift", "confirmed"),
    )  # fmt: skip


@router.post("/duty/activities")
async def save(staff: CurrentStaff, uow: Uow, form: Annotated[ActivityForm, Form()]) -> Response:
    draft = ActivityDraft.model_validate(form.model_dump(exclude={"daily_text"}))
    await save_activity(uow, staff=staff, draft=draft)
    return RedirectResponse("/duty?done=saved", status_code=303)


@router.post("/duty/activities/{activity_id}/shifts")
async def one_off(
    activity_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    day: Annotated[date, Form()],
    start: Annotated[time, Form()],
    end: Annotated[time, Form()],
    multiplier: Annotated[int, Form(ge=1, le=MOST_MULTIPLIER)] = 1,
) -> Response:
    starts_at = datetime.combine(day, start, tzinfo=zone)
    ends_at = datetime.combine(day, end, tzinfo=zone)
    if ends_at <= starts_at:
        ends_at += timedelta(days=1)  # a night patrol past midnight
    await add_shift(
        uow, staff=staff, activity_id=activity_id, starts_at=starts_at, ends_at=ends_at,
        multiplier=multiplier,
    )  # fmt: skip
    return RedirectResponse("/duty?done=shift", status_code=303)


@router.post("/duty/activities/{activity_id}/poster")
async def poster(request: Request, activity_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    """A new poster (the one printed before stops working) as an A4 PDF."""
    t = translator_for(request, staff.language)
    made = await new_poster(uow, staff=staff, activity_id=activity_id)
    link = deep_link(request.app.state.settings.bot_username, made.payload) or made.payload
    pdf = poster_pdf(
        title=made.activity,
        place=t("duty.poster.place", place=made.place),
        lines=[*made.daily, t("duty.poster.scan")],
        link=link,
    )
    return attachment(pdf, PDF, f"poster-{activity_id}.pdf")


@router.get("/duty/shifts/{shift_id}")
async def roster_page(
    request: Request, shift_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    t = translator_for(request, staff.language)
    found = await roster(uow, staff=staff, shift_id=shift_id)
    return render(request, "duty_shift.html", t, staff=staff, roster=found, zone=zone)


@router.post("/duty/shifts/{shift_id}/attendance")
async def attendance(
    shift_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    present: Annotated[list[Id], Form(max_length=1000)] = [],  # noqa: B006 - FastAPI's form default
) -> Response:
    await confirm_attendance(uow, staff=staff, shift_id=shift_id, present=set(present), zone=zone)
    return RedirectResponse(f"/duty/shifts/{shift_id}?done=confirmed", status_code=303)


@router.get("/duty/hours.xlsx")
async def hours(
    request: Request, staff: CurrentStaff, uow: Uow, zone: Zone, start: str = "", end: str = ""
) -> Response:
    """Attended shifts and hours per volunteer and per team, for the days asked (this
    quarter so far by default)."""
    t = translator_for(request, staff.language)
    first, last, _ = typed_period(start, end, uow.now(), zone)
    since = datetime.combine(first, time(), tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    found = await volunteer_hours(uow, staff=staff, since=since, until=until)
    headings = [t(f"duty.hours.{c}") for c in ("name", "teams", "shifts", "hours")]
    people: list[list[Cell]] = [
        [r.name, "、".join(r.teams), r.shifts, r.hours] for r in found.people
    ]
    teams: list[list[Cell]] = [[r.name, None, r.shifts, r.hours] for r in found.teams]
    body = workbook_of(
        [(t("duty.hours.title"), headings, people), (t("duty.hours.by_team"), headings, teams)]
    )
    filename = f"volunteer-hours-{first}-{last}.xlsx"
    return attachment(body, XLSX, filename)
