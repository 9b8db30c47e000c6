"""conv_transpose2d as a direct conv2d: zero-insert the input, pad, flip the kernel."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import ConvTranspose2dGeometry, conv2d_geometry
from convcore.methods.conv2d_im2col import conv2d_im2col


def spread_and_pad(x: NDArray[np.floating], g: ConvTranspose2dGeometry) -> NDArray[np.floating]:
    """Put ``stride − 1`` zeros between input cells, then pad by ``d(k−1) − p`` per side.

    ``output_padding`` is added at the bottom/right; a negative padding crops instead.
    """
    sh, sw = g.stride
    top, bottom, left, right = g.conv_pads
    before, after = (top, left), (bottom, right)
    height, width = g.in_size
    spread_h, spread_w = (height - 1) * sh + 1, (width - 1) * sw + 1
    # a frame big enough for the positive paddings; the negative ones are cropped after
    frame_h = max(before[0], 0) + spread_h + max(after[0], 0)
    frame_w = max(before[1], 0) + spread_w + max(after[1], 0)
    frame = np.zeros((*x.shape[:2], frame_h, frame_w), dtype=x.dtype)
    top, left = max(before[0], 0), max(before[1], 0)
    frame[:, :, top : top + spread_h : sh, left : left + spread_w : sw] = x
    return frame[
        :,
        :,
        max(-before[0], 0) : frame_h - max(-after[0], 0),
        max(-before[1], 0) : frame_w - max(-after[1], 0),
    ]


def flipped_conv_weight(weight: NDArray[np.floating], groups: int) -> NDArray[np.floating]:
    """``(C_in, C_out/G, kH, kW)`` → conv2d's ``(C_out, C_in/G, kH, kW)``, kernels rotated 180°."""
    c_in, out_per_group, kh, kw = weight.shape
    grouped = weight.reshape(groups, c_in // groups, out_per_group, kh, kw)  # (G, Ci/G, Co/G, ..)
    swapped = grouped.transpose(0, 2, 1, 3, 4)  # (G, C_out/G, C_in/G, kH, kW)
    flipped = swapped[..., ::-1, ::-1]
    return flipped.reshape(groups * out_per_group, c_in // groups, kh, kw)  # (C_out, C_in/G, ..)


def conv_transpose2d_zero_insert(
    x: NDArray[np.floating], weight: NDArray[np.floating], g: ConvTranspose2dGeometry
) -> NDArray[np.floating]:
    """Run conv2d (im2col, stride 1) on the spread, padded input with the flipped kernel."""
    spread = spread_and_pad(x, g)
    conv_weight = flipped_conv_weight(weight, g.groups)
    forward = conv2d_geometry(
        spread.shape, conv_weight.shape, stride=1, padding=0, dilation=g.dilation, groups=g.groups
    )
    return conv2d_im2col(spread, conv_weight, forward)
