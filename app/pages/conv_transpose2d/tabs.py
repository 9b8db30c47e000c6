"""The transposed convolution's method tabs: what each shows once per configuration (its
panel) and once per step (swapped into ``#tabstep``).

All numbers come from convcore: the traces, the stamp counts, the GEMM's columns, the
transposed kernel matrix, the methods' outputs, torch's output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

import convcore as cc
from app.pages import grids
from app.pages.conv_transpose2d.canvas import REGION_CLASSES
from app.pages.grids import (
    FULL_MATRIX,
    CellTexts,
    MatrixRow,
    Numbers,
    TapRow,
    ValueCell,
    zero_or_not,
)
from app.pages.torch_tab import TorchPanel, TorchStep, torch_panel
from convcore import reference
from convcore.methods.transpose_col2im import transposed_columns
from convcore.methods.transpose_kernel_matrix import transposed_kernel_matrix
from convcore.trace.model import EquivalentConvStep, ScatterStep
from convcore.views import Canvas, Col2imColumn, canvas_regions, stamp_counts
from convcore.views.transposed import ADDED, CROPPED, KEPT

if TYPE_CHECKING:
    from app.pages.conv_transpose2d.setup import TransposedSetup

#: The conv_transpose2d method each tab's output is computed with.
TAB_METHODS = {
    "scatter": "scatter",
    "zero_insert": "zero_insert",
    "kt": "kernel_matrix",
    "col2im": "col2im",
    "torch": "col2im",
}


def output(setup: TransposedSetup) -> NDArray[np.float64]:
    """The output (C_out, H_out, W_out), bias included, by the tab's method."""
    return np.asarray(setup.call.run(TAB_METHODS[setup.query.tab]), dtype=np.float64)


def _band(top: float, numbers: Numbers) -> Callable[[int, float], str]:
    def band(_i: int, value: float) -> str:
        return numbers.tone(value, top)

    return band


def _planes(values: NDArray[np.float64], numbers: Numbers) -> list[list[list[ValueCell]]]:
    """Planes of numbers (C, H, W) coloured on one scale."""
    band = _band(float(np.max(np.abs(values), initial=0.0)), numbers)
    return [grids.value_rows(plane, numbers, band) for plane in values.tolist()]


# ---------------------------------------------------------------------------------------------
# scatter


@dataclass(frozen=True)
class ScatterPanel:
    """Overlaps of the stamps on the canvas, and the finished output."""

    counts: list[list[ValueCell]]  # stamps of one input channel per canvas cell
    uneven: bool  # the counts differ inside the output: the checkerboard
    out: list[list[list[ValueCell]]]  # the output by the scatter method (C_out, Ho, Wo)


@dataclass(frozen=True)
class StampRow:
    """One cell of the stamp: which weight, where it lands, what it adds, the sum there."""

    kernel: str
    canvas: str
    output: str  # the output cell, '' when the padding crops it
    weight: str
    contribution: str
    total: str  # the canvas cell after this stamp


@dataclass(frozen=True)
class ScatterTabStep:
    """The stamp of the step's input value, cell by cell."""

    rows: list[StampRow]


def _scatter_panel(setup: TransposedSetup, out: NDArray[np.float64], numbers: Numbers) -> Any:
    g = setup.geometry
    counts = stamp_counts(g)
    crop = counts[g.padding[0] : g.padding[0] + g.out_size[0], g.padding[1] :][:, : g.out_size[1]]
    classes = _region_classes(setup)
    rows = []
    for r, line in enumerate(counts.tolist()):  # line: (canvas_W,)

        def region(c: int, _value: float, r: int = r) -> str:
            return classes(r, c)

        rows.append(grids.value_cells([float(v) for v in line], numbers, region))
    return ScatterPanel(rows, crop.size > 0 and crop.min() != crop.max(), _planes(out, numbers))


def _region_classes(setup: TransposedSetup) -> Callable[[int, int], str]:
    """A canvas cell's region class: cropped (by the padding) or added (by output_padding)."""
    rows, cols = canvas_regions(setup.geometry)

    def classes(r: int, c: int) -> str:
        codes = (int(rows[r]), int(cols[c]))
        code = CROPPED if CROPPED in codes else ADDED if ADDED in codes else KEPT
        return REGION_CLASSES.get(code, "").strip()

    return classes


