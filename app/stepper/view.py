"""The stepper's view model: what each grid, line and tab shows, every number from convcore.

No arithmetic happens here. The numbers come from convcore (the trace of the current step,
the output of the chosen method, unfold, the kernel matrix, the shape formulas) and from
torch through ``convcore.reference``; this module only arranges them into rows and cells
for the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

import convcore as cc
from app.stepper.config import StepperConfig, number_text
from app.stepper.format import num, tone
from convcore import reference
from convcore.advice import Advice, conv2d_advice
from convcore.codegen import pytorch_code, pytorch_script
from convcore.formulas import AxisFormula, conv2d_shape
from convcore.trace import ConvStep, trace_conv2d

#: The conv2d method each tab's output grid is computed with.
TAB_METHODS = {"loop": "loop", "im2col": "im2col", "kmatrix": "kernel_matrix", "torch": "im2col"}

#: A matrix is shown whole up to this many entries; beyond, a band around the current step.
FULL_MATRIX = 1600
#: Columns of the im2col matrix shown on each side of the current one when it is banded.
BAND = 3


@dataclass(frozen=True)
class PadCell:
    """One cell of the padded input: its value, where it copies from, its part in the step.

    ``name`` / ``src`` spell the cell and the input cell it reads (``x[1, 2]``), ``text`` the
    value as shown, ``raw`` the value exactly, ``tone`` its colour band.
    """

    row: int
    col: int
    padding: bool
    name: str
    src: str | None
    value: float
    text: str
    raw: str
    tone: str
    tap: int | None = None  # 1-based position in the step's taps
    weight: str | None = None  # the tap's weight, as shown
    weight_raw: str | None = None
    gap: bool = False  # inside the window's span but skipped by dilation


@dataclass(frozen=True)
class InputGrid:
    """The padded input of one channel."""

    channel: int
    group: int
    active: bool
    rows: list[list[PadCell]]


@dataclass(frozen=True)
class KernelGrid:
    """The kernel linking output channel ``out_channel`` to input channel ``channel``."""

    out_channel: int
    index: int  # the input channel within the group
    channel: int
    group: int
    active: bool
    rows: list[list[tuple[int, float]]]  # (flat index into k, value)


@dataclass(frozen=True)
class OutCell:
    """One output value and whether the steps have reached it ('done', 'current', 'todo')."""

    row: int
    col: int
    name: str
    value: float
    text: str
    raw: str
    tone: str
    state: str


@dataclass(frozen=True)
class OutputGrid:
    """One output channel."""

    channel: int
    group: int
    active: bool
    rows: list[list[OutCell]]


@dataclass(frozen=True)
class Im2colView:
    """The unfolded input with the step's column, the flattened kernel, their product."""

    shape: tuple[int, int]
    columns: list[int]  # the columns shown (all, or a band around ``column``)
    column: int
    rows: list[tuple[tuple[int, int, int], bool, list[float]]]  # ((c, i, j), used, values)
    weights: list[float]  # the current output channel's kernel, flattened (its group's rows)


@dataclass(frozen=True)
class KernelMatrixView:
    """The unrolled kernel matrix with the step's row, and the flattened input."""

    shape: tuple[int, int]
    row: int
    matrix: list[list[float]] | None  # the whole matrix when small enough
    row_grids: list[list[list[float]]]  # the current row reshaped as the input (C, H, W)
    x_flat: list[float]
    terms: list[tuple[int, float, float]]  # (column, weight, input value) of non-zero entries


@dataclass(frozen=True)
class TorchView:
    """The equivalent PyTorch call, torch's output and its distance from convcore's."""

    code: str
    script: str
    version: str
    out: list[list[list[float]]]
    max_diff: float
    agrees: bool


@dataclass(frozen=True)
class StepperView:
    """Everything the stepper page renders for one valid configuration."""

    count: int
    t: int
    step: ConvStep
    out_size: tuple[int, int]
    padded_size: tuple[int, int]
    pads: tuple[int, int, int, int]
    inputs: list[InputGrid]
    kernels: list[KernelGrid]
    outputs: list[OutputGrid]
    axes: tuple[AxisFormula, ...]
    scales: dict[str, float]
    method: str
    im2col: Im2colView | None = None
    kmatrix: KernelMatrixView | None = None
    torch: TorchView | None = None


@dataclass(frozen=True)
class Problem:
    """Why a configuration cannot be shown, and what to change."""

    message: str
    advice: tuple[Advice, ...] = ()
    fields: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    axes: tuple[AxisFormula, ...] = ()


