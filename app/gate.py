"""Bounded heavy work: a few computations at a time per process, a short queue, then 503.

Heavy work (a large convolution, a trace, a kernel matrix, decoding a large body) runs in a
worker thread, never on the event loop, and only ``max_running`` such jobs run at once in a
process; up to ``max_queued`` more wait their turn in arrival order. A request that finds the
queue full gets a **503** with ``Retry-After`` at once, instead of waiting behind work that
would take longer than the student is willing to wait. Memory follows: at most
``max_running`` jobs hold their intermediate arrays at any moment.

A queued request whose client disconnects leaves the queue and never starts. A job that has
started runs to its end (a thread cannot be stopped from outside); the server's cost limits
keep that to about a second of CPU.

The route class (:mod:`app.routing`) binds each API request to the app's gate; inside a
request, :func:`offload` runs a function through it and :func:`offloaded` turns a plain route
function into one that does.
"""

from __future__ import annotations

import functools
import gc
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ParamSpec, TypeVar, TypeVarTuple

import anyio
from fastapi import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Receive

P = ParamSpec("P")
T = TypeVar("T")
Args = TypeVarTuple("Args")

#: Retry-After is never more than this, whatever the estimate says.
MAX_RETRY_AFTER = 30


class ServerBusyError(HTTPException):
    """503: the queue is full. The detail says what is going on and what the client can do."""

    def __init__(self, running: int, queued: int, retry_after: int, pages: bool = False) -> None:
        if pages:
            detail = (
                f"the server is busy: {running} page(s) being drawn and {queued} waiting, the "
                f"most it takes at once (max_page_renders, max_page_queue); try again in "
                f"{retry_after} s."
            )
        else:
            detail = (
                f"the server is busy: {running} large computation(s) running and {queued} "
                f"waiting, the most it takes at once (max_running, max_queued); try again "
                f"in {retry_after} s, or send a smaller request: small ones (up to "
                "inline_work multiply-adds) are answered at once, without this queue."
            )
        super().__init__(status_code=503, detail=detail, headers={"Retry-After": str(retry_after)})


class ClientGoneError(HTTPException):
    """The client disconnected while its request waited: nobody will read an answer.

    An HTTPException so that FastAPI's handlers answer it quietly (the answer goes nowhere;
    the status shows in the access log as nginx's "client closed request").
    """

    def __init__(self) -> None:
        super().__init__(status_code=499, detail="the client disconnected before its turn")


