"""HTML pages: one route per operation (``/conv2d``, …), all served by one handler.

:func:`app.pages.render.serve` answers every page.

``/`` shows the home page's operation (conv2d), so every link made before the pages had
their own paths (``/?h=…&kh=…&t=…``) keeps opening the same view.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from app.gate import WorkGate
from app.i18n import template_environments
from app.pages import format as fmt
from app.pages.page import Page
from app.pages.registry import HOME, build_pages
from app.pages.render import PART, serve
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


def _handler(page: Page) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """The route of one page: the shared handler with the page's description.

    Renders run in the app's page gates (``app.state.page_gates``), one at a time per lane in
    a worker thread: steps in one lane, whole pages and boards in the other, so a step never
    waits behind boards. Eight tabs looping on the heaviest board (about 70 ms of Python
    each) ran side by side in Starlette's thread pool and held the interpreter lock away from
    the event loop: /healthz and every other student waited (p99 0.34 s and 1 s,
    bench/load.py).
    """

    async def page_route(request: Request) -> HTMLResponse:
        step = request.headers.get("HX-Request") == "true" and request.headers.get(PART) == "step"
        gate: WorkGate = request.app.state.page_gates["step" if step else "board"]
        return await gate.run(request.receive, serve, request, page, request.app.state.pages)

    page_route.__doc__ = f"The {page.op} page (full page, board, step or messages)."
    return page_route
