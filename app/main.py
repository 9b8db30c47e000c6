"""Application factory: ``uvicorn app.main:create_app --factory`` (or ``python -m app.serve``)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from app.errors import install_error_handlers
from app.gate import WorkGate
from app.middleware import BodyLimits, HeadAsGet
from app.routers import api_catalog, api_image, api_inspect, api_ops, api_trace, docs, health
from app.routers.image_page import install_image_page
from app.routers.pages import install_pages
from app.runtime import lifespan
from app.security import SecurityHeaders
from app.settings import Settings

#: Bytes an image request's body may carry besides the file: its form fields and boundaries.
IMAGE_FORM_BYTES = 256 * 1024


class ConvplayApp(FastAPI):
    """FastAPI with the security headers outermost, around even Starlette's 500 handler."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app with every router mounted.

    ``settings`` defaults to ``Settings()``, read from ``CONVPLAY_*`` environment variables.
    """
    settings = settings or Settings()
    app = ConvplayApp(
        title="convplay",
        summary="Watch a 2-D convolution happen number by number, checked against PyTorch.",
        version=health.convplay_version(),
        lifespan=lifespan(settings),
        docs_url=None,  # served from vendored assets by app.routers.docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.gate = WorkGate(settings.max_running, settings.max_queued)
    # pages in gates of their own, one for steps (a few ms each) and one for whole boards (up
    # to ~70 ms): a class's steps never queue behind boards or the API's heavy work
    app.state.page_gates = {
        lane: WorkGate(settings.max_page_renders, settings.max_page_queue, pages=True)
        for lane in ("step", "board")
    }
    # an image upload is larger than any JSON body: the file, plus room for the form's fields
    image_body = (settings.image_max_bytes + IMAGE_FORM_BYTES, "image_max_bytes")
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_body_bytes,
        timeout=settings.body_timeout,
        memory=settings.max_body_memory,
        routes={"/api/v1/image/": image_body, "/image": image_body},
    )
    # Pages and steps: HTML compresses ~14×. Level 6 (zlib's default), not Starlette's 9:
    # on the API's long runs of numbers level 9 took 0.2–0.25 s of CPU per MB of JSON for
    # 5–10 % fewer bytes than 6 (0.02–0.09 s), in a thread outside the work gate.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(HeadAsGet)  # outside GZip, so HEAD's headers are GET's, compressed or not
    install_error_handlers(app)
    app.include_router(health.router)
    # request models carry this app's limits as bounds, so these routers are built per app
    app.include_router(api_ops.build_router(settings))
    app.include_router(api_trace.build_router(settings))
    app.include_router(api_inspect.build_router(settings))
    app.include_router(api_image.build_router(settings))
    app.include_router(api_catalog.router)
    app.include_router(docs.router)
    install_pages(app)
    install_image_page(app)
    return app
