"""Points rules: the list, the form (with a preview of what a change would have paid last
quarter) and each rule's history of versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from admin.dates import local_midnight
from admin.deps import CurrentStaff, Uow, Zone
from admin.labels import role_name
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.errors import DomainError
from core.uow import UnitOfWork
from rewards.errors import OutOfScope
from rewards.points.periods import PERIODS
from rewards.points.rules import (
    RuleDraft,
    RuleView,
    preview_rule,
    rule_form_choices,
    rule_history,
    rule_to_edit,
    rules_in_reach,
    save_rule,
)
from rewards.staff.models import Role
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

router = page_router()
AWARDER_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_HEAD,
    Role.BUILDING_HEAD,
    Role.COMMUNITY_STAFF,
    Role.INSPECTOR,
    Role.SUPERADMIN,
)


@router.get("/rules")
async def rules_list(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    rules = await rules_in_reach(uow, staff)
    editable = {rule.code for rule in rules if staff.can(Action.EDIT_RULES, rule.unit_path)}
    readable = {rule.code for rule in rules if staff.can(Action.READ_RULES, rule.unit_path)}
    can_add = staff.may(Action.EDIT_RULES)
    return render(
        request,
        "rules.html",
        t,
        staff=staff,
        rules=rules,
        editable=editable,
        readable=readable,
        can_add=can_add,
        now=uow.now(),
    )


@router.get("/rules/new")
async def rule_new(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    return await _form(request, staff, uow, values={"cap_mode": "cut"})


@router.get("/rules/{code}/edit")
async def rule_edit(
    code: str, request: Request, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    rule = await rule_to_edit(uow, staff=staff, code=code)
    return await _form(request, staff, uow, values=_values_of(rule, zone), editing=True)


@router.post("/rules/save")
async def rule_save(request: Request, staff: CurrentStaff, uow: Uow, zone: Zone) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        name: str(value) for name, value in form.items() if name != "awarder_roles"
    }
    values["awarder_roles"] = [str(role) for role in form.getlist("awarder_roles")]
    editing = values.get("editing") == "1"
    try:
        draft = RuleDraft.parse(_draft_input(values, zone))
        if values.get("intent") == "preview":
            preview = await preview_rule(uow, staff=staff, draft=draft, zone=zone)
            return await _form(
                request, staff, uow, values=values, editing=editing, preview=preview
            )
        saved = await save_rule(
            uow,
            staff=staff,
            draft=draft,
            approval_above=request.app.state.settings.adjustment_approval_above,
        )
    except OutOfScope:
        raise  # refused, like every page: not a mistake in the form
    except DomainError as error:
        t = translator_for(request, staff.language)
        message = t(f"error.{error.code}", **error.params)
        return await _form(request, staff, uow, values=values, editing=editing, error=message)
    if saved.pending:
        return RedirectResponse("/rule-approvals?done=requested", status_code=303)
    return RedirectResponse(f"/rules/{draft.code}/history", status_code=303)


@router.get("/rules/{code}/history")
async def rule_versions(code: str, request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    versions = await rule_history(uow, staff=staff, code=code)
    return render(request, "rule_history.html", t, staff=staff, code=code, versions=versions)


async def _form(
    request: Request,
    staff: StaffView,
    uow: UnitOfWork,
    *,
    values: dict[str, Any],
    editing: bool = False,
    **extra: Any,
) -> Response:
    t = translator_for(request, staff.language)
    choices = await rule_form_choices(uow, staff=staff)
    return render(
        request,
        "rule_form.html",
        t,
        status_code=400 if "error" in extra else 200,
        staff=staff,
        values=values,
        editing=editing,
        categories=choices.categories,
        point_types=choices.point_types,
        units=choices.units,
        periods=PERIODS,
        roles=[(role.value, role_name(t, role)) for role in AWARDER_ROLES],
        **extra,
    )


def _values_of(rule: RuleView, zone: ZoneInfo) -> dict[str, Any]:
    """A rule's newest version as the form's fields."""
    return {
        "code": rule.code,
        "unit": rule.unit_code,
        "category": rule.category,
        "point_type": rule.point_type,
        "action": rule.action,
        "action_en": rule.action_en or "",
        "points": str(rule.points),
        "cap_period": rule.cap_period or "",
        "cap_points": "" if rule.cap_points is None else str(rule.cap_points),
        "cap_mode": rule.cap_mode,
        "awarder_roles": list(rule.awarder_roles),
        "second_approver": "1" if rule.second_approver else "",
        "valid_to": rule.valid_to.astimezone(zone).date().isoformat() if rule.valid_to else "",
    }


def _draft_input(values: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The form's strings as RuleDraft's input: empty means "not set"; dates are local
    midnights; a new version takes effect when it is saved unless a date is given."""

    def blank_to_none(name: str) -> Any:
        value = values.get(name, "")
        return value if value != "" else None

    return {
        "code": values.get("code", ""),
        "unit": values.get("unit", ""),
        "category": values.get("category", ""),
        "point_type": values.get("point_type", ""),
        "action": values.get("action", ""),
        "action_en": blank_to_none("action_en"),
        "points": values.get("points", ""),
        "cap_period": blank_to_none("cap_period"),
        "cap_points": blank_to_none("cap_points"),
        "cap_mode": values.get("cap_mode") or "cut",
        "awarder_roles": values.get("awarder_roles", []),
        "second_approver": values.get("second_approver") == "1",
        "valid_from": _local_midnight(values.get("valid_from", ""), zone),
        "valid_to": _local_midnight(values.get("valid_to", ""), zone),
        "reason": blank_to_none("reason"),
    }


def _local_midnight(text: str, zone: ZoneInfo) -> datetime | str | None:
    """A typed day, or the text as typed for the rule's check to name the field."""
    try:
        return local_midnight(text, zone)
    except ValueError:
        return text
