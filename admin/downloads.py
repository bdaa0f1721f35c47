"""A file the browser saves rather than shows: a workbook or a printable PDF."""

from __future__ import annotations

from fastapi.responses import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    """`filename` is ASCII the caller made (dates, ids), never a user's words."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
