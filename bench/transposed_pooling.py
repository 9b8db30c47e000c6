"""conv_transpose2d and pooling methods vs torch.nn.functional, in one process.

Run (unset the OpenBLAS overrides this machine sets, which slow numpy's GEMM):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m bench.transposed_pooling

Same table as bench/conv2d.py: median time, GFLOP/s where it means something, and
throughput as a fraction of torch's with the same thread count.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

import convcore as cc
from bench.common import compare, describe_machine, pin_threads, table

ALL = object()  # marker: every registered method of the op


def transposed_cases() -> list[tuple[str, tuple, tuple, dict[str, Any], Any]]:
    """(name, input shape, weight shape, kwargs, methods) for conv_transpose2d."""
    return [
        (
            "DCGAN up 4×4/2",
            (16, 256, 8, 8),
            (256, 128, 4, 4),
            {"stride": 2, "padding": 1},
            ("col2im", "zero_insert", "scatter"),
        ),
        (
            "decoder 3×3/2",
            (8, 64, 28, 28),
            (64, 32, 3, 3),
            {"stride": 2, "padding": 1, "output_padding": 1},
            ("col2im", "zero_insert", "scatter"),
        ),
        ("teaching size", (1, 2, 8, 8), (2, 2, 3, 3), {"stride": 2, "padding": 1}, ALL),
    ]


def pool_cases() -> list[tuple[str, str, tuple, dict[str, Any], Any]]:
    """(name, op, input shape, kwargs, methods) for the pools."""
    return [
        (
            "resnet max 3×3/2",
            "max_pool2d",
            (8, 64, 112, 112),
            {"kernel_size": 3, "stride": 2, "padding": 1},
            ("window",),
        ),
        ("avg 2×2/2", "avg_pool2d", (8, 256, 28, 28), {"kernel_size": 2}, ("window",)),
        (
            "teaching max",
            "max_pool2d",
            (1, 2, 16, 16),
            {"kernel_size": 3, "stride": 2, "padding": 1},
            ALL,
        ),
        (
            "teaching avg",
            "avg_pool2d",
            (1, 2, 16, 16),
            {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
            ALL,
        ),
    ]


def _methods(op: str, chosen: Any) -> tuple[str, ...]:
    return tuple(cc.METHODS[op]) if chosen is ALL else chosen


def _no_grad(fn: Callable[[], torch.Tensor]) -> Callable[[], np.ndarray]:
    def run() -> np.ndarray:
        with torch.no_grad():
            return fn().numpy()

    return run


def bench_transposed(repeats: int) -> list[list[str]]:
    """Rows for every conv_transpose2d case."""
    rows = []
    rng = np.random.default_rng(0)
    for name, x_shape, w_shape, kwargs, methods in transposed_cases():
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        flops = 2.0 * np.prod(x_shape) * np.prod(w_shape[1:])  # every input value × kernel
        rows += compare(
            name,
            _no_grad(lambda tx=tx, tw=tw, kw=kwargs: F.conv_transpose2d(tx, tw, **kw)),
            lambda m, x=x, w=w, kw=kwargs: cc.conv_transpose2d(x, w, method=m, **kw),
            _methods("conv_transpose2d", methods),
            flops,
            repeats,
        )
    return rows


def bench_pools(repeats: int) -> list[list[str]]:
    """Rows for every pooling case (no GFLOP/s: pools are memory-bound)."""
    rows = []
    rng = np.random.default_rng(1)
    for name, op, x_shape, kwargs, methods in pool_cases():
        x = rng.standard_normal(x_shape, dtype=np.float32)
        tx = torch.from_numpy(x)
        torch_fn = getattr(F, op)
        ours = getattr(cc, op)
        rows += compare(
            name,
            _no_grad(lambda f=torch_fn, tx=tx, kw=kwargs: f(tx, **kw)),
            lambda m, f=ours, x=x, kw=kwargs: f(x, method=m, **kw),
            _methods(op, methods),
            0.0,
            repeats,
        )
    return rows


def main() -> None:
    """Parse arguments, run every case, print the machine line and the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    _limits = pin_threads(args.threads)
    print(describe_machine(args.threads))
    print("float32; median of", args.repeats, "runs after one warm-up\n")
    rows = bench_transposed(args.repeats) + bench_pools(args.repeats)
    print(table(rows, ["case", "method", "ms", "GFLOP/s", "throughput vs torch"]))


if __name__ == "__main__":
    main()
