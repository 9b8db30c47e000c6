"""uvicorn's HTTP/1.1 protocol with what it lacks for a shared server: a header deadline,
a hard cap on connections, and a shutdown that does not wait for half-sent bodies.

``python -m app.serve`` passes it to uvicorn (``--http app.protocol:GuardedH11Protocol``):

- **Header deadline.** uvicorn closes a keep-alive connection that stays silent, but a
  client that sends its headers a byte at a time, or opens a connection and sends nothing,
  keeps it forever. Here a connection has ``header_timeout`` seconds, from its opening or
  the end of its previous response, to deliver a request's headers; then it is closed (with
  a 408 when it had started a request).
- **Header size.** Request line and headers past ``max_header_bytes`` get a 431 and the
  connection is closed, however they arrive (h11's cap misses headers that arrive whole).
- **Connection cap.** uvicorn's ``--limit-concurrency`` answers 503 only once a request's
  headers have arrived, so silent connections still pile up until the process runs out of
  file descriptors. Here a connection past the cap is answered 503 at once, before reading
  anything, and closed a moment later.
- **Unread responses.** A client that stops reading leaves its response in the server's
  send buffer (a large trace is 10 MB), and the connection open, for ever: uvicorn's close
  waits for the buffer to drain. Here a connection whose buffer stays full for
  ``send_timeout`` seconds is dropped.
- **Shutdown.** On SIGTERM uvicorn waits for every request in progress, including one whose
  client sent half a body and stopped: such a connection is closed at once, so that the
  process exits as soon as the computations in flight are done.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.security import all_headers
from app.settings import Settings

#: How long a refused connection stays open for its client to read the 503.
REFUSAL_LINGER = 1.0


@functools.cache
def _settings() -> Settings:
    """The ``CONVPLAY_*`` settings, read once per process (uvicorn builds the protocol)."""
    return Settings()


def _raw_response(status: str, headers: dict[str, str], detail: str) -> bytes:
    """A whole HTTP/1.1 response with a JSON ``detail``, for when h11 cannot write one."""
    body = json.dumps({"detail": detail}).encode()
    lines = [f"HTTP/1.1 {status}", "content-type: application/json", "connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"{name.decode()}: {value.decode()}" for name, value in all_headers()]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


REFUSED = _raw_response(
    "503 Service Unavailable",
    {"retry-after": "1"},
    "the server has as many open connections as it takes (max_connections); try again in a moment",
)
TOO_LONG = _raw_response(
    "431 Request Header Fields Too Large",
    {},
    "the request line and headers are longer than the server reads (max_header_bytes)",
)
TIMED_OUT = _raw_response(
    "408 Request Timeout",
    {},
    "the request's headers did not arrive in time (header_timeout); send them at once",
)


class GuardedH11Protocol(H11Protocol):
    """:class:`uvicorn.protocols.http.h11_impl.H11Protocol` with the guards above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._timed_cycle: object = None
        self._bytes_since_armed = 0
        self._tail = b""  # the last bytes received while headers are awaited
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn answers 503 to requests once len(connections) reaches limit_concurrency:
        # refusing here first keeps the open ones below that, all of them served
        if self.limit_concurrency is not None and len(self.connections) >= self.limit_concurrency:
            self._refuse()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the answer is already sent, whatever the request was
        if self._header_timer is not None and self._headers_too_long(data):
            self._disarm()
            self._answer_and_close(TOO_LONG)
            return
        self._bytes_since_armed += len(data)
        super().data_received(data)

    def _headers_too_long(self, data: bytes) -> bool:
        """Whether the request line and headers, ``data`` included, pass max_header_bytes.

        h11's own cap (``--h11-max-incomplete-event-size``) only sees headers still
        incomplete after a read, and one read takes up to 256 KB: headers that arrive whole
        were never counted. Bytes after the blank line that ends them (a body) do not count.
        """
        seen = self._tail + data
        end = seen.find(b"\r\n\r\n")
        length = self._bytes_since_armed + (len(data) if end < 0 else end + 4 - len(self._tail))
        self._tail = seen[-3:]
        return length > _settings().max_header_bytes

    def handle_events(self) -> None:
        super().handle_events()
        if self._header_timer is not None and self.cycle is not self._timed_cycle:
            self._disarm()  # a new request's headers are in

    def on_response_complete(self) -> None:
        self._arm()  # before uvicorn looks at pipelined requests, which may start a cycle
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._reading_again()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(_settings().send_timeout, self._unread)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._reading_again()

    def _reading_again(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _unread(self) -> None:
        """The client has not read for send_timeout seconds: drop it, buffer and all."""
        self._send_timer = None
        self.transport.abort()

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not cycle.response_started:
            self.transport.close()  # a half-sent body: its request would never finish
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's 400 for a request it cannot parse, with the security headers too."""
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"connection", b"close"),
            *all_headers(),
        ]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers)))
        self.transport.write(self.conn.send(h11.Data(data=msg.encode("ascii"))))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()

    def _refuse(self) -> None:
        """Answer 503 without reading, then close; the count of connections ignores it."""
        self.connections.discard(self)
        self.logger.warning(
            "Refused a connection: %d open, the most allowed (max_connections)",
            len(self.connections),
        )
        self._answer_and_close(REFUSED)

    def _answer_and_close(self, answer: bytes) -> None:
        """Send ``answer`` and close a moment later, discarding whatever else arrives.

        Closing at once with unread bytes in the socket makes the kernel reset the
        connection, which may discard the answer before the client reads it.
        """
        self._refused = True
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(REFUSAL_LINGER, self.transport.close)

    def _arm(self) -> None:
        self._disarm()
        self._timed_cycle, self._bytes_since_armed, self._tail = self.cycle, 0, b""
        self._header_timer = self.loop.call_later(_settings().header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self._bytes_since_armed:
            self.transport.write(TIMED_OUT)
        self.transport.close()
