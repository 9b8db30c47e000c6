"""One conv2d step: what changes when the student presses →, and nothing else.

The trace of the step (convcore, O(taps)) gives the window's taps and their weights, the
arithmetic and the current tab's row or column; this module turns them into the step's
marks (:mod:`app.pages.highlight`), the terms of the sum and the tab's step view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import convcore as cc
from app.pages import grids
from app.pages.conv2d.setup import Conv2dSetup
from app.pages.conv2d.tabs import TABS
from app.pages.grids import CellTexts, Numbers, Term
from app.pages.highlight import Highlight, Span, Tap, progress
from convcore.trace import ConvStep


@dataclass(frozen=True)
class StepView:
    """Step ``t`` of ``count``: its trace, its marks, its sum and the tab's part of it."""

    t: int
    count: int
    step: ConvStep
    yname: str  # y[o, oy, ox] (the channel only when there are several)
    terms: list[Term]
    highlight: Highlight
    rows: tuple[int, int]  # the window's first and last padded row
    cols: tuple[int, int]
    tab: Any


def build_step(setup: Conv2dSetup, t: int, texts: CellTexts) -> StepView:
    """Step ``t`` (clamped to the steps there are) of a valid configuration."""
    tracer, g = setup.tracer, setup.geometry
    t = min(max(t, 0), tracer.count - 1)
    step = tracer.step(t)
    numbers = Numbers()
    _, o, oy, ox = step.index
    head = f"{o}, " if g.out_channels > 1 else ""
    top, left = step.origin
    bottom = top + cc.dilated_extent(g.kernel[0], g.dilation[0])
    right = left + cc.dilated_extent(g.kernel[1], g.dilation[1])
    return StepView(
        t=t,
        count=tracer.count,
        step=step,
        yname=f"y[{head}{oy}, {ox}]",
        terms=grids.terms(step.taps, numbers),
        highlight=_highlight(setup, step, (top, bottom, left, right), numbers),
        rows=(top, bottom - 1),
        cols=(left, right - 1),
        tab=TABS[setup.query.tab].step(setup, step, numbers, texts),
    )


def _highlight(
    setup: Conv2dSetup, step: ConvStep, span: tuple[int, int, int, int], numbers: Numbers
) -> Highlight:
    """The taps with their weights, the dilation gaps, the output done so far, the grids."""
    g = setup.geometry
    _, o, _, _ = step.index
    channels = range(step.group * g.in_per_group, (step.group + 1) * g.in_per_group)
    taps = [
        Tap(f"X{tap.channel}", tap.padded[0], tap.padded[1], numbers.cell(tap.weight)[0])
        for tap in step.taps
    ]
    # cells inside the window's span that are no tap are skipped by dilation
    spans = [Span(f"X{c}", *span) for c in channels] if g.dilation != (1, 1) else []
    outputs = [f"Y{c}" for c in range(g.out_channels)]
    current = progress(outputs, g.out_size, step.t)
    active = [f"X{c}" for c in channels]
    active += [f"K{o}-{i}" for i in range(g.in_per_group)]
    active.append(f"Y{o}")
    return Highlight(t=step.t, taps=taps, spans=spans, current=[current], active=active)
