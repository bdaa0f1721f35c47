"""Every route of the panel × every role: a staff account holding only that role at the
community asks each route, and what it is allowed and refused must be what the
permissions table says. The routes come from the app itself, so a new route without an
entry in ROUTES fails here until someone decides which action it needs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.routing import BaseRoute, Mount, Route

import moralbank.schema  # noqa: F401  (every table module, for the digest below)
from core.db import Database
from core.files import LocalFileStorage
from core.models import Base
from core.uow import UnitOfWork
from rewards.cases.models import CaseCategory, KnownPlace
from rewards.cases.photos import keep_photo, keep_voice
from rewards.cases.queue import SEES_CASES as CASE_ACTIONS
from rewards.cases.reporting import (
    add_photo,
    open_draft,
    set_category,
    set_location,
    set_voice,
)
from rewards.cases.steps import CaseView, submit, verify
from rewards.duty.activities import ActivityDraft, add_shift, save_activity
from rewards.duty.models import DutyShift
from rewards.duty.overview import WORKS_DUTY as DUTY_ACTIONS
from rewards.duty.signups import sign_up
from rewards.messaging.broadcasts import start_broadcast
from rewards.people.residents import found_household
from rewards.points.corrections import adjust
from rewards.points.models import RuleApproval
from rewards.points.rules import save_rule
from rewards.rankings.boards import draft_board, object_to, put_on_notice
from rewards.rankings.models import RankingBoard
from rewards.redemption import checkout as kiosk
from rewards.redemption.catalogue import add_item
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.outlets import add_operator, create_outlet
from rewards.staff.models import Role, StaffAccount, StaffRole
from rewards.staff.permissions import PERMISSIONS, STAFF_ROLES, Action
from rewards.staff.service import create_staff
from tests.admin.conftest import RECORDS_REFUSALS, csrf_of, log_in
from tests.cases.images import camera_jpeg
from tests.rewards.community import (
    APPROVAL_ABOVE,
    PASSWORD,
    ZONE,
    Community,
    build_community,
    make_staff,
    rule,
)


class Public:
    """Anyone may ask (the login page, health)."""


class Staff:
    """Any signed-in account: the home page says who you are and what waits for you."""


PUBLIC, STAFF = Public(), Staff()
Need = Action | frozenset[Action] | Public | Staff
SEES_CASES = frozenset(CASE_ACTIONS)  # any of them shows the queue
WORKS_DUTY = frozenset(DUTY_ACTIONS)


@dataclass(frozen=True)
class Targets:
    """What the routes are asked about: all of it at the walker's community."""

    community: Community
    walker_id: int
    pending_change: int  # +300, asked by someone else, waiting for a second person
    household: int
    broadcast: int  # made by the walker
    posted_change: int  # +5, paid
    pending_rule: int  # a rule version worth +500, asked by someone else, waiting
    kiosk: KioskTargets
    case: CaseView  # Alice's report at grid 1, waiting to be accepted
    working: CaseView  # another of hers, accepted: someone's work now
    place: int  # a known place at the community
    duty: DutyTargets
    rankings: RankingTargets


@dataclass(frozen=True)
class RankingTargets:
    draft: int  # 2025Q4, a draft
    noticed: int  # 2025Q3, its notice over
    objection: int  # Alice's, on the noticed board, unanswered


@dataclass(frozen=True)
class DutyTargets:
    activity: int  # at the community
    shift: int  # started an hour ago, Alice signed up


@dataclass(frozen=True)
class KioskTargets:
    """An outlet at the community whose counter the walker works (listed there, whatever
    their role: the role alone decides), and checkouts another operator started."""

    outlet: int
    item: int  # 1 point, plenty on the shelf
    pay_code: str  # Alice's, for the walker to scan
    open: int  # Alice's pay code scanned, goods not chosen yet
    held: int  # offered, confirmed by Alice in the bot
    offered: int  # offered, nobody confirmed
    completed: int  # paid for, to be refunded
    operator: int  # the other operator's staff id


