"""conv_transpose2d with torch's signature: validation into a geometry, then a method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convcore.dispatch import run_batched
from convcore.errors import ConvcoreError
from convcore.layout import batch_conv_args
from convcore.params import (
    IntOrPair,
    Pair,
    as_int,
    nonnegative_pair,
    positive_pair,
    shape_str,
)
from convcore.registry import get_method
from convcore.shapes import conv_transpose_output_size, dilated_extent


@dataclass(frozen=True)
class ConvTranspose2dGeometry:
    """Everything about a conv_transpose2d call except the numbers in the arrays.

    ``in_size`` and ``out_size`` are ``(H, W)``; ``padding`` is cropped from every side of
    the stamped canvas and ``output_padding`` cells are added at the bottom and right.
    """

    in_channels: int
    out_channels: int
    groups: int
    in_size: Pair
    out_size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    output_padding: Pair
    dilation: Pair

    @property
    def in_per_group(self) -> int:
        """Input channels in each group (``weight.shape[0] / groups``)."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """Output channels each group produces (``weight.shape[1]``)."""
        return self.out_channels // self.groups

    @property
    def canvas_size(self) -> Pair:
        """(H, W) of the uncropped canvas: every stamp, plus the output_padding cells.

        Input cell ``(i, j)`` stamps the dilated kernel at ``(i·s, j·s)``, so the stamps
        cover ``(H − 1)s + d(k − 1) + 1`` cells per axis.
        """
        return (
            (self.in_size[0] - 1) * self.stride[0]
            + dilated_extent(self.kernel[0], self.dilation[0])
            + self.output_padding[0],
            (self.in_size[1] - 1) * self.stride[1]
            + dilated_extent(self.kernel[1], self.dilation[1])
            + self.output_padding[1],
        )

    def crop(self, canvas: NDArray[np.floating]) -> NDArray[np.floating]:
        """Cut the output out of a ``canvas_size`` canvas: drop ``padding`` cells at the start."""
        (ph, pw), (oh, ow) = self.padding, self.out_size
        return canvas[..., ph : ph + oh, pw : pw + ow]


def conv_transpose2d_geometry(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> ConvTranspose2dGeometry:
    """Validate a conv_transpose2d configuration from shapes alone, as torch does.

    ``input_shape`` is ``(N, C_in, H, W)`` and ``weight_shape`` ``(C_in, C_out/groups, kH, kW)``.

    Examples
    --------
    >>> g = conv_transpose2d_geometry((1, 2, 3, 3), (2, 4, 3, 3), stride=2, padding=1,
    ...                               output_padding=1, groups=2)
    >>> g.out_channels, g.out_size, g.canvas_size
    (8, (6, 6), (8, 8))
    """
    stride = positive_pair(stride, "stride")
    pad = nonnegative_pair(padding, "padding")
    out_pad = nonnegative_pair(output_padding, "output_padding")
    dilation = positive_pair(dilation, "dilation")
    groups = as_int(groups, "groups")
    if groups < 1:
        raise ConvcoreError(f"groups must be a positive integer, got groups={groups}")
    _check_weight(weight_shape, groups)
    _check_input(input_shape, weight_shape)
    _check_output_padding(out_pad, stride, dilation)
    in_channels, out_per_group, kh, kw = weight_shape
    height, width = input_shape[2], input_shape[3]
    out_size = (
        conv_transpose_output_size(height, kh, stride[0], pad[0], dilation[0], out_pad[0]),
        conv_transpose_output_size(width, kw, stride[1], pad[1], dilation[1], out_pad[1]),
    )
    if min(out_size) < 1:
        raise ConvcoreError(
            f"padding={pad} crops the whole output: input {height}×{width}, kernel {kh}×{kw}, "
            f"stride={stride}, dilation={dilation}, output_padding={out_pad} give an output "
            f"size of {out_size[0]}×{out_size[1]}; it must be at least 1×1"
        )
    return ConvTranspose2dGeometry(
        in_channels=in_channels,
        out_channels=out_per_group * groups,
        groups=groups,
        in_size=(height, width),
        out_size=out_size,
        kernel=(kh, kw),
        stride=stride,
        padding=pad,
        output_padding=out_pad,
        dilation=dilation,
    )


def _check_weight(weight_shape: Sequence[int], groups: int) -> None:
    if min(weight_shape) < 1:
        raise ConvcoreError(
            f"weight of shape {shape_str(weight_shape)} is empty: conv_transpose2d needs "
            "(C_in, C_out/groups, kH, kW) with every size at least 1"
        )
    if weight_shape[0] % groups:
        raise ConvcoreError(
            f"groups={groups} must divide the input channels, but weight of shape "
            f"{shape_str(weight_shape)} has {weight_shape[0]} (weight.shape[0] = C_in)"
        )


def _check_input(input_shape: Sequence[int], weight_shape: Sequence[int]) -> None:
    if input_shape[1] != weight_shape[0]:
        raise ConvcoreError(
            f"weight of shape {shape_str(weight_shape)} expects an input with "
            f"{weight_shape[0]} channels (weight.shape[0] = C_in), got input of shape "
            f"{shape_str(input_shape)} with {input_shape[1]} channels"
        )
    if min(input_shape[2:]) < 1:
        # torch lets an empty plane through only in an empty batch; we never do
        raise ConvcoreError(
            f"input of shape {shape_str(input_shape)} has an empty plane; H and W must be "
            "at least 1"
        )


def _check_output_padding(output_padding: Pair, stride: Pair, dilation: Pair) -> None:
    # torch's rule, per axis: smaller than the stride or smaller than the dilation
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation, strict=True)):
        raise ConvcoreError(
            f"output_padding must be smaller than either stride or dilation on each axis, "
            f"got output_padding={output_padding} with stride={stride} and "
            f"dilation={dilation}"
        )


def check_transposed_bias(bias: NDArray[np.floating] | None, g: ConvTranspose2dGeometry) -> None:
    """Bias needs one value per output channel: ``weight.shape[1] × groups`` of them."""
    if bias is not None and bias.shape != (g.out_channels,):
        raise ConvcoreError(
            f"bias must be 1-D with {g.out_channels} values, one per output channel "
            f"(weight.shape[1]={g.out_per_group} × groups={g.groups}), got bias of shape "
            f"{shape_str(bias.shape)}"
        )


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
    method: str = "scatter",
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
        A conv_transpose2d method from :data:`convcore.registry.METHODS`: 'scatter'
        (default), 'kernel_matrix', 'zero_insert' or 'col2im'.

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
    args = batch_conv_args(input, weight, bias, "conv_transpose2d")
    get_method("conv_transpose2d", method)  # an unknown method is reported first
    geometry = conv_transpose2d_geometry(
        args.x.shape, args.weight.shape, stride, padding, output_padding, groups, dilation
    )
    check_transposed_bias(args.bias, geometry)
    return run_batched("conv_transpose2d", method, args, geometry)
