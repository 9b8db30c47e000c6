"""Pooling as nested loops over output cells: slide the window, keep its max or its mean."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.geometry import Pool2dGeometry


def max_pool2d_loop(
    x: NDArray[np.floating], g: Pool2dGeometry, return_indices: bool
) -> tuple[NDArray[np.floating], NDArray[np.int64] | None]:
    """Largest value of each window and its flat index in the input plane; ``x`` is 4-D.

    The scan finds both at once; the indices are dropped when not asked for.
    """
    padded = g.pad(x, -np.inf)
    out = np.empty((*x.shape[:2], *g.out_size), dtype=x.dtype)
    indices = np.empty(out.shape, dtype=np.int64)
    for n, c, oy, ox in np.ndindex(out.shape):
        out[n, c, oy, ox], indices[n, c, oy, ox] = _window_max(padded[n, c], g, oy, ox)
    return out, indices if return_indices else None


def _window_max(
    plane: NDArray[np.floating], g: Pool2dGeometry, oy: int, ox: int
) -> tuple[float, int]:
    """Scan one window tap by tap in row-major order, as torch does."""
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = g.kernel, g.stride, g.dilation, g.padding
    width = g.in_size[1]
    best, best_at = -np.inf, int(g.first_tap_index(oy, ox))
    for i in range(kh):
        for j in range(kw):
            row, col = oy * sh + i * dh, ox * sw + j * dw  # in the padded plane
            value = plane[row, col]
            # strict '>': a tie keeps the earlier tap, and a −∞ padding cell never wins;
            # a NaN always wins, so the last NaN of the window is reported
            if value > best or np.isnan(value):
                best, best_at = value, (row - ph) * width + (col - pw)
    return best, best_at


def avg_pool2d_loop(
    x: NDArray[np.floating],
    g: Pool2dGeometry,
    count_include_pad: bool,
    divisor_override: int | None,
) -> NDArray[np.floating]:
    """Sum of each window divided by its cell count (or by ``divisor_override``)."""
    padded = g.pad(x, 0.0)
    (kh, kw), (sh, sw), (oh, ow) = g.kernel, g.stride, g.out_size
    out = np.empty((*x.shape[:2], oh, ow), dtype=x.dtype)
    # every window's divisor at once: asked window by window, these few integer operations
    # on numpy scalars took more than half the loop's time
    divisors = (
        g.window_cells(np.arange(oh)[:, None], np.arange(ow), count_include_pad).tolist()
        if divisor_override is None
        else [[divisor_override] * ow] * oh
    )
    with np.errstate(invalid="ignore"):  # ∞ − ∞ is NaN, as in torch: no warning
        for n, c, oy, ox in np.ndindex(out.shape):
            window = padded[n, c, oy * sh : oy * sh + kh, ox * sw : ox * sw + kw]
            out[n, c, oy, ox] = window.sum() / divisors[oy][ox]
    return out
