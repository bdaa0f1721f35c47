"""Setting the points up: point types, categories and rules, each rule edit a new version.

Only staff whose role may edit rules (rewards.staff.permissions) change them, and a rule
only within their part of the organisation tree; reading a rule's versions and previewing
a draft ask for the rules reader's right at the rule's unit. Every change is in the audit
log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import (
    InvalidRule,
    OutOfScope,
    RuleNotInForce,
    UnknownCategory,
    UnknownPointType,
    UnknownRule,
)
from rewards.org.models import OrgUnit
from rewards.org.service import OrgUnitView, get_unit_by_code, units_below
from rewards.people.models import Resident
from rewards.points.models import (
    Category,
    PointChange,
    PointType,
    Rule,
    RuleApproval,
    RuleVersion,
)
from rewards.points.periods import PERIODS, period_start
from rewards.staff.models import Role
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

POINT_TYPE_CODE = r"^[a-z][a-z0-9_]{1,31}$"


def is_point_type_code(text: str) -> bool:
    return re.fullmatch(POINT_TYPE_CODE, text) is not None


class PointTypeDraft(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    code: str = Field(pattern=POINT_TYPE_CODE)
    name: str = Field(min_length=1, max_length=60)
    name_en: str | None = Field(default=None, max_length=60)
    value_fen: int = Field(default=100, ge=0, le=1_000_000)
    redeemable: bool = True
    household_base: int = Field(default=0, ge=0, le=1_000_000)
    expiry_months: int | None = Field(default=None, ge=1, le=120)


class CategoryDraft(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str = Field(min_length=1, max_length=60)
    name_en: str | None = Field(default=None, max_length=60)
    position: int = 0


class RuleDraft(BaseModel):
    """A rule as staff write it (in the panel or in a YAML file); each save is a version."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")
    unit: str = Field(min_length=1, max_length=64)  # the org unit's code
    category: str
    point_type: str
    action: str = Field(min_length=1, max_length=120)
    action_en: str | None = Field(default=None, max_length=120)
    points: int = Field(ge=-100_000, le=100_000)
    cap_period: str | None = None
    cap_points: int | None = Field(default=None, ge=1, le=10_000_000)
    cap_mode: str = Field(default="cut", pattern=r"^(cut|refuse)$")
    awarder_roles: tuple[Role, ...] = (Role.GRID_WORKER, Role.COMMUNITY_STAFF)
    second_approver: bool = False
    valid_from: datetime | None = None  # None: from the moment it is saved
    valid_to: datetime | None = None
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> RuleDraft:
        if self.points == 0:
            raise ValueError("points")
        if (self.cap_period is None) != (self.cap_points is None):
            raise ValueError("cap_period")
        if self.cap_period is not None and self.cap_period not in PERIODS:
            raise ValueError("cap_period")
        if not self.awarder_roles:
            raise ValueError("awarder_roles")
        for moment in (self.valid_from, self.valid_to):
            # Years far off overflow when the databases convert them; nobody means them.
            if moment is not None and (moment.tzinfo is None or not 1900 <= moment.year < 3000):
                raise ValueError("valid_from")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to")
        return self

    @classmethod
    def parse(cls, data: object) -> RuleDraft:
        """Validate untrusted input; raises invalid_rule naming the first bad field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidRule(field=first_field(exc)) from None


def first_field(exc: ValidationError) -> str:
    error = exc.errors()[0]
    if error["loc"]:
        return ".".join(str(part) for part in error["loc"])
    return str(error.get("ctx", {}).get("error", error["msg"]))


@dataclass(frozen=True)
class RuleView:
    code: str
    rule_id: int
    version: int
    version_id: int
    unit_id: int
    unit_code: str
    unit_path: str
    category: str
    category_name: str
    category_name_en: str | None
    point_type: str
    point_type_id: int
    point_type_name: str
    action: str
    action_en: str | None
    points: int
    cap_period: str | None
    cap_points: int | None
    cap_mode: str
    awarder_roles: tuple[str, ...]
    second_approver: bool
    valid_from: datetime
    valid_to: datetime | None
    created_at: datetime
    reason: str | None
    pending: bool = False  # saved, waiting for a second staff member (not in force)
    point_type_name_en: str | None = None

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


def _require_any_rules_role(staff: StaffView) -> None:
    """Point types and categories are shared by the whole deployment: only a rules role at
    the top of the tree (a root unit's path is "/<id>/") decides them."""
    if not any(path.count("/") == 2 for path in staff.paths_for(Action.EDIT_RULES)):
        raise OutOfScope()


async def save_point_type(uow: UnitOfWork, *, staff: StaffView, draft: PointTypeDraft) -> None:
    """Create or change a point type (a change applies from now: postings keep their
    points). Raises out_of_scope."""
    await _save_setup(uow, staff, PointType, draft, "point_type")


async def save_category(uow: UnitOfWork, *, staff: StaffView, draft: CategoryDraft) -> None:
    """Create or rename a category. Raises out_of_scope."""
    await _save_setup(uow, staff, Category, draft, "category")


async def _save_setup(
    uow: UnitOfWork,
    staff: StaffView,
    model: type[PointType] | type[Category],
    draft: PointTypeDraft | CategoryDraft,
    name: str,
) -> None:
    """Insert or update one row of the shared setup by its code, and audit it."""
    _require_any_rules_role(staff)
    async with uow.write() as session:
        found = await session.scalar(select(model).where(model.code == draft.code))
        values = draft.model_dump()
        if found is None:
            extra = {"created_at": uow.now()} if model is PointType else {}
            session.add(model(**values, **extra))
        else:
            for field, value in values.items():
                setattr(found, field, value)
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action=f"{name}.saved",
            target=f"{name}:{draft.code}",
            unit_path=None,  # point types and categories serve the whole bank
            details=values,
        )


