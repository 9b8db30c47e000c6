"""GET /docs (Swagger UI) and /redoc: the API documentation from vendored, pinned assets.

FastAPI's own pages load Swagger UI and Redoc from a CDN (and Redoc's fonts from another
site), so in a classroom without internet they are blank. These pages load the same tools
from ``static/``, where ``scripts/vendor-docs`` put them, version in the file names.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["docs"], include_in_schema=False)


@dataclass(frozen=True)
class DocsAssets:
    """The vendored files, named with their versions (see scripts/vendor-docs)."""

    swagger_js: str = "swagger-ui-bundle-5.35.0.js"
    swagger_css: str = "swagger-ui-5.35.0.css"
    redoc_js: str = "redoc-2.5.4.standalone.js"


ASSETS = DocsAssets()


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: every endpoint with its examples, and "Try it out"."""
    return _render(request, "docs/swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """Redoc: the same schema as a reference to read."""
    return _render(request, "docs/redoc.html")


def _render(request: Request, template: str) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    context = {
        "title": request.app.title,
        "openapi_url": root + (request.app.openapi_url or "/openapi.json"),
        "static": lambda path: f"{root}/static/{path}",
        "assets": ASSETS,
    }
    env = request.app.state.templates["en"]
    return HTMLResponse(env.get_template(template).render(context))
