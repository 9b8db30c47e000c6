"""Playwright against a live uvicorn: Debian's Chromium, one server per xdist worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The tree whose app the live server serves: this one, or another (an older commit
#: unpacked with ``git archive``) to see a test fail on the code it was written against.
SERVER_ROOT = Path(os.environ.get("CONVPLAY_SERVER_ROOT", ROOT))
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CONVPLAY_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch the system Chromium (no downloaded browser), quietly and without a sandbox."""
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages opened by the tests ignore the Content-Security-Policy: Playwright evaluates the
    tests' string predicates (``wait_for_function``) with ``eval``, which the policy forbids.
    test_csp_browser.py opens its own contexts, under the policy."""
    return {**browser_context_args, "bypass_csp": True}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer {url}/healthz within {timeout} s")


@pytest.fixture(scope="session")
def live_server():
    """Base URL of the server on 127.0.0.1, as ``make run`` starts it (one per xdist worker)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make system-deps installs it)")
    port = _free_port()
    server = subprocess.Popen(
        [  # started as `make run` starts it: app.serve, with the guarded protocol
            sys.executable,
            "-m",
            "app.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=SERVER_ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def shot():
    """Save a full-page screenshot under test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
