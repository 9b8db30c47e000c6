"""Issue 13's numbered problems, each replayed against the server as ``make run`` starts it.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.probes [name ...]

Each probe starts a fresh ``python -m app.serve`` on a free port, does what the issue
describes, and prints what the server did (timings on a busy machine are indicative):

- ``big-bodies`` (3): clients loop on a 2 MB body that ends in a 422; /healthz latency;
- ``trace-memory`` (4): 32 clients ask for the heaviest accepted trace at once (1,024 taps a
  step, as many steps as max_trace_taps allows); peak resident memory;
- ``slow-headers`` (5): 200 connections send their headers a byte every 2 s; when are they
  closed, and does /healthz still answer;
- ``fd-cap`` (5): the server limited to 1,024 open files, 3,000 idle connections opened at
  once; how many are refused, does /healthz answer, how large is the log;
- ``half-bodies``: 50 requests send half their body and stop; when are they answered;
- ``sigterm`` (6): SIGTERM while a half-sent body is connected; seconds to exit.

Problems 1–2 (a costly request looped on) are ``bench/load.py``; 7–10 are tested in
``tests/api/test_http.py`` and ``tests/browser/test_csp_browser.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.serving import MemoryWatch, Server, machine_note, start, stop

LOGS = Path(tempfile.mkdtemp(prefix="convplay-probes-"))
HALF_BODY = (
    b"POST /api/v1/conv2d HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n" + b'{"input": [[1,'
)


def get(server: Server, path: str = "/healthz", timeout: float = 30) -> tuple[int, float]:
    """Status and milliseconds of one GET on a fresh connection (0 when none was answered)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(server.url + path, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, (time.monotonic() - started) * 1e3


def post(server: Server, path: str, body: bytes) -> int:
    request = urllib.request.Request(
        server.url + path, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def healthz_while(server: Server, busy: Callable[[], bool], every: float = 0.05) -> list[float]:
    """/healthz latencies (ms) sampled while ``busy()`` holds."""
    latencies = []
    while busy():
        latencies.append(get(server)[1])
        time.sleep(every)
    return latencies


def summary(latencies: list[float], idle: list[float] | None = None) -> str:
    """/healthz p50 / p99 / max, and the same measured on the idle server just before."""
    if not latencies:
        return "no samples"

    def stats(values: list[float]) -> str:
        p50, p99 = statistics.median(values), float(np.percentile(values, 99))
        return f"{p50:.1f} / {p99:.1f} / {max(values):.1f} ms"

    text = f"/healthz p50 / p99 / max {stats(latencies)}"
    return text + (f" (idle just before: {stats(idle)})" if idle else "")


def idle_healthz(server: Server, seconds: float = 3) -> list[float]:
    """/healthz latencies on the server with nothing else to do: the reference."""
    until = time.monotonic() + seconds
    return healthz_while(server, lambda: time.monotonic() < until)


def probe_big_bodies() -> str:
    """Two clients loop for 10 s on a 2 MB body of one-element rows ending in a ragged row."""
    body = json.dumps({"input": [[1.0]] * 285_000 + [[1.0, 2.0]], "weight": [[1.0]]}).encode()
    server = start(LOGS / "big-bodies.log")
    try:
        idle = idle_healthz(server)
        until = time.monotonic() + 10
        statuses: Counter[int] = Counter()

        def loop() -> None:
            while time.monotonic() < until:
                statuses[post(server, "/api/v1/conv2d", body)] += 1

        clients = [threading.Thread(target=loop) for _ in range(2)]
        for client in clients:
            client.start()
        latencies = healthz_while(server, lambda: time.monotonic() < until)
        for client in clients:
            client.join()
    finally:
        stop(server)
    return f"{len(body) / 1e6:.2f} MB bodies → {dict(statuses)}; {summary(latencies, idle)}"


def probe_trace_memory() -> str:
    """32 clients at once on a trace of 1,024 taps a step, 16 steps (max_trace_taps)."""
    rng = np.random.default_rng(0)
    body = json.dumps(
        {
            "input": rng.integers(-9, 9, (4, 23, 23)).tolist(),
            "weight": rng.integers(-3, 3, (1, 4, 16, 16)).tolist(),
            "count": 16,
        }
    ).encode()
    server = start(LOGS / "trace-memory.log")
    try:
        with MemoryWatch(server) as memory:
            idle = server.rss_mib()
            statuses: Counter[int] = Counter()

            def one() -> None:
                statuses[post(server, "/api/v1/conv2d/trace", body)] += 1

            clients = [threading.Thread(target=one) for _ in range(32)]
            started = time.monotonic()
            for client in clients:
                client.start()
            for client in clients:
                client.join()
            seconds = time.monotonic() - started
            time.sleep(1)
            after = server.rss_mib()
    finally:
        stop(server)
    return (
        f"answers {dict(statuses)} in {seconds:.1f} s; resident memory idle {idle:.0f} MiB, "
        f"peak {memory.peak():.0f} MiB, 1 s after {after:.0f} MiB"
    )


def trickle(port: int, count: int, every: float, seconds: float) -> list[float]:
    """``count`` connections sending a header byte every ``every`` s; when each was closed."""
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    opened = time.monotonic()
    closed: dict[int, float] = {}
    line = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 1000
    step = 0
    while time.monotonic() - opened < seconds and len(closed) < count:
        for i, sock in enumerate(socks):
            if i in closed:
                continue
            try:
                sock.send(line[step : step + 1])
            except OSError:
                closed[i] = time.monotonic() - opened
        step += 1
        time.sleep(every)
    for sock in socks:
        sock.close()
    return sorted(closed.values())


def probe_slow_headers() -> str:
    server = start(LOGS / "slow-headers.log")
    try:
        idle = idle_healthz(server)
        result: list[float] = []
        worker = threading.Thread(
            target=lambda: result.extend(trickle(server.port, 200, 2.0, 40)), daemon=True
        )
        worker.start()
        time.sleep(1)
        latencies = healthz_while(server, worker.is_alive, every=0.2)
        worker.join()
        log = server.log_bytes()
    finally:
        stop(server)
    when = f"after {min(result):.1f}–{max(result):.1f} s" if result else ""
    return f"{len(result)} of 200 closed {when}; {summary(latencies, idle)}; log {log} bytes"


def probe_fd_cap() -> str:
    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    server = start(LOGS / "fd-cap.log", preexec=few_files)
    try:
        socks, refused, failed = [], 0, 0
        for _ in range(3000):
            try:
                socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            except OSError:
                failed += 1
        time.sleep(0.5)
        for sock in socks:
            sock.setblocking(False)
            try:
                if sock.recv(64).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except OSError:
                pass
        during = get(server, timeout=5)
        for sock in socks:
            sock.close()
        time.sleep(1.5)
        after = get(server)
        log = server.log_bytes()
        alive = server.process.poll() is None
    finally:
        stop(server)
    return (
        f"3000 connections: {refused} answered 503 at once, {failed} not accepted; /healthz "
        f"while held: {during[0] or 'no answer'}, after: {after[0]} ({after[1]:.0f} ms); "
        f"server alive: {alive}; log {log} bytes"
    )


def probe_half_bodies() -> str:
    server = start(LOGS / "half-bodies.log")
    try:
        socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
        opened = time.monotonic()
        for sock in socks:
            sock.sendall(HALF_BODY)
            sock.settimeout(60)
        answers, times = Counter(), []
        for sock in socks:
            data = sock.recv(64)
            answers[data[:12].decode(errors="replace")] += 1
            times.append(time.monotonic() - opened)
            sock.close()
    finally:
        stop(server)
    return f"50 half bodies: {dict(answers)} after {min(times):.1f}–{max(times):.1f} s"


def probe_sigterm() -> str:
    server = start(LOGS / "sigterm.log")
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(HALF_BODY)
    time.sleep(0.5)
    seconds = stop(server, timeout=60)
    sock.close()
    return f"exit {seconds:.2f} s after SIGTERM (code {server.process.returncode})"


PROBES: dict[str, Callable[[], str]] = {
    "big-bodies": probe_big_bodies,
    "trace-memory": probe_trace_memory,
    "slow-headers": probe_slow_headers,
    "fd-cap": probe_fd_cap,
    "half-bodies": probe_half_bodies,
    "sigterm": probe_sigterm,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*PROBES, []], help="default: all")
    args = parser.parse_args()
    print(f"machine: {machine_note()}; server logs in {LOGS}\n")
    print("| probe | what the server did |")
    print("| --- | --- |")
    for name in args.names or PROBES:
        print(f"| {name} | {PROBES[name]()} |", flush=True)
    print(f"\nmachine after: {machine_note()}")


if __name__ == "__main__":
    main()
