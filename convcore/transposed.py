"""conv_transpose2d with torch's signature: a prepared call (geometry, arrays), then a method."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.geometry import ConvTranspose2dGeometry, conv_transpose2d_geometry
from convcore.params import IntOrPair
from convcore.prepare import check_transposed_bias, prepare_conv_transpose2d
from convcore.registry import get_method

# the geometry and the bias check lived here before the geometry layer; importable still
__all__ = [
    "ConvTranspose2dGeometry",
    "check_transposed_bias",
    "conv_transpose2d",
    "conv_transpose2d_geometry",
]


def conv_transpose2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
    *,
    method: str = "col2im",
) -> NDArray[np.floating]:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d`` computes it.

    Each input value stamps the (dilated) kernel, scaled by that value, onto the output,
    stamps ``stride`` cells apart; overlapping stamps add up. It is the adjoint of
    :func:`convcore.conv2d` with the same weight, stride, padding, dilation and groups.

    Parameters
    ----------
    input : array_like
        ``(N, C_in, H, W)``, unbatched ``(C_in, H, W)``, or ``(H, W)`` with a 2-D kernel.
    weight : array_like
        ``(C_in, C_out/groups, kH, kW)`` (note: input channels first, unlike conv2d), or
        ``(kH, kW)`` for a 2-D input.
    bias : array_like, optional
        ``(C_out,)`` with ``C_out = weight.shape[1] × groups``; a scalar for a 2-D input.
    stride : int or pair
        Distance between the stamps of neighbouring input cells.
    padding : int or pair
        Cells cropped from each side of the stamped canvas (``dilation·(k−1) − padding``
        is the padding of the equivalent direct convolution).
    output_padding : int or pair
        Cells added at the bottom and right; must be smaller than the stride or the
        dilation on each axis. Picks among the input sizes a strided conv2d maps to ``H``.
    groups : int
        Split channels into independent groups; must divide C_in.
    dilation : int or pair
        Spacing between kernel taps.
    method : str
        A conv_transpose2d method from :data:`convcore.registry.METHODS`: 'col2im'
        (default: one GEMM then fold, the fastest), 'scatter' (the definition),
        'kernel_matrix' or 'zero_insert'.

    Returns
    -------
    ndarray
        ``(N, C_out, H_out, W_out)`` in the input's layout, with
        ``H_out = (H − 1)s − 2p + d(kH − 1) + output_padding + 1``. float32 if every array
        is float32, float64 otherwise.

    Raises
    ------
    ConvcoreError
        Wherever torch rejects the configuration; the message quotes the values.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> conv_transpose2d(x, np.ones((2, 2)))
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    >>> conv_transpose2d(x, np.ones((2, 2)), stride=2, method="zero_insert")
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    """
    get_method("conv_transpose2d", method)  # an unknown method is reported first
    call = prepare_conv_transpose2d(
        input, weight, bias, stride, padding, output_padding, groups, dilation
    )
    return call.run(method)
