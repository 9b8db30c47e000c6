"""Validated, normalised description of one conv_transpose2d configuration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from convcore.errors import ConvcoreError
from convcore.params import (
    IntOrPair,
    Pair,
    nonnegative_pair,
    positive_int,
    positive_pair,
    shape_str,
)
from convcore.shapes import conv_transpose_output_size, dilated_extent

#: Per position of one axis: a kind code and a source index (see ``zero_insert_maps``).
AxisMap = tuple[NDArray[np.intp], NDArray[np.intp]]


@dataclass(frozen=True)
class ConvTranspose2dGeometry:
    """Everything about a conv_transpose2d call except the numbers in the arrays.

    ``in_size`` and ``out_size`` are ``(H, W)``; ``padding`` is cropped from every side of
    the stamped canvas and ``output_padding`` cells are added at the bottom and right;
    ``batch`` is N. The cost figures a caller compares with its limits are properties.
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
    batch: int = 1

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

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """(N, C_out, H_out, W_out)."""
        return (self.batch, self.out_channels, *self.out_size)

    # --- cost figures ----------------------------------------------------------------------

    @property
    def positions(self) -> int:
        """Input values, each stamping the kernel once: ``N·C_in·H·W``."""
        return self.batch * self.in_channels * math.prod(self.in_size)

    @property
    def stamp_taps(self) -> int:
        """Cells one input value stamps: ``C_out/groups·kH·kW``."""
        return self.out_per_group * self.kernel[0] * self.kernel[1]

    @property
    def windows(self) -> int:
        """Output values, each a window of the equivalent direct convolution."""
        return math.prod(self.out_shape)

    @property
    def window_taps(self) -> int:
        """Taps of one window of the equivalent direct convolution: ``C_in/groups·kH·kW``."""
        return self.in_per_group * self.kernel[0] * self.kernel[1]

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of the whole transposed convolution: every stamp's every cell.

        >>> conv_transpose2d_geometry((1, 2, 3, 3), (2, 4, 3, 3), groups=2).multiply_adds
        648
        """
        return self.positions * self.stamp_taps

    @property
    def canvas_elements(self) -> int:
        """Values of the largest intermediate: the stamped canvas (or the spread input)."""
        channels = max(self.in_channels, self.out_channels)
        return self.batch * channels * math.prod(self.canvas_size)

    @property
    def matrix_shape(self) -> Pair:
        """``(C_in·H·W, C_out·H_out·W_out)``: the transposed kernel matrix."""
        return (
            self.in_channels * math.prod(self.in_size),
            self.out_channels * math.prod(self.out_size),
        )

    @property
    def matrix_entries(self) -> int:
        """Entries of the kernel matrix a ``kernel_matrix`` method builds."""
        return math.prod(self.matrix_shape)

    @property
    def work(self) -> int:
        """What the numpy part of any method costs: multiply-adds or canvas values, the more."""
        return max(self.multiply_adds, self.canvas_elements)

    def trace_size(self, view: str = "scatter") -> Pair:
        """(steps, taps per step) of a step trace in ``view`` ('scatter' or 'conv')."""
        if view == "scatter":
            return self.positions, self.stamp_taps
        return self.windows, self.window_taps

    # --- the equivalent direct convolution --------------------------------------------------

    @property
    def conv_pads(self) -> tuple[int, int, int, int]:
        """``(top, bottom, left, right)`` padding of the equivalent direct convolution.

        ``dilation·(k − 1) − padding`` on each side, ``output_padding`` more at the bottom
        and right; a negative value crops the zero-inserted input instead.

        >>> conv_transpose2d_geometry((1, 1, 3, 3), (1, 1, 3, 3), stride=2, padding=1,
        ...                           output_padding=1).conv_pads
        (1, 2, 1, 2)
        """
        top, left = (
            d * (k - 1) - p
            for d, k, p in zip(self.dilation, self.kernel, self.padding, strict=True)
        )
        return (top, top + self.output_padding[0], left, left + self.output_padding[1])

    def zero_insert_maps(self) -> tuple[AxisMap, AxisMap]:
        """Per axis of the zero-inserted, padded input: each position's kind and source.

        The kind is ``0`` for a cell of the input, ``1`` for a zero inserted between input
        cells (``stride − 1`` of them) and ``2`` for padding; the source is the input row
        (column) of a kind-0 position and ``-1`` otherwise. The grid is as long as the
        maps, ``H_out + dilation·(kH − 1)`` rows.

        >>> g = conv_transpose2d_geometry((1, 1, 2, 2), (1, 1, 2, 2), stride=2)
        >>> (kinds, sources), _ = g.zero_insert_maps()
        >>> kinds.tolist(), sources.tolist()
        ([2, 0, 1, 0, 2], [-1, 0, -1, 1, -1])
        """
        top, bottom, left, right = self.conv_pads
        return (
            _zero_inserted_axis(self.in_size[0], self.stride[0], top, bottom),
            _zero_inserted_axis(self.in_size[1], self.stride[1], left, right),
        )

    # --- arrays ------------------------------------------------------------------------------

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
    groups = positive_int(groups, "groups")
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
            "padding={padding} crops the whole output: input {height}×{width}, kernel "
            "{kh}×{kw}, stride={stride}, dilation={dilation}, output_padding={output_padding} "
            "give an output size of {oh}×{ow}; it must be at least 1×1",
            ("padding", "input", "weight", "stride", "dilation", "output_padding"),
            padding=pad,
            height=height,
            width=width,
            kh=kh,
            kw=kw,
            stride=stride,
            dilation=dilation,
            output_padding=out_pad,
            oh=out_size[0],
            ow=out_size[1],
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
        batch=int(input_shape[0]),
    )


def _zero_inserted_axis(size: int, stride: int, before: int, after: int) -> AxisMap:
    """Per position of one padded, zero-inserted axis: its kind code and source (or −1)."""
    spread = (size - 1) * stride + 1
    z = np.arange(before + spread + after) - before  # position in the zero-inserted axis
    inside = (z >= 0) & (z < spread)
    on_input = inside & (z % stride == 0)
    kinds = np.where(on_input, 0, np.where(inside, 1, 2))
    return kinds, np.where(on_input, z // stride, -1)


def _check_weight(weight_shape: Sequence[int], groups: int) -> None:
    if min(weight_shape) < 1:
        raise ConvcoreError(
            "weight of shape {shape} is empty: conv_transpose2d needs "
            "(C_in, C_out/groups, kH, kW) with every size at least 1",
            "weight",
            shape=shape_str(weight_shape),
        )
    if weight_shape[0] % groups:
        raise ConvcoreError(
            "groups={groups} must divide the input channels, but weight of shape "
            "{shape} has {channels} (weight.shape[0] = C_in)",
            ("groups", "weight"),
            groups=groups,
            shape=shape_str(weight_shape),
            channels=weight_shape[0],
        )


def _check_input(input_shape: Sequence[int], weight_shape: Sequence[int]) -> None:
    if input_shape[1] != weight_shape[0]:
        raise ConvcoreError(
            "weight of shape {weight_shape} expects an input with {channels} channels "
            "(weight.shape[0] = C_in), got input of shape {input_shape} with {got} channels",
            ("input", "weight"),
            weight_shape=shape_str(weight_shape),
            channels=weight_shape[0],
            input_shape=shape_str(input_shape),
            got=input_shape[1],
        )
    if min(input_shape[2:]) < 1:
        # torch lets an empty plane through only in an empty batch; we never do
        raise ConvcoreError(
            "input of shape {shape} has an empty plane; H and W must be at least 1",
            "input",
            shape=shape_str(input_shape),
        )


def _check_output_padding(output_padding: Pair, stride: Pair, dilation: Pair) -> None:
    # torch's rule, per axis: smaller than the stride or smaller than the dilation
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation, strict=True)):
        raise ConvcoreError(
            "output_padding must be smaller than either stride or dilation on each axis, "
            "got output_padding={output_padding} with stride={stride} and dilation={dilation}",
            ("output_padding", "stride", "dilation"),
            output_padding=output_padding,
            stride=stride,
            dilation=dilation,
        )