Request = Callable[[Targets], tuple[str, dict[str, Any] | None]]


def _key() -> str:
    return uuid.uuid4().hex


# (method, path) → what it needs, and the request to make (URL and, for POST, the form).
ROUTES: dict[tuple[str, str], tuple[Need, Request]] = {
    ("GET", "/healthz"): (PUBLIC, lambda x: ("/healthz", None)),
    ("GET", "/openapi.json"): (PUBLIC, lambda x: ("/openapi.json", None)),
    ("GET", "/open311/v2/services.json"): (PUBLIC, lambda x: ("/open311/v2/services.json", None)),
    ("GET", "/open311/v2/requests.json"): (PUBLIC, lambda x: ("/open311/v2/requests.json", None)),
    ("GET", "/open311/v2/requests/{request_id}.json"): (
        PUBLIC,
        lambda x: (f"/open311/v2/requests/{x.case.id}.json", None),
    ),
    ("GET", "/static"): (PUBLIC, lambda x: ("/static/panel.css", None)),
    ("GET", "/login"): (PUBLIC, lambda x: ("/login", None)),
    ("GET", "/guide/residents"): (PUBLIC, lambda x: ("/guide/residents", None)),
    ("POST", "/language"): (PUBLIC, lambda x: ("/language", {"locale": "zh_Hans"})),
    ("GET", "/"): (STAFF, lambda x: ("/", None)),
    ("GET", "/guide/staff"): (STAFF, lambda x: ("/guide/staff", None)),
    ("GET", "/telegram"): (STAFF, lambda x: ("/telegram", None)),
    ("POST", "/telegram/link"): (STAFF, lambda x: ("/telegram/link", {})),
    ("POST", "/telegram/unlink"): (STAFF, lambda x: ("/telegram/unlink", {})),
    ("GET", "/residents"): (Action.SEE_RESIDENTS, lambda x: ("/residents", None)),
    ("GET", "/residents/{person_id}"): (
        Action.SEE_RESIDENTS,
        lambda x: (f"/residents/{x.community.alice}", None),
    ),
    ("POST", "/residents/{person_id}/verify"): (
        Action.VERIFY_RESIDENTS,
        lambda x: (f"/residents/{x.community.carol}/verify", {}),
    ),
    ("POST", "/residents/{person_id}/award"): (
        Action.AWARD_BY_RULE,
        lambda x: (
            f"/residents/{x.community.alice}/award",
            {"rule": "walk", "request_key": _key()},
        ),
    ),
    ("POST", "/residents/{person_id}/adjust"): (
        Action.ADJUST,
        lambda x: (
            f"/residents/{x.community.alice}/adjust",
            {"point_type": "moral", "points": "5", "reason": "帮忙", "request_key": _key()},
        ),
    ),
    ("GET", "/adjustments"): (Action.APPROVE_ADJUSTMENTS, lambda x: ("/adjustments", None)),
    ("POST", "/adjustments/{change_id}/{decision}"): (
        Action.APPROVE_ADJUSTMENTS,
        lambda x: (f"/adjustments/{x.pending_change}/approve", {}),
    ),
    ("GET", "/audit"): (Action.READ_AUDIT, lambda x: ("/audit", None)),
    ("GET", "/households"): (Action.SEE_RESIDENTS, lambda x: ("/households", None)),
    ("GET", "/households/{household_id}"): (
        Action.SEE_RESIDENTS,
        lambda x: (f"/households/{x.household}", None),
    ),
    ("GET", "/rules"): (
        frozenset({Action.READ_RULES, Action.AWARD_BY_RULE}),
        lambda x: ("/rules", None),
    ),
    ("GET", "/rules/new"): (Action.READ_RULES, lambda x: ("/rules/new", None)),
    ("GET", "/rules/{code}/edit"): (Action.EDIT_RULES, lambda x: ("/rules/sweep/edit", None)),
    ("GET", "/rules/{code}/history"): (
        Action.READ_RULES,
        lambda x: ("/rules/sweep/history", None),
    ),
    ("POST", "/rules/save"): (
        Action.EDIT_RULES,
        lambda x: (
            "/rules/save",
            {
                "code": "walked",
                "unit": "community",
                "category": "clean",
                "point_type": "moral",
                "action": "走一圈",
                "points": "2",
                "awarder_roles": "grid_worker",
                "intent": "save",
            },
        ),
    ),
    ("GET", "/broadcasts"): (Action.BROADCAST, lambda x: ("/broadcasts", None)),
    ("POST", "/broadcasts"): (
        Action.BROADCAST,
        lambda x: (
            "/broadcasts",
            {
                "text": "明早停水",
                "units": str(x.community.units["community"].id),
                "intent": "send",
            },
        ),
    ),
    ("GET", "/broadcasts/{broadcast_id}"): (
        Action.BROADCAST,
        lambda x: (f"/broadcasts/{x.broadcast}", None),
    ),
    ("GET", "/broadcasts/{broadcast_id}/progress"): (
        Action.BROADCAST,
        lambda x: (f"/broadcasts/{x.broadcast}/progress", None),
    ),
    ("POST", "/broadcasts/{broadcast_id}/{action}"): (
        Action.BROADCAST,
        lambda x: (f"/broadcasts/{x.broadcast}/pause", {}),
    ),
    ("POST", "/changes/{change_id}/undo"): (
        Action.UNDO_CHANGES,
        lambda x: (f"/changes/{x.posted_change}/undo", {"reason": "记错了"}),
    ),
    ("GET", "/cases"): (SEES_CASES, lambda x: ("/cases", None)),
    ("GET", "/cases/{case_id}"): (SEES_CASES, lambda x: (f"/cases/{x.case.id}", None)),
    ("POST", "/cases/{case_id}/{step}"): (
        Action.HANDLE_CASES,
        lambda x: (f"/cases/{x.case.id}/verify", {"version": str(x.case.version)}),
    ),
    ("GET", "/cases/{case_id}/photos/{index}"): (
        SEES_CASES,
        lambda x: (f"/cases/{x.case.id}/photos/0", None),
    ),
    ("GET", "/cases/places"): (Action.EDIT_RULES, lambda x: ("/cases/places", None)),
    ("GET", "/cases/stats"): (SEES_CASES, lambda x: ("/cases/stats", None)),
    ("GET", "/cases/stats.xlsx"): (SEES_CASES, lambda x: ("/cases/stats.xlsx", None)),
    ("GET", "/cases/categories"): (Action.EDIT_RULES, lambda x: ("/cases/categories", None)),
    ("POST", "/cases/categories"): (
        Action.EDIT_RULES,
        lambda x: ("/cases/categories", {"code": "walk", "name": "走查", "active": "true"}),
    ),
    ("POST", "/cases/places"): (
        Action.EDIT_RULES,
        lambda x: (
            "/cases/places",
            {
                "unit_id": str(x.community.units["community"].id),
                "name": "东门",
                "latitude": "40.0",
                "longitude": "116.0",
            },
        ),
    ),
    ("POST", "/cases/places/{place_id}/retire"): (
        Action.EDIT_RULES,
        lambda x: (f"/cases/places/{x.place}/retire", {}),
    ),
    ("POST", "/residents/{person_id}/reporting/{change}"): (
        Action.TRIAGE_REPORTS,
        lambda x: (f"/residents/{x.community.bob}/reporting/stop", {"reason": "刷屏"}),
    ),
    ("GET", "/cases/{case_id}/voice"): (SEES_CASES, lambda x: (f"/cases/{x.case.id}/voice", None)),
    ("POST", "/cases/{case_id}/resolve"): (
        Action.HANDLE_CASES,
        lambda x: (
            f"/cases/{x.working.id}/resolve",
            {"version": str(x.working.version), "proof": camera_jpeg(99)},
        ),
    ),
    ("GET", "/duty"): (WORKS_DUTY, lambda x: ("/duty", None)),
    ("GET", "/duty/hours.xlsx"): (WORKS_DUTY, lambda x: ("/duty/hours.xlsx", None)),
    ("POST", "/duty/activities"): (
        Action.MANAGE_SHIFTS,
        lambda x: (
            "/duty/activities",
            {
                "code": "walk-patrol",
                "name": "巡逻",
                "place_name": "南门",
                "latitude": "40",
                "longitude": "116",
                "capacity": "5",
                "unit_id": str(x.community.units["community"].id),
            },
        ),
    ),
    ("POST", "/duty/activities/{activity_id}/shifts"): (
        Action.MANAGE_SHIFTS,
        lambda x: (
            f"/duty/activities/{x.duty.activity}/shifts",
            {"day": "2030-01-05", "start": "07:00", "end": "08:00"},
        ),
    ),
    ("POST", "/duty/activities/{activity_id}/poster"): (
        Action.MANAGE_SHIFTS,
        lambda x: (f"/duty/activities/{x.duty.activity}/poster", {}),
    ),
    ("GET", "/duty/shifts/{shift_id}"): (
        Action.CONFIRM_ATTENDANCE,
        lambda x: (f"/duty/shifts/{x.duty.shift}", None),
    ),
    ("POST", "/duty/shifts/{shift_id}/attendance"): (
        Action.CONFIRM_ATTENDANCE,
        lambda x: (f"/duty/shifts/{x.duty.shift}/attendance", {"present": str(x.community.alice)}),
    ),
    ("GET", "/rankings"): (Action.PUBLISH_RANKINGS, lambda x: ("/rankings", None)),
    ("POST", "/rankings/draft"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (
            "/rankings/draft",
            {
                "unit_id": str(x.community.units["community"].id),
                "period": "2025Q1",
                "scope": "household",
            },
        ),
    ),
    ("GET", "/rankings/{board_id}"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.draft}", None),
    ),
    ("POST", "/rankings/{board_id}/notice"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.draft}/notice", {"days": "7"}),
    ),
    ("POST", "/rankings/objections/{objection_id}/answer"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/objections/{x.rankings.objection}/answer", {"text": "已核实"}),
    ),
    ("POST", "/rankings/{board_id}/final"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.noticed}/final", {}),
    ),
    ("POST", "/rankings/{board_id}/publish"): (  # final by the step above, when allowed
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.noticed}/publish", {}),
    ),
    ("POST", "/rankings/{board_id}/award"): (  # published by the step above, when allowed
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.noticed}/award", {"rule": "sweep", "top": "1"}),
    ),
    ("GET", "/rankings/{board_id}/notice.pdf"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.draft}/notice.pdf", None),
    ),
    ("GET", "/rankings/{board_id}/board.xlsx"): (
        Action.PUBLISH_RANKINGS,
        lambda x: (f"/rankings/{x.rankings.draft}/board.xlsx", None),
    ),
    ("GET", "/kiosk"): (Action.REDEEM, lambda x: ("/kiosk", None)),
    ("GET", "/outlets/reports"): (Action.MANAGE_OUTLETS, lambda x: ("/outlets/reports", None)),
    ("GET", "/outlets/fee-offsets"): (
        Action.MANAGE_OUTLETS,
        lambda x: ("/outlets/fee-offsets", None),
    ),
    ("POST", "/outlets/fee-offsets/settle"): (
        Action.MANAGE_OUTLETS,
        lambda x: ("/outlets/fee-offsets/settle", {"ids": "1", "reference": "收据 001"}),
    ),
    ("GET", "/outlets"): (Action.MANAGE_OUTLETS, lambda x: ("/outlets", None)),
    ("POST", "/outlets"): (
        Action.MANAGE_OUTLETS,
        lambda x: (
            "/outlets",
            {"unit_id": str(x.community.units["community"].id), "code": _key(), "name": "店"},
        ),
    ),
    ("GET", "/outlets/{outlet_id}"): (
        Action.MANAGE_OUTLETS,
        lambda x: (f"/outlets/{x.kiosk.outlet}", None),
    ),
    ("POST", "/outlets/{outlet_id}/operators"): (
        Action.MANAGE_OUTLETS,
        lambda x: (f"/outlets/{x.kiosk.outlet}/operators", {"username": "kiosk"}),
    ),
    ("POST", "/outlets/{outlet_id}/operators/{operator_id}/remove"): (
        Action.MANAGE_OUTLETS,
        lambda x: (f"/outlets/{x.kiosk.outlet}/operators/{x.kiosk.operator}/remove", {}),
    ),
    ("POST", "/outlets/{outlet_id}/items"): (
        Action.MANAGE_OUTLETS,
        lambda x: (
            f"/outlets/{x.kiosk.outlet}/items",
            {
                "code": _key(),
                "name": "醋",
                "point_type": "moral",
                "price_points": "2",
                "value_yuan": "2",
                "stock": "5",
            },
        ),
    ),
    ("POST", "/outlets/items/{item_id}"): (
        Action.MANAGE_OUTLETS,
        lambda x: (
            f"/outlets/items/{x.kiosk.item}",
            {"name": "肥皂", "price_points": "1", "value_yuan": "0.5", "active": "on"},
        ),
    ),
    ("POST", "/outlets/items/{item_id}/restock"): (
        Action.MANAGE_OUTLETS,
        lambda x: (f"/outlets/items/{x.kiosk.item}/restock", {"added": "3", "reason": "到货"}),
    ),
    ("POST", "/outlets/{outlet_id}/checkouts/{checkout_id}/refund"): (
        Action.MANAGE_OUTLETS,
        lambda x: (
            f"/outlets/{x.kiosk.outlet}/checkouts/{x.kiosk.completed}/refund",
            {"reason": "退货"},
        ),
    ),
    ("GET", "/outlets/reports/settlement.xlsx"): (
        Action.MANAGE_OUTLETS,
        lambda x: ("/outlets/reports/settlement.xlsx", None),
    ),
    ("GET", "/outlets/reports/stock.xlsx"): (
        Action.MANAGE_OUTLETS,
        lambda x: ("/outlets/reports/stock.xlsx", None),
    ),
    ("GET", "/outlets/reports/liability.xlsx"): (
        Action.MANAGE_OUTLETS,
        lambda x: ("/outlets/reports/liability.xlsx", None),
    ),
    ("GET", "/kiosk/{outlet_id}"): (Action.REDEEM, lambda x: (f"/kiosk/{x.kiosk.outlet}", None)),
    ("POST", "/kiosk/{outlet_id}/scan"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/{x.kiosk.outlet}/scan", {"code": x.kiosk.pay_code}),
    ),
    ("POST", "/kiosk/{outlet_id}/offer"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/{x.kiosk.outlet}/offer", {f"qty_{x.kiosk.item}": "1"}),
    ),
    ("GET", "/kiosk/checkouts/{checkout_id}"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/checkouts/{x.kiosk.held}", None),
    ),
    ("GET", "/kiosk/checkouts/{checkout_id}/qr"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/checkouts/{x.kiosk.offered}/qr", None),
    ),
    ("GET", "/kiosk/checkouts/{checkout_id}/state"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/checkouts/{x.kiosk.held}/state", None),
    ),
    ("POST", "/kiosk/checkouts/{checkout_id}/confirm"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/checkouts/{x.kiosk.open}/confirm", {f"qty_{x.kiosk.item}": "1"}),
    ),
    ("POST", "/kiosk/checkouts/{checkout_id}/complete"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/checkouts/{x.kiosk.held}/complete", {}),
    ),
    ("POST", "/kiosk/checkouts/{checkout_id}/cancel"): (
        Action.REDEEM,
        lambda x: (f"/kiosk/checkouts/{x.kiosk.offered}/cancel", {}),
    ),
    ("GET", "/rule-approvals"): (Action.APPROVE_RULES, lambda x: ("/rule-approvals", None)),
    ("POST", "/rule-approvals/{approval_id}/{decision}"): (
        Action.APPROVE_RULES,
        lambda x: (f"/rule-approvals/{x.pending_rule}/approve", {}),
    ),
    # Asked last by the walk: after it the walker is signed out.
    ("POST", "/login"): (PUBLIC, lambda x: ("/login", {"username": "walker"})),
    ("POST", "/logout"): (PUBLIC, lambda x: ("/logout", {})),
}
LAST = [("POST", "/login"), ("POST", "/logout")]
# The panel's menu: each link and what it needs.
MENU: list[tuple[str, Need]] = [
    (url, ROUTES[("GET", url)][0])
    for url in (
        "/residents",
        "/households",
        "/rules",
        "/adjustments",
        "/broadcasts",
        "/cases",
        "/duty",
        "/rankings",
        "/kiosk",
        "/outlets",
        "/audit",
    )
]


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers; HEAD comes with GET."""
    return _routes(app.routes, "")


def _routes(routes: list[BaseRoute], prefix: str) -> list[tuple[str, str]]:
    found = []
    for route in routes:
        if isinstance(route, Mount):
            found.append(("GET", prefix + route.path))
        elif isinstance(route, Route):
            methods = sorted(route.methods or ())
            found += [(m, prefix + route.path) for m in methods if m != "HEAD"]
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers whole
            inner, context = route.original_router, getattr(route, "include_context")  # noqa: B009
            found += _routes(inner.routes, prefix + context.prefix)
        else:
            pytest.fail(f"a route of an unknown kind: {route!r}")
    return found


def allowed(role: Role, need: Need) -> bool:
    if isinstance(need, Public | Staff):
        return True
    needs = need if isinstance(need, frozenset) else frozenset({need})
    return bool(needs & PERMISSIONS[role])


def test_every_route_has_an_entry_and_every_entry_a_route(panel: FastAPI) -> None:
    routes = set(app_routes(panel))
    assert routes - ROUTES.keys() == set(), "routes without an entry in ROUTES"
    assert ROUTES.keys() - routes == set(), "entries in ROUTES for routes that are gone"


async def digest(database: Database) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of every table: what "nothing changed" is compared with."""
    snapshot = []
    async with database.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in RECORDS_REFUSALS:
                continue
            key = list(table.primary_key.columns) or list(table.columns)
            rows = (await session.execute(select(table).order_by(*key))).all()
            snapshot.append((table.name, [tuple(row) for row in rows]))
    return snapshot


