"""Rules as YAML, so that a new community can start from a neighbour's.

An export holds the point types, the categories and the newest version of each rule the
staff member can see. An import puts every rule at the importing unit (the neighbour's
tree is not ours) with its code prefixed by that unit's, adds the point types and
categories it lacks and leaves existing ones alone, and saves each rule as its first or
next version, all through the same services and checks as the panel, so the audit log
tells who brought them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from core.uow import UnitOfWork
from rewards.errors import InvalidRule
from rewards.points.rules import (
    CategoryDraft,
    PointTypeDraft,
    RuleDraft,
    RuleView,
    existing_setup,
    first_field,
    rules_in_reach,
    save_category,
    save_point_type,
    save_rule,
    setup_choices,
)
from rewards.staff.service import StaffView

FORMAT = "moralbank-rules/1"
MAX_BYTES = 1_000_000  # a generous rule book is a few kilobytes
Draft = TypeVar("Draft", PointTypeDraft, CategoryDraft, RuleDraft)


@dataclass(frozen=True)
class Imported:
    point_types: int
    categories: int
    rules: int


async def export_rules(uow: UnitOfWork, *, staff: StaffView) -> str:
    """The rules the staff member can see, with what they need, as YAML."""
    categories, point_types = await setup_choices(uow)
    rules = await rules_in_reach(uow, staff)
    document = {
        "format": FORMAT,
        "point_types": [
            PointTypeDraft.model_validate(kind, from_attributes=True).model_dump()
            for kind in point_types
        ],
        "categories": [
            CategoryDraft.model_validate(category, from_attributes=True).model_dump()
            for category in categories
        ],
        "rules": [_rule_fields(rule) for rule in rules],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _rule_fields(rule: RuleView) -> dict[str, Any]:
    return {
        "code": rule.code,
        "category": rule.category,
        "point_type": rule.point_type,
        "action": rule.action,
        "action_en": rule.action_en,
        "points": rule.points,
        "cap_period": rule.cap_period,
        "cap_points": rule.cap_points,
        "cap_mode": rule.cap_mode,
        "awarder_roles": list(rule.awarder_roles),
        "second_approver": rule.second_approver,
    }


async def import_rules(
    uow: UnitOfWork, *, staff: StaffView, text: str, unit: str, reason: str, approval_above: int
) -> Imported:
    """Bring a rule book in at `unit`; a rule worth more than `approval_above` waits for a
    second staff member, as in the panel. Raises invalid_rule naming the first bad entry
    (nothing is saved then), out_of_scope, unknown_org_unit."""
    point_types, categories, rules = _parse(text, unit, reason)
    done = await existing_setup(uow)
    new_types = [kind for kind in point_types if kind.code not in done.point_types]
    new_categories = [c for c in categories if c.code not in done.categories]
    for kind in new_types:
        await save_point_type(uow, staff=staff, draft=kind)
    for category in new_categories:
        await save_category(uow, staff=staff, draft=category)
    for rule in rules:
        await save_rule(uow, staff=staff, draft=rule, approval_above=approval_above)
    return Imported(len(new_types), len(new_categories), len(rules))


def _parse(
    text: str, unit: str, reason: str
) -> tuple[list[PointTypeDraft], list[CategoryDraft], list[RuleDraft]]:
    """Every entry checked before anything is saved."""
    if len(text.encode()) > MAX_BYTES:
        raise InvalidRule(field="file")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InvalidRule(field="file") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidRule(field="format")
    point_types = [
        _entry(PointTypeDraft, item, f"point_types[{n}]")
        for n, item in enumerate(_list(document, "point_types"))
    ]
    categories = [
        _entry(CategoryDraft, item, f"categories[{n}]")
        for n, item in enumerate(_list(document, "categories"))
    ]
    rules = [
        _entry(RuleDraft, _at_unit(_mapping(item, f"rules[{n}]"), unit, reason), f"rules[{n}]")
        for n, item in enumerate(_list(document, "rules"))
    ]
    return point_types, categories, rules


def _at_unit(item: dict[str, Any], unit: str, reason: str) -> dict[str, Any]:
    """The rule as ours: made at `unit`, its code prefixed with the unit's (rule codes are
    unique in the whole deployment, and the neighbour's rule may live here too)."""
    code = str(item.get("code", ""))
    if not code.startswith(f"{unit}."):
        code = f"{unit}.{code}"
    return {**item, "code": code, "unit": unit, "reason": reason}


def _list(document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name) or []
    if not isinstance(value, list):
        raise InvalidRule(field=name)
    return value


def _mapping(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise InvalidRule(field=where)
    return item


def _entry(kind: type[Draft], item: Any, where: str) -> Draft:
    try:
        return kind.model_validate(_mapping(item, where))
    except ValidationError as error:
        raise InvalidRule(field=f"{where}.{first_field(error)}") from None
