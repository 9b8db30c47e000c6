"""Start the server as ``make run`` does, on a free port, and watch it: shared by load and probes.

Run the scripts that use it with the OpenBLAS overrides unset, as every bench here:
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.load``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running ``python -m app.serve``: its process, URL and log file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        """Resident memory of the server process now, in MiB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def log_bytes(self) -> int:
        return self.log.stat().st_size


def start(
    log: Path,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    preexec: object = None,
) -> Server:
    """``python -m app.serve --host 127.0.0.1 --port <free>`` with ``CONVPLAY_*`` in ``env``."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,  # type: ignore[arg-type]
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not answer within 90 s; see {log}")


def stop(server: Server, timeout: float = 15) -> float:
    """SIGTERM, wait; the seconds it took (killed after ``timeout``: returns inf)."""
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        return float("inf")
    return time.monotonic() - started


@contextlib.contextmanager
def serving(log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A server for the duration of a ``with`` block."""
    server = start(log, env)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            stop(server)


@dataclass
class MemoryWatch:
    """Samples a server's resident memory every ``every`` seconds in a thread."""

    server: Server
    every: float = 0.1
    samples: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemoryWatch:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.samples.append((time.monotonic(), self.server.rss_mib()))
            time.sleep(self.every)

    def peak(self, since: float = 0.0, until: float = float("inf")) -> float:
        """Highest RSS sampled between two monotonic times, in MiB."""
        values = [rss for t, rss in self.samples if since <= t <= until]
        return max(values, default=float("nan"))


def machine_note() -> str:
    """Cores, load average and BLAS, for the header of a report."""
    from threadpoolctl import threadpool_info

    blas = ", ".join(
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )
    overrides = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, load average {load}; BLAS {blas or 'unknown'}; "
        f"OpenBLAS overrides in env: {overrides or 'none'}"
    )
