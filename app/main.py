"""Application factory: ``uvicorn app.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from app.routers import health


def create_app() -> FastAPI:
    """Build the FastAPI app with every router mounted."""
    app = FastAPI(
        title="convplay",
        summary="Watch a 2-D convolution happen number by number, checked against PyTorch.",
        version=health.convplay_version(),
    )
    app.include_router(health.router)
    return app
