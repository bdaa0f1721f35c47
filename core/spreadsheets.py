"""The reports as XLSX workbooks (openpyxl), for offices that file them in spreadsheets.
Headings come from the caller (in the reader's language); figures stay numbers."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook

Cell = str | int | float | None


Sheet = tuple[str, Sequence[str], Sequence[Sequence[Cell]]]  # title, headings, rows


def workbook(title: str, headings: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    return workbook_of([(title, headings, rows)])


def workbook_of(sheets: Sequence[Sheet]) -> bytes:
    """One sheet for each (title, headings, rows), in order."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, headings, rows in sheets:
        sheet = book.create_sheet(title[:31])  # Excel's limit for a sheet's name
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
