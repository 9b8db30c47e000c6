"""How a request body may arrive, checked before anything parses it; HEAD served as GET.

:class:`BodyLimits` answers, in FastAPI's ``{"detail": "..."}`` format and closing the
connection (the rest of the body is not worth reading):

- **415** for a compressed body (``Content-Encoding`` other than ``identity``): the server
  reads plain UTF-8 JSON only, and inflating a body would let a small request become a large
  one past every size check;
- **413** for a body over ``max_bytes`` (declared by ``Content-Length`` or counted as it
  streams, since a chunked request declares nothing and a client may lie);
- **408** for a body still incomplete ``timeout`` seconds after its headers (a client that
  sends half a body and waits would otherwise hold its connection and a task forever);
- **503** with ``Retry-After`` when the bodies being received by the process at that moment
  would hold more than ``memory`` bytes: each body is capped, and so is their sum, so that
  memory does not grow with the number of clients sending large bodies at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Sent with every refusal: the unread rest of the body makes the connection unusable.
CLOSE = {"Connection": "close"}


class _BodyRefusedError(HTTPException):
    """Raised from ``receive`` while the app reads the body.

    An HTTPException, so that FastAPI re-raises it from its body reading as it is and its
    handler answers with the status, the detail and the ``Connection: close`` header.
    """

    def __init__(self, status_code: int, detail: str, **headers: str) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=CLOSE | headers)


class BodyLimits:
    """ASGI middleware: 415 for a compressed body, 413 past ``max_bytes``, 408 past ``timeout``,
    503 while the bodies held at once would pass ``memory`` bytes.

    ``routes`` gives paths (prefixes, below the root path) a limit of their own and the
    setting that names it: an uploaded image is larger than any JSON body.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout: float,
        memory: int,
        routes: Mapping[str, tuple[int, str]] | None = None,
    ) -> None:
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout
        self.routes = dict(routes or {})
        self.memory = max(memory, max_bytes)  # room for at least one maximal body
        self.held = 0  # bytes of the bodies of the requests in progress

    def _limit(self, scope: Scope) -> tuple[int, str]:
        """The body limit of the request's path, and its setting."""
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        for prefix, limit in self.routes.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes, "max_body_bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        max_bytes, setting = self._limit(scope)
        refusal = self._refusal(headers, max_bytes, setting)
        if refusal is not None:
            await _answer(send, refusal)
            return
        deadline = anyio.current_time() + self.timeout
        received, done, started = 0, False, False

        async def guarded_receive() -> Message:
            nonlocal received, done
            if done:  # the body is in; what follows is only a disconnect, whenever it comes
                return await receive()
            with anyio.move_on_after(deadline - anyio.current_time()):
                message = await receive()
                if message["type"] == "http.request":
                    size = len(message.get("body", b""))
                    received += size
                    self.held += size
                    if received > max_bytes:
                        raise _BodyRefusedError(
                            413, self._too_large(f"more than {max_bytes}", max_bytes, setting)
                        )
                    if self.held > max(self.memory, max_bytes):  # one body always fits
                        raise _BodyRefusedError(
                            503,
                            "the server is receiving too many large bodies at once "
                            "(max_body_memory); try again in a moment",
                            **{"Retry-After": "1"},
                        )
                    done = not message.get("more_body", False)
                else:
                    done = True
                return message
            raise _BodyRefusedError(
                408,
                f"the request body did not arrive within {self.timeout:g} s (body_timeout); "
                "send the whole body at once",
            )

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except _BodyRefusedError as exc:
            # FastAPI's own handler usually answers first; this covers an app that does not
            if not started:
                await _answer(send, exc)
        finally:
            self.held -= received

    def _refusal(
        self, headers: dict[bytes, bytes], max_bytes: int, setting: str
    ) -> _BodyRefusedError | None:
        """What to refuse from the headers alone, or None."""
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        has_body = b"transfer-encoding" in headers or _content_length(headers) not in (None, 0)
        if has_body and encoding not in (b"identity", b""):
            return _BodyRefusedError(
                415,
                f"the body is compressed (Content-Encoding: {encoding.decode('latin-1')}); "
                "send it uncompressed, as plain UTF-8 JSON",
            )
        declared = _content_length(headers)
        if declared is not None and declared > max_bytes:
            return _BodyRefusedError(413, self._too_large(str(declared), max_bytes, setting))
        return None

    @staticmethod
    def _too_large(size: str, max_bytes: int, setting: str) -> str:
        """The 413 message: what was received and the limit."""
        return (
            f"request body is {size} bytes, over the limit of {max_bytes} bytes "
            f"({setting}); send a smaller input"
        )


async def _answer(send: Send, exc: HTTPException) -> None:
    """Send ``exc`` as a JSON response; a 415 also says which encoding is accepted (RFC 7694)."""
    body = json.dumps({"detail": exc.detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    if exc.status_code == 415:
        headers.append((b"accept-encoding", b"identity"))
    if exc.headers and "Retry-After" in exc.headers:
        headers.append((b"retry-after", exc.headers["Retry-After"].encode()))
    await send({"type": "http.response.start", "status": exc.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    """The declared Content-Length, or None when absent or unreadable."""
    try:
        return int(headers[b"content-length"])
    except (KeyError, ValueError):
        return None


class HeadAsGet:
    """ASGI middleware: answer HEAD on every GET route, with the GET's headers and no body.

    FastAPI routes declared with ``@router.get`` answer HEAD with a 405; a HEAD is a GET
    whose body the client does not want, so the app sees a GET and the body is dropped here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