def scatter_step(
    step: ScatterStep, canvas: Canvas, several: bool, numbers: Numbers
) -> ScatterTabStep:
    """The stamp table of a scatter step, with the canvas after it."""
    rows = []
    for tap in step.taps:
        head = f"{tap.out_channel}, " if several else ""
        where = f"{head}{tap.canvas[0]}, {tap.canvas[1]}"
        kept = "" if tap.output is None else f"{head}{tap.output[0]}, {tap.output[1]}"
        rows.append(
            StampRow(
                ", ".join(map(str, tap.kernel)),
                where,
                kept,
                numbers.text(tap.weight)[0],
                numbers.text(tap.contribution)[0],
                numbers.text(float(canvas.values[(tap.out_channel, *tap.canvas)]))[0],
            )
        )
    return ScatterTabStep(rows)


# ---------------------------------------------------------------------------------------------
# col2im


@dataclass(frozen=True)
class Col2imPanel:
    """The GEMM: the weight matrix, the input matrix and their product, the columns."""

    shape: tuple[int, int]  # the columns matrix
    weights: list[MatrixRow] | None  # (C_out·kH·kW, C_in), block-diagonal over groups
    inputs: list[MatrixRow] | None  # (C_in, H·W)
    columns: list[MatrixRow] | None  # (C_out·kH·kW, H·W)
    out: list[list[list[ValueCell]]]


@dataclass(frozen=True)
class Col2imTabStep:
    """The step's column: its place, and the input column it multiplies (the arithmetic shows
    its values, block by block)."""

    column: int
    position: tuple[int, int]
    inputs: list[ValueCell]
    origin: tuple[int, int]


def _stamp_heads(setup: TransposedSetup) -> list[str]:
    """Row heads of the columns matrix: (o, i, j)."""
    g = setup.geometry
    kh, kw = g.kernel
    return [f"{r // (kh * kw)}, {r // kw % kh}, {r % kw}" for r in range(g.out_channels * kh * kw)]


def _col2im_panel(setup: TransposedSetup, out: NDArray[np.float64], numbers: Numbers) -> Any:
    g = setup.geometry
    heads = _stamp_heads(setup)
    rows = len(heads)
    positions = g.in_size[0] * g.in_size[1]
    weights = inputs = columns = None
    if rows * g.in_channels <= FULL_MATRIX:
        # block-diagonal: output channel o's rows read its group's input channels only
        dense = np.zeros((rows, g.in_channels))
        kernel = setup.weight.reshape(g.groups, g.in_per_group, -1)  # (G, C_in/G, C_out/G·k·k)
        block = kernel.shape[2]
        for group in range(g.groups):
            channels = slice(group * g.in_per_group, (group + 1) * g.in_per_group)
            dense[group * block : (group + 1) * block, channels] = kernel[group].T
        weights = [
            MatrixRow("", "", heads[r], grids.value_cells(line, numbers, zero_or_not))
            for r, line in enumerate(dense.tolist())
        ]
    if g.in_channels * positions <= FULL_MATRIX:
        flat = setup.x.reshape(g.in_channels, positions)  # (C_in, H·W)
        inputs = [
            MatrixRow("", "", str(c), grids.value_cells(line, numbers))
            for c, line in enumerate(flat.tolist())
        ]
    if rows * positions <= FULL_MATRIX:
        cols = transposed_columns(setup.x[None], setup.weight, g)[0]  # (C_out·k·k, H·W)
        columns = [
            MatrixRow("", "", heads[r], grids.value_cells(line, numbers, zero_or_not))
            for r, line in enumerate(cols.tolist())
        ]
    return Col2imPanel((rows, positions), weights, inputs, columns, _planes(out, numbers))


def col2im_step(found: Col2imColumn, numbers: Numbers) -> Col2imTabStep:
    """The tab's part of a col2im step."""
    return Col2imTabStep(
        found.column,
        found.position,
        grids.value_cells(found.inputs.tolist(), numbers),
        found.origin,
    )


# ---------------------------------------------------------------------------------------------
# zero insert


@dataclass(frozen=True)
class ZeroInsertPanel:
    """How the input is spread and padded, and the output of the direct convolution."""

    zeros: tuple[int, int]  # inserted between neighbours, per axis
    pads: tuple[int, int, int, int]  # top, bottom, left, right (negative: cropped)
    grid: tuple[int, int]


@dataclass(frozen=True)
class ZeroInsertStep:
    """The window's taps, with the weight of the transposed convolution each one is."""

    taps: list[TapRow]
    sources: list[str]  # per tap: w[c_in, c_out', kH − 1 − i, kW − 1 − j]


