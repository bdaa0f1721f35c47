"""The audit log as staff read it: who did what to whom in words of the page's language,
newest first, a page at a time, filtered by what was done."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from core.i18n import Catalogues
from core.uow import UnitOfWork
from rewards.audit import AUDIT_ACTIONS
from rewards.points.awards import apply_rule
from tests.admin.conftest import csrf_of, log_in
from tests.rewards.community import PASSWORD, ZONE, Community, build_community

REWARDS = Path(__file__).resolve().parents[2] / "rewards"
# An action code written where the trail is written: record_audit(action=…), or the
# helpers that call it (audit_change, a module's own _audit).
WRITTEN = re.compile(r'(?:action=|audit_change\(.*|_audit\(.*)"([a-z_]+\.[a-z_]+)"')


def test_every_action_the_services_write_is_named_in_both_languages(
    catalogues: Catalogues,
) -> None:
    written = {
        code
        for path in REWARDS.rglob("*.py")
        for line in path.read_text().splitlines()
        for code in WRITTEN.findall(line) + re.findall(r'else "([a-z_]+\.[a-z_]+)"', line)
    }
    assert len(written) > 30  # the scan finds the calls
    assert written <= set(AUDIT_ACTIONS), sorted(written - set(AUDIT_ACTIONS))
    for locale in ("zh_Hans", "en"):
        missing = {f"audit.did.{a}" for a in AUDIT_ACTIONS} - catalogues.keys(locale)
        assert not missing, (locale, sorted(missing))


def rows(page: httpx.Response) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr data-audit=.*?</tr>", page.text, flags=re.S)
    ]


def ids(page: httpx.Response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-audit="(\d+)"', page.text)]


async def test_the_log_reads_as_words_newest_first_a_page_at_a_time(
    uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    town: Community = await build_community(uow)
    for n in range(52):
        await apply_rule(
            uow, staff=town.grid1, person_id=town.alice, rule_code="sweep",
            request_key=f"sweep-{n}", zone=ZONE,
        )  # fmt: skip
    await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="litter", request_key="l",
        zone=ZONE,
    )  # fmt: skip
    await log_in(client, "admin", PASSWORD)
    first = await client.get("/audit")
    lines = rows(first)
    assert len(lines) == 50
    assert "按规则扣分 -3 道德积分" in lines[0]  # the newest: a deduction, not an award
    assert "Alice" in lines[0]
    assert "person:" not in lines[0]
    assert "按规则加分 +5 道德积分" in lines[1]
    older = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)"', first.text)
    assert older is not None, "a link to older entries"
    second_page = await client.get(older.group(1).replace("&amp;", "&"))
    second = rows(second_page)
    assert len(second) > 3
    assert max(ids(second_page)) < min(ids(first))
    assert ids(first) == sorted(ids(first), reverse=True)
    assert any("保存积分类型" in line and "道德积分" in line for line in second)

    token = await csrf_of(client, "/audit")
    await client.post("/language", data={"locale": "en", "back": "/audit", "csrf_token": token})
    english = rows(await client.get("/audit", params={"action": "points.deduction"}))
    assert len(english) == 1
    assert "deducted points by rule -3 Moral" in english[0]
    assert not re.search(r"[\u4e00-\u9fff]", english[0].replace("Alice", "")), english[0]
