"""Cap request bodies before anything parses them: a 413 instead of a memory spike."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(HTTPException):
    """The streamed body passed the limit (an HTTPException, so FastAPI re-raises it as is)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodySizeLimit:
    """ASGI middleware: 413 when a body is longer than ``max_bytes``.

    Checks the declared ``Content-Length`` first, then counts the bytes actually streamed,
    since a chunked request declares no length and a client may lie about it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send, self._detail(f"{declared} bytes"))
            return
        received, started = 0, False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self._detail(f"more than {self.max_bytes} bytes"))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge as exc:
            # FastAPI's own handler usually answers first; this covers an app that does not
            if not started:
                await self._reject(send, exc.detail)

    def _detail(self, size: str) -> str:
        """The 413 message: what was received and the limit."""
        return (
            f"request body is {size}, over the limit of {self.max_bytes} bytes "
            "(max_body_bytes); send a smaller input"
        )

    async def _reject(self, send: Send, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    """The declared Content-Length, or None when absent or unreadable."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
