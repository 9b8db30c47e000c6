"""Application factory: ``uvicorn app.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app.errors import install_error_handlers
from app.middleware import BodySizeLimit
from app.routers import api_catalog, api_inspect, api_ops, api_trace, health
from app.routers.pages import install_pages
from app.runtime import lifespan
from app.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app with every router mounted.

    ``settings`` defaults to ``Settings()``, read from ``CONVPLAY_*`` environment variables.
    """
    settings = settings or Settings()
    app = FastAPI(
        title="convplay",
        summary="Watch a 2-D convolution happen number by number, checked against PyTorch.",
        version=health.convplay_version(),
        lifespan=lifespan(settings),
    )
    app.state.settings = settings
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # pages and steps: HTML compresses ~8×
    install_error_handlers(app)
    app.include_router(health.router)
    # request models carry this app's limits as bounds, so these routers are built per app
    app.include_router(api_ops.build_router(settings))
    app.include_router(api_trace.build_router(settings))
    app.include_router(api_inspect.build_router(settings))
    app.include_router(api_catalog.router)
    install_pages(app)
    return app