class WorkGate:
    """At most ``max_running`` jobs in worker threads, ``max_queued`` waiting, FIFO.

    One per app (``app.state.gate``) for the API's work, shared by every request the process
    serves, and one per lane of pages (``app.state.page_gates``, ``pages=True``: their 503
    names the page settings).
    """

    def __init__(self, max_running: int, max_queued: int, pages: bool = False) -> None:
        self.max_running, self.max_queued, self.pages = max_running, max_queued, pages
        self.running = 0
        self._waiting: deque[anyio.Event] = deque()
        self._limiter: anyio.CapacityLimiter | None = None  # made in the loop, on first use
        self._seconds = 0.5  # running mean of a job's wall time, for Retry-After

    @property
    def queued(self) -> int:
        """Jobs waiting for a slot now."""
        return len(self._waiting)

    async def run(self, receive: Receive, fn: Callable[[*Args], T], *args: *Args) -> T:
        """``fn(*args)`` in a worker thread once a slot is free; 503 when the queue is full.

        ``receive`` is the request's ASGI receive channel, read only while waiting (the
        body has been read by then) to notice that the client went away.
        """
        await self._acquire(receive)
        started = time.monotonic()
        try:
            if self._limiter is None:
                self._limiter = anyio.CapacityLimiter(self.max_running)
            return await anyio.to_thread.run_sync(
                _without_gc_passes, fn, *args, limiter=self._limiter
            )
        finally:
            self._seconds += 0.2 * (time.monotonic() - started - self._seconds)
            self._release()

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the queue ahead, at the recent job time."""
        ahead = (self.queued + self.running) / self.max_running
        return max(1, min(MAX_RETRY_AFTER, math.ceil(ahead * self._seconds)))

    async def _acquire(self, receive: Receive) -> None:
        if self.running < self.max_running and not self._waiting:
            self.running += 1
            return
        if len(self._waiting) >= self.max_queued:
            raise ServerBusyError(self.running, self.queued, self.retry_after(), self.pages)
        turn = anyio.Event()
        self._waiting.append(turn)
        try:
            gone = await _wait_for(turn, receive)
        except BaseException:  # cancelled (a shutdown): leave the queue, then go on
            self._leave(turn)
            raise
        if gone:
            self._leave(turn)
            raise ClientGoneError()

    def _leave(self, turn: anyio.Event) -> None:
        """Give up a place in the queue, or the slot it was handed on the way out."""
        if turn.is_set():
            self._release()
        else:
            self._waiting.remove(turn)

    def _release(self) -> None:
        """Hand the slot to the first in the queue, or free it."""
        if self._waiting:
            self._waiting.popleft().set()  # the slot passes on: running stays the same
        else:
            self.running -= 1


async def _wait_for(turn: anyio.Event, receive: Receive) -> bool:
    """Wait for ``turn``; True as soon as the client disconnects instead."""
    gone = False
    async with anyio.create_task_group() as tasks:

        async def watch() -> None:
            nonlocal gone
            while (await receive())["type"] != "http.disconnect":
                pass
            gone = True
            tasks.cancel_scope.cancel()

        tasks.start_soon(watch)
        await turn.wait()
        tasks.cancel_scope.cancel()
    return gone


class _GcPause:
    """Python's cyclic garbage collector off while any heavy job runs, on again after.

    A full collection walks every object that is alive, holding the GIL all along: while a
    job holds a large body's 300,000 parsed lists or a trace's 65,000 step dictionaries,
    each pass took 0.1–0.6 s, and the event loop could not answer anything meanwhile (the
    objects created at startup are frozen out of those passes, see app.runtime). A job
    makes no reference cycles worth waiting for; when the last job ends, one collection
    runs in its thread, over the little that is alive then (after a job that failed, the
    collector's own schedule does it later, once the failure is answered and let go).
    One per process, as the collector is.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs = 0

    def __enter__(self) -> None:
        with self._lock:
            self._jobs += 1
            if self._jobs == 1:
                gc.disable()

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        with self._lock:
            self._jobs -= 1
            if self._jobs:
                return
            gc.enable()
        if failed is None:  # a failure's traceback still holds the job's objects
            gc.collect()


_gc_pause = _GcPause()


def _without_gc_passes(fn: Callable[[*Args], T], *args: *Args) -> T:
    """``fn(*args)`` with the collector paused (in the worker thread)."""
    with _gc_pause:
        return fn(*args)


@dataclass(frozen=True)
class _Ticket:
    """The gate and the receive channel of the request being served."""

    gate: WorkGate
    receive: Receive


#: The current request's ticket, set by :func:`bound` for the duration of a request.
_ticket: ContextVar[_Ticket | None] = ContextVar("convplay_gate_ticket", default=None)


@contextmanager
def bound(gate: WorkGate, receive: Receive) -> Iterator[None]:
    """Within this block, :func:`offload` runs work through ``gate`` for this request."""
    token = _ticket.set(_Ticket(gate, receive))
    try:
        yield
    finally:
        _ticket.reset(token)


async def offload(fn: Callable[[*Args], T], *args: *Args) -> T:
    """Run ``fn(*args)`` through the current request's gate (see :func:`bound`)."""
    ticket = _ticket.get()
    if ticket is None:
        raise RuntimeError("offload() needs a request bound to a gate (app.routing.ApiRoute)")
    return await ticket.gate.run(ticket.receive, fn, *args)


def offloaded(route: Callable[P, BaseModel]) -> Callable[P, Awaitable[Response]]:
    """Turn a plain route function into one run through the gate, serialised there too.

    The model it returns becomes JSON in the worker thread (a trace can be megabytes), and
    FastAPI passes the response through untouched. The route keeps its signature, so
    FastAPI still reads its parameters and dependencies from it.
    """

    def build(*args: P.args, **kwargs: P.kwargs) -> bytes:
        model = route(*args, **kwargs)
        return model.__pydantic_serializer__.to_json(model)

    @functools.wraps(route)
    async def run(*args: P.args, **kwargs: P.kwargs) -> Response:
        body = await offload(functools.partial(build, *args, **kwargs))
        return Response(body, media_type="application/json")

    return run
