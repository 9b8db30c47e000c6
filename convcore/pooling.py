"""max_pool2d and avg_pool2d with torch's signatures and semantics, over the registry's methods.

Pooling slides a window like a convolution but has no weights: each output cell is the
largest value under the window (max) or their mean (avg), channel by channel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.errors import ConvcoreError
from convcore.padding import pad2d
from convcore.params import (
    IntOrPair,
    Pair,
    as_bool,
    as_float_array,
    as_int,
    nonnegative_pair,
    positive_pair,
    shape_str,
)
from convcore.registry import get_method
from convcore.shapes import dilated_extent, pool_output_size

Restore = Callable[[NDArray[Any]], NDArray[Any]]


@dataclass(frozen=True)
class Pool2dGeometry:
    """Everything about a pooling call except the numbers in the input.

    ``in_size`` is the unpadded ``(H, W)``; ``padding`` is per side, ``(pH, pW)``.
    """

    in_size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    ceil_mode: bool
    out_size: Pair

    @property
    def span(self) -> Pair:
        """(height, width) a window covers, dilation gaps included."""
        return (
            dilated_extent(self.kernel[0], self.dilation[0]),
            dilated_extent(self.kernel[1], self.dilation[1]),
        )

    @property
    def pads(self) -> tuple[int, int, int, int]:
        """``(top, bottom, left, right)``; bottom and right grow so that ceil-mode windows fit."""
        (ph, pw), (oh, ow), (sh, sw) = self.padding, self.out_size, self.stride
        bottom = (oh - 1) * sh + self.span[0] - self.in_size[0] - ph
        right = (ow - 1) * sw + self.span[1] - self.in_size[1] - pw
        return ph, max(ph, bottom), pw, max(pw, right)

    def pad(self, x: NDArray[np.floating], value: float) -> NDArray[np.floating]:
        """Pad the spatial axes of ``x`` with ``value`` (−∞ for max, 0 for sums)."""
        return pad2d(x, self.pads, "zeros", value)

    def first_tap_index(self, oy: Any, ox: Any) -> Any:
        """Flat index torch reports for a window holding nothing above −∞.

        That is the window's first tap at or after row 0 and column 0, which under
        dilation may lie beyond the input. ``oy``, ``ox`` are ints or broadcastable arrays.
        """
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        top, left = np.asarray(oy) * sh - ph, np.asarray(ox) * sw - pw
        # a negative start steps forward by whole dilations until it reaches 0 or more
        row = np.where(top < 0, top % dh, top)
        col = np.where(left < 0, left % dw, left)
        return row * self.in_size[1] + col

    def window_cells(self, oy: Any, ox: Any, count_include_pad: bool) -> Any:
        """How many cells torch divides the sum of average-pool window ``(oy, ox)`` by.

        A ceil-mode window hanging past the padded edge is first cut there; then either
        every remaining cell counts (``count_include_pad``) or only those inside the input.
        ``oy``, ``ox`` are ints or broadcastable arrays.

        Examples
        --------
        >>> g = pool2d_geometry((4, 4), 2, padding=1)
        >>> int(g.window_cells(0, 0, True)), int(g.window_cells(0, 0, False))
        (4, 1)
        >>> g = pool2d_geometry((5, 5), 2, ceil_mode=True)  # windows at 0, 2 and 4
        >>> g.window_cells(2, np.arange(3), True)  # the last row and column hang over
        array([2, 2, 1])
        """
        (height, width), (kh, kw), (sh, sw), (ph, pw) = (
            self.in_size,
            self.kernel,
            self.stride,
            self.padding,
        )
        rows = _axis_cells(np.asarray(oy) * sh - ph, kh, ph, height, count_include_pad)
        cols = _axis_cells(np.asarray(ox) * sw - pw, kw, pw, width, count_include_pad)
        return rows * cols


def _axis_cells(start: Any, kernel: int, pad: int, size: int, count_include_pad: bool) -> Any:
    """Cells a window starting at ``start`` (input coordinates) counts along one axis."""
    end = np.minimum(start + kernel, size + pad)  # cut at the padded edge (ceil mode)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def pool2d_geometry(
    in_size: Sequence[int],
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> Pool2dGeometry:
    """Validate a pooling configuration for an ``(H, W)`` input, as torch does.

    ``stride`` None (or empty) means ``kernel_size``. Padding may be at most half the
    kernel size on each axis: torch checks ``p ≤ ⌊k/2⌋`` and ``p ≤ ⌊(d(k−1)+1)/2⌋``, and
    the first is always the stricter, so dilation never allows more padding.

    Examples
    --------
    >>> g = pool2d_geometry((4, 4), 3, stride=2, padding=1)
    >>> g.out_size, g.pads
    ((2, 2), (1, 1, 1, 1))
    >>> pool2d_geometry((5, 5), 2, ceil_mode=True).pads  # the last window hangs over by one
    (0, 1, 0, 1)
    """
    kernel = positive_pair(kernel_size, "kernel_size")
    step = kernel if stride is None or _is_empty(stride) else positive_pair(stride, "stride")
    pad = nonnegative_pair(padding, "padding")
    dil = positive_pair(dilation, "dilation")
    ceil = as_bool(ceil_mode, "ceil_mode")
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ConvcoreError(
            f"padding must be at most half the kernel size, got padding={pad} "
            f"with kernel_size={kernel}"
        )
    height, width = in_size
    out = (
        pool_output_size(height, kernel[0], step[0], pad[0], dil[0], ceil),
        pool_output_size(width, kernel[1], step[1], pad[1], dil[1], ceil),
    )
    geometry = Pool2dGeometry((height, width), kernel, step, pad, dil, ceil, out)
    if min(out) < 1:
        span = geometry.span
        raise ConvcoreError(
            f"kernel_size={kernel} (dilated {span[0]}×{span[1]}) does not fit the input "
            f"{height}×{width} padded by {pad}: the output would be {out[0]}×{out[1]}"
        )
    return geometry


def max_pool2d(
    input: ArrayLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
    *,
    method: str = "window",
) -> NDArray[np.floating] | tuple[NDArray[np.floating], NDArray[np.int64]]:
    """Largest value under each window, as ``torch.nn.functional.max_pool2d`` computes it.

    Parameters
    ----------
    input : array_like
        ``(N, C, H, W)``, unbatched ``(C, H, W)``, or the tutorial's ``(H, W)``. Every
        channel is pooled on its own.
    kernel_size : int or pair
        Window size ``(kH, kW)``.
    stride : int or pair, optional
        Step between windows; defaults to ``kernel_size`` (windows side by side).
    padding : int or pair
        Cells of −∞ added on each side, at most half the kernel size.
    dilation : int or pair
        Step between the taps of one window.
    ceil_mode : bool
        Round the output size up: one more window may hang over the bottom/right edge,
        provided it starts inside the input or its left/top padding.
    return_indices : bool
        Also return where each maximum came from.
    method : str
        A max_pool2d method from :data:`convcore.registry.METHODS`: 'window' (default,
        vectorised) or 'loop'.

    Returns
    -------
    out : ndarray
        ``(N, C, H_out, W_out)`` in the input's layout, float32 for float32 input and float64
        otherwise; ``H_out = ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1`` (⌈⌉ under ``ceil_mode``).
    indices : ndarray of int64, optional
        Flat index ``row · W + column`` of each maximum within its input plane. Ties go to
        the first tap in row-major window order; a NaN always wins, as in torch.

    Raises
    ------
    ConvcoreError
        Wherever torch rejects the configuration; the message quotes the values.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> max_pool2d(x, 3, padding=1, stride=2)
    array([[ 5.,  7.],
           [13., 15.]])
    >>> max_pool2d(x, 2, return_indices=True, method="loop")[1]
    array([[ 5,  7],
           [13, 15]])
    """
    x, restore = batch_pool_input(input, "max_pool2d")
    run = get_method("max_pool2d", method).run
    geometry = pool2d_geometry(x.shape[-2:], kernel_size, stride, padding, dilation, ceil_mode)
    out, indices = run(x, geometry, return_indices)
    if return_indices:
        return restore(out), restore(indices)
    return restore(out)


def avg_pool2d(
    input: ArrayLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    method: str = "window",
) -> NDArray[np.floating]:
    """Mean of each window, as ``torch.nn.functional.avg_pool2d`` computes it.

    Parameters
    ----------
    input : array_like
        ``(N, C, H, W)``, unbatched ``(C, H, W)``, or the tutorial's ``(H, W)``.
    kernel_size, stride, padding, ceil_mode
        As in :func:`max_pool2d` (no dilation); padding cells hold 0.
    count_include_pad : bool
        Divide by the window's cells including padding (default) or by its cells inside
        the input only. Either way a ceil-mode window is first cut at the padded edge.
    divisor_override : int, optional
        Divide every sum by this non-zero integer instead.
    method : str
        An avg_pool2d method from :data:`convcore.registry.METHODS`: 'window' (default)
        or 'loop'.

    Returns
    -------
    ndarray
        ``(N, C, H_out, W_out)`` in the input's layout, sizes as in :func:`max_pool2d`.

    Raises
    ------
    ConvcoreError
        Wherever torch rejects the configuration; the message quotes the values.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> avg_pool2d(x, 2, stride=1)
    array([[2., 3.],
           [5., 6.]])
    >>> avg_pool2d(x, 2, padding=1, count_include_pad=False, method="loop")
    array([[0. , 1.5],
           [4.5, 6. ]])
    """
    x, restore = batch_pool_input(input, "avg_pool2d")
    run = get_method("avg_pool2d", method).run
    geometry = pool2d_geometry(x.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    include_pad, divisor = avg_divisor_args(count_include_pad, divisor_override)
    return restore(run(x, geometry, include_pad, divisor))


def avg_divisor_args(count_include_pad: Any, divisor_override: Any) -> tuple[bool, int | None]:
    """Validate avg_pool2d's divisor arguments as torch does (a bool; a non-zero int)."""
    include_pad = as_bool(count_include_pad, "count_include_pad")
    divisor = None if divisor_override is None else as_int(divisor_override, "divisor_override")
    if divisor == 0:
        raise ConvcoreError("divisor_override must not be zero, got divisor_override=0")
    return include_pad, divisor


def batch_pool_input(input: ArrayLike, op: str) -> tuple[NDArray[np.floating], Restore]:
    """Bring the input to ``(N, C, H, W)``; return it with the function that undoes that."""
    x = as_float_array(input, "input")
    if x.ndim not in (2, 3, 4):
        raise ConvcoreError(
            f"{op} expects input (N, C, H, W), (C, H, W) or (H, W), "
            f"got input of shape {shape_str(x.shape)}"
        )
    if 0 in x.shape[-3:]:
        raise ConvcoreError(
            f"{op} needs a non-empty input (only the batch may be empty), "
            f"got input of shape {shape_str(x.shape)}"
        )
    if x.ndim == 2:
        return x[None, None], lambda out: out[0, 0]
    if x.ndim == 3:
        return x[None], lambda out: out[0]
    return x, lambda out: out


def _is_empty(stride: IntOrPair) -> bool:
    """An empty stride means 'same as the kernel' to torch, just as None does."""
    if isinstance(stride, np.ndarray):
        return stride.size == 0
    return isinstance(stride, Sequence) and not isinstance(stride, str) and len(stride) == 0