async def save_rule(
    uow: UnitOfWork, *, staff: StaffView, draft: RuleDraft, approval_above: int
) -> RuleView:
    """Create the rule, or write its next version. A version worth more than
    `approval_above` points (either way) waits for a second staff member and is not in
    force until approved (`rewards.points.rule_approvals`); the version in force stays.
    Raises out_of_scope, unknown_org_unit, unknown_category, unknown_point_type."""
    waits = abs(draft.points) > approval_above
    async with uow.write() as session:
        now = uow.now()
        unit = await get_unit_by_code(session, draft.unit)
        staff.require(Action.EDIT_RULES, unit.path)
        category = await _category(session, draft.category)
        point_type = await _point_type(session, draft.point_type)
        rule = await session.scalar(select(Rule).where(Rule.code == draft.code).with_for_update())
        if rule is None:
            # current_version 0: nothing in force until the first version is approved.
            rule = Rule(code=draft.code, org_unit_id=unit.id, current_version=0, created_at=now)
            session.add(rule)
            await session.flush()
        else:
            old_unit = await session.get(OrgUnit, rule.org_unit_id)
            assert old_unit is not None
            staff.require(Action.EDIT_RULES, old_unit.path)
        number = await next_version_number(session, rule.id)
        if not waits:
            rule.org_unit_id = unit.id
            rule.current_version = number
        version = RuleVersion(
            rule_id=rule.id,
            version=number,
            category_id=category.id,
            point_type_id=point_type.id,
            action=draft.action,
            action_en=draft.action_en,
            points=draft.points,
            cap_period=draft.cap_period,
            cap_points=draft.cap_points,
            cap_mode=draft.cap_mode,
            awarder_roles=[role.value for role in draft.awarder_roles],
            second_approver=draft.second_approver,
            valid_from=draft.valid_from or now,
            valid_to=draft.valid_to,
            created_at=now,
            created_by_staff_id=staff.id,
            reason=draft.reason,
        )
        session.add(version)
        await session.flush()
        unit_row = await session.get(OrgUnit, unit.id)
        assert unit_row is not None
        if waits:
            session.add(
                RuleApproval(
                    rule_version_id=version.id,
                    org_unit_id=unit_row.id,
                    status="pending",
                    requested_by_staff_id=staff.id,
                    created_at=now,
                )
            )
        record_audit(
            session,
            at=now,
            actor_staff_id=staff.id,
            action="rule.requested" if waits else "rule.saved",
            target=f"rule:{draft.code}",
            unit_path=unit_row.path,
            reason=draft.reason,
            details={"version": version.version, **draft.model_dump(mode="json")},
        )
        view = _rule_view(rule, version, category, point_type, unit_row)
        return replace(view, pending=waits)


async def _category(session: AsyncSession, code: str) -> Category:
    found = await session.scalar(select(Category).where(Category.code == code))
    if found is None:
        raise UnknownCategory(code=code)
    return found


async def _point_type(session: AsyncSession, code: str) -> PointType:
    found = await session.scalar(select(PointType).where(PointType.code == code))
    if found is None:
        raise UnknownPointType(code=code)
    return found


def _rule_view(
    rule: Rule, version: RuleVersion, category: Category, point_type: PointType, unit: OrgUnit
) -> RuleView:
    return RuleView(
        code=rule.code,
        rule_id=rule.id,
        version=version.version,
        version_id=version.id,
        unit_id=rule.org_unit_id,
        unit_code=unit.code,
        unit_path=unit.path,
        category=category.code,
        category_name=category.name,
        category_name_en=category.name_en,
        point_type=point_type.code,
        point_type_id=point_type.id,
        point_type_name=point_type.name,
        point_type_name_en=point_type.name_en,
        action=version.action,
        action_en=version.action_en,
        points=version.points,
        cap_period=version.cap_period,
        cap_points=version.cap_points,
        cap_mode=version.cap_mode,
        awarder_roles=tuple(version.awarder_roles),
        second_approver=version.second_approver,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
        created_at=version.created_at,
        reason=version.reason,
    )


