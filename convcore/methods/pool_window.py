"""Pooling vectorised: gather every window's taps at once, then reduce over the taps."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Pool2dGeometry
from convcore.unfold import windows_to_columns


def max_pool2d_window(
    x: NDArray[np.floating], g: Pool2dGeometry
) -> tuple[NDArray[np.floating], NDArray[np.int64]]:
    """Max and argmax over the taps of all windows; ``x`` is 4-D."""
    taps = _taps(g.pad(x, -np.inf), g)  # (N, C, T, H_out, W_out)
    out = taps.max(axis=2)  # a NaN anywhere in the window propagates, as in torch
    first_max = np.argmax(taps == out[:, :, None], axis=2)  # ties: the earliest tap
    last_nan = taps.shape[2] - 1 - np.argmax(np.isnan(taps[:, :, ::-1]), axis=2)
    winner = np.where(np.isnan(out), last_nan, first_max)  # (N, C, H_out, W_out)
    oy, ox = np.ogrid[: g.out_size[0], : g.out_size[1]]
    indices = _tap_sources(g)[winner, oy, ox]
    # all −∞ (or all padding): torch keeps its starting guess, the window's first tap
    indices = np.where(out == -np.inf, g.first_tap_index(oy, ox), indices)
    return out, indices.astype(np.int64, copy=False)


def avg_pool2d_window(
    x: NDArray[np.floating],
    g: Pool2dGeometry,
    count_include_pad: bool,
    divisor_override: int | None,
) -> NDArray[np.floating]:
    """Sum over the taps of all windows, divided by each window's cell count."""
    with np.errstate(invalid="ignore"):  # ∞ − ∞ is NaN, as in torch: no warning
        sums = _taps(g.pad(x, 0.0), g).sum(axis=2)  # (N, C, H_out, W_out)
    if divisor_override is not None:
        return sums / np.asarray(divisor_override, dtype=x.dtype)
    oy, ox = np.ogrid[: g.out_size[0], : g.out_size[1]]
    cells = g.window_cells(oy, ox, count_include_pad)  # (H_out, W_out)
    return sums / cells.astype(x.dtype)


def _taps(padded: NDArray[np.floating], g: Pool2dGeometry) -> NDArray[np.floating]:
    """Every window's taps, row-major within the window: ``(N, C, kH·kW, H_out, W_out)``."""
    n, c = padded.shape[:2]
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    cols = windows_to_columns(padded, g.kernel, g.stride, g.dilation, g.out_size)
    return cols.reshape(n, c, kh * kw, oh, ow)  # (N, C·kH·kW, L) → (N, C, T, H_out, W_out)


def _tap_sources(g: Pool2dGeometry) -> NDArray[np.intp]:
    """Flat input index of every tap of every window: ``(kH·kW, H_out, W_out)``."""
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = g.kernel, g.stride, g.dilation, g.padding
    i, j, oy, ox = np.ix_(
        np.arange(kh), np.arange(kw), np.arange(g.out_size[0]), np.arange(g.out_size[1])
    )
    flat = (oy * sh - ph + i * dh) * g.in_size[1] + (ox * sw - pw + j * dw)
    return flat.reshape(kh * kw, *g.out_size)  # (kH, kW, H_out, W_out) → (T, H_out, W_out)
