"""The stepper's view model: what each grid, line and tab shows, every number from convcore.

No arithmetic happens here. The numbers come from convcore (the trace of the current step,
the output of the chosen method, unfold, the kernel matrix, the shape formulas) and from
torch through ``convcore.reference``; this module only arranges them for the templates,
with the texts of the big tables' cells worked out by :mod:`app.stepper.grids`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

import convcore as cc
from app.stepper import grids
from app.stepper.config import StepperConfig
from app.stepper.grids import (
    CellTexts,
    InputCell,
    KernelCell,
    MatrixRow,
    Numbers,
    OutputCell,
    TapRow,
    Term,
    ValueCell,
)
from convcore import reference
from convcore.advice import Advice, conv2d_advice
from convcore.codegen import pytorch_code, pytorch_script
from convcore.formulas import AxisFormula, conv2d_shape
from convcore.trace import ConvStep, trace_conv2d
from convcore.verify import compare

#: The conv2d method each tab's output grid is computed with.
TAB_METHODS = {"loop": "loop", "im2col": "im2col", "kmatrix": "kernel_matrix", "torch": "im2col"}

#: A matrix is shown whole up to this many entries; beyond, a band around the current step.
FULL_MATRIX = 1600
#: Columns of the im2col matrix shown on each side of the current one when it is banded.
BAND = 3


@dataclass(frozen=True)
class InputGrid:
    """The padded input of one channel; ``rows`` are its cells (see :mod:`.grids`)."""

    channel: int
    group: int
    active: bool
    rows: list[list[InputCell]]


@dataclass(frozen=True)
class KernelGrid:
    """The kernel linking output channel ``out_channel`` to input channel ``channel``."""

    out_channel: int
    index: int  # the input channel within the group
    channel: int
    group: int
    active: bool
    rows: list[list[KernelCell]]


@dataclass(frozen=True)
class OutputGrid:
    """One output channel: values of the steps done, the current one marked."""

    channel: int
    group: int
    active: bool
    rows: list[list[OutputCell]]


@dataclass(frozen=True)
class Im2colView:
    """The unfolded input with the step's column, the flattened kernel, their product."""

    shape: tuple[int, int]
    columns: list[int]  # the columns shown (all, or a band around ``column``)
    column: int
    rows: list[MatrixRow]  # one row per (c, i, j), those of the step's group marked used
    weights: list[ValueCell]  # the current output channel's kernel, flattened (its group's)
    product: str  # w · column, written out


@dataclass(frozen=True)
class KernelMatrixView:
    """The unrolled kernel matrix with the step's row, and the flattened input."""

    shape: tuple[int, int]
    row: int
    matrix: list[MatrixRow] | None  # the whole matrix's rows when small enough
    row_grids: list[list[list[ValueCell]]]  # the current row shaped as the input (C, H, W)
    x_flat: list[ValueCell]
    product: str  # K[row] · x over the row's non-zero entries, written out


@dataclass(frozen=True)
class TorchView:
    """The equivalent PyTorch call, torch's output and its distance from convcore's."""

    code: str
    script: str
    version: str
    out: list[list[list[ValueCell]]]  # torch's output (C_out, Ho, Wo)
    max_diff: float  # max |Δ|; inf when the shapes differ
    agrees: bool  # numpy.allclose(convcore's, torch's), as the API's reference block


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
    terms: list[Term]  # the step's products
    axes: tuple[AxisFormula, ...]
    scales: dict[str, float]
    method: str
    taps: list[TapRow] | None = None  # the loop tab's table
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
    report = conv2d_shape(
        (q.ci, q.h, q.w),
        (q.co, cig, *config.kernel_size),
        (q.sh, q.sw),
        config.padding,
        (q.dh, q.dw),
        q.groups if q.ci % q.groups == 0 else 1,
        q.mode,
    )
    advice = conv2d_advice(
        q.ci,
        q.co,
        q.groups,
        (q.h, q.w),
        config.kernel_size,
        (q.sh, q.sw),
        config.padding,
        (q.dh, q.dw),
        q.mode,
    )
    if not advice and not config.problems and report.valid:
        return None
    message = report.message if not report.valid else ""
    return Problem(message, advice, list(config.problems), report.axes)


