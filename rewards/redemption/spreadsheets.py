"""The reports as XLSX workbooks (openpyxl), for offices that file them in spreadsheets.
Headings come from the caller (in the reader's language); figures stay numbers."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook

Cell = str | int | float | None


def workbook(title: str, headings: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit for a sheet's name
    sheet.append(list(headings))
    for row in rows:
        sheet.append([_safe(cell) for cell in row])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(cell: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula (names are typed by people) is kept
    as text: a leading quote."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    return cell
