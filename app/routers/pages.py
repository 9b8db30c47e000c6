"""HTML pages: one route per operation (``/conv2d``, …), all served by one handler.

:func:`app.pages.render.serve` answers every page.

``/`` shows the home page's operation (conv2d), so every link made before the pages had
their own paths (``/?h=…&kh=…&t=…``) keeps opening the same view.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from app.i18n import template_environments
from app.pages import format as fmt
from app.pages.page import Page
from app.pages.registry import HOME, build_pages
from app.pages.render import serve
from app.routers.exports import install_exports

ROOT = Path(__file__).resolve().parents[2]


def css_string(value: object) -> Markup:
    """A CSS string literal (for ``content:``) that cannot end its ``<style>`` element.

    >>> css_string('×−3"</style>')
    Markup('"×−3\\\\22 \\\\3c /style\\\\3e "')
    """
    text = str(value)
    for char, escape in (("\\", "\\5c "), ('"', "\\22 "), ("<", "\\3c "), (">", "\\3e ")):
        text = text.replace(char, escape)
    text = text.replace("\n", "\\a ")
    return Markup(f'"{text}"')


FILTERS: dict[str, Callable[..., Any]] = {
    "num": fmt.num,
    "term": fmt.term,
    "numtext": fmt.number_text,
    "css_string": css_string,
}


def install_pages(app: FastAPI) -> None:
    """Mount the pages, their static files and one Jinja environment per language."""
    app.state.templates = template_environments(ROOT / "templates", FILTERS)
    app.state.pages = build_pages()
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    router = APIRouter(tags=["pages"], include_in_schema=False)
    for op, page in app.state.pages.items():
        router.add_api_route(
            f"/{op}", _handler(page), methods=["GET"], response_class=HTMLResponse, name=op
        )
    router.add_api_route(
        "/", _handler(app.state.pages[HOME]), methods=["GET"], response_class=HTMLResponse
    )
    app.include_router(router)
    install_exports(app)


def _handler(page: Page) -> Callable[[Request], HTMLResponse]:
    """The route of one page: the shared handler with the page's description."""

    def page_route(request: Request) -> HTMLResponse:
        return serve(request, page, request.app.state.pages)

    page_route.__doc__ = f"The {page.op} page (full page, board, step or messages)."
    return page_route
