"""Output shapes from sizes alone, with each axis's formula written out and a verdict.

This is the shape calculator: no arrays, only shapes and parameters. The sizes come from
:mod:`convcore.shapes`, the verdict from the same geometry checks the operations run, so
what the calculator calls valid is exactly what the operations accept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from convcore.errors import ConvcoreError
from convcore.geometry import (
    Conv2dGeometry,
    ConvTranspose2dGeometry,
    Padding,
    Pool2dGeometry,
    conv2d_geometry,
    resolve_padding,
)
from convcore.params import (
    IntOrPair,
    Pair,
    as_int,
    nonnegative_pair,
    positive_pair,
    shape_str,
)
from convcore.pooling import pool2d_geometry
from convcore.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
    same_padding,
)
from convcore.transposed import conv_transpose2d_geometry

AXES = ("height", "width")


def N_(text: str) -> str:  # noqa: N802 (gettext's name for "mark, don't translate")
    """Mark ``text`` for translation: Babel extracts it, a page translates it, convcore
    keeps it English."""
    return text


@dataclass(frozen=True)
class AxisFormula:
    """One axis: the formula in symbols, the same with the numbers in, and the size.

    ``formula`` and ``substituted`` are arithmetic only; ``formula_note`` and ``note`` are the
    words that go with them (English, marked for translation: a page shows them in its
    language), and ``formula_text`` / ``substituted_text`` put the two together in English.
    """

    axis: str
    formula: str
    substituted: str
    size: int
    formula_note: str = ""
    note: str = ""

    @property
    def formula_text(self) -> str:
        """The formula with its note, in English."""
        return f"{self.formula} ({self.formula_note})" if self.formula_note else self.formula

    @property
    def substituted_text(self) -> str:
        """The formula with the numbers in and its note, in English."""
        return f"{self.substituted} ({self.note})" if self.note else self.substituted


@dataclass(frozen=True)
class ShapeReport:
    """The verdict on one configuration; ``output_shape`` is None when it is invalid."""

    op: str
    valid: bool
    message: str
    output_shape: tuple[int, ...] | None = None
    axes: tuple[AxisFormula, ...] = ()
    same_padding: tuple[Pair, Pair] | None = field(default=None)


def conv2d_shape(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> ShapeReport:
    """conv2d's output shape for these shapes and parameters, each axis explained.

    ``same_padding`` is the (before, after) padding per axis that keeps the size, which
    exists at stride 1 only (odd totals put the extra cell after, as torch does).

    Examples
    --------
    >>> report = conv2d_shape((5, 5), (3, 3), stride=2, padding=1)
    >>> report.output_shape
    (3, 3)
    >>> report.axes[0].substituted
    '⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3'
    >>> conv2d_shape((2, 2), (3, 3)).message
    'kernel 3×3 (dilated 3×3) does not fit the padded input 2×2'
    """

    def build() -> ShapeReport:
        x4, w4, restore = _batch_conv_shapes(input_shape, weight_shape, "conv2d")
        s, d = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
        pads = resolve_padding(padding, (w4[2], w4[3]), s, d, padding_mode)
        axes = tuple(
            _conv_axis(AXES[i], x4[2 + i], w4[2 + i], s[i], pads[2 * i], pads[2 * i + 1], d[i])
            for i in range(2)
        )
        same = (same_padding(w4[2], d[0]), same_padding(w4[3], d[1])) if s == (1, 1) else None
        try:
            g = conv2d_geometry(x4, w4, s, padding, d, groups, padding_mode)
        except ConvcoreError as err:
            return ShapeReport("conv2d", False, str(err), None, axes, same)
        out = restore((x4[0], g.out_channels, *g.out_size))
        return ShapeReport("conv2d", True, _valid(out), out, axes, same)

    return _guard("conv2d", build)


def conv_transpose2d_shape(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> ShapeReport:
    """conv_transpose2d's output shape, each axis explained.

    Examples
    --------
    >>> report = conv_transpose2d_shape((1, 2, 3, 3), (2, 4, 3, 3), stride=2, padding=1,
    ...                                 output_padding=1)
    >>> report.output_shape, report.axes[1].substituted
    ((1, 4, 6, 6), '(3 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 6')
    """

    def build() -> ShapeReport:
        x4, w4, restore = _batch_conv_shapes(input_shape, weight_shape, "conv_transpose2d")
        s, d = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
        p = nonnegative_pair(padding, "padding")
        op = nonnegative_pair(output_padding, "output_padding")
        axes = tuple(
            _transpose_axis(AXES[i], x4[2 + i], w4[2 + i], s[i], p[i], d[i], op[i])
            for i in range(2)
        )
        try:
            g = conv_transpose2d_geometry(x4, w4, s, p, op, groups, d)
        except ConvcoreError as err:
            return ShapeReport("conv_transpose2d", False, str(err), None, axes)
        out = restore((x4[0], g.out_channels, *g.out_size))
        return ShapeReport("conv_transpose2d", True, _valid(out), out, axes)

    return _guard("conv_transpose2d", build)


def pool2d_shape(
    op: str,
    input_shape: Sequence[int],
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> ShapeReport:
    """max_pool2d's or avg_pool2d's output shape (avg has no dilation), each axis explained.

    Examples
    --------
    >>> report = pool2d_shape("max_pool2d", (4, 4), 3, stride=2, padding=1)
    >>> report.output_shape, report.axes[0].substituted
    ((2, 2), '⌊(4 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 2')
    >>> pool2d_shape("avg_pool2d", (5, 5), 3, 3, 1, ceil_mode=True).axes[0].substituted_text
    '⌈(5 + 2·1 − 1·(3 − 1) − 1) / 3⌉ + 1 − 1 = 2 (the last window would start in the padding)'
    """

    def build() -> ShapeReport:
        if len(input_shape) not in (2, 3, 4):
            raise ConvcoreError(
                "{op} expects input (N, C, H, W), (C, H, W) or (H, W), got input of shape {shape}",
                "input_shape",
                op=op,
                shape=shape_str(input_shape),
            )
        k = positive_pair(kernel_size, "kernel_size")
        s = k if stride is None else positive_pair(stride, "stride")
        p, d = nonnegative_pair(padding, "padding"), positive_pair(dilation, "dilation")
        size = input_shape[-2:]
        axes = tuple(
            _pool_axis(AXES[i], size[i], k[i], s[i], p[i], d[i], bool(ceil_mode)) for i in range(2)
        )
        try:
            g = pool2d_geometry(size, k, s, p, d, ceil_mode)
        except ConvcoreError as err:
            return ShapeReport(op, False, str(err), None, axes)
        out = (*input_shape[:-2], *g.out_size)
        return ShapeReport(op, True, _valid(out), out, axes)

    if op not in ("max_pool2d", "avg_pool2d"):
        return ShapeReport(op, False, f"op must be 'max_pool2d' or 'avg_pool2d', got {op!r}")
    return _guard(op, build)


def _guard(op: str, build: Callable[[], ShapeReport]) -> ShapeReport:
    """Turn a ConvcoreError raised before any axis could be computed into a verdict."""
    try:
        return build()
    except ConvcoreError as err:
        return ShapeReport(op, False, str(err))


def _valid(out: Sequence[int]) -> str:
    return f"valid: the output has shape {shape_str(out)}"


def _batch_conv_shapes(
    input_shape: Sequence[int], weight_shape: Sequence[int], op: str
) -> tuple[tuple[int, ...], tuple[int, ...], Callable[[tuple[int, ...]], tuple[int, ...]]]:
    """Shapes in 4-D layout (as convcore.layout does for arrays) and the undo for the output."""
    x, w = (
        tuple(as_int(v, "input_shape") for v in input_shape),
        tuple(as_int(v, "weight_shape") for v in weight_shape),
    )
    if min((*x, *w), default=0) < 0:
        raise ConvcoreError(
            "sizes must not be negative, got input_shape {input_shape} "
            "and weight_shape {weight_shape}",
            ("input_shape", "weight_shape"),
            input_shape=shape_str(x),
            weight_shape=shape_str(w),
        )
    if len(x) == 2 and len(w) == 2:
        return (1, 1, *x), (1, 1, *w), lambda out: out[2:]
    if len(x) not in (3, 4) or len(w) != 4:
        raise ConvcoreError(
            "{op} expects input (N, C, H, W) or (C, H, W) with a 4-D weight, or (H, W) with "
            "a 2-D kernel; got input_shape {input_shape} and weight_shape {weight_shape}",
            ("input_shape", "weight_shape"),
            op=op,
            input_shape=shape_str(x),
            weight_shape=shape_str(w),
        )
    if len(x) == 3:
        return (1, *x), w, lambda out: out[1:]
    return x, w, lambda out: out


def _conv_axis(axis: str, n: int, k: int, s: int, before: int, after: int, d: int) -> AxisFormula:
    size = conv_output_size(n, k, s, before + after, d)
    letter = axis[0].upper()
    if before == after:
        formula = f"⌊({letter} + 2p − d(k − 1) − 1) / s⌋ + 1"
        pad = f"2·{before}"
    else:
        formula = f"⌊({letter} + p_before + p_after − d(k − 1) − 1) / s⌋ + 1"
        pad = f"{before} + {after}"
    substituted = f"⌊({n} + {pad} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = {size}"
    return AxisFormula(axis, formula, substituted, size)


def _transpose_axis(axis: str, n: int, k: int, s: int, p: int, d: int, op: int) -> AxisFormula:
    size = conv_transpose_output_size(n, k, s, p, d, op)
    letter = axis[0].upper()
    formula = f"({letter} − 1)·s − 2p + d(k − 1) + output_padding + 1"
    substituted = f"({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {size}"
    return AxisFormula(axis, formula, substituted, size)


def _pool_axis(axis: str, n: int, k: int, s: int, p: int, d: int, ceil: bool) -> AxisFormula:
    size = pool_output_size(n, k, s, p, d, ceil)
    letter = axis[0].upper()
    left, right = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    formula = f"{left}({letter} + 2p − d(k − 1) − 1) / s{right} + 1"
    substituted = f"{left}({n} + 2·{p} − {d}·({k} − 1) − 1) / {s}{right} + 1"
    reach = n + 2 * p - d * (k - 1) - 1
    dropped = ceil and (reach + s - 1) // s + 1 != size
    if not dropped:
        return AxisFormula(axis, formula, f"{substituted} = {size}", size)
    return AxisFormula(
        axis,
        formula,
        f"{substituted} − 1 = {size}",
        size,
        N_("− 1 if the last window would start in the right padding"),
        N_("the last window would start in the padding"),
    )


def geometry_axes(
    g: Conv2dGeometry | ConvTranspose2dGeometry | Pool2dGeometry,
) -> tuple[AxisFormula, ...]:
    """Each axis's output-size formula for a geometry already validated: nothing checked again.

    A page or a server holding a prepared call gets the formulas from its geometry instead of
    asking the shape functions, which would validate the configuration a second time.

    Examples
    --------
    >>> g = conv2d_geometry((1, 1, 5, 5), (1, 1, 3, 3), stride=2, padding=1)
    >>> geometry_axes(g)[0].substituted
    '⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3'
    >>> geometry_axes(g) == conv2d_shape((5, 5), (3, 3), stride=2, padding=1).axes
    True
    """
    if isinstance(g, Conv2dGeometry):
        return tuple(
            _conv_axis(
                AXES[i],
                g.in_size[i],
                g.kernel[i],
                g.stride[i],
                g.pads[2 * i],
                g.pads[2 * i + 1],
                g.dilation[i],
            )
            for i in range(2)
        )
    if isinstance(g, ConvTranspose2dGeometry):
        return tuple(
            _transpose_axis(
                AXES[i],
                g.in_size[i],
                g.kernel[i],
                g.stride[i],
                g.padding[i],
                g.dilation[i],
                g.output_padding[i],
            )
            for i in range(2)
        )
    return tuple(
        _pool_axis(
            AXES[i],
            g.in_size[i],
            g.kernel[i],
            g.stride[i],
            g.padding[i],
            g.dilation[i],
            g.ceil_mode,
        )
        for i in range(2)
    )


def shape_report(op: str, **params: Any) -> ShapeReport:
    """Dispatch to the shape function of ``op`` with keyword arguments.

    Examples
    --------
    >>> shape_report("conv2d", input_shape=(3, 3), weight_shape=(2, 2)).output_shape
    (2, 2)
    """
    functions: dict[str, Callable[..., ShapeReport]] = {
        "conv2d": conv2d_shape,
        "conv_transpose2d": conv_transpose2d_shape,
    }
    if op in ("max_pool2d", "avg_pool2d"):
        return pool2d_shape(op, **params)
    if op not in functions:
        return ShapeReport(
            op,
            False,
            f"op must be one of 'conv2d', 'conv_transpose2d', "
            f"'max_pool2d', 'avg_pool2d', got {op!r}",
        )
    return functions[op](**params)
