"""max_pool2d and avg_pool2d with torch's signatures and semantics, over the registry's methods.

Pooling slides a window like a convolution but has no weights: each output cell is the
largest value under the window (max) or their mean (avg), channel by channel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.geometry import Pool2dGeometry, avg_divisor_args, pool2d_geometry
from convcore.layout import Restore, batch_pool_input
from convcore.params import IntOrPair
from convcore.prepare import prepare_avg_pool2d, prepare_max_pool2d
from convcore.registry import get_method

# the geometry and the input layout lived here before the geometry layer; importable still
__all__ = [
    "Pool2dGeometry",
    "Restore",
    "avg_divisor_args",
    "avg_pool2d",
    "batch_pool_input",
    "max_pool2d",
    "pool2d_geometry",
]


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
    get_method("max_pool2d", method)  # an unknown method is reported first
    call = prepare_max_pool2d(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )
    result: NDArray[np.floating] | tuple[NDArray[np.floating], NDArray[np.int64]] = call.run(method)
    return result


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
    get_method("avg_pool2d", method)  # an unknown method is reported first
    call = prepare_avg_pool2d(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
    out: NDArray[np.floating] = call.run(method)
    return out
