"""Jinja2 environments of the web pages, one per language (gettext installed, formats bound).

Autoescape is on for every template (product and organisation names are user text)."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Formats, choose_language, translations

HTMX_VERSION = "2.0.11"
ECHARTS_VERSION = "6.1.0"


@cache
def environment(code: str) -> Environment:
    env = Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    formats = Formats(code)
    env.filters["number"] = formats.number
    env.filters["significant"] = formats.significant
    env.filters["percent"] = formats.percent
    env.filters["list"] = formats.list
    env.filters["date"] = formats.date
    env.filters["datetime"] = formats.datetime
    env.globals.update(
        language=LANGUAGES[code],
        languages=LANGUAGES,
        htmx_version=HTMX_VERSION,
        echarts_version=ECHARTS_VERSION,
    )
    return env


def language_of(request: Request) -> str:
    return choose_language(
        cookie=request.cookies.get(LANGUAGE_COOKIE), accept_language=request.headers.get("accept-language")
    )


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the reader's language. `here` (the path and query) feeds the language switcher."""
    code = language_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    page = environment(code).get_template(template).render(request=request, here=quote(here, safe=""), **context)
    response = HTMLResponse(page, status_code=status_code)
    response.headers["Content-Language"] = LANGUAGES[code].html
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
