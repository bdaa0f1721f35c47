"""Who may do what: the one table of role × action. Where is the other half of every check:
a role is held at a unit of the tree and reaches only the units below it (`StaffView`).

Services ask `staff.require(Action.X, unit_path)`; lists filter with
`staff.reaches_for(Action.X, column)`. Adapters may ask `staff.may(Action.X)` to decide
what to show (a menu item, a button), never to decide what is allowed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from rewards.staff.models import Role


class Action(enum.StrEnum):
    # People
    SEE_RESIDENTS = "residents.see"  # names, households, wallets; phones masked
    SEE_PHONES = "residents.phones"  # phone numbers in full
    VERIFY_RESIDENTS = "residents.verify"
    # Points
    AWARD_BY_RULE = "points.award"  # a rule's own awarder roles narrow it further
    ADJUST = "points.adjust"  # propose a manual change with a reason
    APPROVE_ADJUSTMENTS = "points.approve"  # the second person for large changes
    UNDO_CHANGES = "points.undo"
    # Rules
    READ_RULES = "rules.read"  # preview a draft against last quarter, read versions
    EDIT_RULES = "rules.edit"  # rules, point types, categories
    APPROVE_RULES = "rules.approve"  # the second person for rules worth more than the threshold
    # Messaging, teams, oversight
    BROADCAST = "broadcasts.send"
    READ_AUDIT = "audit.read"
    MANAGE_TEAMS = "teams.manage"
    MANAGE_STAFF = "staff.manage"  # staff accounts and the organisation tree
    # Redemption
    REDEEM = "kiosk.redeem"  # the kiosk page of one's own outlets: redeem, cancel
    MANAGE_OUTLETS = "outlets.manage"  # outlets, catalogue, stock, refunds
    # Reports (随手拍)
    HANDLE_CASES = "cases.handle"
    ESCALATE_CASES = "cases.escalate"
    TRIAGE_REPORTS = "cases.triage"
    # Duty
    CONFIRM_ATTENDANCE = "duty.confirm"
    MANAGE_SHIFTS = "duty.manage"
    # Rankings
    PUBLISH_RANKINGS = "rankings.publish"  # draft, notice, finalise, publish, objections


_GRID_WORKER = frozenset(
    {
        Action.SEE_RESIDENTS,
        Action.SEE_PHONES,
        Action.VERIFY_RESIDENTS,
        Action.AWARD_BY_RULE,
        Action.ADJUST,
        Action.HANDLE_CASES,
        Action.CONFIRM_ATTENDANCE,
    }
)
_GRID_HEAD = _GRID_WORKER | {
    Action.APPROVE_ADJUSTMENTS,
    Action.UNDO_CHANGES,
    Action.ESCALATE_CASES,
}
_COMMUNITY_STAFF = _GRID_HEAD | {
    Action.READ_RULES,
    Action.EDIT_RULES,
    Action.APPROVE_RULES,
    Action.BROADCAST,
    Action.READ_AUDIT,
    Action.MANAGE_TEAMS,
    Action.MANAGE_OUTLETS,
    Action.TRIAGE_REPORTS,
    Action.MANAGE_SHIFTS,
}

# The truth about what each role may do (PRODUCT.md §2 is where it started). Residents and
# volunteers act for themselves in the bot: they hold no panel rights.
PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    Role.RESIDENT: frozenset(),
    Role.VOLUNTEER: frozenset(),
    Role.BUILDING_HEAD: frozenset({Action.SEE_RESIDENTS, Action.CONFIRM_ATTENDANCE}),
    Role.GRID_WORKER: _GRID_WORKER,
    Role.GRID_HEAD: _GRID_HEAD,
    Role.COMMUNITY_STAFF: _COMMUNITY_STAFF,
    Role.COMMITTEE_PUBLISHER: frozenset({Action.PUBLISH_RANKINGS}),
    Role.KIOSK_OPERATOR: frozenset({Action.REDEEM}),
    Role.DEPARTMENT_HANDLER: frozenset({Action.HANDLE_CASES}),
    # Reads everything below its node and changes nothing, except the points its
    # spot checks give or take, which rules naming the inspector allow (Taiyuan's scheme).
    Role.INSPECTOR: frozenset(
        {
            Action.SEE_RESIDENTS,
            Action.SEE_PHONES,
            Action.READ_RULES,
            Action.READ_AUDIT,
            Action.AWARD_BY_RULE,
        }
    ),
    # Money still needs two people above the threshold: approving one's own change is
    # refused by the service whatever the role.
    Role.SUPERADMIN: frozenset(Action),
}

# Roles a panel account may hold; residents and volunteers use the bot only.
STAFF_ROLES: frozenset[Role] = frozenset(role for role, acts in PERMISSIONS.items() if acts)


def allows(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]
