"""The guides a community office hands out: served by the panel over HTTP in both
languages (the residents' guide to anyone, the staff guide after login), linked from
every page, and quoting only button and menu labels the product really shows."""

from __future__ import annotations

import re

import httpx
import pytest

from admin.routes.guides import GUIDES, render_markdown
from admin.security import LANGUAGE_COOKIE
from core.i18n import CATALOGUE_DIR, read_catalogue_file
from tests.admin.conftest import Staff, csrf_of, log_in

# A guide's language → the catalogues' locale, and how it quotes what the screen shows.
LOCALE = {"zh": "zh_Hans", "en": "en"}
QUOTED = {"zh": re.compile(r"「([^」]+)」"), "en": re.compile(r"“([^”]+)”")}
# What each guide may quote: the residents' guide the bot, the staff guide the panel too.
CATALOGUES = {"residents": ("bot",), "staff": ("bot", "panel")}
HEADINGS = {
    ("residents", "zh"): "居民使用指南",
    ("residents", "en"): "Residents' guide",
    ("staff", "zh"): "工作人员指南",
    ("staff", "en"): "Staff guide",
}


def screen_texts(locale: str, parts: tuple[str, ...]) -> set[str]:
    """Every text of these catalogues as a guide may quote it: a placeholder ({when},
    {count}) written as "…", since what fills it changes."""
    texts = set()
    for part in parts:
        messages = read_catalogue_file(CATALOGUE_DIR / locale / "LC_MESSAGES" / f"{part}.po")
        texts |= {re.sub(r"\{[^}]*\}", "…", text) for text in messages.values()}
    return texts


def quoted(name: str, language: str) -> list[str]:
    text = (GUIDES / f"guide-{name}.{language}.md").read_text(encoding="utf-8")
    return QUOTED[language].findall(text)


@pytest.mark.parametrize(("name", "language"), list(HEADINGS), ids="-".join)
def test_every_label_a_guide_quotes_is_one_the_product_shows(name: str, language: str) -> None:
    labels = quoted(name, language)
    assert len(labels) >= 20, "a guide that quotes next to nothing checks next to nothing"
    known = screen_texts(LOCALE[language], CATALOGUES[name])
    assert [label for label in labels if label not in known] == []


@pytest.mark.parametrize("language", list(LOCALE))
def test_the_residents_guide_names_every_button_of_the_bots_menu(language: str) -> None:
    bot = read_catalogue_file(CATALOGUE_DIR / LOCALE[language] / "LC_MESSAGES" / "bot.po")
    menu = {text for key, text in bot.items() if key.startswith("menu.")}
    assert len(menu) == 7
    assert menu - set(quoted("residents", language)) == set()


@pytest.mark.parametrize(
    ("language", "locale"), [("zh_Hans", "zh"), ("en", "en")], ids=["zh_Hans", "en"]
)
async def test_the_residents_guide_is_open_to_anyone_in_their_language(
    client: httpx.AsyncClient, language: str, locale: str
) -> None:
    client.cookies.set(LANGUAGE_COOKIE, language)
    page = await client.get("/guide/residents")
    assert page.status_code == 200
    assert f"<h1>{HEADINGS[('residents', locale)]}</h1>" in page.text
    # Numbered steps, each a list item, with the bot's own words in them.
    menu_button = "「💳 付款码」" if locale == "zh" else "“💳 Pay code”"
    assert "<ol>" in page.text
    assert menu_button in page.text
    assert 'href="/guide/staff"' not in page.text  # no link a visitor cannot follow


async def test_a_visitor_reads_the_browsers_language_and_chinese_otherwise(
    client: httpx.AsyncClient,
) -> None:
    english = await client.get("/guide/residents", headers={"Accept-Language": "en-GB"})
    assert "<h1>Residents' guide</h1>" in english.text
    french = await client.get("/guide/residents", headers={"Accept-Language": "fr-FR"})
    assert "<h1>居民使用指南</h1>" in french.text


async def test_the_staff_guide_needs_a_login_and_follows_the_language_switch(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    refused = await client.get("/guide/staff")
    assert (refused.status_code, refused.headers["location"]) == (303, "/login")

    await log_in(client, staff.username, staff.password)
    chinese = await client.get("/guide/staff")
    assert chinese.status_code == 200
    assert "<h1>工作人员指南</h1>" in chinese.text
    assert 'href="/residents"' in chinese.text  # the panel's menu around it

    token = await csrf_of(client, "/guide/staff")
    switched = await client.post(
        "/language", data={"locale": "en", "back": "/guide/staff", "csrf_token": token}
    )
    assert switched.headers["location"] == "/guide/staff"
    english = await client.get("/guide/staff")
    assert "<h1>Staff guide</h1>" in english.text


async def test_the_login_page_and_every_page_after_it_link_to_the_guides(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    login = (await client.get("/login")).text
    assert 'href="/guide/residents">居民使用指南<' in login
    assert 'href="/guide/staff"' not in login

    await log_in(client, staff.username, staff.password)
    home = (await client.get("/")).text
    assert 'href="/guide/residents">居民使用指南<' in home
    assert 'href="/guide/staff">工作人员指南<' in home


def test_html_written_into_a_guide_is_shown_as_text() -> None:
    html = render_markdown('1. 点「提交」\n\n<script>alert(1)</script>\n\n<a href="x">x</a>')
    assert "<li>点「提交」</li>" in html
    assert "<script" not in html
    assert "<a " not in html
    assert "&lt;script&gt;" in html
