"""conv_transpose2d by its definition: every input value stamps the scaled kernel."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import ConvTranspose2dGeometry


def conv_transpose2d_scatter(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """Stamp ``x[n, c, i, j] · weight[c]`` at ``(i·s, j·s)``, then crop; no bias.

    ``x`` is ``(N, C_in, H, W)``; all samples and channels are stamped at once, one input
    position at a time.
    """
    n = x.shape[0]
    (kh, kw), (sh, sw), (dh, dw) = g.kernel, g.stride, g.dilation
    height, width = g.in_size
    grouped_x = x.reshape(n, g.groups, g.in_per_group, height, width)  # (N, G, C_in/G, H, W)
    # (G, C_in/G, C_out/G, kH, kW): group g maps its own input channels to its output channels
    grouped_w = weight.reshape(g.groups, g.in_per_group, g.out_per_group, kh, kw)
    canvas = np.zeros((n, g.out_channels, *g.canvas_size), dtype=x.dtype)
    for i in range(height):
        for j in range(width):
            # each output channel's stamp sums its group's input channels: (N, G, C_out/G, kH, kW)
            stamp = np.einsum("ngc,gcokl->ngokl", grouped_x[:, :, :, i, j], grouped_w)
            top, left = i * sh, j * sw
            canvas[
                :, :, top : top + dh * (kh - 1) + 1 : dh, left : left + dw * (kw - 1) + 1 : dw
            ] += stamp.reshape(n, g.out_channels, kh, kw)
    return g.crop(canvas)
