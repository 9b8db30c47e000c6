"""The pooling board: what stays on screen while stepping, every number from convcore.

No arithmetic happens here. The numbers come from convcore (the padded input, the output
and indices of the chosen tab's method, the shape formulas, what ``ceil_mode`` does, the
window map); this module arranges them for the templates, with the texts of the grids'
cells worked out by :mod:`app.pages.grids`. What a step changes is in
:mod:`app.pages.pool.step`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.pages import grids
from app.pages.grids import CellTexts, Numbers
from app.pages.highlight import Highlight
from app.pages.pool.setup import PoolSetup
from app.pages.pool.tabs import TAB_METHODS, TABS
from convcore.formulas import AxisFormula, geometry_axes
from convcore.views.pool import CeilAxis, ceil_mode_axes, pool_window_map

#: Rows of cells the step's explanation (below the arithmetic) takes in presentation mode.
EXPLANATION_ROWS = 4


@dataclass(frozen=True)
class Grid:
    """One grid of the board: its id (``X0``, ``Y1``, ``I1``), channel and rows."""

    id: str
    channel: int
    active: bool  # the current step works on it
    rows: list[Any]


@dataclass(frozen=True)
class Board:
    """Everything the board shows for one valid configuration, until the next change."""

    count: int
    out_size: tuple[int, int]
    padded_size: tuple[int, int]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    inputs: list[Grid]  # rows of InputCell
    outputs: list[Grid]  # rows of OutputCell
    indices: list[Grid]  # max pooling with return_indices: rows of OutputCell
    axes: tuple[AxisFormula, ...]
    ceil: tuple[CeilAxis, CeilAxis]
    overhang: bool  # the padded grid has cells past the padding (a ceil_mode window's)
    method: str
    window: str  # the window map as JSON, for the page's script
    fit: tuple[int, int]  # (columns, rows) the board spans in presentation mode
    tab: Any  # the tab's panel view


def build_board(setup: PoolSetup, texts: CellTexts, marks: Highlight) -> Board:
    """The board of a valid configuration, with the ``marks`` of its current step."""
    config, g = setup.config, setup.geometry
    q = config.query
    x = config.x  # (C, H, W)
    method = TAB_METHODS[q.tab]
    index_values: NDArray[np.int64] | None = None
    call = setup.tracer.call  # validated once, by setup
    if setup.is_max:
        out, index_values = call.run(method, return_indices=True)
    else:
        out = call.run(method)
    padded = g.pad(x[None], setup.fill)[0]  # (C, Hp, Wp)
    numbers = Numbers()
    (hp, wp), (ho, wo) = g.padded_size, g.out_size
    show_indices = setup.is_max and bool(q.ri) and index_values is not None
    return Board(
        count=setup.count,
        out_size=g.out_size,
        padded_size=g.padded_size,
        kernel_size=g.kernel,
        stride=g.stride,
        inputs=_input_grids(setup, padded, numbers, texts, marks),
        outputs=_output_grids(out, "Y", "y", numbers, marks),
        indices=_output_grids(index_values, "I", "i", numbers, marks)
        if show_indices and index_values is not None
        else [],
        axes=geometry_axes(g),
        ceil=ceil_mode_axes(g),
        overhang=g.padded_size
        != (g.in_size[0] + 2 * g.padding[0], g.in_size[1] + 2 * g.padding[1]),
        method=method,
        window=json.dumps(pool_window_map(g, x.shape[0]).to_dict(), separators=(",", ":")),
        # the arithmetic's explanation lines take about as much height as four rows of cells
        fit=(wp + wo * (2 if show_indices else 1), max(hp, ho) + EXPLANATION_ROWS),
        tab=TABS[q.tab].panel(setup, out, numbers),
    )


def _scale(values: NDArray[np.floating]) -> float:
    """The largest finite magnitude of a grid's values: the end of its colour scale."""
    finite = values[np.isfinite(values)]
    return float(np.max(np.abs(finite), initial=0.0))


def _input_grids(
    setup: PoolSetup,
    padded: NDArray[np.float64],
    numbers: Numbers,
    texts: CellTexts,
    marks: Highlight,
) -> list[Grid]:
    """One padded input grid per channel: padding (−∞ or 0) and any overhang around it."""
    g, x = setup.geometry, setup.config.x
    window = pool_window_map(g, x.shape[0])
    sources = (list(window.row_sources), list(window.col_sources))
    edge = (g.in_size[0] + 2 * g.padding[0], g.in_size[1] + 2 * g.padding[1])
    scale = _scale(x)
    made = []
    for c, values in enumerate(padded.tolist()):  # values: (Hp, Wp)
        plane = grids.InputPlane(
            channel=c,
            prefix=(c,) if x.shape[0] > 1 else (),
            values=values,
            sources=sources,
            pads=(g.pads[0], g.pads[2]),
            size=g.in_size,
            scale=scale,
            marks=marks.marks(f"X{c}"),
            edge=edge,
        )
        grid = f"X{c}"
        made.append(Grid(grid, c, grid in marks.active, grids.input_cells(plane, numbers, texts)))
    return made


def _output_grids(
    values: NDArray[Any], prefix: str, name: str, numbers: Numbers, marks: Highlight
) -> list[Grid]:
    """Output (or index) grids with every value; the step's cell marked, the ones to come hidden."""
    channels, oh, ow = values.shape
    scale = _scale(values.astype(np.float64)) if prefix == "Y" else 0.0
    made = []
    for c, plane in enumerate(values.astype(np.float64).tolist()):  # plane: (Ho, Wo)
        rows = grids.output_cells(
            plane, c * oh * ow, marks.t, (c,) if channels > 1 else (), scale, numbers, name
        )
        grid = f"{prefix}{c}"
        made.append(Grid(grid, c, grid in marks.active, rows))
    return made
