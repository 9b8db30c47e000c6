"""The pooling pages' method tabs: what each shows once per configuration and once per step.

Each tab has a *panel* (built with the board, kept while stepping) and a *step* part (built
for every step, swapped into ``#tabstep``). Every number comes from convcore (the trace's
taps, the shifted planes, the divisors) or from torch (the PyTorch tab).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from app.pages import grids
from app.pages.grids import CellTexts, Numbers, ValueCell
from app.pages.tab_views import TabViews, no_panel
from convcore import reference
from convcore.codegen import pytorch_code, pytorch_script
from convcore.trace import AvgPoolStep, MaxPoolStep
from convcore.verify import compare
from convcore.views.pool import divisors, max_ties, shifted_planes

if TYPE_CHECKING:
    from app.pages.pool.setup import PoolSetup

#: The convcore method each tab's output grid is computed with.
TAB_METHODS = {"loop": "loop", "window": "window", "torch": "window"}

#: The window tab shows at most about this many plane cells a step: a band of output rows
#: and columns around the step when the planes are larger.
PLANE_CELLS = 600

PoolStep = MaxPoolStep | AvgPoolStep


# ---------------------------------------------------------------------------------------------
# loop


class PoolTapRow(NamedTuple):
    """A row of the loop tab's table: a tap, where it reads, its value and the running result."""

    kind: str  # input, padding or outside
    mark: str  # win, tie or ''
    number: int
    kernel: str
    padded: str
    source: str  # the input cell, '' off the input
    value: str
    running: str


@dataclass(frozen=True)
class LoopStep:
    """The nested loops with this step's indices, and its taps."""

    channel: int
    oy: int
    ox: int
    out_size: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    kernel: tuple[int, int]
    taps: list[PoolTapRow]


def _loop_step(setup: PoolSetup, step: PoolStep, numbers: Numbers, _texts: CellTexts) -> LoopStep:
    g = setup.geometry
    _, c, oy, ox = step.index
    winner = step.winner if isinstance(step, MaxPoolStep) else None
    ties = max_ties(step) if isinstance(step, MaxPoolStep) else ()
    rows = [
        PoolTapRow(
            tap.kind,
            "win" if k == winner else "tie" if k in ties else "",
            k + 1,
            f"{tap.kernel[0]}, {tap.kernel[1]}",
            f"{tap.padded[0]}, {tap.padded[1]}",
            "" if tap.source is None else f"{tap.source[0]}, {tap.source[1]}",
            numbers.text(tap.value)[0],
            numbers.text(tap.running)[0],
        )
        for k, tap in enumerate(step.taps)
    ]
    return LoopStep(c, oy, ox, g.out_size, g.stride, g.dilation, g.kernel, rows)


# ---------------------------------------------------------------------------------------------
# window


@dataclass(frozen=True)
class WindowPanel:
    """What the window tab's code says: the padding each side, the window, its steps."""

    pads: tuple[int, int, int, int]
    span: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    out_size: tuple[int, int]
    divisors: list[list[ValueCell]]  # average pooling: what each window's sum is divided by


class Plane(NamedTuple):
    """The plane tap ``(i, j)`` sees, shifted by ``offset``, around the step's cell."""

    i: int
    j: int
    offset: tuple[int, int]
    rows: list[list[ValueCell]]


@dataclass(frozen=True)
class WindowStep:
    """The shifted planes of the step's channel (a band around the step) and their reduction."""

    channel: int
    oy: int
    ox: int
    rows: tuple[int, int]  # the output rows shown: [first, last]
    cols: tuple[int, int]
    whole: bool  # the band is the whole output
    planes: list[Plane]
    reduced: list[list[ValueCell]]  # the maximum, or the sum, of the planes
    divisors: list[list[ValueCell]]  # average pooling
    result: list[list[ValueCell]]  # average pooling: sum / divisor


def _window_panel(setup: PoolSetup, _out: Any, numbers: Numbers) -> WindowPanel:
    g, q = setup.geometry, setup.query
    rows: list[list[ValueCell]] = []
    if not setup.is_max:
        plane = divisors(g, q.cip, q.div).astype(np.float64)
        rows = grids.value_rows(plane.tolist(), numbers)
    return WindowPanel(g.pads, g.span, g.stride, g.dilation, g.out_size, rows)


