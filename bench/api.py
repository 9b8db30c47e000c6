"""Throughput and latency of POST /api/v1/conv2d against a bare FastAPI endpoint.

Both apps run under uvicorn with the same settings on 127.0.0.1, one after the other in the
same run, loaded by wrk with the same body, connections and duration. The ratio of requests
per second is what DESIGN.md §7 budgets (at least one half).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/api.py

Needs ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

ROOT = Path(__file__).resolve().parent.parent
REQUEST = {
    "input": np.arange(49.0).reshape(7, 7).tolist(),
    "weight": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
}
BODY = json.dumps(REQUEST)
#: The same request without the torch cross-check, to show what that check costs.
BODY_NO_VERIFY = json.dumps({**REQUEST, "verify": False})
UVICORN = [
    "--factory",
    "--host",
    "127.0.0.1",
    "--workers",
    "1",
    "--no-access-log",
    "--log-level",
    "warning",
]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(app: str, port: int) -> subprocess.Popen[bytes]:
    """Start uvicorn on ``app`` and wait until it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, *UVICORN, "--port", str(port)], cwd=ROOT
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start on port {port}")


def wrk(url: str, body: str, seconds: int, connections: int) -> dict[str, float]:
    """Run wrk with a POST script; return requests/s and p50/p99 latency in ms."""
    script = (
        "wrk.method = 'POST'\n"
        "wrk.headers['Content-Type'] = 'application/json'\n"
        f"wrk.body = {json.dumps(body)}\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(lua.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url} answered {errors.group(1)} errors:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
    }  # type: ignore[union-attr]


def _ms(text: str) -> float:
    """wrk's '1.23ms' / '850.00us' / '1.20s' in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def main() -> None:
    """Benchmark both apps, interleaved, and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved runs per app")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    bare_port, api_port = free_port(), free_port()
    processes = [
        serve("bench.bare_app:create_app", bare_port),
        serve("app.main:create_app", api_port),
    ]
    api = f"http://127.0.0.1:{api_port}/api/v1/conv2d"
    targets = {
        "bare FastAPI (constant)": (f"http://127.0.0.1:{bare_port}/constant", BODY),
        "POST /api/v1/conv2d (7×7 · 3×3)": (api, BODY),
        "same, verify=false (no torch check)": (api, BODY_NO_VERIFY),
    }
    try:
        for url, body in targets.values():
            wrk(url, body, 2, args.connections)  # warm up: imports, first torch call
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (url, body) in targets.items():
                runs[name].append(wrk(url, body, args.seconds, args.connections))
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    report(runs, args)


def report(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    """Median of the rounds per app, and the throughput ratio."""
    medians = {
        name: {k: float(np.median([r[k] for r in rs])) for k in ("rps", "p50", "p99")}
        for name, rs in runs.items()
    }
    blas = ", ".join(
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, "
        f"{i.get('num_threads')} threads)"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s, {args.rounds} interleaved rounds "
        f"(median); uvicorn {' '.join(UVICORN[1:])}; {os.cpu_count()} cores; BLAS: {blas}"
    )
    print()
    print("| endpoint | requests/s | p50 (ms) | p99 (ms) |")
    print("| --- | ---: | ---: | ---: |")
    for name, m in medians.items():
        print(f"| {name} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} |")
    bare, api, unverified = (m["rps"] for m in medians.values())
    print()
    print(
        f"throughput ratio conv2d / bare: {api / bare:.2f} (verify=false: {unverified / bare:.2f})"
    )


if __name__ == "__main__":
    main()
