"""The conv2d page's method tabs: what each shows once per configuration and once per step.

Each tab has a *panel* (built with the board, kept while stepping) and a *step* part (built
for every step, swapped into ``#tabstep``). A whole matrix that fits on screen goes in the
panel, and the step only says which row or column to mark; a matrix too big to show whole
is shown around the step, so that band is the step's part. All numbers come from convcore:
the unfolded input, the kernel matrix, the shifted planes, torch's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

import convcore as cc
from app.pages import grids
from app.pages.grids import (
    FULL_MATRIX,
    CellTexts,
    MatrixRow,
    Numbers,
    TapRow,
    ValueCell,
    zero_or_not,
)
from app.pages.tab_views import TabViews, no_panel
from app.pages.torch_tab import TorchPanel, TorchStep, torch_panel
from convcore import reference
from convcore.trace import ConvStep
from convcore.views import shift_add_view

if TYPE_CHECKING:
    from app.pages.conv2d.setup import Conv2dSetup

#: The conv2d method each tab's output grid is computed with.
TAB_METHODS = {
    "loop": "loop",
    "im2col": "im2col",
    "kmatrix": "kernel_matrix",
    "shift_add": "shift_add",
    "torch": "im2col",
}

#: Columns of the im2col matrix shown on each side of the current one when it is banded.
BAND = 3


# ---------------------------------------------------------------------------------------------
# loop


@dataclass(frozen=True)
class LoopStep:
    """The nested loops with this step's indices, and its taps."""

    out_channel: int
    group: int
    in_per_group: int
    out_per_group: int
    oy: int
    ox: int
    out_size: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    taps: list[TapRow]


def _loop_step(setup: Conv2dSetup, step: ConvStep, numbers: Numbers, texts: CellTexts) -> LoopStep:
    g = setup.geometry
    _, o, oy, ox = step.index
    rows = grids.tap_rows(step.taps, g.in_channels > 1, numbers, texts)
    return LoopStep(
        o,
        step.group,
        g.in_per_group,
        g.out_per_group,
        oy,
        ox,
        g.out_size,
        g.stride,
        g.dilation,
        rows,
    )


# ---------------------------------------------------------------------------------------------
# im2col


@dataclass(frozen=True)
class Im2colPanel:
    """The unfolded input's shape, and the whole matrix when it is small enough to show."""

    shape: tuple[int, int]
    rows: list[MatrixRow] | None


@dataclass(frozen=True)
class Im2colStep:
    """The step's column, the band around it (big matrices), the kernel row, the product."""

    shape: tuple[int, int]
    column: int
    used: tuple[int, int]  # first and last row of the step's group
    columns: list[int]  # the columns of the band ([] when the whole matrix is in the panel)
    rows: list[MatrixRow]  # the band's rows
    weights: list[ValueCell]  # the current output channel's kernel, flattened
    product: str


def _unfolded(setup: Conv2dSetup) -> NDArray[np.float64]:
    """im2col of the mode-padded input (padding 0: it is padded already), (C_in·kH·kW, L)."""
    g = setup.geometry
    padded = g.pad(setup.config.x[None])[0]
    return np.asarray(cc.unfold(padded, g.kernel, g.dilation, 0, g.stride), dtype=np.float64)


def _labels(setup: Conv2dSetup, rows: int) -> list[str]:
    """Row heads of the unfolded matrix: (c, i, j)."""
    kh, kw = setup.geometry.kernel
    return [f"{r // (kh * kw)}, {r // kw % kh}, {r % kw}" for r in range(rows)]


