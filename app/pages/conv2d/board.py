"""The conv2d board: what stays on screen while stepping, every number from convcore.

No arithmetic happens here. The numbers come from convcore (the padded input, the output of
the chosen tab's method, the shape formulas, the window map); this module arranges them for
the templates, with the texts of the big grids' cells worked out by :mod:`app.pages.grids`.
What a step changes is in :mod:`app.pages.conv2d.step`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

import convcore as cc
from app.pages import grids
from app.pages.boards import Grid, kernel_grids, output_grids, scale
from app.pages.conv2d.setup import Conv2dSetup
from app.pages.conv2d.tabs import TAB_METHODS, TABS
from app.pages.grids import CellTexts, InputCell, Numbers
from app.pages.highlight import Highlight
from convcore.formulas import AxisFormula, geometry_axes
from convcore.views import conv2d_window_map


@dataclass(frozen=True)
class Board:
    """Everything the board shows for one valid configuration, until the next change."""

    count: int
    out_size: tuple[int, int]
    padded_size: tuple[int, int]
    kernel_size: tuple[int, int]
    inputs: list[Grid]  # rows of InputCell
    kernels: list[Grid]  # rows of KernelCell
    outputs: list[Grid]  # rows of OutputCell
    axes: tuple[AxisFormula, ...]
    method: str
    window: str  # the window map as JSON, for the page's script
    fit: tuple[int, int]  # (columns, rows) the board spans in presentation mode
    tab: Any  # the tab's panel view


def build_board(setup: Conv2dSetup, texts: CellTexts, marks: Highlight) -> Board:
    """The board of a valid configuration (see :func:`app.pages.conv2d.setup.prepare`),
    with the ``marks`` of its current step."""
    config, g = setup.config, setup.geometry
    q = config.query
    weight = config.weight
    if weight is None:  # prepare() only makes a setup when the weight exists
        raise cc.ConvcoreError("the kernel is undefined")
    method = TAB_METHODS[q.tab]
    if method not in cc.METHODS["conv2d"]:  # the tab of a method this engine lacks
        method = "im2col"
    # the tracer's prepared call: validated once, by setup
    out = np.asarray(setup.tracer.call.run(method), dtype=np.float64)  # (C_out, Ho, Wo)
    padded = g.pad(config.x[None])[0]  # (C_in, Hp, Wp)
    kernel = config.kernel
    if kernel is None:
        raise cc.ConvcoreError("the kernel is undefined")
    per_group = g.out_per_group
    numbers = Numbers()
    (hp, wp), (ho, wo), (kh, kw) = g.padded_size, g.out_size, g.kernel
    return Board(
        count=setup.count,
        out_size=g.out_size,
        padded_size=g.padded_size,
        kernel_size=g.kernel,
        inputs=_input_grids(g, padded, scale(config.x), numbers, texts, marks),
        kernels=kernel_grids(kernel, lambda o, i: (o, i, o // per_group), numbers, marks),
        outputs=output_grids(out, g.out_per_group, numbers, marks),
        axes=geometry_axes(g),
        method=method,
        window=json.dumps(conv2d_window_map(g).to_dict(), separators=(",", ":")),
        fit=(g.in_per_group * (wp + kw) + wo, max(hp, kh, ho)),
        tab=TABS[q.tab].panel(setup, out, numbers),
    )


def _input_grids(
    g: cc.Conv2dGeometry,
    padded: NDArray[np.float64],
    top: float,
    numbers: Numbers,
    texts: CellTexts,
    marks: Highlight,
) -> list[Grid]:
    """One padded input grid per channel; padding cells name the cell they copy."""
    rows_map, cols_map = g.source_maps()
    sources = (rows_map.tolist(), cols_map.tolist())
    made = []
    for c, values in enumerate(padded.tolist()):  # values: (Hp, Wp)
        plane = grids.InputPlane(
            channel=c,
            prefix=(c,) if g.in_channels > 1 else (),
            values=values,
            sources=sources,
            pads=(g.pads[0], g.pads[2]),
            size=g.in_size,
            scale=top,
            marks=marks.marks(f"X{c}"),
        )
        rows: list[list[InputCell]] = grids.input_cells(plane, numbers, texts)
        grid = f"X{c}"
        made.append(Grid(grid, c, c, c // g.in_per_group, grid in marks.active, rows))
    return made
