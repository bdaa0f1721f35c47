"""A board as the public sees it, in the catalogues' words: the picture posted to chats,
the A4 notice (公示) to pin up, and the workbook. People's names are masked on all three;
what the board decides (the champion, fund shares, warnings) comes with them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from admin.posters import leaderboard_png, notice_pdf
from core.i18n import Translator
from core.spreadsheets import Cell, workbook_of
from rewards.rankings.names import public_name
from rewards.rankings.pages import BoardPage, EntryRow

PICTURE_PLACES = 10  # places on the picture posted to a chat


def board_title(t: Translator, page: BoardPage) -> str:
    row = page.row
    return t(
        "rankings.board_title", period=row.period, unit=row.unit_name,
        scope=t(f"rankings.scope.{row.scope}"),
    )  # fmt: skip


def board_picture(t: Translator, page: BoardPage) -> bytes:
    lines = [_line(t, page, e) for e in page.entries[:PICTURE_PLACES]]
    return leaderboard_png(title=board_title(t, page), lines=lines)


def board_notice(t: Translator, page: BoardPage, zone: ZoneInfo) -> bytes:
    heading = [t(f"rankings.notice_status.{page.row.status}")]
    if page.row.notice_until is not None:
        until = page.row.notice_until.astimezone(zone).date().isoformat()
        heading.append(t("rankings.notice_objections", date=until))
    lines = [
        (t(f"rankings.honour.{page.honour}", name=_name(page, c), points=c.points), True)
        for c in page.decided.champions
    ]
    lines += [(_line(t, page, e), False) for e in page.entries]
    if page.total > len(page.entries):
        lines.append((t("rankings.more_places", count=page.total - len(page.entries)), False))
    lines += [
        (t("rankings.share_line", name=_name(page, e), rank=e.rank, share=share), False)
        for e, share in page.decided.shares
    ]
    lines += [(_warning(t, page, e, flagged), False) for e, flagged in page.decided.warned]
    footer = t("rankings.notice_footer", checksum=page.checksum[:16])
    return notice_pdf(title=board_title(t, page), heading=heading, lines=lines, footer=footer)


def board_workbook(t: Translator, page: BoardPage) -> bytes:
    headings = [t("rankings.rank"), t("rankings.name"), t("rankings.points")]
    places: list[list[Cell]] = [[e.rank, _name(page, e), e.points] for e in page.entries]
    shares: list[list[Cell]] = [
        [e.rank, _name(page, e), e.points, share] for e, share in page.decided.shares
    ]
    warned: list[list[Cell]] = [
        [e.rank, _name(page, e), e.points, t("rankings.flagged") if flagged else None]
        for e, flagged in page.decided.warned
    ]
    return workbook_of(
        [
            (board_title(t, page)[:31], headings, places),
            (t("rankings.fund"), [*headings, t("rankings.share")], shares),
            (t("rankings.warned"), [*headings, t("rankings.flagged")], warned),
        ]
    )


def _line(t: Translator, page: BoardPage, entry: EntryRow) -> str:
    name = _name(page, entry)
    return t("rankings.picture_line", rank=entry.rank, name=name, points=entry.points)


def _warning(t: Translator, page: BoardPage, entry: EntryRow, flagged: bool) -> str:
    key = "rankings.flagged_line" if flagged else "rankings.warned_line"
    return t(key, name=_name(page, entry), rank=entry.rank, points=entry.points)


def _name(page: BoardPage, entry: EntryRow) -> str:
    return public_name(page.row.scope, entry.name)
