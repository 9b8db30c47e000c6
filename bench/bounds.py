"""The bare numpy work that bounds convcore's fast conv2d methods, as callables to time.

A method can be no faster than the work it cannot avoid. For the layers whose floors are
hard to reach, :mod:`bench.engine` times that work alone beside torch:

- ``matmul``: the matrix product im2col does on a layer, ``(C_out × C_in·kH·kW)`` times
  ``(C_in·kH·kW × H_out·W_out)`` per sample, on ready-made columns (shift_add does the same
  multiply-adds in ``kH·kW`` thinner products). Building the columns, padding and the
  output's layout come on top.
- ``passes``: for a depthwise layer, one multiply and one add per tap over every output
  value, the least numpy can do without a fused multiply-add ufunc: ``2·kH·kW`` passes,
  on contiguous planes (shift_add reads shifted slices and crops rows on top).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Shape = tuple[int, ...]


def matmul(x: Shape, weight: Shape, out_size: tuple[int, int], dtype: type) -> Callable[[], object]:
    """im2col's matrix product alone: ``(C_out, K) @ (N, K, L)`` into a ready output."""
    rng = np.random.default_rng(0)
    n, (c_out, k), positions = x[0], (weight[0], math.prod(weight[1:])), math.prod(out_size)
    kernels = rng.standard_normal((c_out, k)).astype(dtype)
    columns = rng.standard_normal((n, k, positions)).astype(dtype)
    out = np.empty((n, c_out, positions), dtype=dtype)
    return lambda: np.matmul(kernels, columns, out=out)


def passes(x: Shape, weight: Shape, out_size: tuple[int, int], dtype: type) -> Callable[[], object]:
    """A depthwise layer's ``2·kH·kW`` passes (multiply, add) over each sample's output.

    In blocks of planes of the size shift_add uses (input, sum and scratch within 4 MiB).
    """
    rng = np.random.default_rng(0)
    n, channels, taps, cells = x[0], x[1], weight[-2] * weight[-1], math.prod(out_size)
    block = max(1, min(channels, 2**22 // (3 * cells * np.dtype(dtype).itemsize)))
    planes = rng.standard_normal((block, cells)).astype(dtype)
    weights = rng.standard_normal((taps, block, 1)).astype(dtype)
    total, scratch = np.empty_like(planes), np.empty_like(planes)

    def run() -> None:
        for _ in range(n):
            for first in range(0, channels, block):
                size = min(block, channels - first)
                np.multiply(planes[:size], weights[0, :size], out=total[:size])
                for tap in range(1, taps):
                    np.multiply(planes[:size], weights[tap, :size], out=scratch[:size])
                    np.add(total[:size], scratch[:size], out=total[:size])

    return run


BOUNDS = {"matmul": matmul, "passes": passes}
