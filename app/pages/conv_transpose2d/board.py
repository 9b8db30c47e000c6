"""The transposed convolution's board: what stays on screen while stepping.

Every tab shows the input ``y`` (``X<c>``, editable), the weight (``K<c>-<j>``, editable,
laid out ``(C_in, C_out/groups, kH, kW)`` as torch) and the output: on the tabs that stamp
(Scatter, col2im) the uncropped canvas filling up (``Y<o>``, :mod:`.canvas`), on the others
the output computed by the tab's method, filling in output by output. *Zero insert* adds the
zero-inserted, padded input (``Z<c>``) and the flipped kernel with its channel axes swapped
(``F<o>-<i>``), the direct convolution the output equals. No arithmetic happens here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.pages import grids
from app.pages.boards import Grid, kernel_grids, output_grids, scale
from app.pages.conv_transpose2d import canvas, tabs
from app.pages.conv_transpose2d.setup import TransposedSetup
from app.pages.grids import CellTexts, InputCell, Numbers
from app.pages.highlight import Highlight
from convcore.formulas import AxisFormula, geometry_axes
from convcore.methods.transpose_zero_insert import flipped_conv_weight, spread_and_pad
from convcore.views import stamp_map, zero_insert_window_map

#: Zero-inserted input cells by kind code (convcore's zero_insert_maps): class, label.
_KINDS = {1: "ins", 2: "pad"}


@dataclass(frozen=True)
class Board:
    """Everything the board shows for one valid configuration, until the next change."""

    count: int
    kind: str  # what a step is: 'scatter', 'col2im' or 'output'
    in_size: tuple[int, int]
    out_size: tuple[int, int]
    canvas_size: tuple[int, int]
    kernel_size: tuple[int, int]
    inputs: list[Grid]  # X: rows of InputCell (fields)
    kernels: list[Grid]  # K: rows of KernelCell (fields)
    outputs: list[Grid]  # Y: rows of OutputCell (the canvas, or the output)
    spread: list[Grid]  # Z (Zero insert): rows of InputCell (no fields)
    flipped: list[Grid]  # F (Zero insert): rows of ValueCell
    spread_size: tuple[int, int]
    cropped: bool  # the canvas has cells the padding crops
    added: bool  # output_padding adds rows or columns
    axes: tuple[AxisFormula, ...]
    window: str  # the link maps as JSON, for the page's script
    fit: tuple[int, int]  # (columns, rows) the board spans in presentation mode
    tab: Any  # the tab's panel view


def build_board(setup: TransposedSetup, texts: CellTexts, marks: Highlight) -> Board:
    """The board of a valid configuration (see :func:`.setup.prepare`), with the ``marks``
    of its current step."""
    g, config = setup.geometry, setup.config
    q = config.query
    numbers = Numbers()
    stamping = setup.kind != "output"
    out = tabs.output(setup)  # (C_out, Ho, Wo)
    ipg, opg = g.in_per_group, g.out_per_group
    if stamping:
        f = canvas.frame(setup)
        outputs = canvas.grids(setup, canvas.after(setup, marks.t), f, numbers, marks)
    else:
        outputs = output_grids(out, opg, numbers, marks)
    maps: list[dict[str, Any]] = [stamp_map(g).to_dict(canvas=stamping)]
    spread: list[Grid] = []
    flipped: list[Grid] = []
    spread_size = (0, 0)
    if q.tab == "zero_insert":
        window = zero_insert_window_map(g)
        maps.append({**window.to_dict(), "grid": "Z"})
        spread = _spread_grids(setup, numbers, texts, marks)
        flipped = _flipped_grids(setup, numbers, marks)
        spread_size = window.padded_size
    (h, w), (kh, kw), (ho, wo) = g.in_size, g.kernel, g.out_size
    grid_h, grid_w = g.canvas_size if stamping else g.out_size
    if q.tab == "zero_insert":
        fit = (ipg * (spread_size[1] + kw) + wo, max(spread_size[0], kh, ho))
    elif setup.kind == "col2im":
        # the arithmetic writes the stamp out below the grids: a line per kernel row, and one
        fit = (g.in_channels * (w + opg * kw) + g.out_channels * grid_w, max(h, grid_h) + kh + 1)
    elif setup.kind == "scatter":
        fit = (w + opg * (kw + grid_w), max(h, grid_h) + kh + 1)
    else:
        fit = (ipg * (w + kw) + wo, max(h, kh, ho))
    return Board(
        count=setup.count,
        kind=setup.kind,
        in_size=g.in_size,
        out_size=g.out_size,
        canvas_size=g.canvas_size,
        kernel_size=g.kernel,
        inputs=_input_grids(setup, numbers, texts, marks),
        kernels=kernel_grids(
            setup.weight, lambda c, j: ((c // ipg) * opg + j, c, c // ipg), numbers, marks
        ),
        outputs=outputs,
        spread=spread,
        flipped=flipped,
        spread_size=spread_size,
        cropped=stamping and g.padding != (0, 0),
        added=g.output_padding != (0, 0),
        axes=geometry_axes(g),
        window=json.dumps(maps, separators=(",", ":")),
        fit=fit,
        tab=tabs.PANELS[q.tab](setup, out, numbers),
    )


def _input_grids(
    setup: TransposedSetup, numbers: Numbers, texts: CellTexts, marks: Highlight
) -> list[Grid]:
    """One input grid per channel, every cell a field."""
    g = setup.geometry
    x: NDArray[np.float64] = setup.config.x
    top = scale(x)
    height, width = g.in_size
    sources = (list(range(height)), list(range(width)))
    made = []
    for c, values in enumerate(x.tolist()):  # values: (H, W)
        plane = grids.InputPlane(
            channel=c,
            prefix=(c,) if g.in_channels > 1 else (),
            values=values,
            sources=sources,
            pads=(0, 0),
            size=g.in_size,
            scale=top,
            marks=marks.marks(f"X{c}"),
        )
        rows: list[list[InputCell]] = grids.input_cells(plane, numbers, texts)
        grid = f"X{c}"
        made.append(Grid(grid, c, c, c // g.in_per_group, grid in marks.active, rows))
    return made


def _spread_grids(
    setup: TransposedSetup, numbers: Numbers, texts: CellTexts, marks: Highlight
) -> list[Grid]:
    """The zero-inserted, padded input per channel: input cells, inserted zeros, padding."""
    g = setup.geometry
    spread = spread_and_pad(setup.x[None], g)[0]  # (C_in, Hz, Wz)
    (kinds_y, src_y), (kinds_x, src_x) = g.zero_insert_maps()
    top = scale(setup.x)
    labels = {1: texts.inserted_zero, 2: texts.zero_padding}
    made = []
    for c, plane in enumerate(spread.tolist()):  # plane: (Hz, Wz)
        grid = f"Z{c}"
        on = marks.marks(grid)
        head = f"{c}, " if g.in_channels > 1 else ""
        rows = []
        for r, line in enumerate(plane):
            cells = []
            for col, value in enumerate(line):
                text, exact = numbers.cell(value)
                mark, badge = on.get((r, col), ("", ""))
                kind = max(int(kinds_y[r]), int(kinds_x[col]))  # padding > inserted > input
                if kind == 0:
                    cls, label = numbers.tone(value, top), f"x[{head}{src_y[r]}, {src_x[col]}]"
                else:
                    cls, label = _KINDS[kind], labels[kind]
                cells.append(InputCell(False, cls + mark, badge, exact, text, label, "", ""))
            rows.append(cells)
        made.append(Grid(grid, c, c, c // g.in_per_group, grid in marks.active, rows))
    return made


def _flipped_grids(setup: TransposedSetup, numbers: Numbers, marks: Highlight) -> list[Grid]:
    """The direct convolution's weight ``F<o>-<i>``: (C_out, C_in/groups, kH, kW), rotated."""
    g = setup.geometry
    weight = flipped_conv_weight(setup.weight, g.groups)  # (C_out, C_in/G, kH, kW)
    top = scale(weight)

    def band(_i: int, value: float) -> str:
        return numbers.tone(value, top)

    made = []
    for o, planes in enumerate(weight.tolist()):
        for i, values in enumerate(planes):  # values: (kH, kW)
            grid = f"F{o}-{i}"
            rows = grids.value_rows(values, numbers, band)
            group = o // g.out_per_group
            channel = group * g.in_per_group + i
            made.append(Grid(grid, o, channel, group, grid in marks.active, rows))
    return made