def check(config: StepperConfig) -> Problem | None:
    """The reasons this configuration cannot be computed, or None when it can."""
    q = config.query
    cig = q.ci // q.groups if q.ci % q.groups == 0 else 1
    report = conv2d_shape((q.ci, q.h, q.w), (q.co, cig, *config.kernel_size), (q.sh, q.sw),
                          config.padding, (q.dh, q.dw), q.groups if q.ci % q.groups == 0 else 1,
                          q.mode)
    advice = conv2d_advice(q.ci, q.co, q.groups, (q.h, q.w), config.kernel_size, (q.sh, q.sw),
                           config.padding, (q.dh, q.dw), q.mode)
    if not advice and not config.problems and report.valid:
        return None
    message = report.message if not report.valid else ""
    return Problem(message, advice, list(config.problems), report.axes)


def build_view(config: StepperConfig) -> StepperView:
    """The view of the current step; call :func:`check` first (this raises when invalid)."""
    q = config.query
    weight = config.weight
    if weight is None:
        raise cc.ConvcoreError(f"groups={q.groups} must divide the {q.ci} input channels")
    params = config.params()
    tracer = trace_conv2d(config.x, weight, config.bias, **params)
    g = tracer.geometry
    t = min(q.t, tracer.count - 1)
    step = tracer.step(t)
    method = TAB_METHODS[q.tab]
    out = cc.conv2d(config.x, weight, config.bias, **params,
                    method=method).astype(np.float64, copy=False)  # (C_out, Ho, Wo)
    padded = g.pad(config.x[None])[0]  # (C_in, Hp, Wp)
    scales = _scales(config.x, weight, out)
    view = StepperView(
        count=tracer.count, t=t, step=step, out_size=g.out_size, padded_size=g.padded_size,
        pads=g.pads, inputs=_input_grids(g, padded, step, scales["input"]),
        kernels=_kernel_grids(config, step), outputs=_output_grids(g, out, t, scales["output"]),
        axes=conv2d_shape((q.ci, q.h, q.w), weight.shape, **params).axes,
        scales=scales, method=method,
    )
    if q.tab == "im2col":
        return _replace(view, im2col=_im2col(config, g, padded, step))
    if q.tab == "kmatrix":
        return _replace(view, kmatrix=_kernel_matrix(config, weight, step))
    if q.tab == "torch":
        return _replace(view, torch=_torch(config, weight, out))
    return view


def _replace(view: StepperView, **changes: Any) -> StepperView:
    return StepperView(**{**view.__dict__, **changes})


def _scales(*arrays: NDArray[np.float64]) -> dict[str, float]:
    """The largest magnitude of each grid's values: the end of its colour scale."""
    names = ("input", "kernel", "output")
    return {name: float(np.max(np.abs(a), initial=0.0)) for name, a in
            zip(names, arrays, strict=True)}


def _input_grids(g: cc.Conv2dGeometry, padded: NDArray[np.float64], step: ConvStep,
                 scale: float) -> list[InputGrid]:
    """Padded input grids with the step's taps, weights and dilation gaps marked."""
    rows_map, cols_map = g.source_maps()
    taps = {(tap.channel, *tap.padded): (number, tap.weight)
            for number, tap in enumerate(step.taps, start=1)}
    span = (cc.dilated_extent(g.kernel[0], g.dilation[0]),
            cc.dilated_extent(g.kernel[1], g.dilation[1]))
    top, left = step.origin
    (pad_top, _, pad_left, _), (height, width) = g.pads, g.in_size
    grids = []
    for c in range(g.in_channels):
        group = c // g.in_per_group
        prefix = (c,) if g.in_channels > 1 else ()
        rows = []
        for r in range(padded.shape[1]):
            cells = []
            for col in range(padded.shape[2]):
                sy, sx = int(rows_map[r]), int(cols_map[col])
                tap, weight = taps.get((c, r, col), (None, None))
                value = float(padded[c, r, col])
                inside = top <= r < top + span[0] and left <= col < left + span[1]
                cells.append(PadCell(
                    row=r, col=col,
                    padding=not (0 <= r - pad_top < height and 0 <= col - pad_left < width),
                    name=cell_name("x", (*prefix, r - pad_top, col - pad_left)),
                    src=cell_name("x", (*prefix, sy, sx)) if sy >= 0 and sx >= 0 else None,
                    value=value, text=num(value), raw=number_text(value),
                    tone=tone(value, scale), tap=tap,
                    weight=None if weight is None else num(weight),
                    weight_raw=None if weight is None else number_text(weight),
                    gap=inside and tap is None and group == step.group,
                ))
            rows.append(cells)
        grids.append(InputGrid(c, group, group == step.group, rows))
    return grids


def cell_name(array: str, index: tuple[int, ...]) -> str:
    """How the page names an array cell: ``x[1, 2]``."""
    return f"{array}[{', '.join(map(str, index))}]"