def _im2col_panel(setup: Conv2dSetup, _out: Any, numbers: Numbers) -> Im2colPanel:
    g = setup.geometry
    n_rows = g.in_channels * g.kernel[0] * g.kernel[1]
    n_cols = g.out_size[0] * g.out_size[1]
    if n_rows * n_cols > FULL_MATRIX:
        return Im2colPanel((n_rows, n_cols), None)
    cols = _unfolded(setup)
    heads = _labels(setup, n_rows)
    rows = [
        MatrixRow("", str(r), heads[r], grids.value_cells(values, numbers))
        for r, values in enumerate(cols.tolist())
    ]  # values: (L,)
    return Im2colPanel((n_rows, n_cols), rows)


def _im2col_step(
    setup: Conv2dSetup, step: ConvStep, numbers: Numbers, _texts: CellTexts
) -> Im2colStep:
    column = step.im2col.column
    n_rows, n_cols = step.im2col.shape
    used = (step.im2col.rows[0], step.im2col.rows[-1])
    weight = setup.config.weight
    if weight is None:
        raise cc.ConvcoreError("the kernel is undefined")
    shown: list[int] = []
    rows: list[MatrixRow] = []
    if n_rows * n_cols > FULL_MATRIX:
        shown = list(range(max(0, column - BAND), min(n_cols, column + BAND + 1)))
        here = shown.index(column)
        band = _unfolded(setup)[:, shown]  # (C_in·kH·kW, len(shown))
        heads = _labels(setup, n_rows)

        def current(i: int, _value: float) -> str:
            return "current" if i == here else ""

        rows = [
            MatrixRow(
                "used" if used[0] <= r <= used[1] else "unused",
                "",
                heads[r],
                grids.value_cells(values, numbers, current, shown),
            )
            for r, values in enumerate(band.tolist())
        ]
    product = grids.products((tap.weight, tap.value) for tap in step.taps)
    weights = grids.value_cells(weight[step.index[1]].ravel().tolist(), numbers)
    return Im2colStep((n_rows, n_cols), column, used, shown, rows, weights, product)


# ---------------------------------------------------------------------------------------------
# kernel matrix


@dataclass(frozen=True)
class KernelMatrixPanel:
    """The kernel matrix's shape, the whole matrix when small, the flattened input."""

    shape: tuple[int, int]
    matrix: list[MatrixRow] | None
    x_flat: list[ValueCell]


@dataclass(frozen=True)
class KernelMatrixStep:
    """The step's row; laid out like the input when the matrix is too big to show."""

    row: int
    row_grids: list[list[list[ValueCell]]]  # (C, H, W); [] when the panel shows the matrix
    product: str


def _kmatrix_panel(setup: Conv2dSetup, _out: Any, numbers: Numbers) -> KernelMatrixPanel:
    g, config = setup.geometry, setup.config
    shape = (g.out_channels * g.out_size[0] * g.out_size[1], config.x.size)
    matrix = None
    weight = config.weight
    if weight is not None and shape[0] * shape[1] <= FULL_MATRIX:
        args = config.args()
        full = cc.kernel_matrix(
            weight,
            g.in_size,
            args["stride"],
            args["padding"],
            args["dilation"],
            g.groups,
            padding_mode=g.padding_mode,
        )
        matrix = [
            MatrixRow("", str(i), str(i), grids.value_cells(values, numbers, zero_or_not))
            for i, values in enumerate(full.tolist())
        ]  # values: (C_in·H·W,)
    x_flat = grids.value_cells(config.x.ravel().tolist(), numbers)
    return KernelMatrixPanel(shape, matrix, x_flat)


def _kmatrix_step(
    setup: Conv2dSetup, step: ConvStep, numbers: Numbers, _texts: CellTexts
) -> KernelMatrixStep:
    config = setup.config
    row = step.kernel_row
    rows, cols = row.shape
    x_flat = config.x.ravel()
    product = grids.products((value, float(x_flat[column])) for column, value in row.entries)
    planes: list[list[list[ValueCell]]] = []
    if rows * cols > FULL_MATRIX:
        dense = np.zeros(cols)
        for column, value in row.entries:
            dense[column] = value
        laid = cast(list[list[list[float]]], dense.reshape(config.x.shape).tolist())  # (C, H, W)
        planes = [grids.value_rows(plane, numbers, zero_or_not) for plane in laid]
    return KernelMatrixStep(row.row, planes, product)


