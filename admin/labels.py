"""Names the panel shows for values of the domain, each from the catalogues by its own key.

Spelled out per value (not built from the value) so that every key is visible to the
catalogue check, and a new role fails type checking here until it has a name.
"""

from __future__ import annotations

from typing import assert_never

from core.i18n import Translator
from rewards.staff.models import Role


def role_name(t: Translator, role: Role) -> str:
    match role:
        case Role.RESIDENT:
            return t("role.resident")
        case Role.VOLUNTEER:
            return t("role.volunteer")
        case Role.BUILDING_HEAD:
            return t("role.building_head")
        case Role.GRID_WORKER:
            return t("role.grid_worker")
        case Role.GRID_HEAD:
            return t("role.grid_head")
        case Role.COMMUNITY_STAFF:
            return t("role.community_staff")
        case Role.COMMITTEE_PUBLISHER:
            return t("role.committee_publisher")
        case Role.KIOSK_OPERATOR:
            return t("role.kiosk_operator")
        case Role.DEPARTMENT_HANDLER:
            return t("role.department_handler")
        case Role.INSPECTOR:
            return t("role.inspector")
        case Role.SUPERADMIN:
            return t("role.superadmin")
        case _:
            assert_never(role)
