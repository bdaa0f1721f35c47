"""A rule book exported as YAML and imported by a new community; a broken file names its
first mistake and saves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from core.uow import UnitOfWork
from rewards.errors import InvalidRule
from rewards.org.models import OrgLevel
from rewards.org.service import ensure_unit
from rewards.points.exchange import export_rules, import_rules
from rewards.points.models import Rule
from rewards.points.rules import rule_history
from tests.processes import moralbank_env, run_moralbank
from tests.rewards.community import APPROVAL_ABOVE, Community, build_community


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    town = await build_community(uow)
    async with uow.write() as session:
        await ensure_unit(
            session, code="newtown", name="新社区", level=OrgLevel.COMMUNITY, parent_code="street"
        )
    return town


async def test_a_new_community_starts_from_its_neighbours_rules(
    uow: UnitOfWork, town: Community
) -> None:
    text = await export_rules(uow, staff=town.admin)
    book = yaml.safe_load(text)
    assert {rule["code"] for rule in book["rules"]} == {"sweep", "litter"}
    assert {kind["code"] for kind in book["point_types"]} == {"moral", "volunteer"}
    done = await import_rules(
        uow,
        staff=town.admin,
        text=text,
        unit="newtown",
        reason="借鉴",
        approval_above=APPROVAL_ABOVE,
    )
    assert (done.rules, done.point_types, done.categories) == (2, 0, 0)
    [imported] = await rule_history(uow, staff=town.admin, code="newtown.sweep")
    assert (imported.points, imported.unit_code, imported.reason) == (5, "newtown", "借鉴")
    [original] = await rule_history(uow, staff=town.admin, code="sweep")
    assert original.unit_code == "community"  # the neighbour's own rule is untouched
    again = await import_rules(
        uow,
        staff=town.admin,
        text=text,
        unit="newtown",
        reason="更新",
        approval_above=APPROVAL_ABOVE,
    )
    assert again.rules == 2
    assert [
        v.version for v in await rule_history(uow, staff=town.admin, code="newtown.sweep")
    ] == [2, 1]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("format: something-else\n", "format"),
        ("- just\n- a list\n", "format"),
        ("format: moralbank-rules/1\nrules: {a: 1}\n", "rules"),
        (
            "format: moralbank-rules/1\nrules:\n- {code: ok, category: clean, point_type: moral,"
            " action: 扫地, points: 1}\n- {code: bad, category: clean, point_type: moral,"
            " action: 扫地, points: many}\n",
            "rules[1].points",
        ),
        ("format: [unclosed\n", "file"),
    ],
)
async def test_a_broken_rule_book_names_its_mistake_and_saves_nothing(
    uow: UnitOfWork, town: Community, text: str, field: str
) -> None:
    with pytest.raises(InvalidRule) as caught:
        await import_rules(
            uow,
            staff=town.admin,
            text=text,
            unit="newtown",
            reason="x",
            approval_above=APPROVAL_ABOVE,
        )
    assert caught.value.params["field"] == field
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(Rule)) == 2


async def test_the_command_line_round_trip(
    database_url: str, town: Community, tmp_path: Path
) -> None:
    env = moralbank_env(database_url)
    book = tmp_path / "rules.yaml"
    exported = await run_moralbank(
        "rules", "export", "--as", "admin", "--output", str(book), env=env
    )
    assert exported.returncode == 0, exported.stderr
    imported = await run_moralbank(
        "rules", "import", str(book), "--unit", "newtown", "--as", "admin", env=env
    )
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 rules" in imported.stdout
    refused = await run_moralbank(
        "rules", "import", str(book), "--unit", "newtown", "--as", "grid1", env=env
    )
    assert refused.returncode == 1
    assert "您没有权限在这里做这件事" in refused.stderr  # the catalogue's words, not a code