async def make_walker(uow: UnitOfWork, role: Role, unit_id: int) -> int:
    """An account holding only `role` at the community. Roles that are not staff roles
    cannot be given by create_staff; such an account is written as an older version of
    the bank could have left it, to show that the services refuse it anyway."""
    if role in STAFF_ROLES:
        view = await create_staff(
            uow,
            username="walker",
            display_name="Walker",
            password=PASSWORD,
            roles=[(role, unit_id)],
            actor_staff_id=None,
        )
        return view.id
    async with uow.write() as session:
        (template,) = (await session.scalars(select(StaffAccount).limit(1))).all()
        account = StaffAccount(
            username="walker",
            display_name="Walker",
            password_hash=template.password_hash,  # PASSWORD, as every community account
            created_at=uow.now(),
            roles=[StaffRole(role=role, org_unit_id=unit_id)],
        )
        session.add(account)
        await session.flush()
        return account.id


async def prepare(uow: UnitOfWork, role: Role, files: LocalFileStorage) -> Targets:
    town = await build_community(uow)
    every_staff_role = sorted(STAFF_ROLES, key=lambda r: r.value)
    # A rule every staff role may award by, so that awarding depends on the table alone.
    draft = rule(
        "walk", awarder_roles=every_staff_role, valid_from=datetime(2020, 1, 1, tzinfo=UTC)
    )
    await save_rule(uow, staff=town.admin, draft=draft, approval_above=APPROVAL_ABOVE)
    walker = await make_walker(uow, role, town.units["community"].id)
    change = await adjust(
        uow,
        staff=town.admin,
        person_id=town.alice,
        point_type="moral",
        points=300,
        reason="救火",
        request_key="walk-pending",
        approval_above=50,
        zone=ZONE,
    )
    assert change.status == "pending"
    household = await found_household(
        uow, staff=town.admin, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    broadcast = await start_broadcast(
        uow, text="通知", chat_ids=[501], created_by=f"staff:{walker}", actor_staff_id=walker
    )
    posted = await adjust(  # by another person: the admin's day already holds the +300
        uow,
        staff=town.deputy,
        person_id=town.alice,
        point_type="moral",
        points=5,
        reason="扫雪",
        request_key="walk-posted",
        approval_above=50,
        zone=ZONE,
    )
    assert posted.status == "posted"
    big = rule("walk.big", points=500)
    await save_rule(uow, staff=town.admin, draft=big, approval_above=APPROVAL_ABOVE)
    async with uow.read() as session:
        pending_rule = await session.scalar(select(RuleApproval.id))
    assert pending_rule is not None
    counter = await prepare_kiosk(uow, town, walker)
    async with uow.write() as session:
        category = CaseCategory(code="walk", name="走查")
        gate = KnownPlace(
            org_unit_id=town.units["community"].id, name="西门", latitude=40.0, longitude=116.0
        )
        session.add_all([category, gate])
        await session.flush()
        place = gate.id
    case = await prepare_case(uow, town, files, category.id)
    working = await prepare_case(uow, town, files, category.id)
    working = await verify(uow, staff=town.grid1, case_id=working.id, version=None, zone=ZONE)
    return Targets(
        town,
        walker,
        change.id,
        household,
        broadcast,
        posted.id,
        pending_rule,
        counter,
        case,
        working,
        place,
        await prepare_duty(uow, town),
        await prepare_rankings(uow, town),
    )


async def prepare_case(
    uow: UnitOfWork, town: Community, files: LocalFileStorage, category: int
) -> CaseView:
    draft = await open_draft(uow, person_id=town.alice)
    kept = await keep_photo(files, camera_jpeg(draft.id))
    await add_photo(uow, person_id=town.alice, case_id=draft.id, photo=kept)
    await set_location(uow, person_id=town.alice, case_id=draft.id, latitude=40.0, longitude=116.0)
    await set_category(uow, person_id=town.alice, case_id=draft.id, category_id=category)
    voice = await keep_voice(files, b"OggS" + bytes(60))
    await set_voice(uow, person_id=town.alice, case_id=draft.id, voice_key=voice)
    return await submit(uow, person_id=town.alice, case_id=draft.id)


async def prepare_rankings(uow: UnitOfWork, town: Community) -> RankingTargets:
    committee = await make_staff(
        uow, "walk-committee", Role.COMMITTEE_PUBLISHER, town.units["community"]
    )
    unit = town.units["community"].id
    boards = [
        await draft_board(
            uow, staff=committee, unit_id=unit, period=period, scope="resident", zone=ZONE
        )
        for period in ("2025Q4", "2025Q3")
    ]
    await put_on_notice(uow, staff=committee, board_id=boards[1].id, days=1)
    objection = await object_to(
        uow, person_id=town.alice, board_id=boards[1].id, text="我的积分少算了"
    )
    async with uow.write() as session:  # and the notice ran its course
        noticed = await session.get(RankingBoard, boards[1].id)
        assert noticed is not None
        noticed.notice_until = uow.now() - timedelta(minutes=1)
    return RankingTargets(boards[0].id, boards[1].id, objection)


async def prepare_duty(uow: UnitOfWork, town: Community) -> DutyTargets:
    draft = ActivityDraft(
        code="walk-gate", name="东门巡逻", unit_id=town.units["community"].id,
        place_name="东门", latitude=40.0, longitude=116.0, capacity=5,
    )  # fmt: skip
    activity = await save_activity(uow, staff=town.admin, draft=draft)
    starts = uow.now() + timedelta(hours=1)
    shift = await add_shift(
        uow, staff=town.admin, activity_id=activity.id, starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )  # fmt: skip
    await sign_up(uow, person_id=town.alice, shift_id=shift)
    async with uow.write() as session:  # and then it began
        found = await session.get(DutyShift, shift)
        assert found is not None
        found.starts_at, found.ends_at = uow.now() - timedelta(hours=1), uow.now()
    return DutyTargets(activity.id, shift)


async def prepare_kiosk(uow: UnitOfWork, town: Community, walker: int) -> KioskTargets:
    admin, unit = town.admin, town.units["community"]
    outlet = await create_outlet(uow, staff=admin, unit_id=unit.id, code="walk", name="超市")
    operator = await make_staff(uow, "kiosk", Role.KIOSK_OPERATOR, unit)
    for staff_id in (operator.id, walker):
        await add_operator(uow, staff=admin, outlet_id=outlet.id, operator_id=staff_id)
    item = await add_item(
        uow, staff=admin, outlet_id=outlet.id, code="1", name="盐", point_type="moral",
        price_points=1, value_fen=100, stock=50,
    )  # fmt: skip
    scanned = await issue_pay_code(uow, person_id=town.alice)
    opened = await kiosk.scan(
        uow, staff=operator, outlet_id=outlet.id, digits=scanned.digits, address=None, zone=ZONE
    )
    held, offered = [
        await kiosk.offer(
            uow, staff=operator, outlet_id=outlet.id, lines={item.id: 1}, address=None, zone=ZONE
        )
        for _ in range(2)
    ]
    await kiosk.resident_confirm(uow, person_id=town.alice, checkout_id=held.id, zone=ZONE)
    paid = await kiosk.scan(
        uow, staff=operator, outlet_id=outlet.id, address=None, zone=ZONE,
        digits=(await issue_pay_code(uow, person_id=town.alice)).digits,
    )  # fmt: skip
    await kiosk.confirm(
        uow, staff=operator, checkout_id=paid.id, lines={item.id: 1}, address=None, zone=ZONE
    )
    code = await issue_pay_code(uow, person_id=town.alice)
    return KioskTargets(
        outlet.id, item.id, code.digits, opened.id, held.id, offered.id, paid.id, operator.id
    )


def outcome(response: httpx.Response, *, signing_out: bool) -> str:
    if response.status_code == 403:
        return "refused"
    if response.status_code == 303 and response.headers["location"] == "/login":
        return "allowed" if signing_out else "signed out"
    if response.status_code in (200, 303):
        return "allowed"
    return f"unexpected {response.status_code}"


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
async def test_every_route_answers_each_role_as_the_table_says(
    role: Role,
    uow: UnitOfWork,
    database: Database,
    client: httpx.AsyncClient,
    files: LocalFileStorage,
) -> None:
    targets = await prepare(uow, role, files)
    signed_in = await log_in(client, "walker", PASSWORD)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")
    token = await csrf_of(client, "/")
    home = (await client.get("/")).text
    menu = [(f'href="{url}"', need) for url, need in MENU]
    assert [link for link, need in menu if link in home] == [
        link for link, need in menu if allowed(role, need)
    ], "the menu shows what the role may use, and only that"
    order = [key for key in ROUTES if key not in LAST] + LAST
    wrong = []
    for method, path in order:
        need, make = ROUTES[(method, path)]
        url, form = make(targets)
        expected = "allowed" if allowed(role, need) else "refused"
        before = await digest(database) if expected == "refused" else None
        if method == "GET":
            response = await client.get(url)
        else:
            data = dict(form or {})
            if path == "/login":
                data["password"] = PASSWORD
            uploads = {name: value for name, value in data.items() if isinstance(value, bytes)}
            fields = {name: value for name, value in data.items() if name not in uploads}
            response = await client.post(
                url, data={**fields, "csrf_token": token}, files=uploads or None
            )
        got = outcome(response, signing_out=path == "/logout")
        if got != expected:
            wrong.append(f"{method} {path}: expected {expected}, got {got}")
        elif before is not None and await digest(database) != before:
            wrong.append(f"{method} {path}: refused, but the database changed")
        if path == "/login":
            token = await csrf_of(client, "/")  # a new session, a new token
    assert wrong == [], "\n".join(wrong)
