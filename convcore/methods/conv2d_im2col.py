"""conv2d as im2col + one GEMM per group: the fast path."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry
from convcore.unfold import windows_to_columns

#: Bytes of im2col columns built at a time. Large batches are unfolded a few samples at a
#: time into one reused buffer that stays in cache, instead of one huge array.
COLUMN_BUDGET = 4 * 2**20


def conv2d_im2col(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Unfold the padded input into columns and multiply by the flattened kernels."""
    n = x.shape[0]
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    rows = g.in_channels * kh * kw
    chunk = max(1, COLUMN_BUDGET // max(1, rows * oh * ow * x.itemsize))
    buffer = np.empty(min(chunk, n) * rows * oh * ow, dtype=x.dtype)
    kernels = weight.reshape(g.groups, g.out_per_group, -1)  # (G, C_out/G, K)
    out = np.empty((n, g.groups, g.out_per_group, oh * ow), dtype=x.dtype)
    for start in range(0, n, chunk):
        part = g.pad(x[start : start + chunk])
        cols = windows_to_columns(part, g.kernel, g.stride, g.dilation, g.out_size, buffer)
        cols = cols.reshape(len(part), g.groups, -1, oh * ow)  # (n, G, K, L)
        np.matmul(kernels, cols, out=out[start : start + chunk])  # (n, G, C_out/G, L)
    return out.reshape(n, g.out_channels, oh, ow)  # (N, G, C_out/G, L) → (N, C_out, oh, ow)
