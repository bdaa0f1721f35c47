"""What routes receive: a unit of work, the signed-in staff member, a translator."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from admin.rendering import translator_for
from admin.security import session_expired
from core.files import FileStorage
from core.i18n import Translator
from core.uow import UnitOfWork
from rewards.staff.service import StaffView, get_staff


class LoginRequired(Exception):
    """No valid session: the visitor is sent to the login page."""


def get_uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.database, request.app.state.clock)


Uow = Annotated[UnitOfWork, Depends(get_uow)]


async def get_current_staff(request: Request, uow: Uow) -> StaffView:
    """The staff member of the session, with roles read now (never cached): a deactivated
    account, an expired session or one ended by logout is sent back to the login page."""
    staff_id = request.session.get("staff_id")
    session = request.session
    fresh = not session_expired(session.get("login_at"), session.get("seen_at"), uow.now())
    staff = await get_staff(uow, staff_id) if fresh and isinstance(staff_id, int) else None
    if staff is None or session.get("generation") != staff.session_generation:
        session.clear()
        raise LoginRequired()
    session["seen_at"] = uow.now().timestamp()
    return staff


CurrentStaff = Annotated[StaffView, Depends(get_current_staff)]


def get_visitor_translator(request: Request) -> Translator:
    return translator_for(request)


VisitorT = Annotated[Translator, Depends(get_visitor_translator)]


def get_zone(request: Request) -> ZoneInfo:
    """The community's time zone (settings), for periods and typed dates."""
    return ZoneInfo(request.app.state.settings.time_zone)


Zone = Annotated[ZoneInfo, Depends(get_zone)]


def get_files(request: Request) -> FileStorage:
    """Where photos of cases are kept (settings.files_dir)."""
    files: FileStorage = request.app.state.files
    return files


Files = Annotated[FileStorage, Depends(get_files)]
