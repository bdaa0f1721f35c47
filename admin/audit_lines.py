"""The audit trail in words a staff member reads: who did what to whom, in the page's
language. The trail itself keeps codes (rewards.audit); the words come from the catalogues
(audit.did.<action>, audit.kind.<kind>)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.i18n import Translator
from rewards.audit import AuditPage, AuditRow


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str | None  # None: the system
    what: str
    whom: str
    reason: str


def audit_lines(t: Translator, page: AuditPage) -> list[AuditLine]:
    return [
        AuditLine(
            row.id, row.at, row.actor, _what(t, row, page), _whom(t, row, page), row.reason or ""
        )
        for row in page.rows
    ]


def _what(t: Translator, row: AuditRow, page: AuditPage) -> str:
    key = f"audit.did.{row.action}"
    words = t(key) if t.has(key) else row.action
    paid, unit = row.details.get("paid"), row.details.get("point_type")
    if row.action.startswith("points.") and isinstance(paid, int) and isinstance(unit, str):
        words += f" {paid:+d} {_point_type(t, unit, page)}"
    label = t.pick(str(row.details.get("action") or ""), row.details.get("action_en"))
    return f"{words} · {label}" if label else words


def _whom(t: Translator, row: AuditRow, page: AuditPage) -> str:
    kind, _, value = row.target.partition(":")
    if row.subject is not None:
        return row.subject
    if kind == "point_type":
        return _point_type(t, value, page)
    key = f"audit.kind.{kind}"
    return f"{t(key)} {value}" if t.has(key) else row.target


def _point_type(t: Translator, code: str, page: AuditPage) -> str:
    name, name_en = page.point_types.get(code, (code, None))
    return t.pick(name, name_en)
