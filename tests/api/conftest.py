"""An httpx client wired straight into the ASGI app (no server, no network)."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def make_client():
    """Build clients over apps with their own settings: ``async with make_client(s) as c``."""

    def make(settings):
        transport = httpx.ASGITransport(app=create_app(settings))
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    return make