def build_view(config: StepperConfig, texts: CellTexts) -> StepperView:
    """The view of the current step; call :func:`check` first (this raises when invalid).

    ``texts`` are the cell labels in the page's language.
    """
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
    out = cc.conv2d(config.x, weight, config.bias, **params, method=method).astype(
        np.float64, copy=False
    )  # (C_out, Ho, Wo)
    padded = g.pad(config.x[None])[0]  # (C_in, Hp, Wp)
    scales = _scales(config.x, weight, out)
    numbers = Numbers()
    view = StepperView(
        count=tracer.count,
        t=t,
        step=step,
        out_size=g.out_size,
        padded_size=g.padded_size,
        pads=g.pads,
        inputs=_input_grids(g, padded, step, scales["input"], numbers, texts),
        kernels=_kernel_grids(config, step, scales["kernel"], numbers),
        outputs=_output_grids(g, out, t, scales["output"], numbers, texts),
        terms=grids.terms(step.taps, numbers),
        axes=conv2d_shape((q.ci, q.h, q.w), weight.shape, **params).axes,
        scales=scales,
        method=method,
    )
    if q.tab == "loop":
        return replace(view, taps=grids.tap_rows(step.taps, q.ci > 1, numbers, texts))
    if q.tab == "im2col":
        return replace(view, im2col=_im2col(config, g, padded, step, numbers))
    if q.tab == "kmatrix":
        return replace(view, kmatrix=_kernel_matrix(config, weight, step, numbers))
    return replace(view, torch=_torch(config, weight, out, numbers))


def _scales(*arrays: NDArray[np.float64]) -> dict[str, float]:
    """The largest magnitude of each grid's values: the end of its colour scale."""
    names = ("input", "kernel", "output")
    return {
        name: float(np.max(np.abs(a), initial=0.0)) for name, a in zip(names, arrays, strict=True)
    }


def _input_grids(
    g: cc.Conv2dGeometry,
    padded: NDArray[np.float64],
    step: ConvStep,
    scale: float,
    numbers: Numbers,
    texts: CellTexts,
) -> list[InputGrid]:
    """Padded input grids with the step's taps, weights and dilation gaps marked."""
    rows_map, cols_map = g.source_maps()
    sources = (rows_map.tolist(), cols_map.tolist())
    taps: dict[int, dict[tuple[int, int], tuple[int, float]]] = {}
    for number, tap in enumerate(step.taps, start=1):
        taps.setdefault(tap.channel, {})[tap.padded] = (number, tap.weight)
    top, left = step.origin
    # the window's span; dilation gaps are the cells inside it that are not taps
    window = (
        top,
        top + cc.dilated_extent(g.kernel[0], g.dilation[0]),
        left,
        left + cc.dilated_extent(g.kernel[1], g.dilation[1]),
    )
    made = []
    for c, values in enumerate(padded.tolist()):  # values: (Hp, Wp)
        group = c // g.in_per_group
        active = group == step.group
        plane = grids.InputPlane(
            channel=c,
            prefix=(c,) if g.in_channels > 1 else (),
            values=values,
            sources=sources,
            pads=(g.pads[0], g.pads[2]),
            size=g.in_size,
            taps=taps.get(c, {}),
            span=window if active else (0, 0, 0, 0),
            scale=scale,
        )
        made.append(InputGrid(c, group, active, grids.input_cells(plane, numbers, texts)))
    return made


def _kernel_grids(
    config: StepperConfig, step: ConvStep, scale: float, numbers: Numbers
) -> list[KernelGrid]:
    """One editable grid per (output channel, input channel of its group)."""
    kernel = config.kernel
    if kernel is None:
        raise cc.ConvcoreError("the kernel is undefined")  # build_view returned early
    co, cig, kh, kw = kernel.shape
    per_group = co // config.query.groups
    several = co * cig > 1
    made = []
    for o, planes in enumerate(kernel.tolist()):  # planes: (C_in/groups, kH, kW)
        group = o // per_group
        for i, values in enumerate(planes):
            rows = grids.kernel_cells(
                values, (o * cig + i) * kh * kw, (o, i) if several else (), scale, numbers
            )
            made.append(KernelGrid(o, i, group * cig + i, group, o == step.index[1], rows))
    return made


def _output_grids(
    g: cc.Conv2dGeometry,
    out: NDArray[np.float64],
    t: int,
    scale: float,
    numbers: Numbers,
    texts: CellTexts,
) -> list[OutputGrid]:
    """Output grids: values of the steps done, the current one marked, the rest to come."""
    oh, ow = g.out_size
    current = t // (oh * ow)
    several = g.out_channels > 1
    return [
        OutputGrid(
            o,
            o // g.out_per_group,
            o == current,
            grids.output_cells(
                values, o * oh * ow, t, (o,) if several else (), scale, numbers, texts
            ),
        )
        for o, values in enumerate(out.tolist())
    ]  # values: (Ho, Wo)


