"""Pages are Jinja2 templates given the reader's translator `t`; no text lives in them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from admin.security import LANGUAGE_COOKIE, csrf_token
from core.i18n import LOCALES, Catalogues, Translator, normalize_locale
from rewards.staff.permissions import Action

TEMPLATES = Path(__file__).parent / "templates"
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}


def create_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES)
    # Pages show only what the staff member's roles allow: `staff.may(Action.BROADCAST)`.
    templates.env.globals["Action"] = Action
    return templates


def request_locale(request: Request, preferred: str | None = None) -> str:
    """The language cookie wins (set from the staff account at login, or by the switch),
    then the account's own language, then the browser's."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LOCALES:
        return chosen
    if preferred in LOCALES:
        return preferred
    return normalize_locale(request.headers.get("accept-language"))


def translator_for(request: Request, preferred: str | None = None) -> Translator:
    catalogues: Catalogues = request.app.state.catalogues
    return catalogues.translator(request_locale(request, preferred))


def render(
    request: Request,
    template: str,
    t: Translator,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "html_lang": HTML_LANG.get(t.locale, "zh-Hans"),
            "csrf_token": csrf_token(request),
            # The language switch comes back here; only a page that a GET can show again.
            "back": request.url.path if request.method == "GET" else "/",
            **context,
        },
        status_code=status_code,
        headers=headers,
    )