def _zero_insert_panel(setup: TransposedSetup, _out: Any, _numbers: Numbers) -> Any:
    g = setup.geometry
    (kinds_y, _), (kinds_x, _) = g.zero_insert_maps()
    return ZeroInsertPanel(
        (g.stride[0] - 1, g.stride[1] - 1), g.conv_pads, (len(kinds_y), len(kinds_x))
    )


def zero_insert_step(
    setup: TransposedSetup, step: EquivalentConvStep, numbers: Numbers, texts: CellTexts
) -> ZeroInsertStep:
    """The tab's part of a step computed as a direct convolution."""
    taps = grids.tap_rows(step.taps, setup.geometry.in_channels > 1, numbers, texts)
    sources = ["w[" + ", ".join(map(str, tap.weight_index)) + "]" for tap in step.taps]
    return ZeroInsertStep(taps, sources)


# ---------------------------------------------------------------------------------------------
# Kᵀ


@dataclass(frozen=True)
class TransposedMatrixPanel:
    """Kᵀ (whole when small), the flattened input y, and the shapes."""

    shape: tuple[int, int]  # Kᵀ: (C_out·H_out·W_out, C_in·H·W)
    matrix: list[MatrixRow] | None
    y_flat: list[ValueCell]


@dataclass(frozen=True)
class TransposedMatrixStep:
    """The step's row of Kᵀ; laid out like the input when the matrix is too big to show."""

    row: int
    row_grids: list[list[list[ValueCell]]]  # (C_in, H, W); [] when the panel shows Kᵀ
    product: str


def _kt_panel(setup: TransposedSetup, _out: Any, numbers: Numbers) -> Any:
    g = setup.geometry
    rows, cols = g.matrix_shape[1], g.matrix_shape[0]
    matrix = None
    if rows * cols <= FULL_MATRIX:
        kt = transposed_kernel_matrix(setup.weight, g).T  # (C_out·Ho·Wo, C_in·H·W)
        matrix = [
            MatrixRow("", str(r), str(r), grids.value_cells(line, numbers, zero_or_not))
            for r, line in enumerate(kt.tolist())
        ]
    y_flat = grids.value_cells(setup.x.ravel().tolist(), numbers)
    return TransposedMatrixPanel((rows, cols), matrix, y_flat)


def kt_step(setup: TransposedSetup, step: EquivalentConvStep, numbers: Numbers) -> Any:
    """The tab's part of a step read as a row of Kᵀ times the flattened input."""
    row = step.kernel_row
    rows, cols = row.shape
    flat = setup.x.ravel()
    product = grids.products((value, float(flat[column])) for column, value in row.entries)
    planes: list[list[list[ValueCell]]] = []
    if rows * cols > FULL_MATRIX:
        dense = np.zeros(cols)
        for column, value in row.entries:
            dense[column] = value
        laid = cast(list[list[list[float]]], dense.reshape(setup.x.shape).tolist())  # (C, H, W)
        planes = [grids.value_rows(plane, numbers, zero_or_not) for plane in laid]
    return TransposedMatrixStep(row.row, planes, product)


# ---------------------------------------------------------------------------------------------
# PyTorch


def _torch_panel(setup: TransposedSetup, out: NDArray[np.float64], numbers: Numbers) -> Any:
    config, q = setup.config, setup.query
    weight = config.weight
    if weight is None:  # prepare() only makes a setup when the weight exists
        raise cc.ConvcoreError("the kernel is undefined")
    params = config.args()
    two_d = q.ci == q.co == q.groups == 1
    x = config.x[0] if two_d else config.x
    w = weight[0, 0] if two_d else weight
    theirs = reference.conv_transpose2d(x, w, config.bias, **params)
    theirs = theirs[None] if two_d else theirs  # (C_out, Ho, Wo)
    tensors: dict[str, Any] = {"x": x, "w": w}
    if config.bias is not None:
        tensors["b"] = config.bias
    return torch_panel("conv_transpose2d", out, theirs, params, tensors, weight.shape, numbers)


def torch_step(step: EquivalentConvStep) -> TorchStep:
    """Which of torch's output cells is this step's."""
    _, o, oy, ox = step.index
    return TorchStep(o, oy, ox)


#: Each tab's panel view: ``panel(setup, out, numbers)``.
PANELS: dict[str, Callable[[Any, NDArray[np.float64], Numbers], Any]] = {
    "scatter": _scatter_panel,
    "zero_insert": _zero_insert_panel,
    "kt": _kt_panel,
    "col2im": _col2im_panel,
    "torch": _torch_panel,
}

__all__ = ["PANELS", "TAB_METHODS", "TorchPanel", "output"]
