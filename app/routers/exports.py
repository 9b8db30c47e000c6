"""Every stepper page as a figure: ``/<op>/animation.gif`` and ``/<op>/step.png``.

The query is the page's own (the links under the page's step bar point here with the page's
current URL query). Drawing is heavy work: it runs in the work gate (:mod:`app.gate`), a
few at a time, so that a teacher exporting a long animation cannot hold up the class's
steps. A query the page would refuse, or one over an export limit, gets a 422 page in the
query's language saying what to change, with a link back to the page.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping

import jinja2
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from app.figures.export import Export, export
from app.pages.page import Page
from app.pages.problems import Problems
from app.pages.render import configure, page_context
from app.settings import Settings

#: The two exports: the path's last part → the kind of figure.
EXPORTS = {"animation.gif": "gif", "step.png": "png"}

#: A figure is a function of its URL: caches may keep it (an hour, in case the server is
#: upgraded and draws it differently).
CACHE = "public, max-age=3600"


def install_exports(app: FastAPI) -> None:
    """Add the export routes of every page of ``app.state.pages``."""
    router = APIRouter(tags=["pages"], include_in_schema=False)
    for op, page in app.state.pages.items():
        for last, kind in EXPORTS.items():
            router.add_api_route(
                f"/{op}/{last}", _handler(page, kind), methods=["GET"], name=f"{op}-{kind}"
            )
    app.include_router(router)


def _handler(page: Page, kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def export_route(request: Request) -> Response:
        state = request.app.state
        job = functools.partial(
            answer,
            page,
            state.pages,
            list(request.query_params.multi_items()),
            state.templates,
            state.settings,
            kind,
            request.scope.get("root_path", ""),
        )
        return await state.gate.run(request.receive, job)

    export_route.__doc__ = f"The {page.op} page's {kind.upper()} figure."
    return export_route


def answer(
    page: Page,
    pages: Mapping[str, Page],
    items: list[tuple[str, str]],
    templates: Mapping[str, jinja2.Environment],
    settings: Settings,
    kind: str,
    root: str,
) -> Response:
    """The figure, or a 422 page with what stops it (in a worker thread)."""
    done = configure(page, items, templates)
    outcome: Export | Problems = done.problems
    if done.setup is not None:
        outcome = export(page, done, kind, settings)
    if isinstance(outcome, Problems):
        context = page_context(page, pages, done, root, htmx=False)
        context["problems"] = outcome  # the query's, or the export limit's
        context["back"] = done.config.url(f"{root}/{page.op}")
        context["kind"] = kind
        html = done.env.get_template("export_error.html").render(context)
        return HTMLResponse(html, status_code=422, headers={"Cache-Control": "no-store"})
    return Response(
        outcome.body,
        media_type=outcome.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{outcome.filename}"',
            "Cache-Control": CACHE,
        },
    )
