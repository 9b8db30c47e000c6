"""conv_transpose2d as Kᵀ·y: the transpose of the forward convolution's kernel matrix."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import ConvTranspose2dGeometry, conv2d_geometry
from convcore.kernel_matrix import build_kernel_matrix


def transposed_kernel_matrix(
    weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """``(C_in·H·W, C_out·H_out·W_out)`` matrix M with ``out.ravel() == y.ravel() @ M``.

    M is Kᵀ for the conv2d that maps an ``(C_out, H_out, W_out)`` image back to the input's
    size with the same weight, stride, padding, dilation and groups: conv2d's weight layout
    ``(C_out_fwd, C_in_fwd/groups, …)`` is exactly this weight's ``(C_in, C_out/groups, …)``.
    """
    forward = conv2d_geometry(
        (1, g.out_channels, *g.out_size), weight.shape, g.stride, g.padding, g.dilation, g.groups
    )
    matrix = build_kernel_matrix(weight, forward)  # (C_in·Hf·Wf, C_out·H_out·W_out)
    # with output_padding ≥ stride (allowed when below the dilation) the forward conv has
    # extra positions past the input's end: only the first H×W are adjoint to the input
    fh, fw = forward.out_size
    rows = matrix.reshape(g.in_channels, fh, fw, -1)  # (C_in, Hf, Wf, C_out·H_out·W_out)
    return rows[:, : g.in_size[0], : g.in_size[1]].reshape(-1, matrix.shape[1])  # (C_in·H·W, ·)


def conv_transpose2d_kernel_matrix(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """Multiply each flattened sample by the transposed kernel matrix; no bias."""
    n = x.shape[0]
    matrix = transposed_kernel_matrix(weight, g)  # (C_in·H·W, C_out·H_out·W_out)
    flat = x.reshape(n, matrix.shape[0])  # (N, C_in·H·W); explicit, as N may be 0
    out = flat @ matrix  # (N, C_out·H_out·W_out)
    return out.reshape(n, g.out_channels, *g.out_size)  # (N, C_out, H_out, W_out)
