"""The demo community of PRODUCT.md, loadable again and again without duplicates.

Grows with each feature: the organisation tree, one staff account per role level, and
the points schemes with residents, households and a quarter of history
(moralbank.demo_points).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from core.uow import UnitOfWork
from moralbank.demo_cases import load_cases_demo
from moralbank.demo_duty import load_duty_demo
from moralbank.demo_points import load_points_demo
from moralbank.demo_shop import load_shop_demo
from rewards.org.models import OrgLevel
from rewards.org.service import add_unit, find_unit
from rewards.staff.models import Role
from rewards.staff.service import (
    StaffView,
    create_staff,
    set_password,
    staff_by_username,
    staff_exists,
)

TREE: tuple[tuple[str, str, OrgLevel, str | None], ...] = (
    ("demo-city", "东山市", OrgLevel.CITY, None),
    ("demo-district", "青石区", OrgLevel.DISTRICT, "demo-city"),
    ("demo-street", "和平街道", OrgLevel.STREET, "demo-district"),
    ("demo-community", "幸福社区", OrgLevel.COMMUNITY, "demo-street"),
    ("demo-grid-1", "第一网格", OrgLevel.GRID, "demo-community"),
    ("demo-grid-2", "第二网格", OrgLevel.GRID, "demo-community"),
    ("demo-grid-3", "第三网格", OrgLevel.GRID, "demo-community"),
    ("demo-grid-1-b1", "1号楼", OrgLevel.BUILDING, "demo-grid-1"),
    ("demo-grid-1-b2", "2号楼", OrgLevel.BUILDING, "demo-grid-1"),
    ("demo-grid-2-b3", "3号楼", OrgLevel.BUILDING, "demo-grid-2"),
    ("demo-grid-3-b4", "4号楼", OrgLevel.BUILDING, "demo-grid-3"),
)


@dataclass(frozen=True)
class DemoStaff:
    username: str
    display_name: str
    role: Role
    unit_code: str


STAFF = (
    DemoStaff("admin", "系统管理员", Role.SUPERADMIN, "demo-city"),
    DemoStaff("shequ", "幸福社区 刘主任", Role.COMMUNITY_STAFF, "demo-community"),
    DemoStaff("wangge1", "第一网格 王网格员", Role.GRID_WORKER, "demo-grid-1"),
    DemoStaff("wangge2", "第二网格 李网格员", Role.GRID_WORKER, "demo-grid-2"),
    DemoStaff("wangge3", "第三网格 赵网格员", Role.GRID_WORKER, "demo-grid-3"),
    DemoStaff("chaoshi", "爱心超市 收银员", Role.KIOSK_OPERATOR, "demo-community"),
)


async def load_demo(
    uow: UnitOfWork, logins_file: Path, zone: ZoneInfo, approval_above: int
) -> dict[str, str]:
    """Create what is missing and return username → password of every demo account.

    Passwords are random and kept in `logins_file` (owner-only), never printed to logs.
    """
    for code, name, level, parent in TREE:
        await add_unit(uow, code=code, name=name, level=level, parent_code=parent)
    known = _read_logins(logins_file)
    for staff in STAFF:
        known[staff.username] = await _ensure_staff(uow, staff, known.get(staff.username))
    _write_logins(logins_file, known)
    views = {staff.username: await staff_by_username(uow, staff.username) for staff in STAFF}
    await load_points_demo(
        uow,
        admin=_present(views["admin"]),
        community=_present(views["shequ"]),
        grid_staff=[_present(views[f"wangge{n}"]) for n in (1, 2, 3)],
        zone=zone,
        approval_above=approval_above,
    )
    await load_shop_demo(uow, manager=_present(views["shequ"]), cashier=_present(views["chaoshi"]))
    await load_cases_demo(uow, admin=_present(views["admin"]))
    await load_duty_demo(uow, admin=_present(views["admin"]))
    return known


def _present(staff: StaffView | None) -> StaffView:
    assert staff is not None, "created just before"
    return staff


async def _ensure_staff(uow: UnitOfWork, staff: DemoStaff, password: str | None) -> str:
    if password and await staff_exists(uow, staff.username):
        return password
    password = secrets.token_urlsafe(12)
    if await staff_exists(uow, staff.username):
        # The logins file was lost: a fresh password is the only way back in.
        await set_password(uow, username=staff.username, password=password, actor_staff_id=None)
        return password
    unit = await find_unit(uow, staff.unit_code)
    await create_staff(
        uow,
        username=staff.username,
        display_name=staff.display_name,
        password=password,
        roles=[(staff.role, unit.id)],
        actor_staff_id=None,
    )
    return password


def _read_logins(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split(maxsplit=1) for line in path.read_text("utf-8").splitlines())
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2 and not pair[0].startswith("#")}


def _write_logins(path: Path, logins: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    lines = ["# Demo panel logins: username password"]
    lines += [f"{username} {password}" for username, password in logins.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
