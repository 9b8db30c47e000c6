"""Pooling vectorised: reduce the shifted copies of the input that the window's taps see.

Tap ``(i, j)`` of a pooling window sees, from every window at once, the padded input shifted
by ``(i·dh, j·dw)`` and subsampled by the stride: one strided view, the size of the output.
A pool is a reduction over those ``kH·kW`` views: their maximum, or their sum divided by each
window's cell count.

Notes
-----
No array of taps is built: each view is read where it lies and reduced into the output.
The maximum is separable, the largest value of a window being the largest over its ``kW``
columns of the largest over its ``kH`` rows, so max pooling takes ``kH + kW`` passes over
views instead of ``kH·kW``. Sums add the taps one by one in row-major window order, the
order torch adds them in, so that float32 results round as torch's do. The input is
processed a few planes at a time, a block that stays in cache (:data:`BLOCK_BUDGET`),
padded block by block into one reused canvas.

The flat indices of the maxima cost more: a comparison and a masked write per tap (tap by
tap, so that ties and NaNs are resolved as torch resolves them), then a gather from the
tap-to-input index table. They are computed only when ``return_indices`` asks for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Pool2dGeometry

#: Bytes of padded input pooled at a time: a block of whole planes that stays in cache.
BLOCK_BUDGET = 2**20

Reduce = Callable[..., Any]


def max_pool2d_window(
    x: NDArray[np.floating], g: Pool2dGeometry, return_indices: bool
) -> tuple[NDArray[np.floating], NDArray[np.int64] | None]:
    """Largest value of every window, and its flat input index if asked; ``x`` is 4-D."""
    planes = x.reshape(-1, *g.in_size)  # (N·C, H, W): every plane is pooled on its own
    out = np.empty((len(planes), *g.out_size), dtype=x.dtype)
    if not return_indices:
        for block, padded in _padded_blocks(planes, g, -np.inf):
            # np.maximum propagates NaN: a NaN anywhere in the window wins, as in torch
            out[block] = _separable(np.maximum, padded, g)
        return out.reshape(*x.shape[:2], *g.out_size), None
    indices = np.empty(out.shape, dtype=np.int64)
    for block, padded in _padded_blocks(planes, g, -np.inf):
        out[block], indices[block] = _max_and_index(padded, g)
    shape = (*x.shape[:2], *g.out_size)  # (N·C, H_out, W_out) → (N, C, H_out, W_out)
    return out.reshape(shape), indices.reshape(shape)


def avg_pool2d_window(
    x: NDArray[np.floating],
    g: Pool2dGeometry,
    count_include_pad: bool,
    divisor_override: int | None,
) -> NDArray[np.floating]:
    """Sum of every window divided by its cell count (or by ``divisor_override``)."""
    planes = x.reshape(-1, *g.in_size)  # (N·C, H, W)
    flat_sums = np.empty((len(planes), *g.out_size), dtype=x.dtype)
    with np.errstate(invalid="ignore"):  # ∞ − ∞ is NaN, as in torch: no warning
        for block, padded in _padded_blocks(planes, g, 0.0):
            flat_sums[block] = _reduce_all(np.add, list(_tap_views(padded, g)))
    sums = flat_sums.reshape(*x.shape[:2], *g.out_size)  # (N, C, H_out, W_out)
    if divisor_override is not None:
        return np.divide(sums, np.asarray(divisor_override, dtype=x.dtype), out=sums)
    oy, ox = np.ogrid[: g.out_size[0], : g.out_size[1]]
    cells = g.window_cells(oy, ox, count_include_pad)  # (H_out, W_out)
    return np.divide(sums, cells.astype(x.dtype), out=sums)


def _separable(
    reduce: Reduce, padded: NDArray[np.floating], g: Pool2dGeometry
) -> NDArray[np.floating]:
    """Reduce every window of ``padded`` ``(…, Hp, Wp)`` down its rows, then across.

    Returns ``(…, H_out, W_out)``.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = g.kernel, g.stride, g.dilation, g.out_size
    # (…, H_out, Wp): for each output row, the kH padded rows its windows cover
    rows = _reduce_all(
        reduce, [padded[..., i * dh : i * dh + sh * (oh - 1) + 1 : sh, :] for i in range(kh)]
    )
    # (…, H_out, W_out): then the kW columns each window covers
    return _reduce_all(
        reduce, [rows[..., j * dw : j * dw + sw * (ow - 1) + 1 : sw] for j in range(kw)]
    )


