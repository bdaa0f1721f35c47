"""The demo community of PRODUCT.md, loadable again and again without duplicates.

Grows with each feature: the organisation tree, one staff account per role level, the
points schemes with residents, households and a quarter of history (moralbank.demo_points),
the love supermarket and its sales, report categories and reports, patrols and their
shifts, last quarter's ranking boards, newcomers waiting for verification, an adjustment
waiting for a second approver, and Telegram chats for the residents and one grid worker
(moralbank.demo_people), which `moralbank try` plays.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from core.files import FileStorage
from core.uow import UnitOfWork
from moralbank.demo_cases import load_cases_demo
from moralbank.demo_duty import load_duty_demo, load_shifts_demo
from moralbank.demo_people import link_staff_telegram, load_chats, load_newcomers
from moralbank.demo_points import load_points_demo, load_waiting_adjustment
from moralbank.demo_rankings import load_rankings_demo
from moralbank.demo_reports import load_reports_demo
from moralbank.demo_sales import load_sales_demo
from moralbank.demo_shop import load_shop_demo
from rewards.org.models import OrgLevel
from rewards.org.service import add_unit, find_unit
from rewards.people.residents import search_residents
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
    can: str  # what the account is for in the demo, in Chinese
    can_en: str  # and in English

    def describe(self, locale: str) -> str:
        return self.can_en if locale == "en" else self.can


_GRID = (
    "{n}网格：核实居民、按规则加分、调整积分（大额等第二人审批）、处理本网格随手拍、确认值班签到"
)
_GRID_EN = (
    "grid {n}: verify residents, award by rule, adjust points (large changes wait for a "
    "second approver), handle the grid's reports, confirm who came on duty"
)
STAFF = (
    DemoStaff(
        "admin", "系统管理员", Role.SUPERADMIN, "demo-city",
        "全市一切功能：组织架构、账号、规则、审批、广播、排行榜、操作记录",
        "everything in the demo city: the tree, accounts, rules, approvals, broadcasts, "
        "rankings, the audit log",
    ),
    DemoStaff(
        "shequ", "幸福社区 刘主任", Role.COMMUNITY_STAFF, "demo-community",
        "幸福社区：核实居民、审批积分调整（“待审核”里有一笔在等）、积分规则、广播、随手拍结案、"
        "值班排班、爱心超市",
        "the community: verify residents, approve adjustments (one is waiting), rules, "
        "broadcasts, close reports, duty shifts, the love supermarket",
    ),
    DemoStaff(
        "wangge1", "第一网格 王网格员", Role.GRID_WORKER, "demo-grid-1",
        _GRID.format(n="第一") + "；已绑定 Telegram，可在“试用机器人”里扮演",
        _GRID_EN.format(n=1) + "; Telegram linked, playable in `moralbank try`",
    ),
    DemoStaff(
        "wangge2", "第二网格 李网格员", Role.GRID_WORKER, "demo-grid-2",
        _GRID.format(n="第二"), _GRID_EN.format(n=2),
    ),
    DemoStaff(
        "wangge3", "第三网格 赵网格员", Role.GRID_WORKER, "demo-grid-3",
        _GRID.format(n="第三"), _GRID_EN.format(n=3),
    ),
    DemoStaff(
        "chaoshi", "爱心超市 收银员", Role.KIOSK_OPERATOR, "demo-community",
        "爱心超市收银台：扫居民的付款码兑换商品",
        "the love supermarket's counter: scan residents' pay codes",
    ),
)  # fmt: skip


async def load_demo(
    uow: UnitOfWork, logins_file: Path, zone: ZoneInfo, approval_above: int, files: FileStorage
) -> dict[str, str]:
    """Create what is missing and return username → password of every demo account.

    Passwords are random and kept in `logins_file` (owner-only), never printed to logs.
    Photos of the demo's reports go to `files`.
    """
    for code, name, level, parent in TREE:
        await add_unit(uow, code=code, name=name, level=level, parent_code=parent)
    known = _read_logins(logins_file)
    for staff in STAFF:
        known[staff.username] = await _ensure_staff(uow, staff, known.get(staff.username))
    _write_logins(logins_file, known)
    views = {
        staff.username: _present(await staff_by_username(uow, staff.username)) for staff in STAFF
    }
    admin, community = views["admin"], views["shequ"]
    grid_staff = [views[f"wangge{n}"] for n in (1, 2, 3)]
    await load_points_demo(
        uow, admin=admin, community=community, grid_staff=grid_staff, zone=zone,
        approval_above=approval_above,
    )  # fmt: skip
    await load_shop_demo(uow, manager=community, cashier=views["chaoshi"])
    await load_cases_demo(uow, admin=admin)
    await load_duty_demo(uow, admin=admin)
    await load_newcomers(uow)
    grid_one = await search_residents(uow, staff=grid_staff[0], status="verified")
    await load_waiting_adjustment(
        uow, asker=grid_staff[0], person_id=min(row.person_id for row in grid_one), zone=zone,
        approval_above=approval_above,
    )  # fmt: skip
    await load_reports_demo(
        uow, grid_staff=grid_staff, community=community, files=files, zone=zone
    )
    await load_sales_demo(uow, community=community, cashier=views["chaoshi"], zone=zone)
    await load_shifts_demo(uow, admin=admin, grid_worker=grid_staff[0], zone=zone)
    await load_rankings_demo(uow, zone=zone)
    # Last: what happened above is old news, so none of it waits to be sent to these chats.
    await load_chats(uow, staff=admin)
    await link_staff_telegram(uow, staff=grid_staff[0])
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
    """username password lines, each under a comment saying what the account may do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    described = {staff.username: staff for staff in STAFF}
    lines = ["# Demo panel logins: username password"]
    for username, password in logins.items():
        if staff := described.get(username):
            lines.append(f"# {username} · {staff.display_name}: {staff.can} / {staff.can_en}")
        lines.append(f"{username} {password}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