# ---------------------------------------------------------------------------------------------
# shift and add


@dataclass(frozen=True)
class ShiftAddStep:
    """The current tap of the step's output channel: shifted plane, weight, running sum."""

    out_channel: int
    oy: int
    ox: int
    count: int  # taps per output channel
    number: int  # the tap shown
    kernel: tuple[int, int, int]
    channel: int
    offset: tuple[int, int]
    weight: str
    shifted: list[list[ValueCell]]
    product: list[list[ValueCell]]
    running: list[list[ValueCell]]
    sum_here: str  # the running sum at (oy, ox), as the loop tab's row of this tap says


def _shift_add_step(
    setup: Conv2dSetup, step: ConvStep, numbers: Numbers, _texts: CellTexts
) -> ShiftAddStep:
    config = setup.config
    weight = config.weight
    if weight is None:
        raise cc.ConvcoreError("the kernel is undefined")
    args = config.args()
    view = shift_add_view(config.x, weight, **args)
    _, o, oy, ox = step.index
    number = min(config.query.tap, view.tap_count - 1)
    tap = view.tap(o, number)

    def planes(values: NDArray[np.float64]) -> list[list[ValueCell]]:
        """A plane's cells, coloured on its own scale, the step's cell marked."""
        scale = float(np.max(np.abs(values), initial=0.0))
        rows = []
        for y, line in enumerate(values.tolist()):  # line: (W_out,)

            def band(x: int, value: float, y: int = y) -> str:
                return numbers.tone(value, scale) + (" cur" if (y, x) == (oy, ox) else "")

            rows.append(grids.value_cells(line, numbers, band))
        return rows

    return ShiftAddStep(
        out_channel=o,
        oy=oy,
        ox=ox,
        count=view.tap_count,
        number=number,
        kernel=tap.kernel,
        channel=tap.channel,
        offset=tap.offset,
        weight=numbers.text(tap.weight)[0],
        shifted=planes(tap.shifted),
        product=planes(tap.product),
        running=planes(tap.running),
        sum_here=numbers.text(step.taps[number].running_sum)[0],
    )


# ---------------------------------------------------------------------------------------------
# PyTorch


def _torch_panel(setup: Conv2dSetup, out: NDArray[np.float64], numbers: Numbers) -> TorchPanel:
    """The same convolution through torch, and the code that computes it."""
    config = setup.config
    q = config.query
    weight = config.weight
    if weight is None:
        raise cc.ConvcoreError("the kernel is undefined")
    params = config.args()
    two_d = q.ci == q.co == q.groups == 1
    x = config.x[0] if two_d else config.x
    w = weight[0, 0] if two_d else weight
    theirs = reference.conv2d(x, w, config.bias, **params)
    theirs = theirs[None] if two_d else theirs  # (C_out, Ho, Wo)
    tensors: dict[str, Any] = {"x": x, "w": w}
    if config.bias is not None:
        tensors["b"] = config.bias
    return torch_panel("conv2d", out, theirs, params, tensors, weight.shape, numbers)


def _torch_step(_setup: Conv2dSetup, step: ConvStep, _n: Numbers, _t: CellTexts) -> TorchStep:
    _, o, oy, ox = step.index
    return TorchStep(o, oy, ox)


# ---------------------------------------------------------------------------------------------


TABS: dict[str, TabViews] = {
    "loop": TabViews(no_panel, _loop_step),
    "im2col": TabViews(_im2col_panel, _im2col_step),
    "kmatrix": TabViews(_kmatrix_panel, _kmatrix_step),
    "shift_add": TabViews(no_panel, _shift_add_step),
    "torch": TabViews(_torch_panel, _torch_step),
}
