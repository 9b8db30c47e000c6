"""Validated, normalised description of one max_pool2d or avg_pool2d configuration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from convcore.errors import ConvcoreError
from convcore.padding import pad2d
from convcore.params import (
    IntOrPair,
    Pair,
    as_bool,
    nonnegative_pair,
    nonzero_int,
    positive_pair,
)
from convcore.shapes import dilated_extent, pool_output_size


@dataclass(frozen=True)
class Pool2dGeometry:
    """Everything about a pooling call except the numbers in the input.

    ``in_size`` is the unpadded ``(H, W)``; ``padding`` is per side, ``(pH, pW)``;
    ``planes`` is how many ``(H, W)`` planes are pooled (``N·C``). The cost figures a caller
    compares with its limits are properties.
    """

    in_size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    ceil_mode: bool
    out_size: Pair
    planes: int = 1

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

    @property
    def padded_size(self) -> Pair:
        """(H, W) after padding, the ceil-mode overhang included."""
        top, bottom, left, right = self.pads
        return self.in_size[0] + top + bottom, self.in_size[1] + left + right

    # --- cost figures ----------------------------------------------------------------------

    @property
    def windows(self) -> int:
        """Output values, one window each: ``planes·H_out·W_out``."""
        return self.planes * math.prod(self.out_size)

    @property
    def window_taps(self) -> int:
        """Cells one window reads: ``kH·kW``."""
        return self.kernel[0] * self.kernel[1]

    @property
    def multiply_adds(self) -> int:
        """Taps read by all windows: one comparison (max) or addition (avg) each.

        >>> pool2d_geometry((2, 3, 4, 4), 2).multiply_adds
        96
        """
        return self.windows * self.window_taps

    @property
    def padded_elements(self) -> int:
        """Values of the padded input: ``planes·H_pad·W_pad``."""
        return self.planes * math.prod(self.padded_size)

    @property
    def work(self) -> int:
        """What the numpy part of any method costs: taps read or values padded, the more."""
        return max(self.multiply_adds, self.padded_elements)

    def trace_size(self, view: str = "output") -> Pair:
        """(steps, taps per step) of a step trace: one step per output value."""
        del view  # pooling traces have one view
        return self.windows, self.window_taps

    # --- arrays ------------------------------------------------------------------------------

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
    """Validate a pooling configuration for an input of shape ``in_size``, as torch does.

    ``in_size`` is ``(H, W)``, or a whole input shape (``(C, H, W)``, ``(N, C, H, W)``),
    whose leading axes give the number of planes pooled.

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
            "padding must be at most half the kernel size, got padding={padding} "
            "with kernel_size={kernel_size}",
            ("padding", "kernel_size"),
            padding=pad,
            kernel_size=kernel,
        )
    planes = math.prod(int(s) for s in in_size[:-2])
    height, width = (int(s) for s in in_size[-2:])
    out = (
        pool_output_size(height, kernel[0], step[0], pad[0], dil[0], ceil),
        pool_output_size(width, kernel[1], step[1], pad[1], dil[1], ceil),
    )
    geometry = Pool2dGeometry((height, width), kernel, step, pad, dil, ceil, out, planes)
    if min(out) < 1:
        span = geometry.span
        raise ConvcoreError(
            "kernel_size={kernel_size} (dilated {span_h}×{span_w}) does not fit the input "
            "{height}×{width} padded by {padding}: the output would be {oh}×{ow}",
            ("kernel_size", "input", "padding", "dilation"),
            kernel_size=kernel,
            span_h=span[0],
            span_w=span[1],
            height=height,
            width=width,
            padding=pad,
            oh=out[0],
            ow=out[1],
        )
    return geometry


def avg_divisor_args(count_include_pad: Any, divisor_override: Any) -> tuple[bool, int | None]:
    """Validate avg_pool2d's divisor arguments as torch does (a bool; a non-zero int)."""
    include_pad = as_bool(count_include_pad, "count_include_pad")
    divisor = (
        None if divisor_override is None else nonzero_int(divisor_override, "divisor_override")
    )
    return include_pad, divisor


def _is_empty(stride: IntOrPair) -> bool:
    """An empty stride means 'same as the kernel' to torch, just as None does."""
    if isinstance(stride, np.ndarray):
        return stride.size == 0
    return isinstance(stride, Sequence) and not isinstance(stride, str) and len(stride) == 0
