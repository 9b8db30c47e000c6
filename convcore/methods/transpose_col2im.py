"""conv_transpose2d as frameworks compute it: one GEMM into columns, then col2im."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import ConvTranspose2dGeometry
from convcore.unfold import columns_to_image


def conv_transpose2d_col2im(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """Columns = weightᵀ · input (one stamp per column), fold them onto the canvas, crop.

    This is conv2d's backward pass for its input: im2col's GEMM transposed, then col2im
    adds each column back where im2col would have read it.
    """
    n = x.shape[0]
    (kh, kw), (height, width) = g.kernel, g.in_size
    # (G, C_out/G·kH·kW, C_in/G): row r of group g's block is one tap of one output channel
    kernels = weight.reshape(g.groups, g.in_per_group, -1).transpose(0, 2, 1)
    values = x.reshape(n, g.groups, g.in_per_group, height * width)  # (N, G, C_in/G, H·W)
    cols = np.matmul(kernels, values)  # (N, G, C_out/G·kH·kW, H·W)
    cols = cols.reshape(n, g.out_channels * kh * kw, height * width)  # (N, C_out·kH·kW, L)
    canvas = columns_to_image(
        cols, g.out_channels, g.canvas_size, g.kernel, g.stride, g.dilation, g.in_size
    )
    return g.crop(canvas)
