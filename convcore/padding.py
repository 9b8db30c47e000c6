"""Padding as index maps: every padded cell either copies a source cell or is a constant.

One mechanism serves the padded array, the step traces (which source cell a pad cell
copies) and the kernel matrix (which input column a tap lands on).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from convcore.errors import ConvcoreError

#: Marks a padded position that copies no source cell (a constant pad value).
NO_SOURCE = -1


def widest_padding(mode: str, size: int) -> int | None:
    """The most cells ``mode`` can add on one side of an axis of ``size`` cells (F.pad's
    limits), or None when it has no limit.

    Reflect mirrors the axis without repeating its edge cell; circular wraps around at most
    once.

    >>> widest_padding("reflect", 3), widest_padding("circular", 3), widest_padding("zeros", 3)
    (2, 3, None)
    """
    return {"reflect": size - 1, "circular": size}.get(mode)


def check_pad_fits(size: int, before: int, after: int, mode: str, axis: str) -> None:
    """Reject paddings the mode cannot build, with torch's limits (F.pad)."""
    widest = widest_padding(mode, size)
    too_wide = widest is not None and max(before, after) > widest
    if too_wide and mode == "reflect":
        raise ConvcoreError(
            "reflect padding must be smaller than the input on each side: "
            "padding ({before}, {after}) on {axis} of size {size}",
            ("padding", "padding_mode", "input"),
            before=before,
            after=after,
            axis=axis,
            size=size,
        )
    if too_wide:  # circular
        raise ConvcoreError(
            "circular padding may not wrap around more than once: "
            "padding ({before}, {after}) on {axis} of size {size}",
            ("padding", "padding_mode", "input"),
            before=before,
            after=after,
            axis=axis,
            size=size,
        )
    if mode in ("reflect", "replicate", "circular") and size == 0 and before + after > 0:
        raise ConvcoreError(
            "{mode} padding needs a non-empty input, but {axis} has size 0",
            ("input", "padding_mode"),
            mode=mode,
            axis=axis,
        )


def source_index(position: int, size: int, before: int, mode: str) -> int:
    """The source index a padded ``position`` copies, or ``NO_SOURCE`` for a zero pad cell.

    Examples
    --------
    >>> [source_index(p, 3, 2, "reflect") for p in range(7)]
    [2, 1, 0, 1, 2, 1, 0]
    >>> [source_index(p, 3, 1, "zeros") for p in range(5)]
    [-1, 0, 1, 2, -1]
    """
    index = position - before
    if 0 <= index < size:
        return index
    if mode == "zeros":
        return NO_SOURCE
    if mode == "replicate":
        return min(max(index, 0), size - 1)
    if mode == "circular":
        return index % size
    # reflect: mirror about the edge cells, which are not repeated
    return -index if index < 0 else 2 * (size - 1) - index


def source_map(size: int, before: int, after: int, mode: str) -> NDArray[np.intp]:
    """``source_index`` for every padded position of one axis, as an array."""
    return np.array(
        [source_index(p, size, before, mode) for p in range(before + size + after)],
        dtype=np.intp,
    )


def pad2d(
    x: NDArray[np.floating],
    pads: tuple[int, int, int, int],
    mode: str,
    value: float = 0.0,
) -> NDArray[np.floating]:
    """Pad the last two axes of ``x`` by ``(top, bottom, left, right)``.

    Examples
    --------
    >>> pad2d(np.arange(3.0).reshape(1, 3), (0, 0, 2, 1), "reflect")
    array([[2., 1., 0., 1., 2., 1.]])
    """
    top, bottom, left, right = pads
    if not any(pads):
        return x
    height, width = x.shape[-2:]
    if mode != "zeros":  # copies (and crops, for a negative padding): gather by source maps
        rows = source_map(height, top, bottom, mode)
        cols = source_map(width, left, right, mode)
        return x[..., rows[:, None], cols[None, :]]
    # zeros (or a constant such as -inf for pooling; never negative): copy the interior into
    # a filled frame, without the Python-built maps (a per-call cost the fast paths notice)
    out = np.full((*x.shape[:-2], top + height + bottom, left + width + right), value, x.dtype)
    out[..., top : top + height, left : left + width] = x
    return out
