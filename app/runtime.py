"""Process-wide setup a server does once at startup (not at import, not in tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from app.settings import Settings
from convcore import reference


def lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A FastAPI lifespan that caps torch's and BLAS's threads at ``compute_threads``.

    Requests run concurrently; a thread pool per small call only adds contention (and on a
    busy machine, spinning threads). ASGI test clients skip the lifespan, so tests keep the
    process's defaults.
    """

    @asynccontextmanager
    async def run(_: FastAPI) -> AsyncIterator[None]:
        threadpool_limits(limits=settings.compute_threads, user_api="blas")
        reference.set_threads(settings.compute_threads)
        yield

    return run
