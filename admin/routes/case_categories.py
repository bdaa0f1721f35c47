"""Case categories in the panel: the buttons residents pick a kind of problem from, with
their time targets and the rules their reports earn by; kept by staff who edit rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.cases.categories import CaseCategoryDraft, case_category_rows, save_case_category
from rewards.errors import UnknownRule

router = page_router()


class CategoryForm(CaseCategoryDraft):
    """The form as a browser sends it: an empty rule field means no rule."""

    verify_rule: str | None = None
    resolve_rule: str | None = None


@router.get("/cases/categories")
async def categories(request: Request, staff: CurrentStaff, uow: Uow, edit: str = "") -> Response:
    t = translator_for(request, staff.language)
    rows = await case_category_rows(uow, staff=staff)
    editing = next((row.draft for row in rows if row.draft.code == edit), None)
    return render(
        request, "case_categories.html", t, staff=staff, rows=rows, editing=editing,
        done=request.query_params.get("done") == "saved",
    )  # fmt: skip


@router.post("/cases/categories")
async def save_category(
    request: Request, staff: CurrentStaff, uow: Uow, form: Annotated[CategoryForm, Form()]
) -> Response:
    draft = CaseCategoryDraft.model_validate(
        {**form.model_dump(), "verify_rule": form.verify_rule or None,
         "resolve_rule": form.resolve_rule or None}
    )  # fmt: skip
    try:
        await save_case_category(uow, staff=staff, draft=draft)
    except UnknownRule as error:  # a typo in a rule code: the form again, with its words
        t = translator_for(request, staff.language)
        rows = await case_category_rows(uow, staff=staff)
        return render(
            request, "case_categories.html", t, status_code=400, staff=staff, rows=rows,
            editing=draft, done=False, error=t(f"error.{error.code}", **error.params),
        )  # fmt: skip
    return RedirectResponse("/cases/categories?done=saved", status_code=303)