def _im2col(
    config: StepperConfig,
    g: cc.Conv2dGeometry,
    padded: NDArray[np.float64],
    step: ConvStep,
    numbers: Numbers,
) -> Im2colView:
    """im2col of the mode-padded input (padding 0: it is padded already)."""
    cols = cc.unfold(padded, g.kernel, g.dilation, 0, g.stride)  # (C_in·kH·kW, Ho·Wo)
    n_rows, n_cols = cols.shape
    column = step.im2col.column
    shown = list(range(n_cols))
    if n_rows * n_cols > FULL_MATRIX:
        shown = list(range(max(0, column - BAND), min(n_cols, column + BAND + 1)))
    used = set(step.im2col.rows)
    kh, kw = g.kernel
    here = shown.index(column)

    def current(i: int, _value: float) -> str:
        return "current" if i == here else ""

    rows = [
        MatrixRow(
            "used" if r in used else "unused",
            "",
            f"{r // (kh * kw)}, {r // kw % kh}, {r % kw}",
            grids.value_cells(values, numbers, current, shown),
        )
        for r, values in enumerate(cols[:, shown].tolist())
    ]  # values: (len(shown),)
    weight = config.weight
    if weight is None:
        raise cc.ConvcoreError("the kernel is undefined")  # build_view returned early
    product = grids.products((tap.weight, tap.value) for tap in step.taps)
    return Im2colView(
        (n_rows, n_cols),
        shown,
        column,
        rows,
        grids.value_cells(weight[step.index[1]].ravel().tolist(), numbers),
        product,
    )


def _kernel_matrix(
    config: StepperConfig, weight: NDArray[np.float64], step: ConvStep, numbers: Numbers
) -> KernelMatrixView:
    """The kernel matrix (whole when small) and the current row laid out like the input."""
    q = config.query
    row = step.kernel_row
    rows, cols = row.shape
    matrix = None
    if rows * cols <= FULL_MATRIX:
        params = config.params()
        full = cc.kernel_matrix(
            weight,
            (q.h, q.w),
            params["stride"],
            params["padding"],
            params["dilation"],
            q.groups,
            padding_mode=q.mode,
        )
        matrix = [
            MatrixRow(
                "current" if i == row.row else "",
                str(i),
                str(i),
                grids.value_cells(values, numbers, _zero_or_not),
            )
            for i, values in enumerate(full.tolist())
        ]
    dense = np.zeros(cols)
    for column, value in row.entries:
        dense[column] = value
    x_flat = config.x.ravel()
    planes = cast(
        list[list[list[float]]], dense.reshape(config.x.shape).tolist()
    )  # (C, H, W) like the input
    return KernelMatrixView(
        shape=row.shape,
        row=row.row,
        matrix=matrix,
        row_grids=[grids.value_rows(plane, numbers, _zero_or_not) for plane in planes],
        x_flat=grids.value_cells(x_flat.tolist(), numbers),
        product=grids.products((value, float(x_flat[column])) for column, value in row.entries),
    )


def _zero_or_not(_i: int, value: float) -> str:
    """A matrix cell's class: the zeros fade."""
    return "zero" if value == 0 else "nz"


def _torch(
    config: StepperConfig, weight: NDArray[np.float64], out: NDArray[np.float64], numbers: Numbers
) -> TorchView:
    """The same convolution through torch, and the code that computes it."""
    q = config.query
    params = config.params()
    two_d = q.ci == q.co == q.groups == 1
    x = config.x[0] if two_d else config.x
    w = weight[0, 0] if two_d else weight
    theirs = reference.conv2d(x, w, config.bias, **params)
    theirs = theirs[None] if two_d else theirs  # (C_out, Ho, Wo)
    # the API's check (numpy.allclose, max |Δ|), so page and API judge torch alike
    verdict = compare(out, theirs, "torch.nn.functional.conv2d")
    code = pytorch_code(
        "conv2d",
        params,
        input_ndim=x.ndim,
        kernel_shape=weight.shape,
        has_bias=config.bias is not None,
    )
    tensors: dict[str, Any] = {"x": x.tolist(), "w": w.tolist()}
    if config.bias is not None:
        tensors["b"] = config.bias.tolist()
    scale = float(np.max(np.abs(out), initial=0.0))

    def band(_i: int, value: float) -> str:
        return numbers.tone(value, scale)

    max_diff = math.inf if verdict.max_abs_diff is None else verdict.max_abs_diff
    return TorchView(
        code,
        pytorch_script(code, tensors),
        reference.torch_version(),
        [grids.value_rows(plane, numbers, band) for plane in theirs.tolist()],
        max_diff,
        verdict.allclose,
    )
