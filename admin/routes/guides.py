"""The guides a community office hands out, as panel pages: the residents' guide for
anyone (it is printed and pinned up), the staff guide for those signed in. Each is a
Markdown file in `admin/guides/` (shipped in the wheel), one per language, shown in the
reader's language and in Chinese when there is no file in theirs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from admin.deps import CurrentStaff
from admin.rendering import render, translator_for
from admin.routes import page_router

router = page_router()
GUIDES = Path(__file__).parent.parent / "guides"
# Our locales → the files' language suffix; anything else reads the Chinese file.
FILE_LANGUAGE = {"zh_Hans": "zh", "en": "en"}
DEFAULT_LANGUAGE = "zh"


def render_markdown(text: str) -> str:
    """CommonMark with tables; raw HTML in the text is shown as text, never run."""
    html: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return html


@cache
def guide_html(name: str, locale: str) -> Markup:
    """A guide in the locale's language, read and rendered once per process."""
    path = GUIDES / f"guide-{name}.{FILE_LANGUAGE.get(locale, DEFAULT_LANGUAGE)}.md"
    if not path.exists():
        path = GUIDES / f"guide-{name}.{DEFAULT_LANGUAGE}.md"
    return Markup(render_markdown(path.read_text(encoding="utf-8")))  # noqa: S704 (HTML escaped)


@router.get("/guide/residents")
async def residents_guide(request: Request) -> Response:
    t = translator_for(request)
    body = guide_html("residents", t.locale)
    return render(request, "guide.html", t, title=t("guide.residents"), body=body)


@router.get("/guide/staff")
async def staff_guide(request: Request, staff: CurrentStaff) -> Response:
    t = translator_for(request, staff.language)
    body = guide_html("staff", t.locale)
    return render(request, "guide.html", t, title=t("guide.staff"), body=body, staff=staff)
