"""The step-trace data model: frozen dataclasses that serialise to plain JSON.

A trace step explains one number. For conv2d, the pools and the equivalent-convolution view of
a transposed convolution that is one output value; for the scatter view of a transposed
convolution it is one input value and the kernel it stamps. Every index is in the batched
``(N, C, H, W)`` layout the operations compute in (an unbatched or 2-D input is sample 0,
channel 0). ``padded`` coordinates are ``(row, col)`` in the grid the window slides over
(the padded input, or the zero-inserted padded input); ``source`` coordinates are ``(row,
col)`` in the real input, ``None`` where a cell copies nothing.

``to_dict()`` gives only JSON types: tuples become lists, nested records become dicts, and
a float that is not finite (the ``-inf`` padding of max pooling) becomes the string
``"inf"``, ``"-inf"`` or ``"nan"`` so that strict JSON encoders accept it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import Any, cast

Cell = tuple[int, int]
Index4 = tuple[int, int, int, int]

#: Kinds of cell a tap can read.
INPUT = "input"  # a cell of the real input
PADDING = "padding"  # a pad cell: a constant (zeros / −∞) or a copy (reflect, replicate, circular)
INSERTED = "inserted"  # a zero inserted between input cells (transposed conv, stride > 1)
OUTSIDE = "outside"  # beyond the padded input: a ceil_mode window running off the end

#: Why an average-pool window divides by what it divides by.
DIVISOR_WINDOW = "window"  # the full kernel area
DIVISOR_INSIDE_INPUT = "inside_input"  # count_include_pad=False: cells inside the input
DIVISOR_OVERRIDE = "divisor_override"  # the divisor_override argument
DIVISOR_CEIL_CLIPPED = "ceil_mode_clipped"  # cells inside the padded input (ceil_mode overhang)


def to_json(value: Any) -> Any:
    """Convert a trace record (or anything inside one) to JSON types.

    A trace window may hold tens of thousands of taps, so the common cases come first and a
    record's field names are looked up once per class.
    """
    kind = type(value)
    if kind is int or kind is str or kind is bool or value is None:
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if kind is tuple or kind is list:
        # mostly coordinates: ints pass through without a call each
        return [item if type(item) is int else to_json(item) for item in value]
    names = _field_names(cast(Any, kind))
    if names is not None:
        return {name: to_json(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, float):
        return to_json(float(value))
    return value


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, or None for any other type."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None


class Record:
    """Mixin: ``to_dict()`` for the frozen dataclasses of this module."""

    def to_dict(self) -> dict[str, Any]:
        """This record as a dict of JSON types (see the module docstring)."""
        out: dict[str, Any] = to_json(self)
        return out


# ---------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class TraceInfo(Record):
    """What a tracer enumerates, for one configuration.

    Attributes
    ----------
    op : str
        ``'conv2d'``, ``'conv_transpose2d'``, ``'max_pool2d'`` or ``'avg_pool2d'``.
    view : str
        ``'output'`` (a step per output value), ``'scatter'`` (a step per input value) or
        ``'conv'`` (a transposed convolution as a direct convolution, a step per output value).
    count : int
        Number of steps: the product of ``step_shape``.
    step_axes, step_shape : tuple
        Names and sizes of the axes steps run over, row-major (the last varies fastest).
    input_shape, output_shape : tuple of int
        Batched ``(N, C, H, W)`` shapes of the operation's input and output.
    layout : str
        The caller's layout: ``'batched'`` (4-D), ``'unbatched'`` (3-D) or ``'2d'``.
    grid_size : (int, int)
        Size of the grid ``padded`` coordinates refer to: the padded input, the
        zero-inserted padded input (``'conv'`` view) or the uncropped output (``'scatter'``).
    bias : tuple of float or None
        One value per output channel, or ``None`` without a bias.
    """

    op: str
    view: str
    count: int
    step_axes: tuple[str, ...]
    step_shape: tuple[int, ...]
    input_shape: Index4
    output_shape: Index4
    layout: str
    grid_size: Cell
    bias: tuple[float, ...] | None


# ---------------------------------------------------------------------------------------------
# conv2d (and the transposed convolution seen as a direct convolution)


@dataclass(frozen=True)
class ConvTap(Record):
    """One multiply of a convolution window.

    Attributes
    ----------
    kernel : (int, int, int)
        ``(c, i, j)``: the weight is ``weight[c_out, c, i, j]`` (``c`` counts within the group).
    channel : int
        The input channel read, counted over all of ``C_in``.
    padded : (int, int)
        The cell's ``(row, col)`` in the padded grid.
    kind : str
        ``'input'``, ``'padding'`` or (transposed ``'conv'`` view) ``'inserted'``.
    source : (int, int) or None
        The input cell whose value the tap reads: the cell itself, the cell a reflect /
        replicate / circular pad cell copies, or ``None`` for a zero.
    value, weight, product : float
        The input value, the weight and their product.
    running_sum : float
        The sum of the products up to and including this tap.
    """

    kernel: tuple[int, int, int]
    channel: int
    padded: Cell
    kind: str
    source: Cell | None
    value: float
    weight: float
    product: float
    running_sum: float


@dataclass(frozen=True)
class Im2colColumn(Record):
    """The im2col column a conv2d step multiplies (layout of ``F.unfold``).

    Attributes
    ----------
    sample : int
        ``n``: the column lives in ``unfold(x)[n]``.
    column : int
        ``l = oy·W_out + ox``.
    rows : tuple of int
        Rows of the unfolded matrix the step reads: the group's channels, ``c·kH·kW + i·kW + j``.
    values : tuple of float
        ``unfold(x)[n, rows, column]``: the taps' values in the same order. With a padding
        mode other than zeros the unfolded matrix is that of the mode-padded input.
    shape : (int, int)
        ``(C_in·kH·kW, H_out·W_out)``: the shape of one sample's unfolded matrix.
    """

    sample: int
    column: int
    rows: tuple[int, ...]
    values: tuple[float, ...]
    shape: Cell


@dataclass(frozen=True)
class KernelMatrixRow(Record):
    """The row of the unrolled kernel matrix (``convcore.kernel_matrix``) a step computes.

    Attributes
    ----------
    row : int
        ``r = (c_out·H_out + oy)·W_out + ox``.
    entries : tuple of (int, float)
        ``(column, weight)`` for every column a tap lands on, sorted by column; columns index
        the flattened input ``(C_in, H, W)``. Weights of taps that copy the same cell
        (reflect / replicate / circular) are added. All other entries of the row are zero.
    shape : (int, int)
        ``(C_out·H_out·W_out, C_in·H·W)``: the shape of the whole matrix.
    """

    row: int
    entries: tuple[tuple[int, float], ...]
    shape: Cell


@dataclass(frozen=True)
class ConvStep(Record):
    """One output value of conv2d, tap by tap.

    Attributes
    ----------
    t : int
        The step number.
    index : (int, int, int, int)
        ``(n, c_out, oy, ox)``: the output value explained.
    group : int
        The channel group ``c_out`` belongs to.
    origin : (int, int)
        The window's top-left cell in the padded grid, ``(oy·sH, ox·sW)``.
    taps : tuple of ConvTap
        In ``(c, i, j)`` row-major order, the order of im2col's rows.
    total : float
        The sum of the products.
    bias : float or None
        ``bias[c_out]``, or ``None`` without a bias.
    result : float
        ``total + bias``: the output value.
    im2col : Im2colColumn
        The matching column of the unfolded input.
    kernel_row : KernelMatrixRow
        The matching row of the kernel matrix.
    """

    t: int
    index: Index4
    group: int
    origin: Cell
    taps: tuple[ConvTap, ...]
    total: float
    bias: float | None
    result: float
    im2col: Im2colColumn
    kernel_row: KernelMatrixRow


# ---------------------------------------------------------------------------------------------
# conv_transpose2d


@dataclass(frozen=True)
class ScatterTap(Record):
    """Where one weight of the stamped kernel lands, in the scatter view.

    Attributes
    ----------
    kernel : (int, int, int)
        ``(c, i, j)``: the weight is ``weight[c_in, c, i, j]`` (``c`` counts within the group).
    out_channel : int
        The output channel the stamp adds to, counted over all of ``C_out``.
    canvas : (int, int)
        The landing cell on the uncropped canvas, ``(iy·sH + i·dH, ix·sW + j·dW)``.
    output : (int, int) or None
        The same cell in the output, ``canvas − padding``; ``None`` when cropped away.
    weight, contribution : float
        The weight and ``value · weight``, the amount added to the landing cell.
    """

    kernel: tuple[int, int, int]
    out_channel: int
    canvas: Cell
    output: Cell | None
    weight: float
    contribution: float


@dataclass(frozen=True)
class ScatterStep(Record):
    """One input value of conv_transpose2d stamping the scaled kernel onto the output.

    Attributes
    ----------
    t : int
        The step number.
    index : (int, int, int, int)
        ``(n, c_in, iy, ix)``: the input value that stamps.
    group : int
        The channel group ``c_in`` belongs to; it stamps onto that group's output channels.
    origin : (int, int)
        The stamp's top-left cell on the uncropped canvas, ``(iy·sH, ix·sW)``.
    value : float
        The input value.
    taps : tuple of ScatterTap
        In ``(c, i, j)`` row-major order. The output is the sum of every step's
        contributions at the cells they land on, plus the bias (``TraceInfo.bias``).
    """

    t: int
    index: Index4
    group: int
    origin: Cell
    value: float
    taps: tuple[ScatterTap, ...]


@dataclass(frozen=True)
class EquivalentConvTap(ConvTap):
    """A tap of the direct convolution equivalent to a transposed one.

    The fields are those of :class:`ConvTap`, read on the zero-inserted, padded input with
    the flipped kernel: ``kernel`` indexes the flipped kernel ``(c, i, j)``, ``kind`` is
    ``'input'``, ``'inserted'`` (a zero put between input cells) or ``'padding'``, and
    ``source`` is the real input cell or ``None``.

    Attributes
    ----------
    weight_index : (int, int, int, int)
        The same weight in the transposed convolution's own weight,
        ``(c_in, c_out within the group, kH − 1 − i, kW − 1 − j)``.
    """

    weight_index: Index4


@dataclass(frozen=True)
class EquivalentConvStep(Record):
    """One output value of conv_transpose2d, computed as a direct convolution.

    The input gets ``stride − 1`` zeros between its cells, then ``dilation·(k − 1) − padding``
    cells of zero padding on each side (``output_padding`` more at the bottom/right; a
    negative padding crops), and is cross-correlated at stride 1 with the kernel rotated
    180° and its channel axes swapped.

    Attributes
    ----------
    t : int
        The step number.
    index : (int, int, int, int)
        ``(n, c_out, oy, ox)``: the output value explained.
    group : int
        The channel group ``c_out`` belongs to.
    origin : (int, int)
        The window's top-left cell in the zero-inserted, padded grid: ``(oy, ox)``.
    taps : tuple of EquivalentConvTap
        In ``(c, i, j)`` row-major order over the flipped kernel.
    total, bias, result : float
        As in :class:`ConvStep`.
    kernel_row : KernelMatrixRow
        The row of the matrix ``A`` with ``out.ravel() == A @ x.ravel()`` (per sample,
        bias aside): the transpose of the forward convolution's kernel matrix.
    """

    t: int
    index: Index4
    group: int
    origin: Cell
    taps: tuple[EquivalentConvTap, ...]
    total: float
    bias: float | None
    result: float
    kernel_row: KernelMatrixRow


# ---------------------------------------------------------------------------------------------
# pooling


@dataclass(frozen=True)
class PoolTap(Record):
    """One cell of a pooling window.

    Attributes
    ----------
    kernel : (int, int)
        ``(i, j)``: the tap's place in the window.
    padded : (int, int)
        The cell's ``(row, col)`` in the padded grid.
    kind : str
        ``'input'``, ``'padding'``, or ``'outside'`` (past the padded input: a ceil_mode
        window hanging over the end).
    source : (int, int) or None
        The input cell, or ``None`` off the input.
    value : float
        The input value; off the input ``-inf`` for max pooling, ``0`` for average pooling.
    running : float
        The maximum so far (max pooling: NaN wins, as in torch) or the sum so far (average).
    """

    kernel: Cell
    padded: Cell
    kind: str
    source: Cell | None
    value: float
    running: float


@dataclass(frozen=True)
class MaxPoolStep(Record):
    """One output value of max_pool2d.

    Attributes
    ----------
    t : int
        The step number.
    index : (int, int, int, int)
        ``(n, c, oy, ox)``: the output value explained.
    origin : (int, int)
        The window's top-left cell in the padded grid, ``(oy·sH, ox·sW)``.
    taps : tuple of PoolTap
        In row-major window order.
    result : float
        The maximum.
    winner : int or None
        Position in ``taps`` of the maximum: the first of equal maxima, the last NaN;
        ``None`` when no cell holds more than ``-inf``.
    source : (int, int) or None
        The input cell of the maximum (``taps[winner].source``).
    flat_index : int
        ``row · W + col`` of the maximum, as ``return_indices=True`` reports it (without a
        winner, torch's fallback: the window's first tap at or after row 0, column 0).
    """

    t: int
    index: Index4
    origin: Cell
    taps: tuple[PoolTap, ...]
    result: float
    winner: int | None
    source: Cell | None
    flat_index: int


@dataclass(frozen=True)
class AvgPoolStep(Record):
    """One output value of avg_pool2d.

    Attributes
    ----------
    t : int
        The step number.
    index : (int, int, int, int)
        ``(n, c, oy, ox)``: the output value explained.
    origin : (int, int)
        The window's top-left cell in the padded grid, ``(oy·sH, ox·sW)``.
    taps : tuple of PoolTap
        In row-major window order; padding and outside cells hold 0.
    total : float
        The sum of the window.
    divisor : int
        What the sum is divided by.
    reason : str
        Why: ``'window'`` (kH·kW), ``'inside_input'`` (count_include_pad=False: the cells
        inside the input), ``'ceil_mode_clipped'`` (the cells inside the padded input, for a
        ceil_mode window hanging over the end) or ``'divisor_override'``.
    result : float
        ``total / divisor``.
    """

    t: int
    index: Index4
    origin: Cell
    taps: tuple[PoolTap, ...]
    total: float
    divisor: int
    reason: str
    result: float
