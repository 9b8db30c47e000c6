"""im2col and col2im with the layout of ``torch.nn.functional.unfold`` / ``fold``.

A column holds one window: rows run over (channel, kernel row, kernel column), columns over
window positions in row-major order, so ``unfold(x)[n, c*kh*kw + i*kw + j, oy*ow + ox]`` is
``x_padded[n, c, oy*sh + i*dh, ox*sw + j*dw]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.geometry import Conv2dGeometry
from convcore.params import (
    IntOrPair,
    Pair,
    as_float_array,
    nonnegative_pair,
    positive_pair,
    shape_str,
)
from convcore.shapes import conv_output_size


def unfold(
    input: ArrayLike,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> NDArray[np.floating]:
    """Extract every sliding window as a column (im2col), like ``F.unfold``.

    Parameters
    ----------
    input : array_like
        ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
    kernel_size, dilation, padding, stride : int or pair
        As in ``torch.nn.functional.unfold``; padding is with zeros.

    Returns
    -------
    ndarray
        ``(N, C·kH·kW, L)`` (``(C·kH·kW, L)`` when unbatched), ``L = H_out · W_out``.

    Notes
    -----
    Copies ``kH·kW`` strided slices into a preallocated array: memory is
    ``C·kH·kW·L`` values per sample, the price im2col pays for one large GEMM.

    Examples
    --------
    >>> unfold(np.arange(9.0).reshape(1, 3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = as_float_array(input, "input")
    g = unfold_geometry(x.shape, kernel_size, dilation, padding, stride)
    batched = x if x.ndim == 4 else x[None]
    cols = windows_to_columns(g.pad(batched), g.kernel, g.stride, g.dilation, g.out_size)
    return cols if x.ndim == 4 else cols[0]


def unfold_geometry(
    input_shape: Sequence[int],
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Conv2dGeometry:
    """The windows :func:`unfold` extracts, checked as ``F.unfold`` checks them, from shapes.

    They are the windows of a conv2d with zero padding and one output channel, so the
    result is that :class:`~convcore.geometry.Conv2dGeometry`: ``column_elements`` is the
    size of the result, ``out_size`` the window positions per axis.

    Examples
    --------
    >>> g = unfold_geometry((2, 3, 4, 5), 2)
    >>> g.out_size, g.column_elements
    ((3, 4), 288)
    """
    shape = tuple(int(s) for s in input_shape)
    if len(shape) not in (3, 4):
        raise ConvcoreError(
            "unfold expects a 3-D or 4-D input, got shape {shape}", "input", shape=shape_str(shape)
        )
    _check_nonempty(shape, 4, "unfold")
    kernel, dil, pad, step = _sizes(kernel_size, dilation, padding, stride)
    batched = shape if len(shape) == 4 else (1, *shape)
    _blocks(batched[-2:], kernel, dil, pad, step, "input")  # raises when no window fits
    return Conv2dGeometry(
        in_channels=batched[1],
        out_channels=1,
        groups=1,
        in_size=(batched[2], batched[3]),
        kernel=kernel,
        stride=step,
        dilation=dil,
        pads=(pad[0], pad[0], pad[1], pad[1]),
        padding_mode="zeros",
        batch=batched[0],
    )


def windows_to_columns(
    padded: NDArray[np.floating],
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out_size: Pair,
    buffer: NDArray[np.floating] | None = None,
) -> NDArray[np.floating]:
    """im2col of an already padded ``(N, C, Hp, Wp)`` array → ``(N, C·kH·kW, H_out·W_out)``.

    ``buffer``, when given, is reused for the columns (it must hold at least that many values).

    Notes
    -----
    One copy per tap: tap ``(i, j)`` of every window is the padded input shifted by
    ``(i·dh, j·dw)`` and subsampled by the stride. A subsampled copy reads rows with gaps,
    which numpy does several times slower than a contiguous one, so under a stride the
    input is first split into its phases (the rows ``≡ a mod sh`` and columns ``≡ b mod sw``,
    one strided pass over the input in all), in which every tap is a plain window.
    """
    n, c = padded.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    shape = (n, c, kh, kw, oh, ow)
    if buffer is None:
        cols = np.empty(shape, dtype=padded.dtype)
    else:
        cols = buffer.ravel()[: int(np.prod(shape))].reshape(shape)  # (N, C, kH, kW, H_out, W_out)
    phases = {(0, 0): padded} if (sh, sw) == (1, 1) else {}
    for i in range(kh):
        for j in range(kw):
            top, left = i * dh, j * dw
            phase = (top % sh, left % sw)
            if phase not in phases:  # (N, C, ⌈(Hp − a)/sh⌉, ⌈(Wp − b)/sw⌉), a copy
                phases[phase] = padded[:, :, phase[0] :: sh, phase[1] :: sw].copy()
            row, col = top // sh, left // sw  # where the tap's window starts in its phase
            cols[:, :, i, j] = phases[phase][:, :, row : row + oh, col : col + ow]
    return cols.reshape(n, c * kh * kw, oh * ow)  # (N, C·kH·kW, L)


def columns_to_image(
    cols: NDArray[np.floating],
    channels: int,
    padded_size: Pair,
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out_size: Pair,
) -> NDArray[np.floating]:
    """col2im onto a padded canvas: overlapping window cells add up. → ``(N, C, Hp, Wp)``."""
    n = cols.shape[0]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    blocks = cols.reshape(n, channels, kh, kw, oh, ow)  # (N, C·kH·kW, L) → (N, C, kH, kW, oh, ow)
    canvas = np.zeros((n, channels, *padded_size), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            top, left = i * dh, j * dw
            canvas[
                :, :, top : top + sh * (oh - 1) + 1 : sh, left : left + sw * (ow - 1) + 1 : sw
            ] += blocks[:, :, i, j]
    return canvas


def fold(
    input: ArrayLike,
    output_size: IntOrPair,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> NDArray[np.floating]:
    """Sum columns back into an image (col2im), like ``F.fold``; the adjoint of ``unfold``.

    Parameters
    ----------
    input : array_like
        ``(N, C·kH·kW, L)`` or unbatched ``(C·kH·kW, L)``.
    output_size : int or pair
        ``(H, W)`` of the image before padding.
    kernel_size, dilation, padding, stride : int or pair
        As in ``torch.nn.functional.fold``.

    Returns
    -------
    ndarray
        ``(N, C, H, W)`` (``(C, H, W)`` when unbatched).

    Examples
    --------
    >>> fold(np.ones((4, 4)), 3, 2)
    array([[[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]]])
    """
    cols = as_float_array(input, "input")
    if cols.ndim not in (2, 3):
        raise ConvcoreError(
            "fold expects a 2-D or 3-D input, got shape {shape}",
            "input",
            shape=shape_str(cols.shape),
        )
    _check_nonempty(cols.shape, 3, "fold")
    size = positive_pair(output_size, "output_size", single=False)
    kernel, dil, pad, step = _sizes(kernel_size, dilation, padding, stride)
    batched = cols if cols.ndim == 3 else cols[None]
    taps = kernel[0] * kernel[1]
    if batched.shape[1] % taps:
        raise ConvcoreError(
            "fold: input dimension {axis} has size {size}, "
            "which is not divisible by kernel_size {kh}×{kw} = {taps}",
            ("input", "kernel_size"),
            axis=cols.ndim - 2,
            size=batched.shape[1],
            kh=kernel[0],
            kw=kernel[1],
            taps=taps,
        )
    out_size = _blocks(size, kernel, dil, pad, step, "output_size")
    if batched.shape[2] != out_size[0] * out_size[1]:
        raise ConvcoreError(
            "fold: output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
            "padding={padding}, stride={stride} give {bh}×{bw} = {blocks} blocks, but the "
            "input has {columns} columns",
            ("input", "output_size", "kernel_size", "dilation", "padding", "stride"),
            output_size=size,
            kernel_size=kernel,
            dilation=dil,
            padding=pad,
            stride=step,
            bh=out_size[0],
            bw=out_size[1],
            blocks=out_size[0] * out_size[1],
            columns=batched.shape[2],
        )
    padded_size = (size[0] + 2 * pad[0], size[1] + 2 * pad[1])
    canvas = columns_to_image(
        batched, batched.shape[1] // taps, padded_size, kernel, step, dil, out_size
    )
    image = canvas[:, :, pad[0] : pad[0] + size[0], pad[1] : pad[1] + size[1]]
    return image if cols.ndim == 3 else image[0]


def _sizes(
    kernel_size: IntOrPair, dilation: IntOrPair, padding: IntOrPair, stride: IntOrPair
) -> tuple[Pair, Pair, Pair, Pair]:
    """The four size arguments as pairs: an int or exactly two ints, as F.unfold/F.fold take."""
    return (
        positive_pair(kernel_size, "kernel_size", single=False),
        positive_pair(dilation, "dilation", single=False),
        nonnegative_pair(padding, "padding", single=False),
        positive_pair(stride, "stride", single=False),
    )


def _check_nonempty(shape: tuple[int, ...], batched_ndim: int, op: str) -> None:
    """Only the batch axis of a batched input may be empty, as torch requires."""
    inner = shape[1:] if len(shape) == batched_ndim else shape
    if 0 in inner:
        raise ConvcoreError(
            "{op} needs non-empty dimensions (only the batch may be empty), "
            "got input of shape {shape}",
            "input",
            op=op,
            shape=shape_str(shape),
        )


def _blocks(
    size: tuple[int, ...],
    kernel: Pair,
    dilation: Pair,
    padding: Pair,
    stride: Pair,
    size_name: str,
) -> Pair:
    """Number of window positions per axis; raise when there are none.

    ``size_name`` is the argument the spatial size came from (``input``, ``output_size``).
    """
    blocks = (
        conv_output_size(size[0], kernel[0], stride[0], 2 * padding[0], dilation[0]),
        conv_output_size(size[1], kernel[1], stride[1], 2 * padding[1], dilation[1]),
    )
    if min(blocks) < 1:
        raise ConvcoreError(
            "input of spatial size {size} with kernel_size={kernel_size}, dilation={dilation}, "
            "padding={padding}, stride={stride} leaves {bh}×{bw} window positions; at least "
            "one per axis is needed",
            ("kernel_size", size_name, "dilation", "padding", "stride"),
            size=tuple(size),
            kernel_size=kernel,
            dilation=dilation,
            padding=padding,
            stride=stride,
            bh=blocks[0],
            bw=blocks[1],
        )
    return blocks
