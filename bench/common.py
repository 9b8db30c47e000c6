"""Timing helpers shared by the bench scripts: same process, same thread count."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits


def best_seconds_interleaved(
    fns: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Best time of each function over ``repeats`` rounds that run them all in turn.

    Interleaving makes every function see the same background load, and the best of N
    is the run the load disturbed least; the order alternates so that none always runs
    straight after another's cache traffic. ``clock`` is wall time by default;
    ``time.thread_time`` counts only this thread's CPU time, which other processes cannot
    inflate, and is the whole cost only when numpy's BLAS and torch run on one thread.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    best = dict.fromkeys(fns, float("inf"))
    names = list(fns)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            start = clock()
            fns[name]()
            best[name] = min(best[name], clock() - start)
    return best


def pin_threads(threads: int) -> threadpool_limits:
    """Give numpy's BLAS and torch the same number of threads; returns the limiter to keep."""
    torch.set_num_threads(threads)
    return threadpool_limits(limits=threads)


def describe_machine(threads: int) -> str:
    """One paragraph naming the CPU, BLAS, thread counts, library versions and the load."""
    blas = [
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load_average()}; threads: {threads} (numpy BLAS and torch); numpy {np.__version__} "
        f"with {', '.join(blas) or 'unknown BLAS'}; torch {torch.__version__}; OpenBLAS "
        f"overrides in env: {env or 'none'}"
    )


def load_average() -> str:
    """The 1-minute load average, which says how busy the machine was."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def table(rows: list[list[str]], header: list[str]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
