"""The server as ``make run`` starts it (``python -m app.serve``), over real sockets.

Each server runs with short timeouts or a small cap so that the behaviour shows at once;
the assertions are on what the server does (close, 408, 503, exit), never on how fast:
the socket timeouts below are only there so that a failing test ends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Long enough for any guard here to act, so that reaching it means the guard did not.
PATIENCE = 20.0
HALF_BODY = (
    b"POST /api/v1/conv2d HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    b'Content-Length: 100\r\n\r\n{"input": [[1,'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(**env: str) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m app.serve`` on a free port with these CONVPLAY_* settings, once healthy."""
    port = free_port()
    settings = {f"CONVPLAY_{k.upper()}": v for k, v in env.items()}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **settings},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="module")
def impatient() -> Iterator[int]:
    """A server with half-second timeouts (and room for a 10 MB trace); its port."""
    server, port = start(
        header_timeout="0.5",
        body_timeout="0.5",
        keep_alive_timeout="1",
        send_timeout="0.5",
        max_trace_taps="65536",
    )
    yield port
    stop(server)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(PATIENCE)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a timeout here fails the test)."""
    data = b""
    with sock:
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_a_silent_connection_is_closed(impatient):
    assert read_until_closed(connect(impatient)) == b""


def test_headers_sent_a_byte_at_a_time_are_cut_off_with_408(impatient):
    sock = connect(impatient)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")  # and nothing more
    answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"header_timeout" in answer


def test_answers_written_by_the_protocol_carry_the_security_headers(impatient):
    sock = connect(impatient)
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    bad = read_until_closed(sock)
    sock = connect(impatient)
    sock.sendall(b"GET / HTTP/1.1\r\n")
    late = read_until_closed(sock)
    for answer in (bad, late):
        assert b"content-security-policy: default-src 'self'" in answer
        assert b"x-content-type-options: nosniff" in answer
    assert bad.startswith(b"HTTP/1.1 400 ")
    assert late.startswith(b"HTTP/1.1 408 ")


def test_half_a_body_gets_408_and_the_connection_closes(impatient):
    sock = connect(impatient)
    sock.sendall(HALF_BODY)
    answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in answer.lower()
    assert b"body_timeout" in answer


def test_a_response_left_unread_is_dropped(impatient):
    """A 10 MB trace (limits raised for it), never read: past send_timeout the server drops
    the connection."""
    rng = np.random.default_rng(0)
    body = json.dumps(
        {
            "input": rng.integers(-9, 9, (4, 23, 23)).tolist(),
            "weight": rng.integers(-3, 3, (1, 4, 16, 16)).tolist(),
            "count": 64,
        }
    ).encode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel holds little
    sock.connect(("127.0.0.1", impatient))
    sock.settimeout(PATIENCE)
    head = (
        "POST /api/v1/conv2d/trace HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    first = sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 200 ")
    length = int(re.search(rb"content-length: (\d+)", first).group(1))
    assert length > 8_000_000
    time.sleep(3)  # read nothing for longer than send_timeout
    received = len(first)
    try:
        while chunk := sock.recv(65536):
            received += len(chunk)
    except ConnectionResetError:
        pass
    sock.close()
    assert received < length  # dropped before the end


@pytest.mark.parametrize("chunks", [1, 40])  # all at once (h11 never sees them half-sent)
def test_headers_past_max_header_bytes_get_431(impatient, chunks):
    head = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    sock = connect(impatient)
    step = -(-len(head) // chunks)
    try:
        for start in range(0, len(head), step):
            sock.sendall(head[start : start + step])
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused part-way: the answer is already in the socket
    answer = read_until_closed(sock)
    assert answer.startswith((b"HTTP/1.1 431 ", b"HTTP/1.1 400 ")), answer[:80]
    assert b"content-security-policy" in answer


def test_a_post_with_its_body_in_the_same_packet_is_not_counted_as_headers(impatient):
    body = json.dumps({"input": [[0.5] * 100] * 100, "weight": [[1]], "verify": False})
    head = (
        "POST /api/v1/conv2d HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock = connect(impatient)
    sock.sendall(head.encode() + body.encode())  # 50 KB in one write, past max_header_bytes
    assert read_until_closed(sock).startswith(b"HTTP/1.1 200 ")


def test_a_whole_request_is_served_as_usual(impatient):
    sock = connect(impatient)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"status":"ok"' in answer
    assert b"content-security-policy: default-src 'self'" in answer


def test_connections_past_the_cap_get_503_at_once():
    server, port = start(max_connections="3")
    try:
        held = []
        for _ in range(3):  # three served keep-alive connections, still open
            sock = connect(port)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            held.append(sock)
        refused = read_until_closed(connect(port))  # sends nothing: answered anyway
        assert refused.startswith(b"HTTP/1.1 503 ")
        assert b"retry-after: 1" in refused
        assert b"max_connections" in refused
        for sock in held:
            sock.close()
    finally:
        stop(server)


def test_sigterm_does_not_wait_for_a_half_sent_body():
    """uvicorn would wait the whole shutdown_timeout (60 s here) for the body to finish."""
    server, port = start(shutdown_timeout="60", body_timeout="60")
    try:
        sock = connect(port)
        sock.sendall(HALF_BODY)
        time.sleep(0.5)  # let the request reach the app and wait for the rest of its body
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=PATIENCE)  # raises TimeoutExpired if the body holds it up
        sock.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_passes_uvicorn_options_through():
    help_text = subprocess.run(
        [sys.executable, "-m", "app.serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--root-path" in help_text
