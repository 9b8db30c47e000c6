"""What a pooling page shows besides the step traces, worked out from the geometry.

- :func:`pool_window_map`: the receptive fields of a pooling (every channel pooled on its
  own), for the links between an input grid and an output grid;
- :func:`window_view` and :func:`shifted_planes`: all windows at once as one strided view of
  the padded input, and the same numbers seen tap by tap as ``kH·kW`` shifted planes (the
  picture the ``window`` method reduces);
- :func:`ceil_mode_axes` and :func:`overhang`: how many windows ``ceil_mode`` adds along
  each axis, whether torch keeps or drops the extra one and why, and how far a window
  hangs past the padded input;
- :func:`window_census` and :func:`max_ties`: what an average-pool window's cells are (the
  divisor's explanation), and which cells tie with a maximum that torch reports elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from convcore.geometry import Pool2dGeometry
from convcore.shapes import pool_output_size
from convcore.trace.model import INPUT, OUTSIDE, PADDING, AvgPoolStep, MaxPoolStep
from convcore.views.fields import WindowMap

AXES = ("height", "width")

#: What ``ceil_mode`` does to the last window of an axis (:attr:`CeilAxis.verdict`).
CEIL_NOTHING = "nothing"  # the division is exact: no window to add
CEIL_KEPT = "kept"  # one more window, hanging over the end: it starts inside the input
CEIL_DROPPED = "dropped"  # the extra window would start in the end padding: torch drops it


def pool_window_map(g: Pool2dGeometry, channels: int) -> WindowMap:
    """The :class:`~convcore.views.fields.WindowMap` of a pooling of ``channels`` channels.

    Each output channel reads its own input channel (one channel per group). Padding cells,
    and the cells a ``ceil_mode`` window hangs over past the padding, copy nothing: their
    source is ``-1``.

    Examples
    --------
    >>> from convcore.geometry import pool2d_geometry
    >>> m = pool_window_map(pool2d_geometry((3, 3), 2, ceil_mode=True), 2)
    >>> m.row_sources, m.receptive_field(1, 1, 0)
    ((0, 1, 2, -1), ((1,), (2, 3), (0, 1)))
    """
    (height, width), (top, _, left, _) = g.in_size, g.pads
    rows = np.arange(g.padded_size[0]) - top
    cols = np.arange(g.padded_size[1]) - left
    return WindowMap(
        kernel=g.kernel,
        stride=g.stride,
        dilation=g.dilation,
        out_size=g.out_size,
        padded_size=g.padded_size,
        pads=(top, left),
        in_per_group=1,
        out_per_group=1,
        in_channels=channels,
        out_channels=channels,
        row_sources=tuple(np.where((rows >= 0) & (rows < height), rows, -1).tolist()),
        col_sources=tuple(np.where((cols >= 0) & (cols < width), cols, -1).tolist()),
    )


def window_view(padded: NDArray[np.floating], g: Pool2dGeometry) -> NDArray[np.floating]:
    """Every window of ``padded`` at once: ``(…, H_out, W_out, kH, kW)``, a view, no copy.

    ``padded`` is ``(…, Hp, Wp)``, padded by :meth:`Pool2dGeometry.pad` (so a ``ceil_mode``
    window's overhang is there). The view slides a window of the dilated span over it and
    keeps every stride-th window and every dilation-th cell of each: its maximum (or sum)
    over the last two axes is the pooling.

    Examples
    --------
    >>> from convcore.geometry import pool2d_geometry
    >>> g = pool2d_geometry((4, 4), 2)
    >>> window_view(np.arange(16.0).reshape(4, 4), g).max(axis=(-2, -1))
    array([[ 5.,  7.],
           [13., 15.]])
    """
    (sh, sw), (dh, dw), (oh, ow) = g.stride, g.dilation, g.out_size
    windows = sliding_window_view(padded, g.span, axis=(-2, -1))  # (…, Hp−sh+1, Wp−sw+1, sH, sW)
    return windows[..., : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]


def shifted_planes(
    padded: NDArray[np.floating], g: Pool2dGeometry, rows: slice, cols: slice
) -> NDArray[np.floating]:
    """What each tap sees from the windows of output ``rows`` × ``cols``: ``(kH, kW, r, c)``.

    Plane ``(i, j)`` is the padded plane shifted by ``(i·dH, j·dW)``, keeping every
    stride-th row and column: the value tap ``(i, j)`` reads in each window. The pooling is
    the maximum (or sum) of the planes, cell by cell. ``padded`` is one ``(Hp, Wp)`` plane.

    Examples
    --------
    >>> from convcore.geometry import pool2d_geometry
    >>> g = pool2d_geometry((4, 4), 2)
    >>> shifted_planes(np.arange(16.0).reshape(4, 4), g, slice(None), slice(None))[1, 1]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    view = window_view(padded, g)[rows, cols]  # (r, c, kH, kW)
    return np.moveaxis(view, (0, 1), (2, 3))  # (kH, kW, r, c)


def divisors(g: Pool2dGeometry, count_include_pad: bool, divisor_override: int | None) -> NDArray:
    """What avg_pool2d divides each window's sum by: ``(H_out, W_out)`` integers.

    Examples
    --------
    >>> from convcore.geometry import pool2d_geometry
    >>> divisors(pool2d_geometry((2, 2), 2, stride=1, padding=1), False, None)
    array([[1, 2, 1],
           [2, 4, 2],
           [1, 2, 1]])
    """
    oy, ox = np.ogrid[: g.out_size[0], : g.out_size[1]]
    if divisor_override is not None:
        return np.full(g.out_size, divisor_override)
    return np.asarray(g.window_cells(oy, ox, count_include_pad))


@dataclass(frozen=True)
class CeilAxis:
    """What ``ceil_mode`` does along one axis.

    Attributes
    ----------
    axis : str
        ``'height'`` or ``'width'``.
    floor, ceil : int
        Windows with the division rounded down, and rounded up (before torch's rule).
    size : int
        Windows torch makes with ``ceil_mode=True``.
    start : int
        Where the extra window (number ``ceil − 1``) starts, in input coordinates: a
        negative start is in the leading padding, ``size_in`` or more in the trailing one.
    in_size, padding : int
        The input's length and the padding on each side along the axis.
    overhang : int
        Cells of the last kept window's span past the padded input (0: none).
    """

    axis: str
    floor: int
    ceil: int
    size: int
    start: int
    in_size: int
    padding: int
    overhang: int

    @property
    def verdict(self) -> str:
        """:data:`CEIL_NOTHING`, :data:`CEIL_KEPT` or :data:`CEIL_DROPPED`."""
        if self.ceil == self.floor:
            return CEIL_NOTHING
        return CEIL_KEPT if self.size == self.ceil else CEIL_DROPPED


def ceil_mode_axes(g: Pool2dGeometry) -> tuple[CeilAxis, CeilAxis]:
    """What rounding up does along each axis of ``g``'s input, whether or not ``g`` asks.

    torch rounds the window count up under ``ceil_mode``, then drops the last window when it
    would start in the trailing padding: every window starts inside the input or its leading
    padding.

    Examples
    --------
    >>> from convcore.geometry import pool2d_geometry
    >>> kept, _ = ceil_mode_axes(pool2d_geometry((5, 5), 2, ceil_mode=True))
    >>> kept.floor, kept.ceil, kept.size, kept.verdict, kept.start, kept.overhang
    (2, 3, 3, 'kept', 4, 1)
    >>> dropped, _ = ceil_mode_axes(pool2d_geometry((5, 5), 3, stride=3, padding=1))
    >>> dropped.ceil, dropped.size, dropped.verdict, dropped.start
    (3, 2, 'dropped', 5)
    """
    found = []
    for a in range(2):
        n, k, s, p, d = g.in_size[a], g.kernel[a], g.stride[a], g.padding[a], g.dilation[a]
        floor = pool_output_size(n, k, s, p, d, False)
        size = pool_output_size(n, k, s, p, d, True)
        ceil = (n + 2 * p - d * (k - 1) - 1 + s - 1) // s + 1
        last_end = (size - 1) * s + g.span[a]  # in padded coordinates, exclusive
        found.append(
            CeilAxis(
                axis=AXES[a],
                floor=floor,
                ceil=ceil,
                size=size,
                start=(ceil - 1) * s - p,
                in_size=n,
                padding=p,
                overhang=max(0, last_end - (n + 2 * p)),
            )
        )
    return found[0], found[1]


def overhang(g: Pool2dGeometry, oy: int, ox: int) -> tuple[int, int]:
    """Rows and columns of window ``(oy, ox)``'s taps that lie past the padded input.

    Only a ``ceil_mode`` window can have any: they hold no value (−∞ for max pooling, and
    average pooling neither adds nor counts them).

    Examples
    --------
    >>> from convcore.geometry import pool2d_geometry
    >>> g = pool2d_geometry((5, 5), 2, ceil_mode=True)
    >>> overhang(g, 2, 1), overhang(g, 0, 0)
    ((1, 0), (0, 0))
    """
    found = []
    for a, index in enumerate((oy, ox)):
        edge = g.in_size[a] + 2 * g.padding[a]
        taps = index * g.stride[a] + g.dilation[a] * np.arange(g.kernel[a])
        found.append(int(np.count_nonzero(taps >= edge)))
    return found[0], found[1]


@dataclass(frozen=True)
class WindowCensus:
    """The cells of one window by kind: on the input, padding, past the padded input."""

    taps: int
    inside: int
    padding: int
    outside: int


def window_census(step: AvgPoolStep | MaxPoolStep) -> WindowCensus:
    """Count the taps of a step's window by kind (the numbers behind an average's divisor).

    Examples
    --------
    >>> from convcore.trace import trace_avg_pool2d
    >>> step = trace_avg_pool2d(np.ones((3, 3)), 2, padding=1).step(0)
    >>> window_census(step)
    WindowCensus(taps=4, inside=1, padding=3, outside=0)
    """
    kinds = [tap.kind for tap in step.taps]
    return WindowCensus(
        taps=len(kinds),
        inside=kinds.count(INPUT),
        padding=kinds.count(PADDING),
        outside=kinds.count(OUTSIDE),
    )


def max_ties(step: MaxPoolStep) -> tuple[int, ...]:
    """The taps after the winner that hold the same maximum, which torch passes over.

    torch scans a window in row-major order and moves on only for a strictly larger value,
    so the first of equal maxima is the one whose index it reports. Empty when no cell
    holds more than −∞, or the maximum is NaN.

    Examples
    --------
    >>> from convcore.trace import trace_max_pool2d
    >>> step = trace_max_pool2d(np.array([[1.0, 3.0], [3.0, 3.0]]), 2).step(0)
    >>> step.winner, max_ties(step)
    (1, (2, 3))
    """
    if step.winner is None or np.isnan(step.result):
        return ()
    return tuple(
        k for k, tap in enumerate(step.taps) if k > step.winner and tap.value == step.result
    )