def _kernel_grids(config: StepperConfig, step: ConvStep) -> list[KernelGrid]:
    """One editable grid per (output channel, input channel of its group)."""
    kernel = config.kernel
    assert kernel is not None  # build_view returned early otherwise
    co, cig, kh, kw = kernel.shape
    per_group = co // config.query.groups
    grids = []
    for o in range(co):
        group = o // per_group
        for i in range(cig):
            base = (o * cig + i) * kh * kw
            rows = [[(base + r * kw + c, float(kernel[o, i, r, c])) for c in range(kw)]
                    for r in range(kh)]
            grids.append(KernelGrid(o, i, group * cig + i, group, o == step.index[1], rows))
    return grids


def _output_grids(g: cc.Conv2dGeometry, out: NDArray[np.float64], t: int, scale: float
                  ) -> list[OutputGrid]:
    """Output grids: values of the steps done, the current one marked, the rest to come."""
    oh, ow = g.out_size
    grids = []
    for o in range(g.out_channels):
        prefix = (o,) if g.out_channels > 1 else ()
        rows = []
        for y in range(oh):
            cells = []
            for x in range(ow):
                number = (o * oh + y) * ow + x  # the step that computes this cell
                state = "done" if number < t else "current" if number == t else "todo"
                value = float(out[o, y, x])
                cells.append(OutCell(y, x, cell_name("y", (*prefix, y, x)), value, num(value),
                                     number_text(value), tone(value, scale), state))
            rows.append(cells)
        current = t // (oh * ow)
        grids.append(OutputGrid(o, o // g.out_per_group, o == current, rows))
    return grids


def _im2col(config: StepperConfig, g: cc.Conv2dGeometry, padded: NDArray[np.float64],
            step: ConvStep) -> Im2colView:
    """im2col of the mode-padded input (padding 0: it is padded already)."""
    cols = cc.unfold(padded, g.kernel, g.dilation, 0, g.stride)  # (C_in·kH·kW, Ho·Wo)
    n_rows, n_cols = cols.shape
    column = step.im2col.column
    shown = list(range(n_cols))
    if n_rows * n_cols > FULL_MATRIX:
        shown = list(range(max(0, column - BAND), min(n_cols, column + BAND + 1)))
    used = set(step.im2col.rows)
    kh, kw = g.kernel
    rows = [((r // (kh * kw), r // kw % kh, r % kw), r in used, cols[r, shown].tolist())
            for r in range(n_rows)]
    weight = config.weight
    assert weight is not None
    return Im2colView((n_rows, n_cols), shown, column, rows,
                      weight[step.index[1]].ravel().tolist())


def _kernel_matrix(config: StepperConfig, weight: NDArray[np.float64], step: ConvStep
                   ) -> KernelMatrixView:
    """The kernel matrix (whole when small) and the current row laid out like the input."""
    q = config.query
    row = step.kernel_row
    rows, cols = row.shape
    matrix = None
    if rows * cols <= FULL_MATRIX:
        params = config.params()
        matrix = cc.kernel_matrix(weight, (q.h, q.w), params["stride"], params["padding"],
                                  params["dilation"], q.groups,
                                  padding_mode=q.mode).tolist()
    dense = np.zeros(cols)
    for column, value in row.entries:
        dense[column] = value
    x_flat = config.x.ravel()
    return KernelMatrixView(
        shape=row.shape, row=row.row, matrix=matrix,
        row_grids=cast(list[list[list[float]]], dense.reshape(config.x.shape).tolist()),
        x_flat=x_flat.tolist(),
        terms=[(column, value, float(x_flat[column])) for column, value in row.entries],
    )


def _torch(config: StepperConfig, weight: NDArray[np.float64], out: NDArray[np.float64]
           ) -> TorchView:
    """The same convolution through torch, and the code that computes it."""
    q = config.query
    params = config.params()
    two_d = q.ci == q.co == q.groups == 1
    x = config.x[0] if two_d else config.x
    w = weight[0, 0] if two_d else weight
    theirs = reference.conv2d(x, w, config.bias, **params)
    theirs = theirs[None] if two_d else theirs  # (C_out, Ho, Wo)
    max_diff = float(np.max(np.abs(theirs - out), initial=0.0))
    code = pytorch_code("conv2d", params, input_ndim=x.ndim, kernel_shape=weight.shape,
                        has_bias=config.bias is not None)
    tensors: dict[str, Any] = {"x": x.tolist(), "w": w.tolist()}
    if config.bias is not None:
        tensors["b"] = config.bias.tolist()
    return TorchView(code, pytorch_script(code, tensors), reference.torch_version(),
                     theirs.tolist(), max_diff, max_diff <= 1e-9 * max(1.0, float(
                         np.max(np.abs(out), initial=0.0))))
