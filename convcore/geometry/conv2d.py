"""Validated, normalised description of one conv2d configuration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from convcore.errors import ConvcoreError
from convcore.padding import check_pad_fits, pad2d, source_map
from convcore.params import (
    IntOrPair,
    Padding,
    Pair,
    as_int,
    as_pair,
    check_padding_mode,
    nonnegative_pair,
    positive_int,
    positive_pair,
)
from convcore.shapes import conv_output_size, dilated_extent, same_padding


@dataclass(frozen=True)
class Conv2dGeometry:
    """Everything about a conv2d call except the numbers in the arrays.

    ``pads`` is ``(top, bottom, left, right)``; ``in_size`` is the unpadded ``(H, W)``;
    ``batch`` is N. The cost figures a caller compares with its limits (multiply-adds, the
    padded input, the kernel matrix, a trace's steps) are properties, worked out here once.
    """

    in_channels: int
    out_channels: int
    groups: int
    in_size: Pair
    kernel: Pair
    stride: Pair
    dilation: Pair
    pads: tuple[int, int, int, int]
    padding_mode: str
    batch: int = 1

    @property
    def padded_size(self) -> Pair:
        """(H, W) after padding."""
        top, bottom, left, right = self.pads
        return self.in_size[0] + top + bottom, self.in_size[1] + left + right

    @property
    def out_size(self) -> Pair:
        """(H_out, W_out)."""
        top, bottom, left, right = self.pads
        return (
            conv_output_size(
                self.in_size[0], self.kernel[0], self.stride[0], top + bottom, self.dilation[0]
            ),
            conv_output_size(
                self.in_size[1], self.kernel[1], self.stride[1], left + right, self.dilation[1]
            ),
        )

    @property
    def in_per_group(self) -> int:
        """Input channels each output channel sees."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """Output channels each group produces."""
        return self.out_channels // self.groups

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """(N, C_out, H_out, W_out)."""
        return (self.batch, self.out_channels, *self.out_size)

    # --- cost figures ----------------------------------------------------------------------

    @property
    def windows(self) -> int:
        """Output values, one window each: ``N·C_out·H_out·W_out``."""
        return math.prod(self.out_shape)

    @property
    def window_taps(self) -> int:
        """Products one output value sums: ``C_in/groups·kH·kW``."""
        return self.in_per_group * self.kernel[0] * self.kernel[1]

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of the whole convolution (bias not counted).

        >>> conv2d_geometry((2, 4, 5, 5), (6, 2, 3, 3), groups=2).multiply_adds
        1944
        """
        return self.windows * self.window_taps

    @property
    def padded_elements(self) -> int:
        """Values of the padded input every method builds: ``N·C_in·H_pad·W_pad``."""
        return self.batch * self.in_channels * math.prod(self.padded_size)

    @property
    def column_elements(self) -> int:
        """Values of the im2col matrix of the whole batch: ``N·C_in·kH·kW·H_out·W_out``."""
        return self.batch * self.in_channels * math.prod(self.kernel) * math.prod(self.out_size)

    @property
    def matrix_shape(self) -> Pair:
        """``(C_out·H_out·W_out, C_in·H·W)``: the unrolled kernel matrix."""
        return (
            self.out_channels * math.prod(self.out_size),
            self.in_channels * math.prod(self.in_size),
        )

    @property
    def matrix_entries(self) -> int:
        """Entries of the unrolled kernel matrix (a ``kernel_matrix`` method builds it)."""
        return math.prod(self.matrix_shape)

    @property
    def work(self) -> int:
        """What the numpy part of any method costs: multiply-adds or values padded, the more."""
        return max(self.multiply_adds, self.padded_elements)

    def trace_size(self, view: str = "output") -> Pair:
        """(steps, taps per step) of a step trace: one step per output value."""
        del view  # conv2d traces have one view
        return self.windows, self.window_taps

    # --- arrays ------------------------------------------------------------------------------

    def pad(self, x: NDArray[np.floating]) -> NDArray[np.floating]:
        """Pad the spatial axes of ``x`` with this geometry's padding and mode."""
        return pad2d(x, self.pads, self.padding_mode)

    def source_maps(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Per-axis maps from padded position to source index (``-1`` = zero pad)."""
        top, bottom, left, right = self.pads
        return (
            source_map(self.in_size[0], top, bottom, self.padding_mode),
            source_map(self.in_size[1], left, right, self.padding_mode),
        )


def resolve_padding(
    padding: Padding, kernel: Pair, stride: Pair, dilation: Pair, padding_mode: str = "zeros"
) -> tuple[int, int, int, int]:
    """Turn ``padding`` (int, pair, 'same' or 'valid') into ``(top, bottom, left, right)``.

    Negative padding crops, which ``torch.nn.Conv2d`` allows for the non-zero padding modes
    (``F.pad`` crops) and ``F.conv2d`` rejects for zeros.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ConvcoreError(
                    "padding='same' needs stride 1, got stride={stride}; "
                    "use an explicit padding for strided convolutions",
                    ("padding", "stride"),
                    stride=stride,
                )
            return (*same_padding(kernel[0], dilation[0]), *same_padding(kernel[1], dilation[1]))
        raise ConvcoreError(
            "padding must be an int, a pair, 'same' or 'valid', got {padding!r}",
            "padding",
            padding=padding,
        )
    if padding_mode != "zeros":
        ph, pw = as_pair(padding, "padding")
        return (ph, ph, pw, pw)
    try:
        ph, pw = nonnegative_pair(padding, "padding")
    except ConvcoreError as err:
        # a rule between two arguments: the other padding modes crop instead
        raise err.with_params(("padding", "padding_mode")) from None
    return (ph, ph, pw, pw)


def conv2d_geometry(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Conv2dGeometry:
    """Validate a conv2d configuration from shapes alone, as torch does.

    ``input_shape`` is ``(N, C_in, H, W)`` and ``weight_shape`` ``(C_out, C_in/groups, kH, kW)``.

    Examples
    --------
    >>> g = conv2d_geometry((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding=1)
    >>> g.out_size, g.padded_size
    ((3, 3), (7, 7))
    """
    stride = positive_pair(stride, "stride")
    dilation = positive_pair(dilation, "dilation")
    groups = as_int(groups, "groups")
    check_padding_mode(padding_mode)
    groups = positive_int(groups, "groups")
    _, in_channels, height, width = input_shape
    out_channels, in_per_group, kh, kw = weight_shape
    _check_channels(in_channels, out_channels, in_per_group, groups, weight_shape)
    _check_empty(input_shape)
    if min(kh, kw) < 1:
        raise ConvcoreError(
            "kernel size must be positive, got weight of shape {shape}",
            "weight",
            shape=tuple(weight_shape),
        )
    pads = resolve_padding(padding, (kh, kw), stride, dilation, padding_mode)
    geometry = Conv2dGeometry(
        in_channels=in_channels,
        out_channels=out_channels,
        groups=groups,
        in_size=(height, width),
        kernel=(kh, kw),
        stride=stride,
        dilation=dilation,
        pads=pads,
        padding_mode=padding_mode,
        batch=int(input_shape[0]),
    )
    check_pad_fits(height, pads[0], pads[1], padding_mode, "height")
    check_pad_fits(width, pads[2], pads[3], padding_mode, "width")
    _check_kernel_fits(geometry)
    return geometry


def _check_channels(
    in_channels: int,
    out_channels: int,
    in_per_group: int,
    groups: int,
    weight_shape: Sequence[int],
) -> None:
    if out_channels < groups or out_channels % groups:
        raise ConvcoreError(
            "groups={groups} must divide the weight's output channels, "
            "got weight of shape {shape} with {out_channels} output channels",
            ("groups", "weight"),
            groups=groups,
            shape=tuple(weight_shape),
            out_channels=out_channels,
        )
    if in_per_group * groups != in_channels:
        raise ConvcoreError(
            "with groups={groups} and weight of shape {shape}, the input needs "
            "{needed} channels ({per_group} per group), got {in_channels}",
            ("groups", "input", "weight"),
            groups=groups,
            shape=tuple(weight_shape),
            needed=in_per_group * groups,
            per_group=in_per_group,
            in_channels=in_channels,
        )


def _check_empty(input_shape: Sequence[int]) -> None:
    """Empty batches are fine, as in torch; empty planes and empty channel axes are not.

    torch rejects empty planes. For an empty channel axis it returns an output with zero
    output channels whatever the weight says (and fails under reflect/replicate), which
    contradicts its own shape rule, so convcore rejects that case outright.
    """
    _, channels, height, width = input_shape
    if channels == 0:
        raise ConvcoreError(
            "input has no channels: input of shape {shape}", "input", shape=tuple(input_shape)
        )
    if min(height, width) == 0:
        raise ConvcoreError(
            "input of shape {shape} has an empty plane; only the batch axis may be empty",
            "input",
            shape=tuple(input_shape),
        )


def _check_kernel_fits(g: Conv2dGeometry) -> None:
    padded_h, padded_w = g.padded_size
    span_h = dilated_extent(g.kernel[0], g.dilation[0])
    span_w = dilated_extent(g.kernel[1], g.dilation[1])
    if span_h <= padded_h and span_w <= padded_w:
        return
    values = {
        "kh": g.kernel[0],
        "kw": g.kernel[1],
        "span_h": span_h,
        "span_w": span_w,
        "padded_h": padded_h,
        "padded_w": padded_w,
    }
    params = ("weight", "padding", "dilation", "input")
    if min(g.pads) < 0:
        # a negative padding crops: say so, or "padded input −1×−1" is a riddle
        raise ConvcoreError(
            "kernel {kh}×{kw} (dilated {span_h}×{span_w}) does not fit the padded input "
            "{padded_h}×{padded_w} (input {height}×{width} cropped by negative padding "
            "(top, bottom, left, right)={pads})",
            params,
            **values,
            height=g.in_size[0],
            width=g.in_size[1],
            pads=g.pads,
        )
    raise ConvcoreError(
        "kernel {kh}×{kw} (dilated {span_h}×{span_w}) does not fit the padded input "
        "{padded_h}×{padded_w}",
        params,
        **values,
    )
