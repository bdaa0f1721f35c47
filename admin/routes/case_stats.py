"""Statistics of cases for a period: a page with its charts drawn on the server, and the
same figures as an XLSX workbook."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from admin.charts import bar_chart
from admin.dates import typed_period
from admin.deps import CurrentStaff, Uow, Zone
from admin.downloads import XLSX, attachment
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.i18n import Translator
from core.spreadsheets import Cell, Sheet, workbook_of
from rewards.cases.statistics import COUNTED, CaseStatistics, Figures, case_statistics

router = page_router()
GROUPS = ("grids", "communities", "categories", "handlers")
COLUMNS = ("name", "reported", "closed", "closure_rate", "acknowledge_hours", "close_hours",
           "satisfaction", "ratings")  # fmt: skip


@router.get("/cases/stats")
async def stats_page(
    request: Request, staff: CurrentStaff, uow: Uow, zone: Zone, start: str = "", end: str = ""
) -> Response:
    t = translator_for(request, staff.language)
    first, last, mistyped = typed_period(start, end, uow.now(), zone)
    stats = await case_statistics(uow, staff=staff, start=first, end=last, zone=zone)
    by_state = stats.total.by_state
    states = [(t(f"cases.state.{s}"), float(by_state.get(s, 0))) for s in COUNTED]
    rates = [(g.name, g.closure_rate or 0.0) for g in stats.grids]
    return render(
        request, "case_stats.html", t, staff=staff, stats=stats, mistyped=mistyped,
        groups=GROUPS, columns=COLUMNS,
        states_chart=bar_chart(states, title=t("stats.by_state")),
        closure_chart=bar_chart(rates, title=t("stats.closure_by_grid"), percent=True),
    )  # fmt: skip


@router.get("/cases/stats.xlsx")
async def stats_xlsx(
    request: Request, staff: CurrentStaff, uow: Uow, zone: Zone, start: str = "", end: str = ""
) -> Response:
    t = translator_for(request, staff.language)
    first, last, _ = typed_period(start, end, uow.now(), zone)
    stats = await case_statistics(uow, staff=staff, start=first, end=last, zone=zone)
    body = workbook_of(_sheets(t, stats))
    return attachment(body, XLSX, f"cases-{first}-{last}.xlsx")


def _sheets(t: Translator, stats: CaseStatistics) -> list[Sheet]:
    """A sheet for the total and one for each grouping: the page's columns, then the
    number of cases in each state."""
    headings = [t(f"stats.col.{c}") for c in COLUMNS] + [t(f"cases.state.{s}") for s in COUNTED]
    sheets: list[Sheet] = [(t("stats.total"), headings, [_cells(stats.total, t("stats.total"))])]
    english = t.locale.startswith("en")
    for group in GROUPS:
        rows = [
            _cells(figures, figures.name_en if english else None)
            for figures in getattr(stats, group)
        ]
        sheets.append((t(f"stats.{group}"), headings, rows))
    return sheets


def _cells(figures: Figures, name: str | None = None) -> list[Cell]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return [
        name or figures.name, figures.reported, figures.closed, rounded(figures.closure_rate),
        rounded(figures.acknowledge_hours), rounded(figures.close_hours),
        rounded(figures.satisfaction), figures.ratings,
        *(figures.by_state.get(state, 0) for state in COUNTED),
    ]  # fmt: skip
