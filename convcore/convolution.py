"""conv2d with torch's signature and semantics, over the methods in the registry."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.params import IntOrPair, Padding
from convcore.prepare import prepare_conv2d
from convcore.registry import get_method


def conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
    method: str = "im2col",
) -> NDArray[np.floating]:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d`` computes it.

    Parameters
    ----------
    input : array_like
        ``(N, C_in, H, W)``, unbatched ``(C_in, H, W)``, or ``(H, W)`` with a 2-D kernel.
    weight : array_like
        ``(C_out, C_in/groups, kH, kW)``, or ``(kH, kW)`` for a 2-D input.
    bias : array_like, optional
        ``(C_out,)``; a scalar is accepted for a 2-D input.
    stride, dilation : int or pair
        Step between windows and between kernel taps.
    padding : int, pair, 'same' or 'valid'
        Cells added on each side; 'same' (stride 1 only) keeps the size, putting an odd
        extra cell at the bottom/right, as torch does.
    groups : int
        Split channels into independent groups; must divide C_in and C_out.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}
        What the padding cells hold, as in ``torch.nn.Conv2d``.
    method : str
        Any conv2d method of :data:`convcore.registry.METHODS` (``cc.METHODS["conv2d"]``
        names each with a one-line summary); 'im2col' by default, the fastest on most
        layers.

    Returns
    -------
    ndarray
        ``(N, C_out, H_out, W_out)`` in the input's layout, with
        ``H_out = ⌊(H + pad_top + pad_bottom − d(kH − 1) − 1)/s⌋ + 1``. float32 if every
        array is float32, float64 otherwise.

    Raises
    ------
    ConvcoreError
        Wherever torch rejects the configuration; the message quotes the values.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> conv2d(x, [[0.0, 1.0], [2.0, 3.0]])
    array([[19., 25.],
           [37., 43.]])
    >>> conv2d(x, np.ones((3, 3)), padding=1, stride=2, method="loop")
    array([[ 8., 12.],
           [20., 24.]])
    """
    get_method("conv2d", method)  # an unknown method is reported before any other problem
    call = prepare_conv2d(
        input, weight, bias, stride, padding, dilation, groups, padding_mode=padding_mode
    )
    return call.run(method)
