"""One pooling step: what changes when the student presses →, and nothing else.

The trace of the step (convcore, O(taps)) gives the window's cells, the maximum and where it
is, or the sum and its divisor; :mod:`convcore.views.pool` adds the ties, the cells of each
kind and the overhang of a ``ceil_mode`` window. This module turns them into the step's
marks (:mod:`app.pages.highlight`), the terms of the arithmetic and the tab's step view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from app.pages.grids import CellTexts, Numbers
from app.pages.highlight import Cell, Highlight, Marked, Span, Tap
from app.pages.pool.setup import PoolSetup
from app.pages.pool.tabs import TABS
from convcore.trace import AvgPoolStep, MaxPoolStep
from convcore.trace.model import OUTSIDE, PADDING
from convcore.views.pool import WindowCensus, max_ties, overhang, window_census


class PoolTerm(NamedTuple):
    """One value of the step's window, as the arithmetic writes it."""

    cls: str
    value: str  # exactly
    text: str  # as shown


@dataclass(frozen=True)
class PoolStepView:
    """Step ``t`` of ``count``: its trace, marks and terms, the numbers the text explains."""

    t: int
    count: int
    step: MaxPoolStep | AvgPoolStep
    is_max: bool
    yname: str  # y[c, oy, ox] (the channel only when there are several)
    terms: list[PoolTerm]
    highlight: Highlight
    rows: tuple[int, int]  # the window's first and last padded row
    cols: tuple[int, int]
    start: tuple[int, int]  # where the window starts in input coordinates (negative: padding)
    census: WindowCensus
    overhang: tuple[int, int]  # rows and columns of taps past the padded input (ceil_mode)
    ties: tuple[int, ...]  # taps equal to the maximum after the one torch keeps
    width: int  # the input's width: a flat index is row · width + column
    cells: int  # what the divisor would be without divisor_override
    tab: Any


def build_step(setup: PoolSetup, t: int, texts: CellTexts) -> PoolStepView:
    """Step ``t`` (clamped to the steps there are) of a valid configuration."""
    tracer, g = setup.tracer, setup.geometry
    t = min(max(t, 0), tracer.count - 1)
    step = tracer.step(t)
    numbers = Numbers()
    _, c, oy, ox = step.index
    head = f"{c}, " if setup.config.x.shape[0] > 1 else ""
    top, left = step.origin
    bottom, right = top + g.span[0], left + g.span[1]
    ties = max_ties(step) if isinstance(step, MaxPoolStep) else ()
    cip = True if setup.is_max else bool(setup.query.cip)
    return PoolStepView(
        t=t,
        count=tracer.count,
        step=step,
        is_max=setup.is_max,
        yname=f"y[{head}{oy}, {ox}]",
        terms=_terms(step, ties, numbers),
        highlight=_highlight(setup, step, (top, bottom, left, right), ties),
        rows=(top, bottom - 1),
        cols=(left, right - 1),
        start=(top - g.padding[0], left - g.padding[1]),
        census=window_census(step),
        overhang=overhang(g, oy, ox),
        ties=ties,
        width=g.in_size[1],
        cells=int(g.window_cells(oy, ox, cip)),
        tab=TABS[setup.query.tab].step(setup, step, numbers, texts),
    )


def _terms(
    step: MaxPoolStep | AvgPoolStep, ties: tuple[int, ...], numbers: Numbers
) -> list[PoolTerm]:
    """The window's values in tap order; padding, overhang, the maximum and ties marked."""
    winner = step.winner if isinstance(step, MaxPoolStep) else None
    terms = []
    for k, tap in enumerate(step.taps):
        cls = "term"
        if tap.kind == PADDING:
            cls += " padterm"
        elif tap.kind == OUTSIDE:
            cls += " padterm outterm"
        if k == winner:
            cls += " win"
        elif k in ties:
            cls += " tie"
        text, exact = numbers.text(tap.value)
        terms.append(PoolTerm(cls, exact, text))
    return terms


def _highlight(
    setup: PoolSetup,
    step: MaxPoolStep | AvgPoolStep,
    span: tuple[int, int, int, int],
    ties: tuple[int, ...],
) -> Highlight:
    """The window's cells, its dilation gaps, the maximum and its ties, the output so far."""
    g = setup.geometry
    _, c, oy, ox = step.index
    grid = f"X{c}"
    taps = [Tap(grid, tap.padded[0], tap.padded[1], "") for tap in step.taps]
    spans = [Span(grid, *span)] if g.dilation != (1, 1) else []
    marked = []
    if isinstance(step, MaxPoolStep) and step.winner is not None:
        marked.append(Marked(grid, *step.taps[step.winner].padded, "win"))
        marked += [Marked(grid, *step.taps[k].padded, "tie") for k in ties]
    current = [Cell(f"Y{c}", oy, ox)]
    active = [grid, f"Y{c}"]
    if setup.is_max and setup.query.ri:
        current.append(Cell(f"I{c}", oy, ox))
        active.append(f"I{c}")
    return Highlight(
        t=step.t, taps=taps, spans=spans, current=current, active=active, marked=marked
    )
