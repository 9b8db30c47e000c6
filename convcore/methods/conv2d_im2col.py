"""conv2d as im2col + one GEMM per group: the fast path."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry
from convcore.unfold import windows_to_columns

#: Bytes of im2col columns built at a time. Large inputs are unfolded a few samples (or, for
#: many groups, a few groups of one sample) at a time into one reused buffer that stays in
#: cache, instead of one huge array that is written once and read once from memory.
COLUMN_BUDGET = 4 * 2**20


def conv2d_im2col(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Unfold the padded input into columns and multiply by the flattened kernels."""
    n = x.shape[0]
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    group_bytes = g.in_per_group * kh * kw * oh * ow * x.itemsize  # columns of one group
    samples, groups = _chunks(n, g.groups, group_bytes)
    buffer = np.empty(samples * groups * group_bytes // x.itemsize, dtype=x.dtype)
    kernels = weight.reshape(g.groups, g.out_per_group, -1)  # (G, C_out/G, K)
    out = np.empty((n, g.groups, g.out_per_group, oh * ow), dtype=x.dtype)
    for start in range(0, n, samples):
        padded = g.pad(x[start : start + samples])
        for first in range(0, g.groups, groups):
            channels = slice(first * g.in_per_group, (first + groups) * g.in_per_group)
            cols = windows_to_columns(padded[:, channels], g.kernel, g.stride, g.dilation,
                                      g.out_size, buffer)
            cols = cols.reshape(len(padded), -1, kernels.shape[2], oh * ow)  # (n, G', K, L)
            np.matmul(kernels[first : first + groups], cols,
                      out=out[start : start + samples, first : first + groups])
    return out.reshape(n, g.out_channels, oh, ow)  # (N, G, C_out/G, L) → (N, C_out, oh, ow)


def _chunks(n: int, groups: int, group_bytes: int) -> tuple[int, int]:
    """(samples, groups) per chunk so that a chunk's columns fit ``COLUMN_BUDGET``."""
    sample_bytes = max(1, groups * group_bytes)
    if sample_bytes <= COLUMN_BUDGET:
        return max(1, min(n, COLUMN_BUDGET // sample_bytes)), groups
    return 1, max(1, min(groups, COLUMN_BUDGET // max(1, group_bytes)))
