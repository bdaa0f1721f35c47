"""Fee offsets (抵扣费用) for the property office: the ones due or settled at the outlets a
staff member manages, and marking a batch settled under the office's receipt number."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow, Zone
from admin.params import MAX_ID
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.redemption.fee_offsets import STATUSES, fee_offsets, settle

router = page_router()


@router.get("/outlets/fee-offsets")
async def fee_offsets_page(
    request: Request,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    status: str = "due",
    settled: int | None = None,
    skipped: int | None = None,
) -> Response:
    t = translator_for(request, staff.language)
    status = status if status in STATUSES else "due"
    rows = await fee_offsets(uow, staff=staff, status=status)
    done = None if settled is None else {"settled": settled, "skipped": skipped or 0}
    return render(
        request, "fee_offsets.html", t, staff=staff, rows=rows, status=status,
        statuses=STATUSES, zone=zone, done=done,
    )  # fmt: skip


@router.post("/outlets/fee-offsets/settle")
async def settle_fee_offsets(
    staff: CurrentStaff,
    uow: Uow,
    reference: Annotated[str, Form(max_length=64)],
    ids: Annotated[list[Annotated[int, Form(ge=1, le=MAX_ID)]], Form(max_length=500)],
) -> Response:
    outcome = await settle(uow, staff=staff, offset_ids=ids, reference=reference)
    query = f"settled={outcome.settled}&skipped={outcome.skipped}"
    return RedirectResponse(f"/outlets/fee-offsets?{query}", status_code=303)
