"""Why a ranking step was refused; each `code` has `error.<code>` in the catalogues."""

from __future__ import annotations

from rewards.errors import NotFound, RewardsError


class UnknownPeriod(RewardsError):
    """Not a period name like 2026Q3, 2026-07 or 2026: `params["period"]`."""

    code = "unknown_period"


class UnknownBoard(NotFound):
    code = "unknown_board"


class BoardLocked(RewardsError):
    """The board is `params["status"]`: past drafting, it is never computed again."""

    code = "board_locked"


class BoardStepNotAllowed(RewardsError):
    """The board is `params["status"]`, which this step does not follow."""

    code = "board_step_not_allowed"


class NoticeRunning(RewardsError):
    """Public notice lasts until `params["until"]`; the board is final after that."""

    code = "notice_running"


class ObjectionsOpen(RewardsError):
    """`params["count"]` objections still wait for an answer."""

    code = "objections_open"


class NotOnNotice(RewardsError):
    code = "board_not_on_notice"


class NotPersonal(RewardsError):
    """Points belong to residents: a board of `params["scope"]` (teams, places) pays none."""

    code = "ranking_not_personal"
