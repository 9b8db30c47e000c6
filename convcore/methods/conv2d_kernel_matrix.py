"""conv2d as the unrolled kernel matrix times the flattened input."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry
from convcore.kernel_matrix import build_kernel_matrix


def conv2d_kernel_matrix(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Multiply each flattened sample by the kernel matrix (padding folded into it)."""
    n = x.shape[0]
    matrix = build_kernel_matrix(weight, g)  # (C_out·H_out·W_out, C_in·H·W)
    flat = x.reshape(n, matrix.shape[1])  # (N, C_in·H·W)
    out = flat @ matrix.T  # (N, C_out·H_out·W_out)
    return out.reshape(n, g.out_channels, *g.out_size)  # (N, C_out, H_out, W_out)
