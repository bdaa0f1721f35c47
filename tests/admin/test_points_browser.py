"""Editing a rule (with last quarter recalculated first) and a two-person adjustment, in
headless Chromium, as community staff would do them; then what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Account
from ledger.service import balance
from rewards.audit import AuditEntry
from rewards.points.accounts import wallet_code
from rewards.points.awards import apply_rule
from rewards.points.models import Rule
from tests.browser import chromium, log_in, new_page, serve
from tests.rewards.community import ZONE, Community, build_community

pytestmark = pytest.mark.browser


@pytest.fixture
async def town(database: Database) -> Community:
    """Set up a hundred days ago, so that last quarter has history to recalculate."""
    then = FrozenClock(datetime.now(UTC) - timedelta(days=100))
    return await build_community(UnitOfWork(database, then))


async def test_a_rule_is_recalculated_then_saved_as_a_new_version(
    panel: FastAPI, database: Database, town: Community
) -> None:
    for day in range(3):  # three sweeps last quarter, 5 points each
        at = datetime.now(UTC) - timedelta(days=99 - day)
        await apply_rule(
            UnitOfWork(database, FrozenClock(at)),
            staff=town.grid1,
            person_id=town.alice,
            rule_code="sweep",
            request_key=f"q-{day}",
            zone=ZONE,
        )
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "admin")
        await page.get_by_role("link", name="积分规则").click()
        row = page.locator("tr[data-rule=sweep]")
        assert "+5" in await row.inner_text()
        await row.get_by_role("link", name="修改").click()
        await page.get_by_label("积分", exact=True).fill("8")
        await page.get_by_label("修改原因").fill("加大激励")
        await page.get_by_role("button", name="试算上季度").click()
        preview = await page.get_by_role("status").inner_text()
        assert "记录了 3 次（1 人）" in preview
        assert "当时发放 15 分" in preview
        assert "将发放 24 分" in preview
        await page.get_by_role("button", name="保存").click()
        await page.wait_for_url(f"{base_url}/rules/sweep/history")
        assert "+8" in await page.locator("tr[data-version='2']").inner_text()
        assert "+5" in await page.locator("tr[data-version='1']").inner_text()
    async with database.read() as session:
        rule = (await session.scalars(select(Rule).where(Rule.code == "sweep"))).one()
        audit = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "rule.saved"))
        ).all()
    assert rule.current_version == 2
    assert audit[-1].reason == "加大激励"


async def test_a_large_adjustment_needs_a_second_staff_member(
    panel: FastAPI, database: Database, town: Community
) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "admin")
        await page.goto(f"{base_url}/residents?q=Alice")
        await page.get_by_role("link", name="Alice").click()
        await page.get_by_label("分数").fill("80")
        await page.get_by_label("原因", exact=True).fill("补录上月志愿服务")
        await page.get_by_role("button", name="提交调整").click()
        assert "另一位工作人员审核" in await page.get_by_role("status").inner_text()
        await page.get_by_role("link", name="待审核", exact=True).click()
        row = page.locator("tr", has_text="Alice")
        assert "您提交的" in await row.inner_text()
        assert await row.get_by_role("button", name="同意").count() == 0
        await page.get_by_role("button", name="退出登录").click()

        await log_in(page, base_url, "deputy")
        await page.get_by_role("link", name="待审核", exact=True).click()
        await page.locator("tr", has_text="Alice").get_by_role("button", name="同意").click()
        assert "已同意" in await page.get_by_role("status").inner_text()
        await page.goto(f"{base_url}/audit?action=points.approved")
        approved = await page.locator("tbody").inner_text()
        assert "Deputy" in approved
        assert "复核同意积分变动 +80" in approved
    async with database.read() as session:
        wallet = await session.scalar(
            select(Account.id).where(Account.code == wallet_code(town.alice, "moral"))
        )
        assert wallet is not None
        assert await balance(session, wallet) == 80


async def test_staff_undo_an_award_from_the_residents_page_with_a_reason(
    panel: FastAPI, database: Database, town: Community
) -> None:
    award = await apply_rule(
        UnitOfWork(database, FrozenClock(datetime.now(UTC))),
        staff=town.grid1,
        person_id=town.alice,
        rule_code="sweep",
        request_key="mistake",
        zone=ZONE,
    )
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "grid1")  # a grid worker awards, but does not undo
        await page.goto(f"{base_url}/residents/{town.alice}")
        assert await page.get_by_role("button", name="撤销").count() == 0
        await page.get_by_role("button", name="退出登录").click()

        await log_in(page, base_url, "admin")
        await page.goto(f"{base_url}/residents/{town.alice}")
        row = page.locator(f"tr[data-change='{award.id}']")
        assert "sweep" in await row.inner_text()
        await row.get_by_role("button", name="撤销").click()  # no reason: the browser asks
        assert await page.get_by_role("status").count() == 0
        await row.get_by_label("撤销原因").fill("记错人了")
        await row.get_by_role("button", name="撤销").click()
        assert "已撤销" in await page.get_by_role("status").inner_text()
        row = page.locator(f"tr[data-change='{award.id}']")
        assert "已撤销" in await row.inner_text()
        assert await row.get_by_role("button", name="撤销").count() == 0
        balance_shown = await page.locator("li[data-point-type=moral] .big").inner_text()
        assert balance_shown.strip() == "0"
    async with database.read() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "points.reversed")
        )
    assert entry is not None
    assert (entry.actor_staff_id, entry.reason) == (town.admin.id, "记错人了")


async def test_a_rule_worth_more_than_the_threshold_is_in_force_once_another_approves(
    panel: FastAPI, database: Database, town: Community
) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "admin")
        await page.goto(f"{base_url}/rules/sweep/edit")
        await page.get_by_label("积分", exact=True).fill("100000")
        await page.get_by_label("修改原因").fill("重奖")
        await page.get_by_role("button", name="保存").click()
        await page.wait_for_url(f"{base_url}/rule-approvals?done=requested")
        assert "审核通过后才生效" in await page.get_by_role("status").inner_text()
        row = page.locator("tr", has_text="sweep")
        assert "您提交的" in await row.inner_text()
        assert await row.get_by_role("button", name="同意").count() == 0
        await page.get_by_role("button", name="退出登录").click()

        await log_in(page, base_url, "deputy")
        await page.get_by_role("link", name="待审核", exact=True).click()
        await page.get_by_role("link", name="待审核的规则").click()
        row = page.locator("tr", has_text="sweep")
        assert "+100000" in await row.inner_text()
        await row.get_by_role("button", name="同意").click()
        assert "审核通过" in await page.get_by_role("status").inner_text()
        assert await page.locator("tr", has_text="sweep").count() == 0
    async with database.read() as session:
        rule = (await session.scalars(select(Rule).where(Rule.code == "sweep"))).one()
        actions = (
            await session.scalars(
                select(AuditEntry.actor_staff_id).where(AuditEntry.action == "rule.approved")
            )
        ).all()
    assert rule.current_version == 2
    assert actions == [town.deputy.id]