def _reduce_all(reduce: Reduce, views: list[NDArray[np.floating]]) -> NDArray[np.floating]:
    """``reduce(reduce(v0, v1), v2) …`` into one new array."""
    if len(views) == 1:
        return views[0].copy()
    total = reduce(views[0], views[1])
    for view in views[2:]:
        reduce(total, view, out=total)
    return total


def _max_and_index(
    padded: NDArray[np.floating], g: Pool2dGeometry
) -> tuple[NDArray[np.floating], NDArray[np.int64]]:
    """Max and flat input index of every window, ties and NaNs resolved as torch does."""
    best = _separable(np.maximum, padded, g)
    views = list(_tap_views(padded, g))
    winner = np.zeros(best.shape, dtype=np.intp)  # which tap holds the maximum
    # torch scans a window in row-major order and keeps a value only if strictly larger:
    # the earliest tap equal to the maximum wins, so mark the taps from the last to the first
    for tap in reversed(range(len(views))):
        np.copyto(winner, tap, where=views[tap] == best)
    nan = np.isnan(best)
    if nan.any():  # a NaN always replaces the running maximum: the window's last NaN wins
        for tap, view in enumerate(views):
            np.copyto(winner, tap, where=np.isnan(view))  # only NaN windows hold NaN taps
    oy, ox = np.ogrid[: g.out_size[0], : g.out_size[1]]
    indices = _tap_sources(g)[winner, oy, ox]
    # all −∞ (or all padding): torch keeps its starting guess, the window's first tap
    indices = np.where(best == -np.inf, g.first_tap_index(oy, ox), indices)
    return best, indices.astype(np.int64, copy=False)


def _tap_views(padded: NDArray[np.floating], g: Pool2dGeometry) -> Iterator[NDArray[np.floating]]:
    """What each tap sees from every window, taps in row-major order: ``(…, H_out, W_out)``."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = g.kernel, g.stride, g.dilation, g.out_size
    for i in range(kh):
        for j in range(kw):
            top, left = i * dh, j * dw
            yield padded[
                ..., top : top + sh * (oh - 1) + 1 : sh, left : left + sw * (ow - 1) + 1 : sw
            ]


def _tap_sources(g: Pool2dGeometry) -> NDArray[np.intp]:
    """Flat input index of every tap of every window: ``(kH·kW, H_out, W_out)``."""
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = g.kernel, g.stride, g.dilation, g.padding
    i, j, oy, ox = np.ix_(
        np.arange(kh), np.arange(kw), np.arange(g.out_size[0]), np.arange(g.out_size[1])
    )
    flat = (oy * sh - ph + i * dh) * g.in_size[1] + (ox * sw - pw + j * dw)
    return flat.reshape(kh * kw, *g.out_size)  # (kH, kW, H_out, W_out) → (T, H_out, W_out)


def _padded_blocks(
    planes: NDArray[np.floating], g: Pool2dGeometry, value: float
) -> Iterator[tuple[slice, NDArray[np.floating]]]:
    """Every block of whole planes of ``planes`` ``(P, H, W)``, padded with ``value``.

    Yields ``(index, (P', Hp, Wp))``. The blocks are copied one after another into the
    middle of one canvas whose frame holds ``value`` throughout, so padding costs one copy
    of the input and no allocation.
    """
    (height, width), (top, _, left, _) = g.in_size, g.pads
    step = _block_planes(g, planes.itemsize)
    canvas = np.full((step, *g.padded_size), value, dtype=planes.dtype) if any(g.pads) else None
    for first in range(0, len(planes), step):
        block = planes[first : first + step]  # (P', H, W)
        if canvas is None:  # nothing to pad: the windows read the input where it is
            yield slice(first, first + step), block
            continue
        padded = canvas[: len(block)]
        padded[:, top : top + height, left : left + width] = block
        yield slice(first, first + step), padded


def _block_planes(g: Pool2dGeometry, itemsize: int) -> int:
    """Planes per block: as many padded planes as fit :data:`BLOCK_BUDGET`, at least one."""
    return max(1, BLOCK_BUDGET // (math.prod(g.padded_size) * itemsize))


def python_steps(g: Pool2dGeometry) -> int:
    """Python-level steps of either window method: one pass per tap per block (float64).

    >>> from convcore.geometry import pool2d_geometry
    >>> python_steps(pool2d_geometry((8, 1, 32, 32), 3, stride=2))  # 8 planes: one block
    9
    """
    blocks = -(-g.planes // _block_planes(g, 8))
    return blocks * math.prod(g.kernel)