def _versions_query() -> Select[Rule, RuleVersion, Category, PointType, OrgUnit]:
    return (
        select(Rule, RuleVersion, Category, PointType, OrgUnit)
        .join(RuleVersion, RuleVersion.rule_id == Rule.id)
        .join(OrgUnit, OrgUnit.id == Rule.org_unit_id)
        .join(Category, Category.id == RuleVersion.category_id)
        .join(PointType, PointType.id == RuleVersion.point_type_id)
    )


async def current_rule(session: AsyncSession, code: str) -> RuleView:
    """The rule's newest version. Raises unknown_rule."""
    row = (
        await session.execute(
            _versions_query().where(Rule.code == code, RuleVersion.version == Rule.current_version)
        )
    ).one_or_none()
    if row is None:
        if await session.scalar(select(Rule.id).where(Rule.code == code)) is not None:
            raise RuleNotInForce(code=code)  # its first version waits for approval
        raise UnknownRule(code=code)
    return _rule_view(*row)


async def next_version_number(session: AsyncSession, rule_id: int) -> int:
    """After the newest version written: versions waiting for approval sit above the
    rule's current one."""
    newest = await session.scalar(
        select(func.max(RuleVersion.version)).where(RuleVersion.rule_id == rule_id)
    )
    return int(newest or 0) + 1


async def rule_to_edit(uow: UnitOfWork, *, staff: StaffView, code: str) -> RuleView:
    """The rule's current version, to fill the edit form. Raises unknown_rule,
    out_of_scope (the staff member may not edit rules at the rule's unit)."""
    async with uow.read() as session:
        rule = await current_rule(session, code)
    staff.require(Action.EDIT_RULES, rule.unit_path)
    return rule


async def rule_version(session: AsyncSession, version_id: int) -> RuleView:
    """One version as it was written (a pending change is paid under the version it was
    asked under)."""
    row = (await session.execute(_versions_query().where(RuleVersion.id == version_id))).one()
    return _rule_view(*row)


async def rule_history(uow: UnitOfWork, *, staff: StaffView, code: str) -> list[RuleView]:
    """Every version of the rule (with the reasons given), newest first. Raises
    unknown_rule, out_of_scope (the staff member may not read rules at its unit)."""
    async with uow.read() as session:
        rows = (
            await session.execute(
                _versions_query().where(Rule.code == code).order_by(RuleVersion.version.desc())
            )
        ).all()
    if not rows:
        raise UnknownRule(code=code)
    versions = [_rule_view(*row) for row in rows]
    staff.require(Action.READ_RULES, versions[0].unit_path)
    return versions


async def rules_for_person(uow: UnitOfWork, person_id: int, *, at: datetime) -> list[RuleView]:
    """The rules where the person lives; every rule in force for someone who has not
    joined yet (they may look around before they join)."""
    async with uow.read() as session:
        path = await session.scalar(
            select(OrgUnit.path)
            .join(Resident, Resident.org_unit_id == OrgUnit.id)
            .where(Resident.person_id == person_id)
        )
    return await rules_for(uow, path, at=at)


async def rules_for(uow: UnitOfWork, unit_path: str | None, *, at: datetime) -> list[RuleView]:
    """The rules in force for someone living at `unit_path` (made at that unit or above),
    by category, then awards before deductions; every rule for no path."""
    query = (
        _versions_query()
        .where(RuleVersion.version == Rule.current_version)
        .order_by(Category.position, Category.code, RuleVersion.points.desc(), Rule.code)
    )
    if unit_path is not None:
        above = [int(part) for part in unit_path.strip("/").split("/") if part]
        query = query.where(Rule.org_unit_id.in_(above))
    async with uow.read() as session:
        rows = (await session.execute(query)).all()
    return [view for view in (_rule_view(*row) for row in rows) if view.in_force(at)]


@dataclass(frozen=True)
class Setup:
    """The codes of what is set up already (imports and the demo skip those)."""

    point_types: frozenset[str]
    categories: frozenset[str]
    rules: frozenset[str]


async def existing_setup(uow: UnitOfWork) -> Setup:
    async with uow.read() as session:
        return Setup(
            frozenset((await session.scalars(select(PointType.code))).all()),
            frozenset((await session.scalars(select(Category.code))).all()),
            frozenset((await session.scalars(select(Rule.code))).all()),
        )


