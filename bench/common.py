"""Timing helpers shared by the bench scripts: same process, same thread count, medians."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``repeats`` runs after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def pin_threads(threads: int) -> threadpool_limits:
    """Give numpy's BLAS and torch the same number of threads; returns the limiter to keep."""
    torch.set_num_threads(threads)
    return threadpool_limits(limits=threads)


def describe_machine(threads: int) -> str:
    """One paragraph naming the CPU, BLAS, thread counts and library versions."""
    blas = [
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores; threads: {threads} "
        f"(numpy BLAS and torch); numpy {np.__version__} with {', '.join(blas) or 'unknown BLAS'};"
        f" torch {torch.__version__}; OpenBLAS overrides in env: {env or 'none'}"
    )


def table(rows: list[list[str]], header: list[str]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def compare(
    name: str,
    torch_fn: Callable[[], np.ndarray],
    ours_fn: Callable[[str], np.ndarray],
    methods: tuple[str, ...],
    flops: float,
    repeats: int,
) -> list[list[str]]:
    """Time torch and each convcore method on one case, after checking they agree.

    Returns table rows: case, method, median ms, GFLOP/s (or '—' when ``flops`` is 0), and
    throughput as a fraction of torch's (torch time / method time).
    """
    expected = torch_fn()
    t_torch = median_seconds(torch_fn, repeats)

    def rate(seconds: float) -> str:
        return f"{flops / 1e9 / seconds:.1f}" if flops else "—"

    rows = [[name, "torch", f"{t_torch * 1e3:.2f}", rate(t_torch), "1.00"]]
    for method in methods:
        np.testing.assert_allclose(ours_fn(method), expected, rtol=1e-3, atol=1e-3)
        seconds = median_seconds(lambda m=method: ours_fn(m), repeats)
        rows.append(
            [name, method, f"{seconds * 1e3:.2f}", rate(seconds), f"{t_torch / seconds:.2f}"]
        )
    return rows
