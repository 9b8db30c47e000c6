"""Process-wide setup a server does once at startup (not at import, not in tests)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from app import quietlogs
from app.settings import Settings
from convcore import reference

#: glibc's mallopt parameter for the most malloc arenas (malloc.h).
M_ARENA_MAX = -8


def lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A FastAPI lifespan that prepares the process for serving.

    - torch's and BLAS's threads capped at ``compute_threads``: requests run concurrently,
      and a thread pool per small call only adds contention;
    - glibc's malloc arenas capped at ``malloc_arenas``: by default each worker thread may
      get its own arena, and memory freed in one is rarely returned to the system;
    - everything loaded so far frozen out of the garbage collector's full passes, which
      would otherwise walk torch's and numpy's hundreds of thousands of objects (about
      0.1 s with every other request waiting);
    - the interpreter's switch interval shortened to ``switch_interval``: a worker thread
      running pure-Python work (a loop method) holds the GIL until asked to give it up, and
      the event loop asks at every socket read and write; at the default 5 ms each of those
      waits could last 5 ms, so a /healthz took hundreds of milliseconds (bench/load.py);
    - repeated log messages rate-limited (:mod:`app.quietlogs`).

    ASGI test clients skip the lifespan, so tests keep the process's defaults.
    """

    @asynccontextmanager
    async def run(_: FastAPI) -> AsyncIterator[None]:
        limit_malloc_arenas(settings.malloc_arenas)
        threadpool_limits(limits=settings.compute_threads, user_api="blas")
        reference.set_threads(settings.compute_threads)
        quietlogs.install()
        gc.collect()
        gc.freeze()
        sys.setswitchinterval(settings.switch_interval)
        yield

    return run


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas; False where that is not possible (no glibc, or 0 asked)."""
    name = ctypes.util.find_library("c")
    if arenas <= 0 or name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc: musl, macOS
        return False
