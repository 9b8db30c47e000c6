"""conv2d as im2col + one GEMM per group: the fast path."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry
from convcore.unfold import windows_to_columns


def conv2d_im2col(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Unfold the padded input into columns and multiply by the flattened kernels."""
    n = x.shape[0]
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    cols = windows_to_columns(g.pad(x), g.kernel, g.stride, g.dilation, g.out_size)
    cols = cols.reshape(n, g.groups, g.in_per_group * kh * kw, oh * ow)  # (N, G, K, L)
    kernels = weight.reshape(g.groups, g.out_per_group, -1)  # (G, C_out/G, K)
    out = np.matmul(kernels, cols)  # (N, G, C_out/G, L)
    return out.reshape(n, g.out_channels, oh, ow)
