"""The transposed convolution's exported figures: the view of the page's tab.

On *Scatter* (the page's default) and *col2im* a step is an input value stamping the scaled
kernel onto the canvas: the figure draws the input, the kernels and the canvas filling up,
cropped rows and columns hatched. On *Zero insert* it is the direct convolution the output
equals (the zero-inserted, padded input under the flipped kernel, conv_arithmetic's view of
a transposed convolution); on the other tabs, the output value by value over the input.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.figures.spec import INPUT, KERNEL, OUTPUT, FigureGroup, FigureSpec, joined
from app.i18n import N_
from app.pages.conv_transpose2d.setup import TransposedSetup
from app.pages.conv_transpose2d.step import StepView
from app.pages.format import num, term


def groups(board: Any) -> list[FigureGroup]:
    """The grids of the board's tab (see the module docstring)."""
    if board.spread:
        return [
            FigureGroup(N_("Zero-inserted input"), INPUT, board.spread),
            FigureGroup(N_("Flipped kernel"), KERNEL, board.flipped),
            FigureGroup(N_("Output"), OUTPUT, board.outputs, fills=True),
        ]
    stamping = board.kind != "output"
    return [
        FigureGroup(N_("Input"), INPUT, board.inputs),
        FigureGroup(N_("Kernel"), KERNEL, board.kernels),
        FigureGroup(
            N_("Canvas") if stamping else N_("Output"), OUTPUT, board.outputs, fills=not stamping
        ),
    ]


def caption(view: StepView) -> str:
    """A stamp: ``x[i, j] · w → canvas[rows, columns]``; an output: its sum."""
    if view.stamp is not None:
        s = view.stamp
        (top, left), (bottom, right) = s.origin, s.last
        where = f"canvas[{top}…{bottom}, {left}…{right}]"
        return f"{s.name} = {', '.join(s.values)}:  {s.name} · w → {where}"
    if view.conv is None:
        return ""
    bias = "" if view.conv.bias is None else f" + {term(view.conv.bias)}"
    products = joined([t.text for t in view.terms])
    return f"{view.yname} = {products}{bias} = {num(view.conv.result)}"


def after(setup: TransposedSetup, shown: int) -> TransposedSetup:
    """The setup of the next step once step ``shown`` is drawn: a canvas step then carries
    the cells that changed since (the page's own ``shown``), not the whole canvas."""
    query = setup.query.model_copy(update={"shown": shown})
    return replace(setup, config=replace(setup.config, query=query))


FIGURE = FigureSpec(groups=groups, caption=caption, after=after)