@dataclass(frozen=True)
class RulePreview:
    """What a rule as drafted would have paid over the last full quarter, next to what it
    did pay: the same acts, the draft's points and cap."""

    since: datetime
    until: datetime
    changes: int
    people: int
    paid: int
    would_pay: int


async def rules_in_reach(uow: UnitOfWork, staff: StaffView) -> list[RuleView]:
    """The current version of every rule made at or below the units where the staff
    member reads rules or awards by them, or above them (those apply there too, but only
    their makers edit them). Raises out_of_scope for a role that does neither: the list
    is what residents read in the bot, but no business of a kiosk."""
    paths = staff.paths_for(Action.READ_RULES) + staff.paths_for(Action.AWARD_BY_RULE)
    if not paths:
        raise OutOfScope()
    return [
        rule
        for rule in await _all_current(uow)
        if any(
            rule.unit_path.startswith(path) or path.startswith(rule.unit_path) for path in paths
        )
    ]


async def _all_current(uow: UnitOfWork) -> list[RuleView]:
    """Every rule's newest version, in force or not, by category."""
    async with uow.read() as session:
        rows = (
            await session.execute(
                _versions_query()
                .where(RuleVersion.version == Rule.current_version)
                .order_by(Category.position, Category.code, RuleVersion.points.desc(), Rule.code)
            )
        ).all()
    return [_rule_view(*row) for row in rows]


async def setup_choices(uow: UnitOfWork) -> tuple[list[Category], list[PointType]]:
    """Categories and point types, for the rule form."""
    async with uow.read() as session:
        categories = (await session.scalars(select(Category).order_by(Category.position))).all()
        types = (await session.scalars(select(PointType).order_by(PointType.id))).all()
    return list(categories), list(types)


async def preview_rule(
    uow: UnitOfWork, *, staff: StaffView, draft: RuleDraft, zone: ZoneInfo
) -> RulePreview:
    """Replay last quarter's acts under this rule (its code) with the draft's points and
    cap. Deductions are counted as asked (the balance of that day is not replayed).
    Raises unknown_org_unit, out_of_scope: the staff member must read rules at the
    draft's unit and at the unit of the rule already saved under that code (its acts are
    what the figures count)."""
    this_quarter = period_start("quarter", uow.now(), zone)
    last_quarter = period_start("quarter", this_quarter - timedelta(seconds=1), zone)
    async with uow.read() as session:
        staff.require(Action.READ_RULES, (await get_unit_by_code(session, draft.unit)).path)
        saved = await session.scalar(
            select(OrgUnit.path)
            .join(Rule, Rule.org_unit_id == OrgUnit.id)
            .where(Rule.code == draft.code)
        )
        if saved is not None:
            staff.require(Action.READ_RULES, saved)
        rows = (
            await session.execute(
                select(PointChange.person_id, PointChange.points, PointChange.created_at)
                .join(RuleVersion, RuleVersion.id == PointChange.rule_version_id)
                .join(Rule, Rule.id == RuleVersion.rule_id)
                .where(
                    Rule.code == draft.code,
                    PointChange.status == "posted",
                    PointChange.created_at >= last_quarter,
                    PointChange.created_at < this_quarter,
                )
                .order_by(PointChange.created_at, PointChange.id)
            )
        ).all()
    used: dict[tuple[int, datetime], int] = {}
    would_pay = 0
    for person_id, _, at in rows:
        amount = draft.points
        if draft.cap_period is not None and draft.cap_points is not None and amount > 0:
            key = (person_id, period_start(draft.cap_period, at, zone))
            left = draft.cap_points - used.get(key, 0)
            amount = (
                0 if amount > left and draft.cap_mode == "refuse" else max(min(amount, left), 0)
            )
            used[key] = used.get(key, 0) + amount
        would_pay += amount
    return RulePreview(
        since=last_quarter,
        until=this_quarter,
        changes=len(rows),
        people=len({person_id for person_id, _, _ in rows}),
        paid=sum(points for _, points, _ in rows),
        would_pay=would_pay,
    )


@dataclass(frozen=True)
class RuleFormChoices:
    categories: list[Category]
    point_types: list[PointType]
    units: list[OrgUnitView]  # where the staff member may preview (and maybe save) a rule


async def rule_form_choices(uow: UnitOfWork, *, staff: StaffView) -> RuleFormChoices:
    """What the rule form offers. Raises out_of_scope for staff who may not even read
    rules: the form is where drafts are previewed, saving checks the editor's right."""
    staff.require_somewhere(Action.READ_RULES)
    categories, point_types = await setup_choices(uow)
    units = await units_below(uow, list(staff.paths_for(Action.READ_RULES)))
    return RuleFormChoices(categories, point_types, units)
