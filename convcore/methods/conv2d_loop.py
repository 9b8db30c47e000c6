"""conv2d as nested loops: slide the window, multiply, sum. The definition, made readable."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Conv2dGeometry


def conv2d_loop(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: Conv2dGeometry
) -> NDArray[np.floating]:
    """Cross-correlate window by window; ``x`` is ``(N, C_in, H, W)``, no bias."""
    padded = g.pad(x)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = g.kernel, g.stride, g.dilation, g.out_size
    out = np.zeros((x.shape[0], g.out_channels, oh, ow), dtype=x.dtype)
    for n in range(x.shape[0]):
        for oc in range(g.out_channels):
            group = oc // g.out_per_group
            channels = slice(group * g.in_per_group, (group + 1) * g.in_per_group)
            for oy in range(oh):
                for ox in range(ow):
                    top, left = oy * sh, ox * sw
                    # the taps under the window, dilation gaps skipped: (C_in/groups, kH, kW)
                    window = padded[
                        n,
                        channels,
                        top : top + dh * (kh - 1) + 1 : dh,
                        left : left + dw * (kw - 1) + 1 : dw,
                    ]
                    out[n, oc, oy, ox] = np.sum(window * weight[oc])
    return out
