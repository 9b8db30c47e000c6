"""The unrolled kernel matrix: conv2d as one matrix-vector product."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.geometry import Conv2dGeometry, conv2d_geometry
from convcore.params import IntOrPair, Padding, as_float_array, as_int, positive_pair, shape_str


def kernel_matrix(
    weight: ArrayLike,
    input_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> NDArray[np.floating]:
    """Build the matrix ``K`` with ``conv2d(x, weight).ravel() == K @ x.ravel()``.

    Parameters
    ----------
    weight : array_like
        ``(C_out, C_in/groups, kH, kW)``, or a 2-D ``(kH, kW)`` kernel for one channel.
    input_size : int or pair
        ``(H, W)`` of the unpadded input.
    stride, padding, dilation, groups, padding_mode
        As in :func:`convcore.conv2d`.

    Returns
    -------
    ndarray
        ``(C_out·H_out·W_out, C_in·H·W)``: one row per output value, one column per input
        value. Padding is folded in: under ``zeros`` a pad cell contributes nothing, under
        the other modes its weight lands on the column of the cell it copies. Under groups
        the matrix is block-diagonal.

    Notes
    -----
    Dense, so it costs ``C_out·H_out·W_out · C_in·H·W`` values: a teaching view for small
    inputs, not a fast path.

    Examples
    --------
    >>> kernel_matrix([[0.0, 1.0], [2.0, 3.0]], (3, 3))
    array([[0., 1., 0., 2., 3., 0., 0., 0., 0.],
           [0., 0., 1., 0., 2., 3., 0., 0., 0.],
           [0., 0., 0., 0., 1., 0., 2., 3., 0.],
           [0., 0., 0., 0., 0., 1., 0., 2., 3.]])
    """
    w = as_float_array(weight, "weight")
    if w.ndim == 2:
        w = w[None, None]
    geometry = kernel_matrix_geometry(
        w.shape, input_size, stride, padding, dilation, groups, padding_mode=padding_mode
    )
    return build_kernel_matrix(w, geometry)


def kernel_matrix_geometry(
    weight_shape: Sequence[int],
    input_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Conv2dGeometry:
    """The conv2d geometry :func:`kernel_matrix` builds its matrix for, from shapes alone.

    ``weight_shape`` is 4-D or a 2-D ``(kH, kW)``; the input has ``weight_shape[1] · groups``
    channels of ``input_size``, one sample.

    Examples
    --------
    >>> g = kernel_matrix_geometry((2, 1, 3, 3), (5, 5), padding=1)
    >>> g.matrix_shape, g.matrix_entries
    ((50, 25), 1250)
    """
    shape = tuple(weight_shape)
    if len(shape) == 2:
        shape = (1, 1, *shape)
    if len(shape) != 4:
        raise ConvcoreError(
            "weight must be 2-D or 4-D, got shape {shape}", "weight", shape=shape_str(shape)
        )
    height, width = positive_pair(input_size, "input_size")
    groups = as_int(groups, "groups")
    return conv2d_geometry(
        (1, shape[1] * max(groups, 1), height, width),
        shape,
        stride,
        padding,
        dilation,
        groups,
        padding_mode,
    )


def build_kernel_matrix(weight: NDArray[np.floating], g: Conv2dGeometry) -> NDArray[np.floating]:
    """Kernel matrix for an already validated geometry (see :func:`kernel_matrix`)."""
    rows_map, cols_map = g.source_maps()
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = g.kernel, g.stride, g.dilation, g.out_size
    height, width = g.in_size
    # index grids over (C_out, H_out, W_out, C_in/groups, kH, kW)
    oc, oy, ox, ci, i, j = np.ix_(
        np.arange(g.out_channels),
        np.arange(oh),
        np.arange(ow),
        np.arange(g.in_per_group),
        np.arange(kh),
        np.arange(kw),
    )
    src_y = rows_map[oy * sh + i * dh]
    src_x = cols_map[ox * sw + j * dw]
    channel = (oc // g.out_per_group) * g.in_per_group + ci
    row = (oc * oh + oy) * ow + ox
    col = (channel * height + src_y) * width + src_x
    values = np.broadcast_to(weight[:, None, None], (g.out_channels, oh, ow, *weight.shape[1:]))
    keep = np.broadcast_to((src_y >= 0) & (src_x >= 0), values.shape)
    n_rows, n_cols = g.out_channels * oh * ow, g.in_channels * height * width
    flat = np.broadcast_to(row * n_cols + col, values.shape)[keep]
    # bincount adds repeated indices: under reflect/replicate/circular two taps may copy one cell
    dense = np.bincount(flat, weights=values[keep], minlength=n_rows * n_cols)
    return dense.reshape(n_rows, n_cols).astype(weight.dtype, copy=False)  # (C_out·L, C_in·H·W)
