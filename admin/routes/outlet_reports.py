"""Reports on the love supermarkets: a day's settlement per outlet, stock levels and the
points the bank owes, as a page and as XLSX workbooks for the office's files."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from admin.dates import local_midnight
from admin.deps import CurrentStaff, Uow, Zone
from admin.downloads import XLSX, attachment
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.spreadsheets import Cell, workbook
from core.uow import UnitOfWork
from rewards.redemption.reports import liabilities, settlements, stock_levels

router = page_router()


def _day(text: str, uow: UnitOfWork, zone: ZoneInfo) -> tuple[date, bool]:
    """The day asked for, or the community's today when the field is blank or not a day
    (then the page says the typed day was not understood)."""
    today = uow.now().astimezone(zone).date()
    try:
        start = local_midnight(text[:32], zone)
    except ValueError:
        return today, True
    return (start.date() if start is not None else today), False


@router.get("/outlets/reports")
async def reports_page(
    request: Request, staff: CurrentStaff, uow: Uow, zone: Zone, day: str = ""
) -> Response:
    t = translator_for(request, staff.language)
    chosen, mistyped = _day(day, uow, zone)
    return render(
        request,
        "outlet_reports.html",
        t,
        staff=staff,
        day=chosen,
        mistyped=mistyped,
        settlements=await settlements(uow, staff=staff, day=chosen, zone=zone),
        stock=await stock_levels(uow, staff=staff),
        owed=await liabilities(uow, staff=staff),
    )


@router.get("/outlets/reports/settlement.xlsx")
async def settlement_xlsx(
    request: Request, staff: CurrentStaff, uow: Uow, zone: Zone, day: str = ""
) -> Response:
    t = translator_for(request, staff.language)
    chosen, _ = _day(day, uow, zone)
    rows: list[list[Cell]] = []
    for s in await settlements(uow, staff=staff, day=chosen, zone=zone):
        outlet = t.pick(s.outlet, s.outlet_en)
        rows.append([outlet, s.day.isoformat(), s.checkouts, s.points, s.value_fen / 100])
        rows += [
            [
                None,
                t.pick(item.name, item.name_en),
                item.quantity,
                item.points,
                item.value_fen / 100,
            ]
            for item in s.items
        ]
    headings = [t(f"reports.col.{c}") for c in ("outlet", "day", "count", "points", "yuan")]
    return _xlsx(t("reports.settlement"), headings, rows, f"settlement-{chosen}.xlsx")


@router.get("/outlets/reports/stock.xlsx")
async def stock_xlsx(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    rows: list[list[Cell]] = [
        [
            t.pick(line.outlet, line.outlet_en),
            t.pick(line.item, line.item_en),
            line.code,
            line.stock,
            line.low_stock_at,
        ]
        for line in await stock_levels(uow, staff=staff)
    ]
    headings = [t(f"reports.col.{c}") for c in ("outlet", "item", "code", "stock", "low_at")]
    return _xlsx(t("reports.stock"), headings, rows, "stock.xlsx")


@router.get("/outlets/reports/liability.xlsx")
async def liability_xlsx(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    rows: list[list[Cell]] = [
        [
            o.community,
            t.pick(o.point_type_name, o.point_type_name_en),
            o.points,
            o.value_fen / 100,
        ]
        for o in await liabilities(uow, staff=staff)
    ]
    headings = [t(f"reports.col.{c}") for c in ("community", "point_type", "points", "yuan")]
    return _xlsx(t("reports.liability"), headings, rows, "liability.xlsx")


def _xlsx(title: str, headings: list[str], rows: list[list[Cell]], filename: str) -> Response:
    return attachment(workbook(title, headings, rows), XLSX, filename)
