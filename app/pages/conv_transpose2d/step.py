"""One step of the transposed convolution: what changes when the student presses →.

A step is an input value stamping (Scatter), an input position's column folding (col2im), or
an output value computed as a direct convolution (Zero insert, Kᵀ, PyTorch). Its trace or
column comes from convcore in O(stamp) or O(taps); this module turns it into the step's marks
(:mod:`app.pages.highlight`), its arithmetic and the tab's part. On the canvas tabs the marks
also carry the canvas cells whose sums changed since the step on screen (``query.shown``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

import convcore as cc
from app.pages import grids
from app.pages.conv_transpose2d import canvas, tabs
from app.pages.conv_transpose2d.setup import TransposedSetup
from app.pages.grids import CellTexts, Numbers, Term
from app.pages.highlight import Cell, CellValue, Highlight, Span, Tap, progress
from convcore.trace import EquivalentConvTracer, ScatterTracer
from convcore.trace.model import EquivalentConvStep
from convcore.views import col2im_column


@dataclass(frozen=True)
class Stamp:
    """What one step adds to the canvas: values per output channel, and where they land."""

    name: str  # x[c, iy, ix], or x[:, iy, ix] for a column
    values: list[str]  # the input value(s), as written in sums
    origin: tuple[int, int]  # canvas cell of the stamp's top-left
    last: tuple[int, int]  # canvas cell of its bottom-right
    planes: list[tuple[int, str]]  # (output channel, its kH × kW block as aligned lines)


@dataclass(frozen=True)
class StepView:
    """Step ``t`` of ``count`` on the current tab: its marks, its arithmetic, the tab's part.

    ``stamp`` is set on the canvas tabs, ``conv`` (the trace of an output value) on the
    others, with ``yname``, ``terms`` (the products of the window, zeros included) and
    ``window`` (its first and last rows and columns on the zero-inserted input).
    """

    t: int
    count: int
    kind: str
    highlight: Highlight
    tab: Any
    stamp: Stamp | None = None
    conv: EquivalentConvStep | None = None
    yname: str = ""
    terms: list[Term] = field(default_factory=list)
    window: tuple[int, int, int, int] = (0, 0, 0, 0)


def build_step(setup: TransposedSetup, t: int, texts: CellTexts) -> StepView:
    """Step ``t`` (clamped to the steps there are) of a valid configuration."""
    t = min(max(t, 0), setup.count - 1)
    numbers = Numbers()
    if setup.kind == "output":
        return _output_step(setup, t, numbers, texts)
    return _canvas_step(setup, t, numbers)


# ---------------------------------------------------------------------------------------------
# steps that stamp: an input value (scatter) or an input position (col2im)


def _canvas_step(setup: TransposedSetup, t: int, numbers: Numbers) -> StepView:
    g = setup.geometry
    now = canvas.after(setup, t)
    f = canvas.frame(setup)
    shown = setup.query.shown
    if shown is None:
        values = canvas.changes(now, None, f, numbers)
    elif shown == t:
        values = []
    else:
        before = canvas.after(setup, min(max(shown, 0), setup.count - 1))
        values = canvas.changes(now, before, f, numbers)
    if setup.kind == "scatter":
        step = ScatterTracer(setup.call).step(t)
        _, c, iy, ix = step.index
        head = f"{c}, " if g.in_channels > 1 else ""
        channels = [c]
        stamped = np.zeros((g.out_channels, *g.kernel))
        for tap in step.taps:
            stamped[tap.out_channel, tap.kernel[1], tap.kernel[2]] = tap.contribution
        outputs = range(step.group * g.out_per_group, (step.group + 1) * g.out_per_group)
        stamp = _stamp(
            setup, f"x[{head}{iy}, {ix}]", [step.value], step.origin, stamped, outputs, numbers
        )
        tab: Any = tabs.scatter_step(step, now, g.out_channels > 1, numbers)
        active = [f"X{c}"] + [f"K{c}-{j}" for j in range(g.out_per_group)]
    else:
        column = col2im_column(setup.x, setup.weight, g, t)
        iy, ix = column.position
        channels = list(range(g.in_channels))
        outputs = range(g.out_channels)
        name = f"x[:, {iy}, {ix}]" if g.in_channels > 1 else f"x[{iy}, {ix}]"
        stamped = column.values
        stamp = _stamp(
            setup, name, column.inputs.tolist(), column.origin, stamped, outputs, numbers
        )
        tab = tabs.col2im_step(column, numbers)
        active = [f"X{c}" for c in channels]
        active += [f"K{c}-{j}" for c in channels for j in range(g.out_per_group)]
    active += [f"Y{o}" for o in outputs]
    highlight = Highlight(
        t=t,
        taps=_landing(setup, stamp, stamped, outputs, numbers),
        spans=_stamp_spans(setup, stamp, outputs),
        current=[Cell(f"X{c}", iy, ix) for c in channels],
        active=active,
        values=values,
    )
    return StepView(t, setup.count, setup.kind, highlight, tab, stamp=stamp)


def _stamp(
    setup: TransposedSetup,
    name: str,
    values: list[float],
    origin: tuple[int, int],
    stamped: Any,
    outputs: range,
    numbers: Numbers,
) -> Stamp:
    """The stamp of a step: ``stamped`` is (C_out, kH, kW), only ``outputs`` meant."""
    g = setup.geometry
    last = (
        origin[0] + cc.dilated_extent(g.kernel[0], g.dilation[0]) - 1,
        origin[1] + cc.dilated_extent(g.kernel[1], g.dilation[1]) - 1,
    )
    planes = [(o, _aligned(stamped[o].tolist(), numbers)) for o in outputs]
    return Stamp(name, [numbers.text(v)[0] for v in values], origin, last, planes)


def _aligned(block: list[list[float]], numbers: Numbers) -> str:
    """A small matrix as lines of right-aligned numbers: one text, not a cell per number
    (a step redraws it, and a table of 4 × 49 cells costs the browser a layout each time)."""
    texts = [[numbers.cell(value)[0] for value in line] for line in block]
    width = max((len(text) for line in texts for text in line), default=1)
    return "\n".join(" ".join(text.rjust(width) for text in line) for line in texts)


def _landing(
    setup: TransposedSetup, stamp: Stamp, stamped: Any, outputs: range, numbers: Numbers
) -> list[Tap]:
    """The canvas cells the stamp adds to, each with what it adds (``stamped``: C_out, kH, kW)."""
    g = setup.geometry
    (kh, kw), (dh, dw) = g.kernel, g.dilation
    return [
        Tap(
            f"Y{o}",
            stamp.origin[0] + i * dh,
            stamp.origin[1] + j * dw,
            _signed(numbers.cell(float(stamped[o, i, j]))[0]),
        )
        for o in outputs
        for i in range(kh)
        for j in range(kw)
    ]


def _signed(text: str) -> str:
    """A badge of what a stamp adds: ``+4``, ``−2``."""
    return text if text.startswith("−") else "+" + text


def _stamp_spans(setup: TransposedSetup, stamp: Stamp, outputs: range) -> list[Span]:
    """Inside a dilated stamp, the cells it skips."""
    if setup.geometry.dilation == (1, 1):
        return []
    top, left = stamp.origin
    bottom, right = stamp.last[0] + 1, stamp.last[1] + 1
    return [Span(f"Y{o}", top, bottom, left, right) for o in outputs]


# ---------------------------------------------------------------------------------------------
# steps that compute an output value


def _output_step(setup: TransposedSetup, t: int, numbers: Numbers, texts: CellTexts) -> StepView:
    g, tab_name = setup.geometry, setup.query.tab
    step = EquivalentConvTracer(setup.call).step(t)
    _, o, oy, ox = step.index
    head = f"{o}, " if g.out_channels > 1 else ""
    channels = range(step.group * g.in_per_group, (step.group + 1) * g.in_per_group)
    local = o - step.group * g.out_per_group
    current = progress([f"Y{c}" for c in range(g.out_channels)], g.out_size, t)
    reads = [
        Tap(f"X{tap.channel}", tap.source[0], tap.source[1], numbers.cell(tap.weight)[0])
        for tap in step.taps
        if tap.source is not None
    ]
    if tab_name == "zero_insert":
        taps = [
            Tap(f"Z{tap.channel}", tap.padded[0], tap.padded[1], numbers.cell(tap.weight)[0])
            for tap in step.taps
        ]
        bottom = oy + cc.dilated_extent(g.kernel[0], g.dilation[0])
        right = ox + cc.dilated_extent(g.kernel[1], g.dilation[1])
        spans = (
            [Span(f"Z{c}", oy, bottom, ox, right) for c in channels] if g.dilation != (1, 1) else []
        )
        active = [f"Z{c}" for c in channels] + [f"F{o}-{i}" for i in range(g.in_per_group)]
        highlight = Highlight(t, taps + reads, spans, [current], [*active, f"Y{o}"])
        tab: Any = tabs.zero_insert_step(setup, step, numbers, texts)
        terms = grids.terms(step.taps, numbers)
    else:
        active = [f"X{c}" for c in channels] + [f"K{c}-{local}" for c in channels]
        highlight = Highlight(t, reads, [], [current], [*active, f"Y{o}"])
        tab = tabs.kt_step(setup, step, numbers) if tab_name == "kt" else tabs.torch_step(step)
        terms = grids.terms([tap for tap in step.taps if tap.kind == "input"], numbers)
    return StepView(
        t,
        setup.count,
        setup.kind,
        highlight,
        tab,
        conv=step,
        yname=f"y[{head}{oy}, {ox}]",
        terms=terms,
        window=(
            oy,
            oy + cc.dilated_extent(g.kernel[0], g.dilation[0]) - 1,
            ox,
            ox + cc.dilated_extent(g.kernel[1], g.dilation[1]) - 1,
        ),
    )


__all__ = ["CellValue", "Stamp", "StepView", "build_step"]
