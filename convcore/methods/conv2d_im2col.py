"""conv2d as im2col + one matrix product per group: the default method.

Unfold every window of the padded input into a column (im2col, in ``F.unfold``'s layout:
rows run over input channel, kernel row, kernel column), and the convolution is one matrix
product per group: ``(C_out/G × C_in/G·kH·kW)`` kernels times ``(C_in/G·kH·kW × H_out·W_out)``
columns.

Notes
-----
The multiply-adds of the definition, in one large matrix product per group, which the BLAS
runs near its peak. The price is the columns: every input value is copied once per tap
that reads it, ``kH·kW`` times at stride 1, ``C_in·kH·kW·H_out·W_out`` values per sample.
They are built a tile at a time (a few samples, a few groups of one sample, or a band of
output rows, :data:`COLUMN_BUDGET`) into one reused buffer that stays in cache. On dense
stride-1 layers :mod:`convcore.methods.conv2d_shift_add` skips the copies and is faster;
on strided layers, few input channels and small inputs this is the faster method.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry
from convcore.unfold import windows_to_columns

#: Bytes of im2col columns built at a time. Large inputs are unfolded a tile at a time (a few
#: samples; or a few groups of one sample; or a band of output rows of one group) into one
#: reused buffer that stays in cache, instead of one huge array written and read from memory.
COLUMN_BUDGET = 4 * 2**20


def conv2d_im2col(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Unfold the padded input into columns and multiply by the flattened kernels."""
    n = x.shape[0]
    (kh, kw), (sh, _), (dh, _), (oh, ow) = g.kernel, g.stride, g.dilation, g.out_size
    row_bytes = g.in_per_group * kh * kw * ow * x.itemsize  # one output row of one group
    samples, groups, rows = _tile_shape(n, g.groups, oh, row_bytes)
    buffer = np.empty(samples * groups * rows * row_bytes // x.itemsize, dtype=x.dtype)
    kernels = weight.reshape(g.groups, g.out_per_group, -1)  # (G, C_out/G, K)
    out = np.empty((n, g.groups, g.out_per_group, oh * ow), dtype=x.dtype)
    for start in range(0, n, samples):
        padded = g.pad(x[start : start + samples])
        for first, top in _tiles(g.groups, groups, oh, rows):
            group_slice = slice(first, first + groups)
            channels = slice(first * g.in_per_group, (first + groups) * g.in_per_group)
            band = min(rows, oh - top)
            # the padded rows this band of output rows reads
            source = padded[:, channels, top * sh : (top + band - 1) * sh + dh * (kh - 1) + 1]
            cols = windows_to_columns(source, g.kernel, g.stride, g.dilation, (band, ow), buffer)
            cols = cols.reshape(len(padded), -1, kernels.shape[2], band * ow)  # (n, G', K, L')
            target = out[start : start + samples, group_slice, :, top * ow : (top + band) * ow]
            np.matmul(kernels[group_slice], cols, out=target)
    return out.reshape(n, g.out_channels, oh, ow)  # (N, G, C_out/G, L) → (N, C_out, oh, ow)


def _tile_shape(n: int, groups: int, oh: int, row_bytes: int) -> tuple[int, int, int]:
    """(samples, groups, output rows) per tile so that a tile's columns fit the budget."""
    group_bytes = max(1, oh * row_bytes)
    if groups * group_bytes <= COLUMN_BUDGET:
        return max(1, min(n, COLUMN_BUDGET // (groups * group_bytes))), groups, oh
    if group_bytes <= COLUMN_BUDGET:
        return 1, COLUMN_BUDGET // group_bytes, oh
    return 1, 1, max(1, min(oh, COLUMN_BUDGET // max(1, row_bytes)))


def _tiles(groups: int, per_tile: int, oh: int, rows: int) -> Iterator[tuple[int, int]]:
    """(first group, first output row) of every tile of one sample chunk."""
    for first in range(0, groups, per_tile):
        for top in range(0, oh, rows):
            yield first, top