def _band(index: int, size: int, width: int) -> tuple[int, int]:
    """``width`` consecutive indices of ``range(size)`` around ``index``: [first, last)."""
    first = min(max(0, index - width // 2), max(0, size - width))
    return first, min(size, first + width)


def _window_step(setup: PoolSetup, step: PoolStep, numbers: Numbers, _t: CellTexts) -> WindowStep:
    g, q = setup.geometry, setup.query
    _, c, oy, ox = step.index
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    width = next(n for n in (5, 3, 1) if kh * kw * n * n <= PLANE_CELLS or n == 1)
    r0, r1 = _band(oy, oh, width)
    c0, c1 = _band(ox, ow, width)
    padded = g.pad(setup.config.x[c], setup.fill)  # (Hp, Wp)
    planes = shifted_planes(padded, g, slice(r0, r1), slice(c0, c1))  # (kH, kW, r, c)
    here = (oy - r0, ox - c0)

    def cells(values: NDArray[np.floating]) -> list[list[ValueCell]]:
        finite = values[np.isfinite(values)]
        scale = float(np.max(np.abs(finite), initial=0.0))
        out = []
        for y, line in enumerate(values.tolist()):

            def band(x: int, value: float, y: int = y) -> str:
                return numbers.tone(value, scale) + (" cur" if (y, x) == here else "")

            out.append(grids.value_cells(line, numbers, band))
        return out

    views = [
        Plane(i, j, (i * g.dilation[0], j * g.dilation[1]), cells(planes[i, j]))
        for i in range(kh)
        for j in range(kw)
    ]
    divisor_rows: list[list[ValueCell]] = []
    result_rows: list[list[ValueCell]] = []
    if setup.is_max:
        reduced = planes.max(axis=(0, 1))
    else:
        with np.errstate(invalid="ignore"):
            reduced = planes.sum(axis=(0, 1))
        divisor = divisors(g, q.cip, q.div)[r0:r1, c0:c1]
        divisor_rows = cells(divisor.astype(np.float64))
        result_rows = cells(reduced / divisor)
    return WindowStep(
        c,
        oy,
        ox,
        (r0, r1 - 1),
        (c0, c1 - 1),
        (r1 - r0, c1 - c0) == (oh, ow),
        views,
        cells(reduced),
        divisor_rows,
        result_rows,
    )


# ---------------------------------------------------------------------------------------------
# PyTorch


@dataclass(frozen=True)
class TorchPanel:
    """The same pooling in PyTorch: the call, torch's output (and indices), the verdict."""

    code: str
    script: str
    version: str
    out: list[list[list[ValueCell]]]  # torch's output (C, Ho, Wo)
    indices: list[list[list[ValueCell]]]  # max pooling: torch's indices (C, Ho, Wo)
    max_diff: float  # max |Δ|; inf when the shapes differ
    agrees: bool  # numpy.allclose(convcore's, torch's), as the API's reference block
    same_indices: bool  # max pooling: convcore's indices are torch's, exactly


@dataclass(frozen=True)
class TorchStep:
    """Which of torch's output cells is this step's."""

    channel: int
    oy: int
    ox: int


def _torch_panel(setup: PoolSetup, out: NDArray[np.float64], numbers: Numbers) -> TorchPanel:
    """The same pooling through torch, and the code that computes it."""
    config = setup.config
    args = config.args()
    indices: list[list[list[ValueCell]]] = []
    same = True
    if setup.is_max:
        args["return_indices"] = True
        theirs, their_indices = reference.max_pool2d(config.x, **args)
        _, ours = setup.tracer.call.run("window", return_indices=True)  # validated once
        same = bool(np.array_equal(ours, their_indices))
        indices = [grids.value_rows(plane, numbers) for plane in their_indices.tolist()]
    else:
        theirs = reference.avg_pool2d(config.x, **args)
    verdict = compare(out, theirs, f"torch.nn.functional.{config.op}")
    code = pytorch_code(config.op, args, input_ndim=3)
    scale = float(np.max(np.abs(out), initial=0.0))

    def band(_i: int, value: float) -> str:
        return numbers.tone(value, scale)

    max_diff = math.inf if verdict.max_abs_diff is None else verdict.max_abs_diff
    return TorchPanel(
        code,
        pytorch_script(code, {"x": config.x.tolist()}),
        reference.torch_version(),
        [grids.value_rows(plane, numbers, band) for plane in theirs.tolist()],
        indices,
        max_diff,
        verdict.allclose,
        same,
    )


def _torch_step(_setup: PoolSetup, step: PoolStep, _n: Numbers, _t: CellTexts) -> TorchStep:
    _, c, oy, ox = step.index
    return TorchStep(c, oy, ox)


# ---------------------------------------------------------------------------------------------


TABS: dict[str, TabViews] = {
    "loop": TabViews(no_panel, _loop_step),
    "window": TabViews(_window_panel, _window_step),
    "torch": TabViews(_torch_panel, _torch_step),
}
