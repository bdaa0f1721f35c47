"""Telling the staff who answer for a case, in the Telegram they linked
(rewards.staff.telegram), with buttons for their next steps. A new case goes to the
handlers of its grid; an escalated one to those of the unit it climbed to (or, at the
top, the department handlers above it). Staff without a linked Telegram see it in the
panel's queue only.

Button labels are catalogue keys the sender translates into each staff member's
language; their callback data is "cs:<case>:<step>:<version>", which the bot reads back
(bot.callbacks.CaseStep) and which carries the version the staff member saw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.cases.lifecycle import Status, Step
from rewards.cases.models import Case, CaseCategory
from rewards.messaging.outbox import notify
from rewards.org.models import OrgUnit
from rewards.staff.models import Role, StaffAccount, StaffChat, StaffRole
from rewards.staff.permissions import Action, allows
from rewards.staff.telegram import linked_chats

CALLBACK_PREFIX = "cs"
# The buttons of a freshly reported case (one tap each), and of one that is someone's
# work now (the bot then asks for the photo of the fix, or the reason to pass it up).
NEW_CASE_BUTTONS = ((Step.VERIFY, "cases.button.verify"), (Step.REJECT, "cases.button.reject"))
WORK_BUTTONS = ((Step.RESOLVE, "cases.button.resolve"), (Step.ESCALATE, "cases.button.escalate"))


def step_callback(case_id: int, action: Step, version: int) -> str:
    return f"{CALLBACK_PREFIX}:{case_id}:{action.value}:{version}"


async def tell_handlers(session: AsyncSession, case: Case, now: datetime) -> None:
    """Queue the alert to every linked handler of the case where it is now."""
    handlers = await linked_handlers(session, case)
    if not handlers:
        return
    category = await session.get(CaseCategory, case.category_id) if case.category_id else None
    new = case.status == Status.REPORTED.value
    for chat_id, language in handlers.items():
        english = language.startswith("en")
        name = ""
        if category is not None:
            name = category.name_en if english and category.name_en else category.name
        await notify(
            session,
            chat_id=chat_id,
            key="cases.staff.new" if new else "cases.staff.escalated",
            locale=language,
            now=now,
            params={"number": case.id, "category": name, "description": case.description or ""},
            reply_markup=_keyboard(case, NEW_CASE_BUTTONS if new else WORK_BUTTONS),
        )


async def tell_assignee(session: AsyncSession, case: Case, staff_id: int, now: datetime) -> None:
    """The handler a case was given to, in the Telegram they linked (if they did)."""
    chats = await session.execute(linked_chats().where(StaffChat.staff_id == staff_id))
    for _, chat_id, language in chats:
        await notify(
            session,
            chat_id=chat_id,
            key="cases.staff.assigned",
            locale=str(language),
            now=now,
            params={"number": case.id, "description": case.description or ""},
            reply_markup=_keyboard(case, WORK_BUTTONS),
        )


async def handlers_reaching(session: AsyncSession, unit_path: str) -> list[tuple[int, str]]:
    """(id, name) of the active staff whose role handles cases where `unit_path` is: at
    it or above it in the tree. A case is dispatched to one of them only."""
    rows = await session.execute(
        select(StaffAccount.id, StaffAccount.display_name, StaffRole.role)
        .join(StaffRole, StaffRole.staff_id == StaffAccount.id)
        .join(OrgUnit, OrgUnit.id == StaffRole.org_unit_id)
        .where(StaffAccount.is_active.is_(True), literal(unit_path).startswith(OrgUnit.path))
        .order_by(StaffAccount.display_name, StaffAccount.id)
    )
    found: dict[int, str] = {}
    for staff_id, name, role in rows:
        if allows(role, Action.HANDLE_CASES):
            found.setdefault(staff_id, name)
    return list(found.items())


def _keyboard(case: Case, buttons: tuple[tuple[Step, str], ...]) -> dict[str, Any] | None:
    if not buttons:
        return None
    row = [
        {"text_key": key, "callback_data": step_callback(case.id, action, case.version)}
        for action, key in buttons
    ]
    return {"inline_keyboard": [row]}


async def linked_handlers(
    session: AsyncSession, case: Case, action: Action = Action.HANDLE_CASES
) -> dict[int, str]:
    """Chat → language, of the active staff with a linked Telegram whose role allows
    `action` (handling cases, by default) where the case is: at its very unit, or (at
    the top of the ladder) a department handler above it. Their language is the one
    they chose in the bot, else their account's."""
    path = await session.scalar(select(OrgUnit.path).where(OrgUnit.id == case.unit_id))
    if path is None:
        return {}
    query = (
        linked_chats()
        .add_columns(StaffRole.role)
        .join(StaffRole, StaffRole.staff_id == StaffChat.staff_id)
        .join(OrgUnit, OrgUnit.id == StaffRole.org_unit_id)
    )
    if case.level == "department":  # the department handlers whose place is above it
        query = query.where(
            StaffRole.role == Role.DEPARTMENT_HANDLER, literal(path).startswith(OrgUnit.path)
        )
    else:
        query = query.where(
            StaffRole.org_unit_id == case.unit_id, StaffRole.role != Role.DEPARTMENT_HANDLER
        )
    return {
        chat_id: str(language)
        for _, chat_id, language, role in await session.execute(query)
        if allows(role, action)
    }
