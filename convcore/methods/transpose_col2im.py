"""conv_transpose2d as frameworks compute it: one GEMM into columns, then col2im."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import ConvTranspose2dGeometry
from convcore.unfold import columns_to_image


def transposed_columns(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """The GEMM of the col2im method: one column per input position, one row per stamp cell.

    Column ``l = iy·W + ix`` holds, in row ``(o·kH + i)·kW + j``, what input position
    ``(iy, ix)`` adds to output channel ``o`` at the stamp's cell ``(i, j)``: the sum over the
    group's input channels of ``x[c, iy, ix] · weight[c, o mod C_out/G, i, j]``. Returns
    ``(N, C_out·kH·kW, H·W)``.
    """
    n = x.shape[0]
    (kh, kw), (height, width) = g.kernel, g.in_size
    # (G, C_out/G·kH·kW, C_in/G): row r of group g's block is one tap of one output channel
    kernels = weight.reshape(g.groups, g.in_per_group, -1).transpose(0, 2, 1)
    values = x.reshape(n, g.groups, g.in_per_group, height * width)  # (N, G, C_in/G, H·W)
    cols = np.matmul(kernels, values)  # (N, G, C_out/G·kH·kW, H·W)
    return cols.reshape(n, g.out_channels * kh * kw, height * width)  # (N, C_out·kH·kW, L)


def conv_transpose2d_col2im(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """Columns = weightᵀ · input (one stamp per column), fold them onto the canvas, crop.

    This is conv2d's backward pass for its input: im2col's GEMM transposed, then col2im
    adds each column back where im2col would have read it.
    """
    cols = transposed_columns(x, weight, g)  # (N, C_out·kH·kW, L)
    canvas = columns_to_image(
        cols, g.out_channels, g.canvas_size, g.kernel, g.stride, g.dilation, g.in_size
    )
    return g.crop(canvas)
